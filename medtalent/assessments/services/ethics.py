"""The ethics record (医德档案): entries, the decisions that confirm or dismiss them, and the veto policy.

Who may do what comes from ``access``: programme officers in scope and the trainee's current mentors
report entries (never the trainee), programme officers in scope (and administrators) decide them.

Decisions follow one path: reported → under review → confirmed or dismissed; a confirmed or dismissed
entry may be re-opened (back to under review) with a reason. A commendation that a programme officer
records is confirmed at once: praise needs no investigation, and the officer is the one who would
confirm it. Every other entry, a mentor's commendation included, starts reported.

A confirmed serious violation sets ``veto_until`` = the date of the event + the veto months of the
trainee's training base (its own policy, else its parent institution's, else ``DEFAULT_VETO_MONTHS``).
The months are fixed when the entry is confirmed: changing the policy later does not move the end of
vetoes already decided. Dismissing or re-opening the entry clears the veto.
"""

import calendar
import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtalent.core.audit import audit_diff, audit_record
from medtalent.core.errors import ApplicationError, ConflictError, ForbiddenError
from medtalent.core.notifications import notification_send
from medtalent.core.versioning import save_versioned, stale_version_error
from medtalent.people.access import scope_for
from medtalent.people.models import Institution, Mentorship, Person, Role, TraineeProfile, User

from ..access import may_decide_ethics, may_report_ethics
from ..models import DEFAULT_VETO_MONTHS, EthicsKind, EthicsPolicy, EthicsRecord, EthicsSeverity, EthicsStatus

DESCRIPTION_MAX_CHARS = 4000
NOTE_MAX_CHARS = 4000
REASON_MIN_CHARS = 5
AUDITED_FIELDS = (
    "kind",
    "severity",
    "status",
    "occurred_on",
    "title",
    "description",
    "decision_note",
    "veto_until",
)

# The moves a decision may make; anything else is refused with the reason.
TRANSITIONS: dict[str, frozenset[str]] = {
    EthicsStatus.REPORTED: frozenset({EthicsStatus.UNDER_REVIEW}),
    EthicsStatus.UNDER_REVIEW: frozenset({EthicsStatus.CONFIRMED, EthicsStatus.DISMISSED}),
    EthicsStatus.CONFIRMED: frozenset({EthicsStatus.UNDER_REVIEW}),
    EthicsStatus.DISMISSED: frozenset({EthicsStatus.UNDER_REVIEW}),
}
DECIDED_STATUSES = frozenset({EthicsStatus.CONFIRMED, EthicsStatus.DISMISSED})


def next_statuses(record: EthicsRecord) -> list[str]:
    """The statuses a decision may move the entry to, in the order the page offers them."""
    allowed = TRANSITIONS.get(record.status, frozenset())
    return [status for status in EthicsStatus.values if status in allowed]


def add_calendar_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, or the month's last day when it has no such day (31 Jan → 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- the trainee's training base and its policy -----------------------------------------------------


