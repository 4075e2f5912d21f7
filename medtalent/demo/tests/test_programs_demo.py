"""The demo's training plans: all four programmes at varied stages, a few overdue, and the demo trainee and
mentor with something to do on their home pages."""

import datetime
from collections import Counter
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Q
from django.urls import reverse

from medtalent.core.models import AuditEvent, Notification
from medtalent.demo.loader import DEMO_TODAY, load_demo_data
from medtalent.demo.programs import load_programme_demo
from medtalent.people.models import Mentorship, User
from medtalent.programs.access import plans_visible_to
from medtalent.programs.models import (
    MilestoneEvidence,
    PlanMilestone,
    PlanSignature,
    Programme,
    SignerRole,
    TrainingPlan,
)
from medtalent.programs.selectors import plans_waiting_for, with_progress
from medtalent.programs.services.plans import overdue_milestones_q


@pytest.fixture
def demo(db: Any) -> Any:
    return load_demo_data()


def _overdue() -> Any:
    return PlanMilestone.objects.filter(overdue_milestones_q(DEMO_TODAY))


def test_all_four_programmes_have_plans_at_varied_stages(demo: Any) -> None:
    assert demo.created["training plans"] == 129
    assert set(Programme.objects.values_list("institution__code", "system")) == {
        ("hmu", "research_team"),
        ("hmu", "innovation"),
        ("hmu", "career"),
        ("hmu", "practice_research"),
    }
    assert Counter(TrainingPlan.objects.values_list("programme__system", "status")) == {
        ("practice_research", "active"): 56,
        ("practice_research", "awaiting_signatures"): 5,
        ("practice_research", "draft"): 1,
        ("practice_research", "completed"): 10,
        ("research_team", "active"): 27,
        ("research_team", "awaiting_signatures"): 2,
        ("innovation", "active"): 6,
        ("innovation", "awaiting_signatures"): 1,
        ("innovation", "draft"): 1,
        ("innovation", "completed"): 2,
        ("innovation", "withdrawn"): 1,
        ("career", "active"): 12,
        ("career", "awaiting_signatures"): 3,
        ("career", "draft"): 2,
    }
    # Every active professional master's student has a plan starting in June of their cohort year.
    d_plans = TrainingPlan.objects.filter(programme__system="practice_research")
    assert d_plans.filter(trainee_profile__status="active").count() == 62
    assert set(d_plans.values_list("start_date", flat=True)) == {
        datetime.date(2023, 6, 1),
        datetime.date(2024, 6, 1),
        datetime.date(2025, 6, 1),
    }
    # Young faculty in System C have no trainee profile; their mentors are two other faculty members.
    career = TrainingPlan.objects.filter(programme__system="career")
    assert not career.filter(trainee_profile__isnull=False).exists()
    assert not career.filter(person__faculty_profile__isnull=True).exists()
    assert not TrainingPlan.objects.filter(
        Q(school_mentor=None)
        | Q(hospital_mentor=None)
        | Q(school_mentor=F("person"))
        | Q(hospital_mentor=F("person"))
    ).exists()

    # A few overdue, all reminded today; a completed plan has reached every milestone.
    overdue = _overdue()
    assert overdue.count() == 24
    assert overdue.values("plan").distinct().count() == 13
    assert set(overdue.values_list("overdue_notified_on", flat=True)) == {DEMO_TODAY}
    assert not PlanMilestone.objects.filter(plan__status="completed", status="open").exists()


