"""Demo training plans: the four shipped programmes at the university, and plans in each of them as they
stand on ``DEMO_TODAY``.

- System D (practice and research): every professional master's student in training has a plan that
  starts in June of their cohort year (the gap before enrolment in September), so the 2024 and 2025
  cohorts are at different stages; the 2023 cohort, who graduated in June, have completed plans.
- System A (research team): the partner school's pupils in research teams, and the students who came
  the integrated way from a team at school to medicine here.
- System B (device innovation): students of medicine-engineering teams and a few others; one plan was
  withdrawn when its student left the university.
- System C (career): young faculty, with senior faculty as their two mentors; the next intake's plans
  are drafts or wait for signatures.

Most plans are active; some wait for a signature (a few because a material change after signing asked
both mentors again), a few are drafts. Milestones due before ``DEMO_TODAY`` are mostly done, and a few
trainees are behind. The demo trainee's plan has milestones done, one overdue and one due soon; the demo
mentor has another mentee's plan waiting for their signature, and two mentees behind.

Who writes what. Plans are created, individualised, submitted and closed through the services, by the
officer login (the administrator for partner-school pupils, who are outside the officer's institutions),
so their audit trails are real. Only the demo logins have accounts, though, and signing or confirming a
milestone through the services takes the mentor's own account. Inventing accounts for some ninety faculty
members who could never sign in would fill the user list with dead logins, so a mentor with an account
(the mentor, head and teacher logins) signs and confirms through the services, and for the others the
loader writes the signature or the confirmation itself, as the service would, audited with the system as
the actor and the mentor named. On each plan the mentor with an account signs last, so the services
activate those plans and send their notifications. Evidence (an assessment or a finished rotation of the
trainee's own) is attached and milestones completed through the services, by the trainee login for its
own plan and by the officer for the others.

The services stamp signatures and completions with the clock; the loader then dates them where the story
puts them (a few days after a plan is written, around each milestone's due date). The audit trail keeps
the time it was written. Notifications about what happened before ``DEMO_TODAY`` are marked read; what is
still open (a plan to sign again, a signature awaited, overdue milestones) stays unread.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from medtalent.core.audit import audit_record
from medtalent.core.models import Notification
from medtalent.core.versioning import save_versioned
from medtalent.people.models import (
    FacultyProfile,
    Institution,
    Mentorship,
    Person,
    TraineeLevel,
    TraineeProfile,
    User,
)
from medtalent.programs.access import plan_trainees_for
from medtalent.programs.dates import months_after
from medtalent.programs.evidence import evidence_source
from medtalent.programs.models import (
    MilestoneEvidence,
    MilestoneStatus,
    PlanMilestone,
    PlanSignature,
    PlanStatus,
    Programme,
    ProgrammeSystem,
    SignerRole,
    TrainingPlan,
)
from medtalent.programs.services.plans import (
    milestone_complete,
    milestone_confirm,
    milestone_evidence_add,
    milestones_overdue_notify,
    overdue_milestones_q,
    plan_close,
    plan_create,
    plan_milestone_add,
    plan_milestone_update,
    plan_sign,
    plan_signature_record,
    plan_submit,
)
from medtalent.programs.services.programmes import programme_templates_load

from .catalogue import DEMO_TODAY

UNIVERSITY = "hmu"
PLAN_SEED = 2028
SHANGHAI = ZoneInfo("Asia/Shanghai")

# How a plan stands on DEMO_TODAY.
DRAFT = "draft"
SUBMITTED = "submitted"  # waiting for both signatures
HALF_SIGNED = "half_signed"  # waiting for the second signature
ACTIVE = "active"
REVISED = "revised"  # was active; a material change asks both mentors again, one has signed
COMPLETED = "completed"
WITHDRAWN = "withdrawn"
# These lived through signing and milestones before DEMO_TODAY; the others are today's business.
HISTORY = (ACTIVE, REVISED, COMPLETED, WITHDRAWN)

GOALS = {
    ProgrammeSystem.PRACTICE_RESEARCH: (
        "以临床问题为导向，完成一项回顾性队列研究并以第一作者发表论文。 · "
        "Turn a clinical question into a retrospective cohort study and publish it as first author.",
        "规培期间通过全部轮转考核，利用碎片时间完成前瞻性数据收集。 · "
        "Pass every rotation assessment and collect prospective data in the fragments of rotation time.",
        "掌握临床研究方法学，完成一篇系统综述与一篇原创论文。 · "
        "Learn clinical research methods; write one systematic review and one original paper.",
    ),
    ProgrammeSystem.RESEARCH_TEAM: (
        "在团队中完成一个小课题，参加青少年科技创新大赛。 · "
        "Finish a small project in the team and enter the youth science and technology contest.",
        "学习基础实验技能，争取本科阶段发表第一篇论文。 · "
        "Learn basic lab skills and aim for a first paper as an undergraduate.",
    ),
    ProgrammeSystem.INNOVATION: (
        "围绕一个临床痛点完成器械原型并提交专利申请。 · "
        "Take one clinical pain point to a device prototype and a patent application.",
        "完成3D打印手术导板原型并在临床验证。 · "
        "Build a 3D-printed surgical guide and validate it in the clinic.",
    ),
    ProgrammeSystem.CAREER: (
        "三年内获批国家自然科学基金青年项目，取得带教资格。 · "
        "Win a national youth grant within three years and qualify as a clinical teacher.",
        "建立稳定的研究方向，以第一作者发表SCI论文。 · "
        "Establish a research direction and publish an SCI paper as first author.",
    ),
}
CONFIRMATION_NOTES = (
    "已查阅材料，达到要求。 · Reviewed the work; it meets the standard.",
    "汇报清楚，同意通过。 · Clear presentation; approved.",
    "按时完成，质量良好。 · Done on time and done well.",
)
RELAXED_NOTE = (
    "轮转与考核记录不在本平台，由导师确认。 · The rotation and assessment records are kept outside the "
    "platform; a mentor confirms."
)
REVISION_NOTE = (
    "课题入组较慢，截止日期顺延三个月。 · Enrolment is slow; the deadline moves three months later."
)
# Template milestones that ask for particular assessments: the instruments whose records show them.
INSTRUMENTS_FOR = {
    "first-year-assessments": ("mini_cex", "dops"),
    "completion-exam": ("department_exit_exam",),
}
TRAINEE_EXTRA = "提交伦理审查申请 · Ethics committee application submitted"
COMPLETED_REASON = "按期完成全部里程碑。 · Every milestone reached on time."
WITHDRAWN_REASON = "学生退学，计划终止。 · The student left the university; the plan ends."


def _moment(day: datetime.date, hour: float) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=SHANGHAI) + datetime.timedelta(hours=hour)


def _record_day(record: Any) -> datetime.date:
    """When an assessment was made, or when a rotation ended."""
    performed: datetime.date | None = getattr(record, "performed_on", None)
    if performed is not None:
        return performed
    ended: datetime.date = months_after(record.start_month, record.months)
    return ended - datetime.timedelta(days=1)


@dataclass(eq=False)
class _Intent:
    """One plan as the story wants it on DEMO_TODAY."""

    system: str
    person: Person
    school: Person
    hospital: Person
    start: datetime.date
    outcome: str
    done_share: float = 1.0  # chance that a milestone due before ``until`` is done
    until: datetime.date = DEMO_TODAY
    profile: TraineeProfile | None = None  # a stage already over, linked by hand
    kept_open: tuple[str, ...] = ()  # template milestone codes left open whatever the dice say
    extra: tuple[str, datetime.date, str] | None = None  # name, due, stage code: an individual milestone


@dataclass
class _Dates:
    """When things happened, applied after the services have stamped them with the clock."""

    plans: dict[int, datetime.datetime] = field(default_factory=dict)
    signatures: dict[int, datetime.datetime] = field(default_factory=dict)
    activated: dict[int, datetime.datetime] = field(default_factory=dict)
    milestones: dict[int, datetime.datetime] = field(default_factory=dict)


class _Loader:
    def __init__(self, *, admin: Any, university: Institution) -> None:
        self.rng = random.Random(PLAN_SEED)
        self.admin = admin
        self.university = university
        self.officer = User.objects.filter(username="officer").first() or admin
        self.accounts: dict[int | None, Any] = {
            user.person_id: user
            for user in User.objects.filter(is_active=True, person__isnull=False).select_related("person")
        }
        self.officer_reaches = set(plan_trainees_for(self.officer).values_list("pk", flat=True))
        self.records: dict[tuple[int, str], list[Any]] = {}
        self.programmes = {p.system: p for p in Programme.objects.filter(institution=university)}
        self.dates = _Dates()
        self.load: Counter[int] = Counter()
        self.plans: list[tuple[_Intent, TrainingPlan]] = []

    # -- choosing people --------------------------------------------------------------------

    def least_loaded(self, pool: list[Person], *avoid: Person | None) -> Person:
        """The pool's member with the fewest plans so far, at random among equals."""
        taken = {person.pk for person in avoid if person is not None}
        available = [person for person in pool if person.pk not in taken]
        fewest = min(self.load[person.pk] for person in available)
        chosen = self.rng.choice([person for person in available if self.load[person.pk] == fewest])
        self.load[chosen.pk] += 1
        return chosen

    def pair(
        self, leader: Person | None, school_pool: list[Person], hospital_pool: list[Person], person: Person
    ) -> tuple[Person, Person]:
        """School and hospital mentors around ``leader``: a hospital's leader is the hospital mentor."""
        if leader is not None and leader.institution.kind == Institution.Kind.HOSPITAL:
            return self.least_loaded(school_pool, person, leader), leader
        if leader is not None:
            return leader, self.least_loaded(hospital_pool, person, leader)
        school = self.least_loaded(school_pool, person)
        return school, self.least_loaded(hospital_pool, person, school)

    # -- writing one plan -------------------------------------------------------------------

    def create(self, intent: _Intent) -> TrainingPlan:
        actor = self.officer if intent.person.pk in self.officer_reaches else self.admin
        plan = plan_create(
            actor=actor,
            programme=self.programmes[intent.system],
            person=intent.person,
            start_date=intent.start,
            goals=self.rng.choice(GOALS[ProgrammeSystem(intent.system)]),
            school_mentor=intent.school,
            hospital_mentor=intent.hospital,
        )
        if intent.profile is not None:
            # plan_create links the stage in progress; a plan of a finished stage is linked to that one.
            TrainingPlan.objects.filter(pk=plan.pk).update(trainee_profile=intent.profile)
        editor = self.accounts.get(intent.school.pk, self.officer)
        if intent.extra is not None:
            name, due, stage_code = intent.extra
            plan_milestone_add(
                actor=editor,
                plan=plan,
                expected_version=plan.version,
                stage=plan.stages.get(template__code=stage_code),
                name=name,
                due_date=due,
                evidence_kinds=["output"],
            )
        for milestone in plan.milestones.filter(requires_evidence=True).select_related("plan"):
            # The cancer hospital's rotations, and those of cohorts that finished before the platform's
            # schedules, are recorded elsewhere: the officer lets a mentor's confirmation stand instead.
            if not any(self.records_of(plan.person_id, kind) for kind in milestone.evidence_kinds):
                plan_milestone_update(
                    actor=self.officer,
                    milestone=milestone,
                    expected_version=milestone.version,
                    requires_evidence=False,
                    note=RELAXED_NOTE,
                )
        if intent.outcome in (DRAFT, SUBMITTED, HALF_SIGNED):
            created = DEMO_TODAY - datetime.timedelta(days=self.rng.randint(8, 30))
        else:
            created = intent.start - datetime.timedelta(days=self.rng.randint(10, 25))
        self.dates.plans[plan.pk] = _moment(created, self.rng.uniform(9, 17))
        plan.refresh_from_db(fields=["version", "status", "revision"])
        return plan

    def submit(self, intent: _Intent, plan: TrainingPlan) -> None:
        actor = self.accounts.get(intent.school.pk, self.officer)
        plan_submit(actor=actor, plan=plan, expected_version=plan.version)

    def signing_order(self, plan: TrainingPlan) -> list[str]:
        """Mentors without an account first, so a demo login's signature (through the service) is last."""
        return sorted(
            SignerRole.values, key=lambda role: getattr(plan.mentor_for(role), "pk", None) in self.accounts
        )

    def sign(self, plan: TrainingPlan, role: str, when: datetime.datetime) -> None:
        plan.refresh_from_db(fields=["version", "status", "revision"])
        mentor = plan.mentor_for(role)
        assert mentor is not None
        user = self.accounts.get(mentor.pk)
        if user is not None:
            signature = plan_sign(actor=user, plan=plan, expected_version=plan.version)
        else:
            signature = self.sign_for(plan, role, mentor, when)
        self.dates.signatures[signature.pk] = when
        if plan.status == PlanStatus.ACTIVE:
            self.dates.activated[plan.pk] = when

    def sign_for(
        self, plan: TrainingPlan, role: str, mentor: Person, when: datetime.datetime
    ) -> PlanSignature:
        """A mentor without an account: the signature written by the service ``plan_sign`` writes with,
        the system as the actor in the audit trail."""
        signature = plan_signature_record(actor=None, plan=plan, role=role, signer=mentor, signed_at=when)
        return signature

    def sign_both(self, intent: _Intent, plan: TrainingPlan) -> datetime.datetime:
        created = self.dates.plans[plan.pk]
        first = created + datetime.timedelta(days=self.rng.randint(2, 9), hours=self.rng.uniform(0, 6))
        second = first + datetime.timedelta(days=self.rng.randint(1, 8), hours=self.rng.uniform(0, 6))
        for role, when in zip(self.signing_order(plan), (first, second), strict=True):
            self.sign(plan, role, when)
        return second

    # -- milestones ---------------------------------------------------------------------------

    def milestones(self, intent: _Intent, plan: TrainingPlan, activated: datetime.datetime) -> None:
        milestones = list(
            PlanMilestone.objects.filter(plan=plan)
            .select_related("plan__programme", "plan__school_mentor", "plan__hospital_mentor", "template")
            .order_by("due_date", "order", "pk")
        )
        for milestone in milestones:
            # The same draws whatever becomes of the milestone, so which records a trainee has (they
            # follow the rotation schedule) never shifts the choices made after it.
            roll, day_shift, hour = self.rng.random(), self.rng.randint(-25, 8), self.rng.uniform(9, 18)
            with_evidence, note = self.rng.random() >= 0.4, self.rng.choice(CONFIRMATION_NOTES)
            code = milestone.template.code if milestone.template else ""
            if milestone.due_date >= intent.until or code in intent.kept_open or roll >= intent.done_share:
                continue
            after_signing = activated.astimezone(SHANGHAI).date() + datetime.timedelta(days=1)
            day = min(
                max(after_signing, milestone.due_date + datetime.timedelta(days=day_shift)),
                DEMO_TODAY - datetime.timedelta(days=1),
            )
            self.reach(plan, milestone, _moment(day, hour), with_evidence=with_evidence, note=note)

    def records_of(self, person_id: int, kind: str) -> list[Any]:
        """The person's records of ``kind`` that may serve as evidence, oldest first."""
        if (person_id, kind) not in self.records:
            source = evidence_source(kind)
            found = list(source.records_of(person_id)) if source is not None else []
            found.sort(key=lambda record: (_record_day(record), record.pk))
            self.records[(person_id, kind)] = found
        return self.records[(person_id, kind)]

    def evidence_for(self, person_id: int, kind: str, milestone: PlanMilestone) -> int | None:
        """The trainee's latest record of ``kind`` from before the milestone's due date (their earliest at
        all otherwise), of the instruments the milestone names where it names some."""
        records = self.records_of(person_id, kind)
        wanted = INSTRUMENTS_FOR.get(milestone.template.code if milestone.template else "")
        if kind == "assessment" and wanted:
            records = [r for r in records if r.instrument_version.instrument.code in wanted] or records
        if not records:
            return None
        before = [record for record in records if _record_day(record) <= milestone.due_date]
        return (before[-1] if before else records[0]).pk

    def reach(
        self,
        plan: TrainingPlan,
        milestone: PlanMilestone,
        when: datetime.datetime,
        *,
        with_evidence: bool,
        note: str,
    ) -> None:
        """Mark one milestone done: with the trainee's own record where it takes one (always where it
        requires one), else a mentor confirms it."""
        for kind in milestone.evidence_kinds:
            if not (with_evidence or milestone.requires_evidence):
                break
            record_id = self.evidence_for(plan.person_id, kind, milestone)
            if record_id is None:
                continue
            actor = self.accounts.get(plan.person_id, self.officer)
            milestone_evidence_add(actor=actor, milestone=milestone, kind=kind, record_id=record_id)
            milestone_complete(actor=actor, milestone=milestone, expected_version=milestone.version)
            self.dates.milestones[milestone.pk] = when
            return
        if milestone.requires_evidence:
            return  # nothing to show for it yet: it stays open
        hospital_kinds = {"assessment", "rotation"}
        mentors = [plan.school_mentor, plan.hospital_mentor]
        if hospital_kinds & set(milestone.evidence_kinds):
            mentors.reverse()
        mentors.sort(key=lambda mentor: mentor is None or mentor.pk not in self.accounts)
        mentor = mentors[0]
        assert mentor is not None
        user = self.accounts.get(mentor.pk)
        if user is not None:
            milestone_confirm(actor=user, milestone=milestone, expected_version=milestone.version, note=note)
        else:
            self.confirm_for(plan, milestone, mentor, note, when)
        self.dates.milestones[milestone.pk] = when

    def confirm_for(
        self, plan: TrainingPlan, milestone: PlanMilestone, mentor: Person, note: str, when: datetime.datetime
    ) -> None:
        """A mentor without an account confirms: written as ``milestone_confirm`` writes it."""
        milestone.status = MilestoneStatus.DONE
        milestone.done_at = when
        milestone.done_by = None
        milestone.confirmed_by = mentor
        milestone.note = note
        save_versioned(
            milestone,
            expected_version=milestone.version,
            fields=["status", "done_at", "done_by", "confirmed_by", "note"],
        )
        audit_record(
            actor=None,
            action="plan.milestone_done",
            target=plan,
            changes={
                "milestone": [None, milestone.display_name],
                "status": [MilestoneStatus.OPEN, MilestoneStatus.DONE],
                "confirmed_by": [None, mentor.display_name],
            },
        )

    # -- the two passes -----------------------------------------------------------------------

    def history(self, intent: _Intent) -> None:
        """A plan that was signed before DEMO_TODAY: signed, its milestones reached, maybe closed."""
        plan = self.create(intent)
        self.submit(intent, plan)
        activated = self.sign_both(intent, plan)
        plan.refresh_from_db()
        self.milestones(intent, plan, activated)
        if intent.outcome in (COMPLETED, WITHDRAWN):
            plan.refresh_from_db(fields=["version", "status"])
            plan_close(
                actor=self.officer,
                plan=plan,
                expected_version=plan.version,
                status=PlanStatus.COMPLETED if intent.outcome == COMPLETED else PlanStatus.WITHDRAWN,
                reason=COMPLETED_REASON if intent.outcome == COMPLETED else WITHDRAWN_REASON,
            )
        self.plans.append((intent, plan))

    def today(self, intent: _Intent, plan: TrainingPlan | None) -> None:
        """What is still open on DEMO_TODAY: drafts, plans sent for signature, plans changed after signing."""
        recently = _moment(
            DEMO_TODAY - datetime.timedelta(days=self.rng.randint(1, 6)), self.rng.uniform(9, 17)
        )
        if plan is None:
            plan = self.create(intent)
            self.plans.append((intent, plan))
            if intent.outcome == DRAFT:
                return
            self.submit(intent, plan)
            if intent.outcome == HALF_SIGNED:
                self.sign(plan, self.signing_order(plan)[0], recently)
            return
        # A material change: a deadline moved three months, so both mentors are asked again.
        moved = (
            plan.milestones.filter(status=MilestoneStatus.OPEN, due_date__gt=DEMO_TODAY)
            .select_related("plan__programme", "plan__person", "plan__school_mentor", "plan__hospital_mentor")
            .order_by("due_date", "pk")
            .first()
        )
        assert moved is not None
        plan_milestone_update(
            actor=self.officer,
            milestone=moved,
            expected_version=moved.version,
            due_date=months_after(moved.due_date, 3),
            note=REVISION_NOTE,
        )
        self.sign(plan, self.signing_order(plan)[0], recently)

    def apply_dates(self) -> None:
        plans = [TrainingPlan(pk=pk, created_at=when) for pk, when in self.dates.plans.items()]
        TrainingPlan.objects.bulk_update(plans, ["created_at"], batch_size=500)
        activated = [TrainingPlan(pk=pk, activated_at=when) for pk, when in self.dates.activated.items()]
        TrainingPlan.objects.bulk_update(activated, ["activated_at"], batch_size=500)
        for plan_pk, when in self.dates.plans.items():
            PlanMilestone.objects.filter(plan_id=plan_pk).update(created_at=when)
        signatures = [PlanSignature(pk=pk, signed_at=when) for pk, when in self.dates.signatures.items()]
        PlanSignature.objects.bulk_update(signatures, ["signed_at"], batch_size=500)
        milestones = [PlanMilestone(pk=pk, done_at=when) for pk, when in self.dates.milestones.items()]
        PlanMilestone.objects.bulk_update(milestones, ["done_at"], batch_size=500)
        evidence = list(MilestoneEvidence.objects.filter(milestone_id__in=list(self.dates.milestones)))
        for item in evidence:
            item.created_at = self.dates.milestones[item.milestone_id] - datetime.timedelta(hours=1)
        MilestoneEvidence.objects.bulk_update(evidence, ["created_at"], batch_size=500)


