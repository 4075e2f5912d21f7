"""Training plans: created from a programme, individualised, signed by both mentors, tracked by milestones.

The life of a plan: draft → waiting for signatures (submitted to both mentors) → active (both signed
the current revision) → completed or withdrawn.

What needs signing again. Both mentors sign a *revision* of the plan. A material change makes a new
revision, so an active plan goes back to waiting for signatures and a signature given to the old
revision no longer counts. Material is what the mentors agreed to:
- the individual goals, the start date, either mentor;
- a milestone added or removed; its name, or the evidence it takes or requires;
- a due date (or a stage's dates) moved by more than ``MATERIAL_SHIFT_DAYS`` days.
Trivial, and never asks for signatures: a date moved by ``MATERIAL_SHIFT_DAYS`` days or less, evidence
attached or removed, a milestone marked done or reopened, notes.
"""

import datetime
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise, lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtalent.core.audit import audit_diff, audit_record, audit_snapshot
from medtalent.core.errors import ApplicationError, ConflictError, ForbiddenError
from medtalent.core.notifications import notification_send
from medtalent.core.versioning import lock_at_version, save_versioned
from medtalent.people.models import Mentorship, Person, TraineeProfile, User

from ..access import (
    is_plan_mentor,
    may_confirm_milestones,
    may_create_plan_for,
    may_edit_plan,
    may_name_mentor,
    runs_plan,
)
from ..dates import due_after, months_after
from ..evidence import evidence_source
from ..models import (
    OPEN_PLAN_STATUSES,
    EvidenceKind,
    MilestoneEvidence,
    MilestoneStatus,
    PlanMilestone,
    PlanSignature,
    PlanStage,
    PlanStatus,
    Programme,
    SignerRole,
    TrainingPlan,
)
from ..selectors import overdue_q

MATERIAL_SHIFT_DAYS = 30
GOALS_MAX_CHARS = 4000
NOTE_MAX_CHARS = 1000
PLAN_AUDITED = ("goals", "start_date", "school_mentor_id", "hospital_mentor_id", "status", "revision")
MILESTONE_MATERIAL = ("name_zh", "name_en", "evidence_kinds", "requires_evidence")
MILESTONE_AUDITED = (*MILESTONE_MATERIAL, "due_date", "status", "note", "confirmed_by_id")


def _lazy_text(render: Any) -> Promise:
    """Text rendered when it is read (``render()`` under the reader's language): a notification body
    in each recipient's language, whatever the language of the person who made the change."""
    return lazy(render, str)()


# Dates a plan may hold: far enough either way for any career, near enough that month arithmetic is safe.
EARLIEST_DATE = datetime.date(1950, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)


def _check_dates(**dates: datetime.date | None) -> None:
    errors = {
        field: _("A date from %(first)s to %(last)s is required.")
        % {"first": EARLIEST_DATE, "last": LATEST_DATE}
        for field, day in dates.items()
        if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE
    }
    if errors:
        raise ValidationError(errors)


def _plan_url(plan: TrainingPlan) -> str:
    return reverse("plan_detail", args=[plan.pk])


def _users_of(*people: Person | None) -> list[User]:
    ids = [person.pk for person in people if person is not None]
    return list(User.objects.filter(person_id__in=ids, is_active=True)) if ids else []


def _require_edit(actor: Any, plan: TrainingPlan) -> None:
    if not may_edit_plan(actor, plan):
        if plan.status not in OPEN_PLAN_STATUSES:
            raise ApplicationError(
                _("This plan is %(status)s and can no longer be changed.")
                % {"status": plan.get_status_display().lower()}
            )
        raise ForbiddenError(_("You may not change this plan."))


def _locked(plan: TrainingPlan, expected_version: int | None) -> TrainingPlan:
    """The plan with its row locked for the rest of the transaction and its version, revision and status as
    stored; 409 when it moved past ``expected_version``."""
    fresh = lock_at_version(plan, expected_version=expected_version)
    plan.version, plan.revision, plan.status = fresh.version, fresh.revision, fresh.status
    return plan


def default_mentors(person: Person, on: datetime.date) -> dict[str, Person | None]:
    """The person's current school and hospital mentors, the most recent link of each kind."""
    links = (
        Mentorship.objects.active_on(on)
        .filter(mentee=person, kind__in=[Mentorship.Kind.SCHOOL, Mentorship.Kind.HOSPITAL])
        .select_related("mentor")
        .order_by("-start_date", "-id")
    )
    mentors: dict[str, Person | None] = {SignerRole.SCHOOL: None, SignerRole.HOSPITAL: None}
    for link in links:
        if mentors[link.kind] is None:
            mentors[link.kind] = link.mentor
    return mentors