def training_institution(person: Person) -> Institution:
    """Where the person trains: their active trainee profile's institution, else their latest one's,
    else the institution they belong to."""
    profile = (
        TraineeProfile.objects.filter(person=person)
        .select_related("institution")
        .order_by(
            Case(
                When(status=TraineeProfile.Status.ACTIVE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            "-start_date",
            "-pk",
        )
        .first()
    )
    return profile.institution if profile is not None else person.institution


def veto_months_for(institution: Institution) -> int:
    """The months of ineligibility at this institution: its own policy, else its parent's, else the
    default. An affiliated hospital without a policy of its own follows its university."""
    ids = [institution.pk] + ([institution.parent_id] if institution.parent_id else [])
    months = dict(
        EthicsPolicy.objects.filter(institution_id__in=ids).values_list("institution_id", "veto_months")
    )
    for institution_id in ids:
        if institution_id in months:
            return months[institution_id]
    return DEFAULT_VETO_MONTHS


def _is_serious_violation(record: EthicsRecord) -> bool:
    return record.kind == EthicsKind.VIOLATION and record.severity == EthicsSeverity.SERIOUS


# --- who hears about it -----------------------------------------------------------------------------


def _active_users(person_ids: list[int]) -> list[User]:
    return list(User.objects.filter(person_id__in=person_ids, is_active=True))


def _trainee_and_mentors(person: Person, *, today: datetime.date) -> list[User]:
    mentor_ids = list(
        Mentorship.objects.active_on(today)
        .filter(mentee=person)
        .exclude(kind=Mentorship.Kind.PEER_SENIOR)
        .values_list("mentor_id", flat=True)
    )
    return _active_users([person.pk, *mentor_ids])


def _deciding_officers(institution: Institution) -> list[User]:
    """The programme officers whose scope holds the training base: its own and its parent's."""
    ids = [institution.pk] + ([institution.parent_id] if institution.parent_id else [])
    return list(
        User.objects.filter(
            is_active=True,
            role_assignments__role=Role.PROGRAMME_OFFICER,
            role_assignments__institution_id__in=ids,
        ).distinct()
    )


def _others(users: list[User], actor: Any) -> list[User]:
    return [user for user in users if user.pk != getattr(actor, "pk", None)]


def _record_url(record: EthicsRecord) -> str:
    return reverse("ethics_record", args=[record.pk])


def _snapshot(record: EthicsRecord) -> dict[str, Any]:
    snapshot = {name: getattr(record, name) for name in AUDITED_FIELDS}
    for name, value in snapshot.items():
        if isinstance(value, datetime.date):
            snapshot[name] = value.isoformat()
    return snapshot


# --- checks -----------------------------------------------------------------------------------------


def _choice(value: str, choices: type[Any], field: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: [_("Choose one of the listed values.")]})
    return value


def _clean_entry(
    *,
    kind: str,
    severity: str,
    occurred_on: datetime.date | None,
    title: str,
    description: str,
    today: datetime.date,
) -> tuple[datetime.date, str, str]:
    """The event's date, title and description as stored; every problem at once, by field."""
    errors: dict[str, list[str]] = {}
    if kind not in EthicsKind.values:
        errors["kind"] = [_("Choose one of the listed values.")]
    if severity not in EthicsSeverity.values:
        errors["severity"] = [_("Choose one of the listed values.")]
    if occurred_on is None:
        errors["occurred_on"] = [_("Enter the date of the event.")]
    elif occurred_on > today:
        errors["occurred_on"] = [_("The date of the event cannot be in the future.")]
    title = title.strip()
    if not title:
        errors["title"] = [_("Give the entry a title.")]
    elif len(title) > 200:
        errors["title"] = [_("At most 200 characters.")]
    description = description.strip()
    if len(description) > DESCRIPTION_MAX_CHARS:
        errors["description"] = [_("At most %(count)d characters.") % {"count": DESCRIPTION_MAX_CHARS}]
    if errors or occurred_on is None:
        raise ValidationError(errors)
    return occurred_on, title, description


# --- entries ----------------------------------------------------------------------------------------


@transaction.atomic
def ethics_record_create(
    *,
    actor: Any,
    person: Person,
    kind: str,
    severity: str,
    occurred_on: datetime.date | None,
    title: str,
    description: str = "",
    today: datetime.date | None = None,
) -> EthicsRecord:
    """Add an entry to a trainee's ethics record.

    Reported entries go to the programme officers who decide them; a commendation an officer records is
    confirmed at once and its trainee and mentors are told.
    """
    if not may_report_ethics(actor, person):
        raise ForbiddenError(_("Only programme officers and the trainee's mentors add to an ethics record."))
    if not TraineeProfile.objects.filter(person=person).exists():
        raise ApplicationError(_("Ethics records are kept for trainees only."), field="person")
    today = today or timezone.localdate()
    occurred_on, title, description = _clean_entry(
        kind=kind,
        severity=severity,
        occurred_on=occurred_on,
        title=title,
        description=description,
        today=today,
    )
    record = EthicsRecord(
        person=person,
        kind=kind,
        severity=severity,
        occurred_on=occurred_on,
        title=title,
        description=description,
        reported_by=actor,
    )
    confirmed_at_once = kind == EthicsKind.COMMENDATION and may_decide_ethics(actor, person)
    if confirmed_at_once:
        record.status = EthicsStatus.CONFIRMED
        record.decided_by = actor
        record.decided_at = timezone.now()
    record.full_clean()
    record.save()
    audit_record(
        actor=actor, action="ethics.create", target=record, changes=audit_diff({}, _snapshot(record))
    )
    if confirmed_at_once:
        notification_send(
            recipients=_others(_trainee_and_mentors(person, today=today), actor),
            title=format_lazy(
                gettext_lazy("Ethics record of {trainee}: a commendation was added"), trainee=person
            ),
            url=_record_url(record),
        )
    else:
        notification_send(
            recipients=_others(_deciding_officers(training_institution(person)), actor),
            title=format_lazy(
                gettext_lazy("Ethics record of {trainee}: a new entry awaits review ({kind})"),
                trainee=person,
                kind=record.get_kind_display(),
            ),
            url=_record_url(record),
        )
    return record


_DECISION_TITLES = {
    EthicsStatus.UNDER_REVIEW: gettext_lazy("Ethics record of {trainee}: an entry is under review"),
    EthicsStatus.CONFIRMED: gettext_lazy("Ethics record of {trainee}: an entry was confirmed"),
    EthicsStatus.DISMISSED: gettext_lazy("Ethics record of {trainee}: an entry was dismissed"),
}


@transaction.atomic
def ethics_record_decide(
    *,
    actor: Any,
    record: EthicsRecord,
    expected_version: int,
    status: str,
    note: str,
    severity: str | None = None,
    today: datetime.date | None = None,
) -> EthicsRecord:
    """Move an entry along reported → under review → confirmed / dismissed, or re-open a decided one.

    The programme officer may correct the severity as they find it (a mentor may report a serious
    violation that the review finds moderate). Confirming a serious violation sets the veto; any other
    outcome clears it. A note is required to confirm, dismiss or re-open, and enters the audit trail as
    the reason. The trainee and their current mentors are told.
    """
    if not may_decide_ethics(actor, record.person):
        raise ForbiddenError(
            _("Only programme officers of the trainee's training base decide ethics entries.")
        )
    if expected_version != record.version:
        # Checked before the transition, so a stale page hears "changed meanwhile", not "not allowed".
        raise stale_version_error(expected_version)
    _choice(status, EthicsStatus, "status")
    if severity is not None and severity != "":
        _choice(severity, EthicsSeverity, "severity")
    if status not in TRANSITIONS.get(record.status, frozenset()):
        raise ApplicationError(
            _("An entry that is %(current)s cannot become %(wanted)s.")
            % {
                "current": record.get_status_display().lower(),
                "wanted": EthicsStatus(status).label.lower(),
            },
            field="status",
        )
    note = note.strip()
    reopening = record.status in DECIDED_STATUSES
    if (status in DECIDED_STATUSES or reopening) and len(note) < REASON_MIN_CHARS:
        raise ValidationError({"note": [_("Write the reason for this decision.")]})
    if len(note) > NOTE_MAX_CHARS:
        raise ValidationError({"note": [_("At most %(count)d characters.") % {"count": NOTE_MAX_CHARS}]})
    before = _snapshot(record)
    if severity:
        record.severity = severity
    record.status = status
    record.decision_note = note
    if status in DECIDED_STATUSES:
        record.decided_by = actor
        record.decided_at = timezone.now()
    else:
        record.decided_by = None
        record.decided_at = None
    record.veto_until = None
    if status == EthicsStatus.CONFIRMED and _is_serious_violation(record):
        months = veto_months_for(training_institution(record.person))
        record.veto_until = add_calendar_months(record.occurred_on, months)
    record.full_clean()
    save_versioned(
        record,
        expected_version=expected_version,
        fields=["severity", "status", "decision_note", "decided_by", "decided_at", "veto_until"],
    )
    audit_record(
        actor=actor,
        action="ethics.decide",
        target=record,
        changes={**audit_diff(before, _snapshot(record)), "reason": [None, note]},
    )
    body: Any = ""
    if record.veto_until is not None:
        body = format_lazy(
            gettext_lazy(
                "A confirmed serious violation: the overall evaluation fails for the period, and awards, "
                "scholarships and talent selection are closed to the trainee up to and including {last_day}."
            ),
            last_day=(record.veto_until - datetime.timedelta(days=1)).isoformat(),
        )
    notification_send(
        recipients=_others(_trainee_and_mentors(record.person, today=today or timezone.localdate()), actor),
        title=format_lazy(_DECISION_TITLES[EthicsStatus(status)], trainee=record.person),
        body=body,
        url=_record_url(record),
    )
    return record


# --- the policy -------------------------------------------------------------------------------------


def may_set_ethics_policy(user: Any, institution: Institution | int) -> bool:
    scope = scope_for(user)
    institution_id = institution if isinstance(institution, int) else institution.pk
    return scope.is_admin or institution_id in scope.programme_officer_institution_ids


@transaction.atomic
def ethics_policy_set(*, actor: Any, institution: Institution, veto_months: int) -> EthicsPolicy:
    """How many months a confirmed serious violation keeps the institution's trainees ineligible.

    Applies to entries confirmed from now on; vetoes already decided keep their end date.
    """
    if not may_set_ethics_policy(actor, institution):
        raise ForbiddenError(_("Only programme officers of the institution set its ethics policy."))
    policy = EthicsPolicy.objects.select_for_update().filter(institution=institution).first()
    created = policy is None
    if policy is None:
        policy = EthicsPolicy(institution=institution)
    before = None if created else policy.veto_months
    policy.veto_months = veto_months
    policy.full_clean()
    if not created and before == veto_months:
        return policy
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError:
        # Another officer created the institution's policy between our read and our write.
        raise ConflictError(
            _("Someone else set this policy at the same moment. Nothing was saved: reload and try again.")
        ) from None
    audit_record(
        actor=actor,
        action="ethics.policy_set",
        target=policy,
        changes={"veto_months": [before, veto_months]},
    )
    return policy