# --- who gets which plan ---------------------------------------------------------------------


def _faculty() -> list[Person]:
    return list(
        Person.objects.filter(faculty_profile__isnull=False)
        .select_related("faculty_profile", "institution", "department")
        .order_by("pk")
    )


def _mentors_of(mentee_ids: list[int], *, on: datetime.date | None) -> dict[tuple[int, str], Person]:
    """``(mentee, kind) → mentor``: the links active on ``on``, or (``on`` None) the latest of each kind."""
    links = Mentorship.objects.filter(mentee_id__in=mentee_ids).select_related("mentor__institution")
    if on is not None:
        links = links.active_on(on)
    found: dict[tuple[int, str], Person] = {}
    for link in links.order_by("start_date", "pk"):
        found[(link.mentee_id, link.kind)] = link.mentor
    return found


def _pace(rng: random.Random, behind: float) -> float:
    """Most trainees reach every milestone on time; ``behind`` of them miss about a third."""
    return 0.7 if rng.random() < behind else 1.0


def _practice_research(loader: _Loader) -> list[_Intent]:
    """System D: the professional master's students in training (cohorts 2024 and 2025) and the 2023
    cohort, who graduated in June."""
    rng = loader.rng
    profiles = list(
        TraineeProfile.objects.filter(level=TraineeLevel.PROFESSIONAL_MASTER)
        .filter(
            Q(status=TraineeProfile.Status.ACTIVE) | Q(cohort=2023, status=TraineeProfile.Status.COMPLETED)
        )
        .select_related("person")
        .order_by("cohort", "pk")
    )
    current = _mentors_of([p.person_id for p in profiles if p.cohort > 2023], on=DEMO_TODAY)
    finished = _mentors_of([p.person_id for p in profiles if p.cohort == 2023], on=None)
    trainee_id = _person_of("trainee")
    mentor_id = _person_of("mentor")
    # The demo mentor's other current mentees: one plan to sign again, one behind, one on time.
    mentor_mentees = sorted(
        p.person_id
        for p in profiles
        if p.status == TraineeProfile.Status.ACTIVE
        and p.person_id != trainee_id
        and (school := current.get((p.person_id, Mentorship.Kind.SCHOOL))) is not None
        and school.pk == mentor_id
    )
    special = dict(zip(mentor_mentees, ("revised", "behind", "on_time"), strict=False))
    others = [
        p
        for p in profiles
        if p.status == TraineeProfile.Status.ACTIVE
        and p.person_id not in special
        and p.person_id != trainee_id
    ]
    outcomes: dict[int, str] = {}
    shuffled = rng.sample(others, k=len(others))
    for outcome, cohort, count in (
        (REVISED, None, 2),
        (DRAFT, 2025, 1),
        (SUBMITTED, 2025, 1),
        (HALF_SIGNED, 2025, 1),
    ):
        for profile in [p for p in shuffled if p.pk not in outcomes and cohort in (None, p.cohort)][:count]:
            outcomes[profile.pk] = outcome
    intents = []
    for profile in profiles:
        links = finished if profile.cohort == 2023 else current
        school = links.get((profile.person_id, Mentorship.Kind.SCHOOL))
        hospital = links.get((profile.person_id, Mentorship.Kind.HOSPITAL))
        if school is None or hospital is None or school.pk == hospital.pk:
            continue
        intent = _Intent(
            system=ProgrammeSystem.PRACTICE_RESEARCH,
            person=profile.person,
            school=school,
            hospital=hospital,
            start=datetime.date(profile.cohort, 6, 1),
            outcome=outcomes.get(profile.pk, ACTIVE),
            done_share=_pace(rng, 0.15),
        )
        if profile.cohort == 2023:
            intent.outcome, intent.done_share, intent.profile = COMPLETED, 1.0, profile
            intent.until = datetime.date(2026, 8, 1)
        elif profile.person_id == trainee_id:
            intent.done_share = 1.0
            intent.kept_open = ("research-proposal",)
            intent.extra = (TRAINEE_EXTRA, DEMO_TODAY + datetime.timedelta(days=23), "rotation")
        elif special.get(profile.person_id) == "revised":
            intent.outcome = REVISED
        elif special.get(profile.person_id) == "behind":
            intent.kept_open = ("research-proposal",)
        elif special.get(profile.person_id) == "on_time":
            intent.done_share = 1.0
        intents.append(intent)
    return intents