def _check_named_mentors(actor: Any, programme: Programme, person: Person, **named: Person | None) -> None:
    """Mentors chosen by hand (``school_mentor=…``, ``hospital_mentor=…``; None where not chosen)."""
    errors = {
        field: _("Choose one of the trainee's current mentors.")
        for field, mentor in named.items()
        if mentor is not None and not may_name_mentor(actor, programme, person, mentor)
    }
    if errors:
        raise ValidationError(errors)


def _check_mentors(person: Person, school: Person | None, hospital: Person | None) -> None:
    errors = {}
    if school is not None and school.pk == person.pk:
        errors["school_mentor"] = _("A trainee cannot be their own mentor.")
    if hospital is not None and hospital.pk == person.pk:
        errors["hospital_mentor"] = _("A trainee cannot be their own mentor.")
    if school is not None and hospital is not None and school.pk == hospital.pk:
        errors["hospital_mentor"] = _(
            "The school mentor and the hospital mentor must be two different people."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_create(
    *,
    actor: Any,
    programme: Programme,
    person: Person,
    start_date: datetime.date,
    goals: str = "",
    school_mentor: Person | None = None,
    hospital_mentor: Person | None = None,
) -> TrainingPlan:
    """A draft plan for ``person``: the programme's stages and milestones copied with real dates.

    Mentors left out are the person's current school and hospital mentors.
    """
    _check_dates(start_date=start_date)
    if not may_create_plan_for(actor, person):
        raise ForbiddenError(_("You may not start a plan for this person."))
    if not programme.is_active:
        raise ApplicationError(_("This programme is closed for new plans."), field="programme")
    if len(goals) > GOALS_MAX_CHARS:
        raise ValidationError({"goals": _("At most %(max)s characters.") % {"max": GOALS_MAX_CHARS}})
    _check_named_mentors(
        actor, programme, person, school_mentor=school_mentor, hospital_mentor=hospital_mentor
    )
    defaults = default_mentors(person, start_date)
    school_mentor = school_mentor or defaults[SignerRole.SCHOOL]
    hospital_mentor = hospital_mentor or defaults[SignerRole.HOSPITAL]
    _check_mentors(person, school_mentor, hospital_mentor)
    plan = TrainingPlan(
        programme=programme,
        person=person,
        trainee_profile=TraineeProfile.objects.filter(
            person=person, status=TraineeProfile.Status.ACTIVE
        ).first(),
        school_mentor=school_mentor,
        hospital_mentor=hospital_mentor,
        start_date=start_date,
        goals=goals.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    plan.full_clean(exclude=["programme", "person"], validate_constraints=False)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise ApplicationError(
            _("%(person)s already has an open plan in this programme.") % {"person": person.display_name},
            field="person",
        ) from None
    _copy_template(plan)
    audit_record(
        actor=actor,
        action="plan.create",
        target=plan,
        changes=audit_diff({}, audit_snapshot(plan, PLAN_AUDITED)) | {"programme": [None, programme.code]},
    )
    return plan


def _copy_template(plan: TrainingPlan) -> None:
    stages = list(plan.programme.stages.prefetch_related("milestones"))
    plan_stages = PlanStage.objects.bulk_create(
        [
            PlanStage(
                plan=plan,
                template=stage,
                order=stage.order,
                name_zh=stage.name_zh,
                name_en=stage.name_en,
                goal_zh=stage.goal_zh,
                goal_en=stage.goal_en,
                start_date=months_after(plan.start_date, stage.start_month),
                end_date=due_after(plan.start_date, stage.start_month + stage.months),
            )
            for stage in stages
        ]
    )
    PlanMilestone.objects.bulk_create(
        [
            PlanMilestone(
                plan=plan,
                stage=plan_stage,
                template=milestone,
                order=milestone.order,
                name_zh=milestone.name_zh,
                name_en=milestone.name_en,
                due_date=due_after(plan.start_date, milestone.due_month),
                evidence_kinds=list(milestone.evidence_kinds),
                requires_evidence=milestone.requires_evidence,
            )
            for stage, plan_stage in zip(stages, plan_stages, strict=True)
            for milestone in stage.milestones.all()
        ]
    )


def _material_change(*, actor: Any, plan: TrainingPlan, what: Promise) -> None:
    """A new revision: signatures given so far no longer count, and both mentors are asked again.

    The plan row is locked by the caller (``_locked``).
    """
    was_signed = plan.signatures.filter(revision=plan.revision).exists()
    new_status = PlanStatus.AWAITING_SIGNATURES if plan.status == PlanStatus.ACTIVE else plan.status
    TrainingPlan.objects.filter(pk=plan.pk).update(
        revision=F("revision") + 1, version=F("version") + 1, status=new_status, updated_at=timezone.now()
    )
    before = (plan.status, plan.revision)
    plan.refresh_from_db(fields=["revision", "version", "status", "activated_at"])
    audit_record(
        actor=actor,
        action="plan.revise",
        target=plan,
        changes={
            "revision": [before[1], plan.revision],
            "status": [before[0], plan.status],
            "change": [None, str(what)],
        },
    )
    if plan.status == PlanStatus.AWAITING_SIGNATURES or was_signed:
        notification_send(
            recipients=_users_of(plan.school_mentor, plan.hospital_mentor),
            title=format_lazy(
                gettext_lazy("The training plan of {person} changed: please review and sign it again"),
                person=plan.person,
            ),
            body=what,
            url=_plan_url(plan),
        )


@transaction.atomic
def plan_update(
    *,
    actor: Any,
    plan: TrainingPlan,
    expected_version: int,
    goals: str | None = None,
    start_date: datetime.date | None = None,
    school_mentor: Person | None = None,
    hospital_mentor: Person | None = None,
) -> TrainingPlan:
    """Change the plan's goals, start (drafts only: every date moves with it) or mentors. All material."""
    _check_dates(start_date=start_date)
    _require_edit(actor, plan)
    _locked(plan, expected_version)
    before = audit_snapshot(plan, PLAN_AUDITED)
    if goals is not None:
        if len(goals) > GOALS_MAX_CHARS:
            raise ValidationError({"goals": _("At most %(max)s characters.") % {"max": GOALS_MAX_CHARS}})
        plan.goals = goals.strip()
    shift = None
    if start_date is not None and start_date != plan.start_date:
        if plan.status != PlanStatus.DRAFT:
            raise ApplicationError(
                _("The start date can change only while the plan is a draft; move single dates instead."),
                field="start_date",
            )
        shift = start_date
    _check_named_mentors(
        actor,
        plan.programme,
        plan.person,
        school_mentor=school_mentor if school_mentor and school_mentor.pk != plan.school_mentor_id else None,
        hospital_mentor=(
            hospital_mentor if hospital_mentor and hospital_mentor.pk != plan.hospital_mentor_id else None
        ),
    )
    if school_mentor is not None:
        plan.school_mentor = school_mentor
    if hospital_mentor is not None:
        plan.hospital_mentor = hospital_mentor
    _check_mentors(plan.person, plan.school_mentor, plan.hospital_mentor)
    if shift is not None:
        _move_dates(plan, shift)
    changes = audit_diff(before, audit_snapshot(plan, PLAN_AUDITED))
    if not changes:
        return plan
    save_versioned(
        plan,
        expected_version=expected_version,
        fields=["goals", "start_date", "school_mentor", "hospital_mentor"],
    )
    audit_record(actor=actor, action="plan.update", target=plan, changes=changes)
    if plan.status != PlanStatus.DRAFT:
        _material_change(actor=actor, plan=plan, what=gettext_lazy("Goals or mentors changed."))
    return plan


def _move_dates(plan: TrainingPlan, start_date: datetime.date) -> None:
    """Re-derive a draft's dates from a new start, keeping each date's offset in months and days."""
    old = plan.start_date
    plan.start_date = start_date

    def moved(day: datetime.date) -> datetime.date:
        following = day + datetime.timedelta(days=1)
        months = (following.year - old.year) * 12 + following.month - old.month
        if months_after(old, months) == following:
            # The last day of the plan's n-th month (a stage's end, a milestone's due date): keep it so,
            # or a start moved from 1 September to 1 October would end stages on the 30th of 31-day months.
            return months_after(start_date, months) - datetime.timedelta(days=1)
        months = (day.year - old.year) * 12 + day.month - old.month
        return months_after(start_date, months) + datetime.timedelta(days=day.day - old.day)

    stages = list(plan.stages.all())
    for stage in stages:
        stage.start_date, stage.end_date = moved(stage.start_date), moved(stage.end_date)
    PlanStage.objects.bulk_update(stages, ["start_date", "end_date"])
    milestones = list(plan.milestones.all())
    for milestone in milestones:
        milestone.due_date = moved(milestone.due_date)
    PlanMilestone.objects.bulk_update(milestones, ["due_date"])


@transaction.atomic
def plan_submit(*, actor: Any, plan: TrainingPlan, expected_version: int) -> TrainingPlan:
    """Send a draft to both mentors for signature."""
    _require_edit(actor, plan)
    _locked(plan, expected_version)
    if plan.status != PlanStatus.DRAFT:
        raise ApplicationError(_("Only a draft can be sent for signatures."))
    missing = [
        (field, label)
        for field, label in (
            ("school_mentor", _("Name the school mentor before sending the plan for signatures.")),
            ("hospital_mentor", _("Name the hospital mentor before sending the plan for signatures.")),
        )
        if getattr(plan, f"{field}_id") is None
    ]
    if missing:
        raise ValidationError(dict(missing))
    if not plan.milestones.exists():
        raise ApplicationError(_("A plan needs at least one milestone before it is signed."))
    plan.status = PlanStatus.AWAITING_SIGNATURES
    save_versioned(plan, expected_version=expected_version, fields=["status"])
    audit_record(
        actor=actor, action="plan.submit", target=plan, changes={"status": [PlanStatus.DRAFT, plan.status]}
    )
    notification_send(
        recipients=_users_of(plan.school_mentor, plan.hospital_mentor),
        title=format_lazy(
            gettext_lazy("Please review and sign the training plan of {person}"),
            person=plan.person,
        ),
        url=_plan_url(plan),
    )
    return plan


def plan_signature_record(
    *, actor: Any, plan: TrainingPlan, role: str, signer: Person, signed_at: datetime.datetime
) -> PlanSignature:
    """Write one signature on the plan's current revision and, with both on it, activate the plan: the
    dates then on the milestones become the ones the mentors agreed to.

    No checks of who signs: ``plan_sign`` makes them; the demo loader signs for mentors without a login.
    """
    signature = PlanSignature.objects.create(
        plan=plan, role=role, signer=signer, revision=plan.revision, signed_at=signed_at
    )
    audit_record(
        actor=actor,
        action="plan.sign",
        target=plan,
        changes={
            "role": [None, role],
            "revision": [None, plan.revision],
            "signer": [None, signer.display_name],
        },
    )
    signed_roles = set(plan.signatures.filter(revision=plan.revision).values_list("role", flat=True))
    if signed_roles >= set(SignerRole.values):
        plan.status = PlanStatus.ACTIVE
        plan.activated_at = signed_at
        save_versioned(plan, expected_version=plan.version, fields=["status", "activated_at"])
        PlanMilestone.objects.filter(plan=plan).update(agreed_due_date=F("due_date"))
        audit_record(
            actor=actor,
            action="plan.activate",
            target=plan,
            changes={"status": [PlanStatus.AWAITING_SIGNATURES, PlanStatus.ACTIVE]},
        )
    return signature


@transaction.atomic
def plan_sign(*, actor: Any, plan: TrainingPlan, expected_version: int) -> PlanSignature:
    """The signing mentor signs the revision they read; with both signatures on it, the plan is active.

    ``expected_version`` is the version the mentor read: if the plan changed since, the signature is
    refused (409) so nobody signs what they have not seen.
    """
    roles = plan.roles_of(getattr(actor, "person_id", None))
    if not roles:
        raise ForbiddenError(_("Only the plan's school mentor and hospital mentor sign it."))
    _locked(plan, expected_version)
    if plan.status != PlanStatus.AWAITING_SIGNATURES:
        raise ApplicationError(_("This plan is not waiting for signatures."))
    role = roles[0]
    if plan.signatures.filter(role=role, revision=plan.revision).exists():
        raise ConflictError(_("You have already signed this version of the plan."))
    signature = plan_signature_record(
        actor=actor, plan=plan, role=role, signer=actor.person, signed_at=timezone.now()
    )
    if plan.status == PlanStatus.ACTIVE:
        notification_send(
            recipients=_users_of(plan.person, plan.school_mentor, plan.hospital_mentor),
            title=format_lazy(
                gettext_lazy("The training plan of {person} is signed by both mentors and active"),
                person=plan.person,
            ),
            url=_plan_url(plan),
        )
    else:
        other = plan.hospital_mentor if role == SignerRole.SCHOOL else plan.school_mentor
        notification_send(
            recipients=_users_of(other),
            title=format_lazy(
                gettext_lazy("{mentor} signed the training plan of {person}; your signature is next"),
                mentor=actor.person,
                person=plan.person,
            ),
            url=_plan_url(plan),
        )
    return signature


@transaction.atomic
def plan_close(
    *, actor: Any, plan: TrainingPlan, expected_version: int, status: str, reason: str
) -> TrainingPlan:
    """Officers complete an active plan or withdraw an open one, with a reason."""
    if not runs_plan(actor, plan):
        raise ForbiddenError(_("Only programme officers complete or withdraw plans."))
    _locked(plan, expected_version)
    allowed: dict[str, tuple[PlanStatus, ...]] = {
        PlanStatus.COMPLETED: (PlanStatus.ACTIVE,),
        PlanStatus.WITHDRAWN: OPEN_PLAN_STATUSES,
    }
    if status not in allowed or plan.status not in allowed[status]:
        raise ApplicationError(
            _("A plan that is %(status)s cannot be closed this way.")
            % {"status": plan.get_status_display().lower()}
        )
    if len(reason.strip()) < 5:
        raise ValidationError({"reason": _("Say why, in a few words.")})
    before = plan.status
    plan.status = status
    save_versioned(plan, expected_version=expected_version, fields=["status"])
    audit_record(
        actor=actor,
        action="plan.close",
        target=plan,
        changes={"status": [before, status], "reason": [None, reason.strip()]},
    )
    return plan


# --- stages and milestones ---------------------------------------------------------------------


def _date_moved_far(before: datetime.date, after: datetime.date) -> bool:
    return abs((after - before).days) > MATERIAL_SHIFT_DAYS


def _agreed_terms(milestone: PlanMilestone) -> dict[str, Any]:
    """The milestone as the mentors signed it (its due date as last signed, where it was)."""
    terms = {name: getattr(milestone, name) for name in MILESTONE_MATERIAL}
    return {**terms, "due_date": milestone.agreed_due_date or milestone.due_date}


def milestone_change_is_material(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether changing a milestone from ``before`` to ``after`` (field → value) needs new signatures."""
    if any(before.get(name) != after.get(name) for name in MILESTONE_MATERIAL):
        return True
    return _date_moved_far(before["due_date"], after["due_date"])


def _clean_kinds(kinds: list[str], requires_evidence: bool) -> list[str]:
    unknown = [kind for kind in kinds if kind not in EvidenceKind.values]
    if unknown:
        raise ValidationError(
            {"evidence_kinds": _("Unknown kind of evidence: %(kinds)s.") % {"kinds": ", ".join(unknown)}}
        )
    if requires_evidence and not kinds:
        raise ValidationError({"evidence_kinds": _("Say which kind of evidence the milestone requires.")})
    return list(dict.fromkeys(kinds))


@transaction.atomic
def plan_milestone_add(
    *,
    actor: Any,
    plan: TrainingPlan,
    expected_version: int,
    stage: PlanStage,
    name: str,
    due_date: datetime.date,
    evidence_kinds: list[str] | None = None,
    requires_evidence: bool = False,
) -> PlanMilestone:
    """An extra milestone of the trainee's own. Material: the mentors sign the plan again."""
    _check_dates(due_date=due_date)
    _require_edit(actor, plan)
    _locked(plan, expected_version)
    if stage.plan_id != plan.pk:
        raise ValidationError({"stage": _("Choose a stage of this plan.")})
    name = name.strip()
    milestone = PlanMilestone(
        plan=plan,
        stage=stage,
        order=(stage.milestones.count() + 1) * 10,
        name_zh=name,
        name_en=name,
        due_date=due_date,
        evidence_kinds=_clean_kinds(evidence_kinds or [], requires_evidence),
        requires_evidence=requires_evidence,
    )
    milestone.full_clean(exclude=["plan", "stage", "template"])
    milestone.save()
    audit_record(
        actor=actor,
        action="plan.milestone_add",
        target=plan,
        changes={"milestone": [None, name], "due_date": [None, due_date.isoformat()]},
    )
    _after_milestone_change(
        actor=actor,
        plan=plan,
        material=True,
        what=_lazy_text(lambda: _("Milestone added: %(name)s") % {"name": name}),
    )
    return milestone


def _after_milestone_change(*, actor: Any, plan: TrainingPlan, material: bool, what: Promise) -> None:
    if material and plan.status != PlanStatus.DRAFT:
        _material_change(actor=actor, plan=plan, what=what)


@transaction.atomic
def plan_milestone_update(
    *,
    actor: Any,
    milestone: PlanMilestone,
    expected_version: int,
    name: str | None = None,
    due_date: datetime.date | None = None,
    evidence_kinds: list[str] | None = None,
    requires_evidence: bool | None = None,
    note: str | None = None,
) -> bool:
    """Change a milestone; returns whether the change was material (new signatures asked for)."""
    _check_dates(due_date=due_date)
    plan = milestone.plan
    _require_edit(actor, plan)
    _locked(plan, None)
    before = audit_snapshot(milestone, MILESTONE_AUDITED)
    agreed = _agreed_terms(milestone)
    if name is not None and name.strip() and name.strip() != milestone.display_name:
        milestone.name_zh = milestone.name_en = name.strip()
    if due_date is not None:
        milestone.due_date = due_date
    if requires_evidence is not None:
        milestone.requires_evidence = requires_evidence
    if evidence_kinds is not None:
        milestone.evidence_kinds = evidence_kinds
    milestone.evidence_kinds = _clean_kinds(milestone.evidence_kinds, milestone.requires_evidence)
    if note is not None:
        if len(note) > NOTE_MAX_CHARS:
            raise ValidationError({"note": _("At most %(max)s characters.") % {"max": NOTE_MAX_CHARS}})
        milestone.note = note.strip()
    milestone.full_clean(exclude=["plan", "stage", "template", "done_by", "confirmed_by"])
    after = audit_snapshot(milestone, MILESTONE_AUDITED)
    changes = audit_diff(before, after)
    if not changes:
        return False
    save_versioned(milestone, expected_version=expected_version, fields=[*MILESTONE_AUDITED[:-1]])
    audit_record(
        actor=actor,
        action="plan.milestone_update",
        target=plan,
        changes={"milestone": [None, milestone.display_name], **changes},
    )
    material = milestone_change_is_material(
        agreed, {**_agreed_terms(milestone), "due_date": milestone.due_date}
    )
    _after_milestone_change(
        actor=actor,
        plan=plan,
        material=material,
        what=_lazy_text(lambda: _("Milestone changed: %(name)s") % {"name": milestone.display_name}),
    )
    return material


@transaction.atomic
def plan_milestone_remove(*, actor: Any, milestone: PlanMilestone, expected_version: int) -> None:
    plan = milestone.plan
    _require_edit(actor, plan)
    _locked(plan, None)
    if milestone.status == MilestoneStatus.DONE:
        raise ApplicationError(_("A milestone that is done stays in the plan; reopen it first."))
    deleted, _rows = PlanMilestone.objects.filter(pk=milestone.pk, version=expected_version).delete()
    if not deleted:
        raise ConflictError(
            _("Someone else changed this milestone after you opened it. Nothing was removed.")
        )
    audit_record(
        actor=actor,
        action="plan.milestone_remove",
        target=plan,
        changes={"milestone": [milestone.display_name, None]},
    )
    _after_milestone_change(
        actor=actor,
        plan=plan,
        material=True,
        what=_lazy_text(lambda: _("Milestone removed: %(name)s") % {"name": milestone.display_name}),
    )


@transaction.atomic
def plan_stage_update(
    *, actor: Any, stage: PlanStage, start_date: datetime.date, end_date: datetime.date
) -> bool:
    """Move a stage's dates; material when either moves by more than ``MATERIAL_SHIFT_DAYS`` days."""
    _check_dates(start_date=start_date, end_date=end_date)
    plan = stage.plan
    _require_edit(actor, plan)
    _locked(plan, None)
    if end_date < start_date:
        raise ValidationError({"end_date": _("The stage must end on or after its start.")})
    material = _date_moved_far(stage.start_date, start_date) or _date_moved_far(stage.end_date, end_date)
    before = {"start_date": stage.start_date.isoformat(), "end_date": stage.end_date.isoformat()}
    stage.start_date, stage.end_date = start_date, end_date
    stage.save(update_fields=["start_date", "end_date"])
    after = {"start_date": start_date.isoformat(), "end_date": end_date.isoformat()}
    audit_record(
        actor=actor,
        action="plan.stage_update",
        target=plan,
        changes={"stage": [None, stage.display_name], **audit_diff(before, after)},
    )
    _after_milestone_change(
        actor=actor,
        plan=plan,
        material=material,
        what=_lazy_text(lambda: _("Stage dates changed: %(name)s") % {"name": stage.display_name}),
    )
    return material


# --- evidence and completion -------------------------------------------------------------------


@transaction.atomic
def milestone_evidence_add(
    *, actor: Any, milestone: PlanMilestone, kind: str, record_id: int
) -> MilestoneEvidence:
    """Attach one of the trainee's own records (an assessment, a rotation, …) as evidence."""
    plan = milestone.plan
    _require_edit(actor, plan)
    accepted = milestone.evidence_kinds or list(EvidenceKind.values)
    if kind not in accepted:
        raise ValidationError({"kind": _("This milestone does not take this kind of evidence.")})
    source = evidence_source(kind)
    if source is None:
        raise ValidationError({"kind": _("There are no records of this kind yet.")})
    record = source.records_of(plan.person_id).filter(pk=record_id).first()
    if record is None:
        raise ValidationError({"record": _("Choose one of the trainee's own records.")})
    evidence = MilestoneEvidence(
        milestone=milestone,
        kind=kind,
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        label=source.describe(record)[:300],
        added_by=actor,
    )
    try:
        with transaction.atomic():
            evidence.save()
    except IntegrityError:
        raise ApplicationError(
            _("This record is already evidence for the milestone."), field="record"
        ) from None
    audit_record(
        actor=actor,
        action="plan.evidence_add",
        target=plan,
        changes={"milestone": [None, milestone.display_name], "evidence": [None, evidence.label]},
    )
    return evidence


@transaction.atomic
def milestone_evidence_remove(*, actor: Any, evidence: MilestoneEvidence) -> None:
    milestone = evidence.milestone
    plan = milestone.plan
    _require_edit(actor, plan)
    if (
        milestone.status == MilestoneStatus.DONE
        and not milestone.confirmed_by_id
        and [item.pk for item in _accepted_evidence(milestone)] == [evidence.pk]
    ):
        raise ApplicationError(
            _("This evidence is what the milestone was marked done with; reopen it first.")
        )
    evidence.delete()
    audit_record(
        actor=actor,
        action="plan.evidence_remove",
        target=plan,
        changes={"milestone": [None, milestone.display_name], "evidence": [evidence.label, None]},
    )


def _accepted_evidence(milestone: PlanMilestone) -> list[MilestoneEvidence]:
    evidence = list(milestone.evidence.all())
    if milestone.evidence_kinds:
        evidence = [item for item in evidence if item.kind in milestone.evidence_kinds]
    return evidence


def _mark_done(
    *, actor: Any, milestone: PlanMilestone, expected_version: int, confirmed_by: Person | None, note: str
) -> None:
    plan = _locked(milestone.plan, None)  # a material change at the same moment waits, or goes first
    if plan.status != PlanStatus.ACTIVE:
        raise ApplicationError(_("Milestones are marked done once both mentors have signed the plan."))
    if milestone.status == MilestoneStatus.DONE:
        raise ConflictError(_("This milestone is already done."))
    milestone.status = MilestoneStatus.DONE
    milestone.done_at = timezone.now()
    milestone.done_by = actor
    milestone.confirmed_by = confirmed_by
    milestone.note = note.strip()[:NOTE_MAX_CHARS] or milestone.note
    save_versioned(
        milestone,
        expected_version=expected_version,
        fields=["status", "done_at", "done_by", "confirmed_by", "note"],
    )
    audit_record(
        actor=actor,
        action="plan.milestone_done",
        target=plan,
        changes={
            "milestone": [None, milestone.display_name],
            "status": [MilestoneStatus.OPEN, MilestoneStatus.DONE],
            "confirmed_by": [None, confirmed_by.display_name if confirmed_by else None],
        },
    )


@transaction.atomic
def milestone_complete(
    *, actor: Any, milestone: PlanMilestone, expected_version: int, note: str = ""
) -> PlanMilestone:
    """Mark a milestone done on the strength of its evidence."""
    _require_edit(actor, milestone.plan)
    if not _accepted_evidence(milestone):
        raise ApplicationError(
            _("Attach evidence first, or ask a mentor to confirm the milestone."), field="evidence"
        )
    _mark_done(
        actor=actor, milestone=milestone, expected_version=expected_version, confirmed_by=None, note=note
    )
    return milestone


@transaction.atomic
def milestone_confirm(
    *, actor: Any, milestone: PlanMilestone, expected_version: int, note: str
) -> PlanMilestone:
    """A mentor confirms the milestone is reached; not enough where the milestone requires evidence."""
    if not may_confirm_milestones(actor, milestone.plan):
        if is_plan_mentor(actor, milestone.plan) and milestone.plan.status in OPEN_PLAN_STATUSES:
            raise ApplicationError(_("Milestones are marked done once both mentors have signed the plan."))
        raise ForbiddenError(_("Only the plan's mentors confirm milestones."))
    if milestone.requires_evidence and not _accepted_evidence(milestone):
        raise ApplicationError(
            _("This milestone requires evidence; a confirmation alone is not enough."), field="evidence"
        )
    if len(note.strip()) < 5:
        raise ValidationError({"note": _("Say in a few words what you saw.")})
    _mark_done(
        actor=actor,
        milestone=milestone,
        expected_version=expected_version,
        confirmed_by=actor.person,
        note=note,
    )
    return milestone


@transaction.atomic
def milestone_reopen(
    *, actor: Any, milestone: PlanMilestone, expected_version: int, reason: str
) -> PlanMilestone:
    plan = milestone.plan
    if not (runs_plan(actor, plan) or may_confirm_milestones(actor, plan)):
        raise ForbiddenError(_("Only the plan's mentors and programme officers reopen milestones."))
    if milestone.status != MilestoneStatus.DONE:
        raise ApplicationError(_("This milestone is not done."))
    if len(reason.strip()) < 5:
        raise ValidationError({"reason": _("Say why, in a few words.")})
    milestone.status = MilestoneStatus.OPEN
    milestone.done_at = None
    milestone.done_by = None
    milestone.confirmed_by = None
    save_versioned(
        milestone, expected_version=expected_version, fields=["status", "done_at", "done_by", "confirmed_by"]
    )
    audit_record(
        actor=actor,
        action="plan.milestone_reopen",
        target=plan,
        changes={
            "milestone": [None, milestone.display_name],
            "status": [MilestoneStatus.DONE, MilestoneStatus.OPEN],
            "reason": [None, reason.strip()],
        },
    )
    return milestone


# --- overdue reminders ---------------------------------------------------------------------------


def overdue_milestones_q(today: datetime.date) -> Q:
    """Open milestones of active plans that were due before ``today``."""
    return overdue_q(today) & Q(plan__status=PlanStatus.ACTIVE)


def milestones_overdue_notify(*, today: datetime.date) -> int:
    """Tell the trainee and both mentors about overdue milestones, once per plan every
    ``MEDTALENT_MILESTONE_REMINDER_DAYS`` days. Returns the number of plans reminded.

    A plan reminded less than the interval ago waits, even if another milestone fell due since: the next
    reminder counts it. A reminder claims every overdue milestone of its plan by one conditional UPDATE
    before anybody is told, so two runs at once remind once.
    """
    interval = datetime.timedelta(days=settings.MEDTALENT_MILESTONE_REMINDER_DAYS)
    due_again = Q(overdue_notified_on__isnull=True) | Q(overdue_notified_on__lte=today - interval)
    reminded_lately = PlanMilestone.objects.filter(
        plan_id=OuterRef("plan_id"), overdue_notified_on__gt=today - interval
    )
    pending: dict[int, list[int]] = defaultdict(list)
    for milestone_id, plan_id in (
        PlanMilestone.objects.filter(overdue_milestones_q(today), due_again)
        .exclude(Exists(reminded_lately))
        .values_list("pk", "plan_id")
    ):
        pending[plan_id].append(milestone_id)
    plans = TrainingPlan.objects.select_related("person", "school_mentor", "hospital_mentor").in_bulk(
        list(pending)
    )
    reminded = 0
    for plan_id, milestone_ids in pending.items():
        with transaction.atomic():
            # Conditions on the rows themselves, so a concurrent run that claimed them first leaves none.
            claimed = PlanMilestone.objects.filter(due_again, pk__in=milestone_ids).update(
                overdue_notified_on=today
            )
            if not claimed:
                continue
            plan = plans[plan_id]
            notification_send(
                recipients=_users_of(plan.person, plan.school_mentor, plan.hospital_mentor),
                title=format_lazy(
                    gettext_lazy("Overdue milestones in the training plan of {person}: {count}"),
                    person=plan.person,
                    count=claimed,
                ),
                url=_plan_url(plan),
            )
            reminded += 1
    return reminded
