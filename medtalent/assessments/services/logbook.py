"""The case and procedure logbook (登记手册): entries, their verification, the DOPS a logged procedure asks
for, the departments' item lists, and the deficiency alerts.

- A trainee logs their own entries, in the department they rotate in on that date, naming an eligible
  assessor of it as supervisor. Logging a procedure they performed whose item asks for a DOPS requests
  one from the supervisor (an open one already asked for by the logbook is reused rather than repeated).
- Only the supervisor named verifies or rejects an entry, while it awaits verification (versioned: a
  stale page answers 409 and changes nothing). The trainee deletes an entry while it awaits verification.
- Deficiency alerts: a trainee who falls behind the even pace towards an item's minimum in the rotation
  running today hears about it, with their mentors, at most once a week per rotation and item.
"""

import datetime
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtalent.core.audit import audit_diff, audit_record, audit_snapshot
from medtalent.core.errors import ApplicationError, ConflictError, ForbiddenError
from medtalent.core.notifications import notification_send
from medtalent.core.versioning import save_versioned
from medtalent.people.access import scope_for
from medtalent.people.models import Department, Mentorship, Person, TraineeProfile, User
from medtalent.rotations.models import RotationStandard

from ..access import is_eligible_assessor
from ..models import (
    Assessment,
    AssessmentOrigin,
    AssessmentStatus,
    Instrument,
    LogbookAlert,
    LogbookEntry,
    LogbookEntryStatus,
    LogbookItem,
    LogbookKind,
    LogbookRole,
)
from ..selectors import rotation_block_on
from ..selectors_logbook import entry_counts, expected_by_now, items_for_blocks, rotations_in_progress
from .assessments import assessment_cancel, assessment_request

ALERT_INTERVAL = datetime.timedelta(days=7)
ENTRY_AUDITED = ("status", "verified_at", "rejection_reason")
ITEM_AUDITED = ("kind", "code", "name_zh", "name_en", "minimum", "standard", "dops_instrument", "is_active")


def _users_of(person_ids: list[int]) -> list[User]:
    return list(User.objects.filter(person_id__in=person_ids, is_active=True))


def _logbook_url(trainee: TraineeProfile | None = None) -> str:
    url = reverse("logbook")
    return f"{url}?trainee={trainee.pk}" if trainee is not None else url


# --- entries ------------------------------------------------------------------------------------


def _department_on(trainee: TraineeProfile, day: datetime.date) -> tuple[Department | None, Any]:
    block = rotation_block_on(trainee, day)
    if block is not None:
        return block.department, block
    return trainee.department, None


def _check_item(
    item: LogbookItem, *, trainee: TraineeProfile, department: Department | None, day: Any
) -> None:
    if not item.is_active:
        raise ApplicationError(
            _("“%(item)s” is no longer on the logbook list.") % {"item": item}, field="item"
        )
    if department is None or item.department_id != department.pk:
        raise ApplicationError(
            _("“%(item)s” is not on the list of %(department)s, where you rotated on %(date)s.")
            % {"item": item, "department": department or _("no department"), "date": day.isoformat()},
            field="item",
        )
    if item.standard_id is not None:
        standard_id = (
            TraineeProfile.objects.filter(pk=trainee.pk)
            .values_list("rotation_enrolment__edition__standard_id", flat=True)
            .first()
        )
        if standard_id != item.standard_id:
            raise ApplicationError(
                _("“%(item)s” belongs to another rotation standard than yours.") % {"item": item},
                field="item",
            )


def _dops_request(*, actor: Any, entry: LogbookEntry, today: datetime.date) -> Assessment | None:
    """The DOPS this entry asks the supervisor for: an open one the logbook asked for already, else a new
    request. A DOPS that cannot be requested (the instrument withdrawn) leaves the entry logged without."""
    instrument = entry.item.dops_instrument
    if instrument is None or entry.role != LogbookRole.PERFORMED:
        return None
    open_request = (
        Assessment.objects.filter(
            trainee=entry.trainee,
            assessor=entry.supervisor,
            instrument_version__instrument=instrument,
            status=AssessmentStatus.REQUESTED,
            origin=AssessmentOrigin.LOGBOOK,
        )
        .order_by("requested_at", "pk")
        .first()
    )
    if open_request is not None:
        return open_request
    try:
        with transaction.atomic():
            return assessment_request(
                actor=actor,
                trainee=entry.trainee,
                assessor=entry.supervisor,
                instrument=instrument,
                department=entry.department,
                note=_("Logged procedure: %(item)s on %(date)s")
                % {"item": entry.item, "date": entry.performed_on.isoformat()},
                origin=AssessmentOrigin.LOGBOOK,
                today=today,
            )
    except (ApplicationError, ValidationError):
        return None