def _person_of(username: str) -> int | None:
    return User.objects.filter(username=username).values_list("person_id", flat=True).first()


def _research_team(loader: _Loader, school_pool: list[Person], hospital_pool: list[Person]) -> list[_Intent]:
    """System A: the partner school's pupils in research teams, and the students who came the
    integrated way from a team at school to medicine here, their plan running since school."""
    rng = loader.rng
    active = TraineeProfile.objects.filter(status=TraineeProfile.Status.ACTIVE)
    pupils = list(active.filter(level=TraineeLevel.HIGH_SCHOOL).select_related("person").order_by("pk"))
    integrated = list(
        active.filter(
            level=TraineeLevel.UNDERGRADUATE,
            person__trainee_profiles__level=TraineeLevel.HIGH_SCHOOL,
        )
        .distinct()
        .select_related("person")
        .order_by("pk")
    )
    school_years = dict(
        TraineeProfile.objects.filter(
            level=TraineeLevel.HIGH_SCHOOL, person_id__in=[p.person_id for p in integrated]
        ).values_list("person_id", "start_date")
    )
    leaders = _mentors_of([p.person_id for p in pupils + integrated], on=DEMO_TODAY)
    revised = {p.pk for p in rng.sample(pupils, k=2)}
    intents = []
    for profile in pupils + integrated:
        leader = leaders.get((profile.person_id, Mentorship.Kind.PRIMARY))
        school, hospital = loader.pair(leader, school_pool, hospital_pool, profile.person)
        intents.append(
            _Intent(
                system=ProgrammeSystem.RESEARCH_TEAM,
                person=profile.person,
                school=school,
                hospital=hospital,
                start=school_years.get(profile.person_id, profile.start_date),
                outcome=REVISED if profile.pk in revised else ACTIVE,
                done_share=_pace(rng, 0.15),
            )
        )
    return intents