def test_signatures_completions_and_audit_trail_agree(demo: Any) -> None:
    # Active and closed plans carry both mentors' signatures of their revision; waiting ones at most one.
    signed = Counter(
        PlanSignature.objects.filter(revision=F("plan__revision")).values_list("plan__status", "role")
    )
    assert signed[("active", SignerRole.SCHOOL)] == signed[("active", SignerRole.HOSPITAL)] == 101
    waiting = (
        TrainingPlan.objects.filter(status="awaiting_signatures")
        .annotate(n=Count("signatures", filter=Q(signatures__revision=F("revision"))))
        .values_list("n", flat=True)
    )
    assert sorted(waiting) == [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    assert not TrainingPlan.objects.filter(status="draft", signatures__isnull=False).exists()
    # Activation, whoever signed last, records the dates the mentors agreed to.
    assert not PlanMilestone.objects.filter(plan__status="active", agreed_due_date__isnull=True).exists()
    # Dated where the story puts them, never after DEMO_TODAY.
    latest = datetime.datetime.combine(DEMO_TODAY, datetime.time(), tzinfo=datetime.UTC)
    assert not PlanSignature.objects.filter(signed_at__gte=latest).exists()
    assert not PlanMilestone.objects.filter(done_at__gte=latest).exists()
    # Done means confirmed by a mentor of the plan or shown by the trainee's own record.
    done = PlanMilestone.objects.filter(status="done")
    assert done.count() == done.filter(Q(confirmed_by__isnull=False) | Q(evidence__isnull=False)).count()
    assert not done.filter(
        ~Q(confirmed_by=F("plan__school_mentor")) & ~Q(confirmed_by=F("plan__hospital_mentor")),
        confirmed_by__isnull=False,
    ).exists()
    assert not done.filter(requires_evidence=True, evidence__isnull=True).exists()
    for evidence in MilestoneEvidence.objects.select_related("milestone__plan"):
        record = evidence.content_type.get_object_for_this_type(pk=evidence.object_id)
        assert record.trainee.person_id == evidence.milestone.plan.person_id
    # Every signature and completion has its audit event, whoever wrote it.
    plan_type = ContentType.objects.get_for_model(TrainingPlan)
    events = Counter(AuditEvent.objects.filter(target_type=plan_type).values_list("action", flat=True))
    assert events["plan.sign"] == PlanSignature.objects.count()
    assert events["plan.milestone_done"] == done.count()
    assert events["plan.create"] == TrainingPlan.objects.count()
    assert events["plan.evidence_add"] == MilestoneEvidence.objects.count()


def test_the_trainee_and_mentor_logins_have_something_to_do(demo: Any) -> None:
    trainee = User.objects.get(username="trainee")
    mentor = User.objects.get(username="mentor")

    plan = TrainingPlan.objects.get(person_id=trainee.person_id)
    assert plan.programme.system == "practice_research"
    assert plan.status == "active"
    assert plan.school_mentor_id == mentor.person_id
    assert set(plan.signatures.values_list("role", "revision")) == {("school", 1), ("hospital", 1)}
    milestones = list(plan.milestones.all())
    done = [m for m in milestones if m.status == "done"]
    assert len(done) == 5
    assert [m.template.code for m in milestones if m.is_overdue_on(DEMO_TODAY)] == ["research-proposal"]
    soon = [
        m
        for m in milestones
        if m.status == "open" and DEMO_TODAY <= m.due_date <= DEMO_TODAY + datetime.timedelta(30)
    ]
    assert [(m.template, m.due_date) for m in soon] == [(None, datetime.date(2026, 12, 15))]
    # The trainee attached their own assessment and rotation; the mentor confirmed the rest.
    assert set(
        MilestoneEvidence.objects.filter(milestone__plan=plan).values_list("kind", "added_by__username")
    ) == {("assessment", "trainee"), ("rotation", "trainee")}
    assert {m.confirmed_by_id for m in done if m.confirmed_by_id} == {mentor.person_id}
    # What happened long ago is read; the overdue reminder is not.
    assert list(
        Notification.objects.filter(
            recipient=trainee, read_at__isnull=True, url__contains="/plans/"
        ).values_list("url", flat=True)
    ) == [reverse("plan_detail", args=[plan.pk])]

    # The mentor: another mentee's plan, changed after signing, waits for their signature.
    plans = with_progress(plans_visible_to(mentor), DEMO_TODAY)
    waiting = list(plans_waiting_for(mentor, plans))
    assert len(waiting) == 1
    assert waiting[0].person_id != trainee.person_id
    assert (waiting[0].revision, waiting[0].school_mentor_id) == (2, mentor.person_id)
    assert list(waiting[0].signatures.values_list("role", "revision")) == [
        ("hospital", 2),
        ("hospital", 1),
        ("school", 1),
    ]
    # Two of the mentor's current mentees are behind: the demo trainee and another.
    mentees = Mentorship.objects.active_on(DEMO_TODAY).filter(mentor_id=mentor.person_id).values("mentee_id")
    behind = list(plans.filter(person_id__in=mentees, milestones_overdue__gt=0))
    assert len(behind) == 2
    assert trainee.person_id in {p.person_id for p in behind}
    # Unread: the plan to sign again, and the reminders about both mentees behind.
    assert set(
        Notification.objects.filter(
            recipient=mentor, read_at__isnull=True, url__contains="/plans/"
        ).values_list("url", flat=True)
    ) == {reverse("plan_detail", args=[p.pk]) for p in [waiting[0], *behind]}


def test_loading_twice_creates_no_plans(demo: Any) -> None:
    def counts() -> dict[str, int]:
        return {
            "programmes": Programme.objects.count(),
            "plans": TrainingPlan.objects.count(),
            "milestones": PlanMilestone.objects.count(),
            "signatures": PlanSignature.objects.count(),
            "evidence": MilestoneEvidence.objects.count(),
            "audit": AuditEvent.objects.count(),
            "notifications": Notification.objects.count(),
        }

    before = counts()
    assert not load_programme_demo(admin=User.objects.get(username="admin"))
    again = load_demo_data()
    assert "training plans" not in again.created
    assert counts() == before