@transaction.atomic
def logbook_entry_create(
    *,
    actor: Any,
    trainee: TraineeProfile,
    item: LogbookItem,
    performed_on: datetime.date | None,
    role: str,
    supervisor: Person | None,
    patient_reference: str = "",
    note: str = "",
    today: datetime.date | None = None,
) -> LogbookEntry:
    """The trainee logs a case they managed or a procedure they took part in."""
    today = today or timezone.localdate()
    if getattr(actor, "person_id", None) != trainee.person_id:
        raise ForbiddenError(_("Only the trainee logs their own cases and procedures."))
    if performed_on is None:
        raise ValidationError({"performed_on": [_("Enter the date.")]})
    if performed_on > today:
        raise ValidationError({"performed_on": [_("The date cannot be in the future.")]})
    if role not in LogbookRole.values:
        raise ValidationError({"role": [_("Choose your role.")]})
    department, block = _department_on(trainee, performed_on)
    _check_item(item, trainee=trainee, department=department, day=performed_on)
    assert department is not None  # _check_item refuses a day without a department
    if supervisor is None:
        raise ValidationError({"supervisor": [_("Choose the supervisor who verifies the entry.")]})
    if supervisor.pk == trainee.person_id:
        raise ApplicationError(_("You cannot supervise yourself."), field="supervisor")
    if not is_eligible_assessor(supervisor.pk, department):
        raise ApplicationError(
            _("%(person)s is not faculty of %(department)s, so cannot verify entries there.")
            % {"person": supervisor, "department": department},
            field="supervisor",
        )
    entry = LogbookEntry(
        trainee=trainee,
        item=item,
        department=department,
        rotation_block=block,
        performed_on=performed_on,
        role=role,
        supervisor=supervisor,
        patient_reference=patient_reference.strip(),
        note=note.strip(),
        created_by=actor,
    )
    entry.full_clean()
    entry.save()
    entry.dops_assessment = _dops_request(actor=actor, entry=entry, today=today)
    if entry.dops_assessment is not None:
        LogbookEntry.objects.filter(pk=entry.pk).update(dops_assessment=entry.dops_assessment)
    audit_record(
        actor=actor,
        action="logbook.entry_create",
        target=entry,
        changes={
            "item": [None, str(item)],
            "performed_on": [None, performed_on.isoformat()],
            "role": [None, role],
            "supervisor": [None, str(supervisor)],
            "dops_assessment": [None, entry.dops_assessment_id],
        },
    )
    notification_send(
        recipients=_users_of([supervisor.pk]),
        title=format_lazy(
            gettext_lazy("{trainee} logged {item} on {date}: please verify"),
            trainee=trainee.person,
            item=item,
            date=performed_on.isoformat(),
        ),
        body=entry.note,
        url=reverse("logbook_queue"),
    )
    return entry


def _require_supervisor(actor: Any, entry: LogbookEntry) -> None:
    if getattr(actor, "person_id", None) != entry.supervisor_id:
        raise ForbiddenError(_("Only the supervisor named on the entry verifies it."))


def _require_pending(entry: LogbookEntry) -> None:
    if entry.status != LogbookEntryStatus.PENDING:
        raise ConflictError(
            _("This entry was %(status)s already; nothing was changed.")
            % {"status": entry.get_status_display().lower()}
        )


def _decide(
    *, actor: Any, entry: LogbookEntry, expected_version: int, status: str, reason: str = ""
) -> LogbookEntry:
    _require_supervisor(actor, entry)
    _require_pending(entry)
    before = audit_snapshot(entry, ENTRY_AUDITED)
    entry.status = status
    entry.verified_at = timezone.now() if status == LogbookEntryStatus.VERIFIED else None
    entry.rejection_reason = reason
    save_versioned(entry, expected_version=expected_version, fields=ENTRY_AUDITED)
    verb = "verify" if status == LogbookEntryStatus.VERIFIED else "reject"
    audit_record(
        actor=actor,
        action=f"logbook.entry_{verb}",
        target=entry,
        changes=audit_diff(before, audit_snapshot(entry, ENTRY_AUDITED)),
    )
    if status == LogbookEntryStatus.VERIFIED:
        title = gettext_lazy("{supervisor} verified your logbook entry: {item} on {date}")
    else:
        title = gettext_lazy("{supervisor} rejected your logbook entry: {item} on {date}")
    notification_send(
        recipients=_users_of([entry.trainee.person_id]),
        title=format_lazy(
            title, supervisor=entry.supervisor, item=entry.item, date=entry.performed_on.isoformat()
        ),
        body=reason,
        url=_logbook_url(),
    )
    return entry