def _innovation(
    loader: _Loader, taken: set[int], engineers: list[Person], surgeons: list[Person]
) -> list[_Intent]:
    """System B: students of medicine-engineering teams first, then other students; and the
    academic master's student who withdrew, whose plan was withdrawn with them."""
    rng = loader.rng
    students = list(
        TraineeProfile.objects.filter(
            status=TraineeProfile.Status.ACTIVE,
            level__in=[TraineeLevel.UNDERGRADUATE, TraineeLevel.ACADEMIC_MASTER],
            cohort__lte=2024,
        )
        .exclude(person_id__in=taken)
        .select_related("person")
        .order_by("pk")
    )
    leaders = _mentors_of([p.person_id for p in students], on=DEMO_TODAY)
    engineering = [
        p
        for p in students
        if (leader := leaders.get((p.person_id, Mentorship.Kind.PRIMARY))) is not None
        and leader.institution.code == "eng-1"
    ]
    rest = [p for p in students if p not in engineering]
    chosen = engineering + rng.sample(rest, k=max(0, 10 - len(engineering)))
    # (start, outcome): two finished, six under way at different stages, two for the next intake.
    shapes = [
        (datetime.date(2024, 9, 1), COMPLETED),
        (datetime.date(2024, 9, 1), COMPLETED),
        (datetime.date(2025, 3, 1), ACTIVE),
        (datetime.date(2025, 3, 1), ACTIVE),
        (datetime.date(2025, 9, 1), ACTIVE),
        (datetime.date(2025, 9, 1), ACTIVE),
        (datetime.date(2026, 3, 1), ACTIVE),
        (datetime.date(2026, 9, 1), ACTIVE),
        (datetime.date(2026, 12, 1), HALF_SIGNED),
        (datetime.date(2026, 12, 1), DRAFT),
    ]
    intents = []
    for profile, (start, outcome) in zip(chosen, shapes, strict=False):
        school, hospital = loader.pair(
            leaders.get((profile.person_id, Mentorship.Kind.PRIMARY)), engineers, surgeons, profile.person
        )
        pace = _pace(rng, 0.2)
        intent = _Intent(ProgrammeSystem.INNOVATION, profile.person, school, hospital, start, outcome, pace)
        if outcome == COMPLETED:
            intent.done_share, intent.until = 1.0, datetime.date(2026, 9, 1)
        intents.append(intent)
    left = (
        TraineeProfile.objects.filter(
            status=TraineeProfile.Status.WITHDRAWN, level=TraineeLevel.ACADEMIC_MASTER
        )
        .select_related("person")
        .order_by("pk")
        .first()
    )
    if left is not None and left.end_date is not None:
        leader = _mentors_of([left.person_id], on=None).get((left.person_id, Mentorship.Kind.PRIMARY))
        school, hospital = loader.pair(leader, engineers, surgeons, left.person)
        start = months_after(left.start_date, 2)
        intents.append(
            _Intent(
                ProgrammeSystem.INNOVATION,
                left.person,
                school,
                hospital,
                start,
                WITHDRAWN,
                until=left.end_date,
                profile=left,
            )
        )
    return intents