@transaction.atomic
def logbook_entry_verify(*, actor: Any, entry: LogbookEntry, expected_version: int) -> LogbookEntry:
    """The supervisor confirms the entry: it counts toward the minimum as verified."""
    return _decide(
        actor=actor, entry=entry, expected_version=expected_version, status=LogbookEntryStatus.VERIFIED
    )


@transaction.atomic
def logbook_entry_reject(
    *, actor: Any, entry: LogbookEntry, expected_version: int, reason: str
) -> LogbookEntry:
    """The supervisor refuses the entry with a reason the trainee reads; it no longer counts."""
    reason = (reason or "").strip()
    _require_supervisor(actor, entry)
    if len(reason) < 3:
        raise ValidationError({"reason": [_("Say why the entry is rejected.")]})
    if len(reason) > 300:
        raise ValidationError({"reason": [_("Keep the reason under 300 characters.")]})
    return _decide(
        actor=actor,
        entry=entry,
        expected_version=expected_version,
        status=LogbookEntryStatus.REJECTED,
        reason=reason,
    )


@transaction.atomic
def logbook_entry_delete(*, actor: Any, entry: LogbookEntry, expected_version: int) -> None:
    """The trainee withdraws an entry nobody has verified or rejected yet. A DOPS it alone asked for and
    that is still open is cancelled with it."""
    if getattr(actor, "person_id", None) != entry.trainee.person_id:
        raise ForbiddenError(_("Only the trainee deletes their own entries."))
    _require_pending(entry)
    deleted, _rows = LogbookEntry.objects.filter(
        pk=entry.pk, version=expected_version, status=LogbookEntryStatus.PENDING
    ).delete()
    if not deleted:
        raise ConflictError(
            _("The supervisor acted on this entry after you opened it. Nothing was deleted: reload the page.")
        )
    audit_record(
        actor=actor,
        action="logbook.entry_delete",
        target=entry,
        changes={
            "item": [str(entry.item), None],
            "performed_on": [entry.performed_on.isoformat(), None],
            "status": [entry.status, None],
        },
    )
    dops = entry.dops_assessment
    still_asked = dops is not None and LogbookEntry.objects.filter(dops_assessment=dops).exists()
    if dops is not None and dops.status == AssessmentStatus.REQUESTED and not still_asked:
        assessment_cancel(
            actor=actor,
            assessment=dops,
            expected_version=dops.version,
            reason=_("The logbook entry that asked for it was deleted."),
        )


# --- items --------------------------------------------------------------------------------------


def may_manage_logbook_items(user: Any, department: Department) -> bool:
    """Programme officers of the department's institution (or its parent base) and the department's head."""
    scope = scope_for(user)
    return (
        scope.is_admin
        or department.institution_id in scope.programme_officer_institution_ids
        or department.pk in scope.head_department_ids
    )