def _career(loader: _Loader, faculty: list[Person]) -> list[_Intent]:
    """System C: faculty under forty in the university's family, with a senior professor of the
    university and a senior clinician as mentors; yearly intakes since 2023, the next one in drafts."""
    rng = loader.rng
    family = {"hmu", "hmu-h1", "hmu-h2"}

    def profile(person: Person) -> FacultyProfile:
        return person.faculty_profile

    young = [
        p
        for p in faculty
        if p.institution.code in family
        and p.birth_date is not None
        and p.birth_date.year >= 1986
        and (profile(p).supervisor_qualification or profile(p).clinical_title)
    ]
    professors = [
        p
        for p in faculty
        if p.institution.code == "hmu"
        and profile(p).supervisor_qualification == FacultyProfile.SupervisorQualification.DOCTORAL
        and p.department is not None
        and p.department.code != "president-office"
    ]
    chiefs = [
        p
        for p in faculty
        if p.institution.code in family
        and profile(p).clinical_title == FacultyProfile.ClinicalTitle.CHIEF
        and profile(p).supervisor_qualification
        and p.department is not None
        and p.department.code != "president-office"
    ]
    shapes = [
        *[(datetime.date(2023, 1, 1), ACTIVE)] * 3,
        (datetime.date(2024, 1, 1), REVISED),
        *[(datetime.date(2024, 1, 1), ACTIVE)] * 3,
        *[(datetime.date(2025, 1, 1), ACTIVE)] * 4,
        *[(datetime.date(2026, 1, 1), ACTIVE)] * 2,
        (datetime.date(2027, 1, 1), HALF_SIGNED),
        (datetime.date(2027, 1, 1), SUBMITTED),
        *[(datetime.date(2027, 1, 1), DRAFT)] * 2,
    ]
    intents = []
    for person, (start, outcome) in zip(rng.sample(young, k=len(young)), shapes, strict=False):
        school = loader.least_loaded(professors, person)
        # A clinician's senior colleague at their own hospital where there is one.
        own = [c for c in chiefs if c.institution_id == person.institution_id and c.pk != person.pk]
        hospital = loader.least_loaded(
            own or [c for c in chiefs if c.institution.code != "hmu"], person, school
        )
        pace = _pace(rng, 0.3)
        intents.append(_Intent(ProgrammeSystem.CAREER, person, school, hospital, start, outcome, pace))
    return intents


def load_programme_demo(*, admin: Any, stdout: Any = None) -> bool:
    """Load the shipped programmes at the university and the demo's plans, once. Returns whether it loaded."""
    university = Institution.objects.get(code=UNIVERSITY)
    if TrainingPlan.objects.filter(programme__institution=university).exists():
        return False
    programme_templates_load(actor=None, institution=university)
    loader = _Loader(admin=admin, university=university)
    faculty = _faculty()

    def where(
        *, institutions: tuple[str, ...], titles: tuple[str, ...] = (), teaching: bool = False
    ) -> list[Person]:
        return [
            p
            for p in faculty
            if p.institution.code in institutions
            and (
                not titles
                or p.faculty_profile.clinical_title in titles
                or p.faculty_profile.academic_title in titles
            )
            and (not teaching or p.faculty_profile.is_clinical_teacher)
            and (p.department is None or p.department.code != "president-office")
        ]

    senior_clinicians = where(
        institutions=("hmu-h1", "hmu-h2"),
        titles=(FacultyProfile.ClinicalTitle.CHIEF, FacultyProfile.ClinicalTitle.ASSOCIATE_CHIEF),
        teaching=True,
    )
    academics = [p for p in where(institutions=("hmu",)) if p.faculty_profile.supervisor_qualification]
    engineers = where(
        institutions=("eng-1",),
        titles=(FacultyProfile.AcademicTitle.PROFESSOR, FacultyProfile.AcademicTitle.ASSOCIATE_PROFESSOR),
    )
    surgical = {"general-surgery", "orthopedics", "urology", "cardiothoracic-surgery", "neurosurgery"}
    surgeons = [
        p
        for p in senior_clinicians
        if p.department is not None
        and (p.department.code in surgical or p.department.code.endswith("surgery"))
    ]
    d = _practice_research(loader)
    a = _research_team(loader, academics, senior_clinicians)
    b = _innovation(loader, {i.person.pk for i in a + d}, engineers, surgeons)
    c = _career(loader, faculty)
    intents = d + a + b + c

    before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for intent in intents:
        if intent.outcome in HISTORY:
            loader.history(intent)
    # What happened before DEMO_TODAY was read long ago; what follows is still waiting.
    Notification.objects.filter(pk__gt=before).update(read_at=timezone.now())
    revisions = [(intent, plan) for intent, plan in loader.plans if intent.outcome == REVISED]
    for intent in intents:
        if intent.outcome not in HISTORY:
            loader.today(intent, None)
    for intent, plan in revisions:
        loader.today(intent, plan)
    reminded = milestones_overdue_notify(today=DEMO_TODAY)
    loader.apply_dates()

    if stdout is not None:
        plans = TrainingPlan.objects.filter(programme__institution=university)
        by_system = Counter(plans.values_list("programme__system", flat=True))
        overdue = PlanMilestone.objects.filter(overdue_milestones_q(DEMO_TODAY), plan__in=plans).count()
        waiting = plans.filter(status=PlanStatus.AWAITING_SIGNATURES).count()
        stdout.write(
            f"Training plans: {plans.count()} "
            f"({', '.join(f'{system} {count}' for system, count in sorted(by_system.items()))}); "
            f"{waiting} waiting for signatures; {overdue} overdue milestones in {reminded} plans.\n"
        )
    return True