@transaction.atomic
def logbook_item_save(
    *,
    actor: Any,
    department: Department,
    item: LogbookItem | None = None,
    kind: str,
    code: str,
    name_zh: str,
    name_en: str = "",
    minimum: int,
    standard: RotationStandard | None = None,
    dops_instrument: Instrument | None = None,
    is_active: bool = True,
) -> LogbookItem:
    """Add an item to the department's list, or change one: its names, minimum per rotation, standard and
    the DOPS it asks for. Items already logged keep their entries; withdraw them with ``is_active``."""
    if not may_manage_logbook_items(actor, department):
        raise ForbiddenError(
            _("Only the programme office or the head of the department keeps its logbook list.")
        )
    if item is not None and item.department_id != department.pk:
        raise ApplicationError(_("This item belongs to another department."))
    if dops_instrument is not None and kind != LogbookKind.PROCEDURE:
        raise ApplicationError(_("Only a procedure can ask for a DOPS."), field="dops_instrument")
    bases = {department.institution_id, department.institution.parent_id}
    if standard is not None and standard.institution_id not in bases:
        raise ApplicationError(_("Choose a rotation standard of this training base."), field="standard")
    code = code.strip().lower()
    clash = LogbookItem.objects.filter(department=department, standard=standard, kind=kind, code=code)
    if item is not None:
        clash = clash.exclude(pk=item.pk)
    if clash.exists():
        raise ValidationError({"code": [_("The department's list has this code already.")]})
    is_new = item is None
    before = {} if item is None else audit_snapshot(item, ITEM_AUDITED)
    if item is None:
        item = LogbookItem(department=department, institution_id=department.institution_id)
    item.kind = kind
    item.code = code
    item.name_zh = name_zh.strip()
    item.name_en = name_en.strip()
    item.minimum = minimum
    item.standard = standard
    item.dops_instrument = dops_instrument
    item.is_active = is_active
    item.full_clean()
    item.save()
    changes = audit_diff(before, audit_snapshot(item, ITEM_AUDITED))
    if changes:
        audit_record(
            actor=actor,
            action="logbook.item_add" if is_new else "logbook.item_change",
            target=item,
            changes=changes,
        )
    return item


# --- deficiency alerts --------------------------------------------------------------------------


def logbook_deficiency_alerts_send(*, today: datetime.date) -> int:
    """Alert trainees (and their mentors) who are behind the pace towards an item's minimum in the rotation
    running today. Returns the number of alerts sent (one per rotation and item).

    Behind: fewer entries verified or awaiting verification than the minimum times the elapsed share of
    the rotation, rounded down. A (rotation, item) alerted in the last seven days is left alone.
    All rotations are counted together: a fixed handful of queries, then the writes.
    """
    blocks = rotations_in_progress(today)
    items = items_for_blocks(blocks)
    counts = entry_counts(block.pk for block in blocks)
    recent = set(
        LogbookAlert.objects.filter(
            rotation_block_id__in=[block.pk for block in blocks], sent_on__gt=today - ALERT_INTERVAL
        ).values_list("rotation_block_id", "item_id")
    )
    behind: list[tuple[Any, LogbookItem, int, int]] = []
    for block in blocks:
        for item in items.get(block.pk, []):
            if not item.minimum or (block.pk, item.pk) in recent:
                continue
            expected = expected_by_now(minimum=item.minimum, block=block, today=today)
            done = counts[(block.pk, item.pk)].counted if (block.pk, item.pk) in counts else 0
            if done < expected:
                behind.append((block, item, done, expected))
    if not behind:
        return 0
    trainee_people = {block.trainee.person_id for block, *_rest in behind}
    mentors: dict[int, set[int]] = defaultdict(set)
    for mentee_id, mentor_id in (
        Mentorship.objects.active_on(today)
        .filter(mentee_id__in=trainee_people)
        .values_list("mentee_id", "mentor_id")
    ):
        mentors[mentee_id].add(mentor_id)
    users: dict[int, list[User]] = defaultdict(list)
    wanted = trainee_people | {mentor for ids in mentors.values() for mentor in ids}
    for user in _users_of(list(wanted)):
        users[user.person_id].append(user)  # type: ignore[index]
    with transaction.atomic():
        LogbookAlert.objects.bulk_create(
            [LogbookAlert(rotation_block=block, item=item, sent_on=today) for block, item, *_rest in behind]
        )
        for block, item, done, expected in behind:
            person = block.trainee.person
            figures = {
                "item": item,
                "department": block.department,
                "done": done,
                "expected": expected,
                "minimum": item.minimum,
            }
            body = format_lazy(
                gettext_lazy(
                    "{done} logged so far; {expected} expected by now to reach {minimum} by the end of "
                    "the rotation."
                ),
                **figures,
            )
            notification_send(
                recipients=users.get(person.pk, []),
                title=format_lazy(
                    gettext_lazy("Logbook: you are behind on {item} in {department}"), **figures
                ),
                body=body,
                url=_logbook_url(),
            )
            mentor_users = [user for mentor in mentors.get(person.pk, ()) for user in users.get(mentor, [])]
            notification_send(
                recipients=mentor_users,
                title=format_lazy(
                    gettext_lazy("Logbook: {trainee} is behind on {item} in {department}"),
                    trainee=person,
                    **figures,
                ),
                body=body,
                url=_logbook_url(block.trainee),
            )
    return len(behind)
