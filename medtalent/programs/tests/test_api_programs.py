"""Programmes, plans and milestones over JSON: the services and access rules of the pages, errors naming
their fields, 409 on a stale version, and a plan list whose query count does not grow with its rows."""

import datetime
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from medtalent.assessments.tests.factories import AssessmentFactory
from medtalent.people.models import TraineeProfile
from medtalent.people.tests.factories import PersonFactory, TraineeProfileFactory
from medtalent.programs.models import MilestoneStatus, PlanStatus, Programme, TrainingPlan
from medtalent.programs.services import plans as services

from .conftest import TODAY

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 6, 1)


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def send(client: Client, method: str, url: str, payload: dict) -> Any:
    return getattr(client, method)(url, data=json.dumps(payload), content_type="application/json")


def post(client: Client, url: str, payload: dict) -> Any:
    return send(client, "post", url, payload)


@pytest.fixture(autouse=True)
def _fixed_day(monkeypatch: Any) -> None:
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)


def draft_plan(world: Any, personas: Any, programme: Programme, person: Any = None) -> TrainingPlan:
    return services.plan_create(
        actor=personas["officer"],
        programme=programme,
        person=person or world.trainee_person,
        start_date=START,
    )


def signed_plan(world: Any, personas: Any, school_mentor_user: Any, programme: Programme) -> TrainingPlan:
    plan = draft_plan(world, personas, programme)
    services.plan_submit(actor=personas["officer"], plan=plan, expected_version=plan.version)
    services.plan_sign(actor=school_mentor_user, plan=plan, expected_version=plan.version)
    services.plan_sign(actor=personas["mentor"], plan=plan, expected_version=plan.version)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    return plan


def milestone_of(plan: TrainingPlan, code: str) -> Any:
    return plan.milestones.get(template__code=code)


# --- programmes ----------------------------------------------------------------------------------


def test_programmes_are_listed_and_read_with_stages_and_milestones(
    world: Any, personas: Any, programmes: dict[str, Programme]
) -> None:
    trainee = client_for(personas["trainee"])
    listed = trainee.get("/api/v1/programmes")
    assert listed.status_code == 200
    assert [(row["code"], row["stage_count"]) for row in listed.json()["items"]] == [
        ("career-stages", 3),
        ("device-innovation", 4),
        ("practice-research", 4),
        ("research-team", 3),
    ]
    programme = programmes["practice_research"]
    row = listed.json()["items"][2]
    assert {key: row[key] for key in ("id", "institution", "system_label", "is_active", "open_plans")} == {
        "id": programme.pk,
        "institution": "Medical University",
        "system_label": "Practice and research for professional master's students",
        "is_active": True,
        "open_plans": 0,
    }
    detail = trainee.get(f"/api/v1/programmes/{programme.pk}").json()
    assert (detail["code"], detail["system"], detail["version"], detail["is_active"]) == (
        "practice-research",
        "practice_research",
        1,
        True,
    )
    assert [stage["code"] for stage in detail["stages"]] == [
        "pre-enrolment",
        "rotation",
        "analysis-writing",
        "defence-completion",
    ]
    assert detail["stages"][0]["milestones"][0] == {
        "code": "research-orientation",
        "name_zh": "完成科研启蒙（科研方法学入门）",
        "name_en": "Research orientation (introduction to research methods)",
        "due_month": 1,
        "evidence_kinds": ["course"],
        "requires_evidence": False,
    }
    outsider = client_for(personas["outsider"])
    assert outsider.get(f"/api/v1/programmes/{programme.pk}").status_code == 404
    assert outsider.get("/api/v1/programmes").json()["count"] == 0


def definition_for_put(client: Client, programme: Programme) -> dict[str, Any]:
    detail = client.get(f"/api/v1/programmes/{programme.pk}").json()
    return {
        "version": detail["version"],
        **{key: detail[key] for key in ("system", "name_zh", "name_en", "description_zh", "description_en")},
        "stages": detail["stages"],
    }


def test_an_officer_edits_a_programme_and_problems_name_their_fields(
    world: Any, personas: Any, programmes: dict[str, Programme]
) -> None:
    officer = client_for(personas["officer"])
    programme = programmes["practice_research"]
    url = f"/api/v1/programmes/{programme.pk}"
    definition = definition_for_put(officer, programme)

    outside = json.loads(json.dumps(definition))
    outside["stages"][0]["milestones"][0]["due_month"] = 5
    refused = send(officer, "put", url, outside)
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {
            "field": "stages.0.milestones.0.due_month",
            "message": "Due within its stage: from month 0 to month 3.",
        }
    ]
    unknown = send(officer, "put", url, {**definition, "code": "renamed"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [{"field": "code", "message": "This field is not accepted."}]

    definition["stages"][0]["name_en"] = "Gap before enrolment"
    definition["stages"][0]["milestones"].pop(1)
    saved = send(officer, "put", url, {**definition, "is_active": False})
    assert saved.status_code == 200, saved.content
    body = saved.json()
    assert (body["version"], body["is_active"], body["stages"][0]["name_en"]) == (
        2,
        False,
        "Gap before enrolment",
    )
    assert [m["code"] for m in body["stages"][0]["milestones"]] == ["research-orientation"]

    stale = send(officer, "put", url, definition)
    assert stale.status_code == 409
    programme.refresh_from_db()
    assert (programme.version, programme.is_active) == (2, False)

    trainee = client_for(personas["trainee"])
    assert send(trainee, "put", url, {**definition, "version": 2}).status_code == 403


def test_shipped_programmes_are_loaded_once_by_an_officer(world: Any, personas: Any) -> None:
    officer = client_for(personas["officer"])
    refused = post(
        client_for(personas["trainee"]), "/api/v1/programmes/load-shipped", {"institution_id": world.uni.pk}
    )
    assert refused.status_code == 403
    loaded = post(officer, "/api/v1/programmes/load-shipped", {"institution_id": world.uni.pk})
    assert loaded.status_code == 201
    assert sorted(row["system"] for row in loaded.json()) == [
        "career",
        "innovation",
        "practice_research",
        "research_team",
    ]
    again = post(officer, "/api/v1/programmes/load-shipped", {"institution_id": world.uni.pk})
    assert (again.status_code, again.json()) == (200, [])
    assert Programme.objects.filter(institution=world.uni).count() == 4
    outsider = client_for(personas["outsider"])
    assert (
        post(outsider, "/api/v1/programmes/load-shipped", {"institution_id": world.uni.pk}).status_code == 403
    )


# --- plans ---------------------------------------------------------------------------------------


def test_an_officer_creates_a_plan_from_a_template_and_the_trainee_reads_it(
    world: Any, personas: Any, school_mentor_user: Any, programmes: dict[str, Programme]
) -> None:
    officer = client_for(personas["officer"])
    created = post(
        officer,
        "/api/v1/plans",
        {
            "programme_id": programmes["practice_research"].pk,
            "person_id": world.trainee_person.pk,
            "start_date": START.isoformat(),
            "goals": "Publish one article on heart failure readmissions.",
        },
    )
    assert created.status_code == 201, created.content
    plan = created.json()
    assert (plan["status"], plan["revision"], plan["version"], plan["person_id"]) == (
        "draft",
        1,
        1,
        world.trainee_person.pk,
    )
    assert (plan["school_mentor_id"], plan["hospital_mentor_id"]) == (
        school_mentor_user.person_id,
        world.mentor_person.pk,
    )
    assert (plan["milestones_total"], plan["milestones_done"], plan["milestones_overdue"]) == (12, 0, 6)
    assert [stage["name"] for stage in plan["stages"]] == [
        "Pre-enrolment gap: research orientation",
        "33 months of clinical rotation, with research in fragment time",
        "Concentrated analysis and writing",
        "Thesis defence and residency completion exam",
    ]
    assert plan["current_stage_id"] == plan["stages"][1]["id"]
    first = plan["stages"][0]["milestones"][0]
    assert (first["name"], first["due_date"], first["status"], first["is_overdue"]) == (
        "Research orientation (introduction to research methods)",
        "2025-06-30",
        "open",
        True,
    )
    assert [(line["role"], line["mentor_id"], line["signed"]) for line in plan["signatures"]] == [
        ("school", school_mentor_user.person_id, False),
        ("hospital", world.mentor_person.pk, False),
    ]

    trainee = client_for(personas["trainee"])
    read = trainee.get(f"/api/v1/plans/{plan['id']}")
    assert read.status_code == 200
    assert read.json()["goals"] == "Publish one article on heart failure readmissions."
    assert client_for(personas["outsider"]).get(f"/api/v1/plans/{plan['id']}").status_code == 404

    again = post(
        officer,
        "/api/v1/plans",
        {
            "programme_id": programmes["practice_research"].pk,
            "person_id": world.trainee_person.pk,
            "start_date": START.isoformat(),
        },
    )
    assert again.status_code == 400
    assert again.json()["errors"] == [
        {"field": "person", "message": "Trainee already has an open plan in this programme."}
    ]


def test_plans_are_started_only_for_reachable_trainees_with_field_named_errors(
    world: Any, personas: Any, programmes: dict[str, Programme]
) -> None:
    payload = {
        "programme_id": programmes["innovation"].pk,
        "person_id": world.other_trainee.pk,
        "start_date": START.isoformat(),
    }
    # The hospital mentor does not mentor the other trainee; the outsider manages nobody here.
    assert post(client_for(personas["mentor"]), "/api/v1/plans", payload).status_code == 404
    outsider = client_for(personas["outsider"])
    assert (
        post(outsider, "/api/v1/plans", {**payload, "person_id": world.foreign_trainee.pk}).status_code == 404
    )
    officer = client_for(personas["officer"])
    same = post(
        officer,
        "/api/v1/plans",
        {**payload, "school_mentor_id": world.mentor_person.pk, "hospital_mentor_id": world.mentor_person.pk},
    )
    assert same.status_code == 422
    assert same.json()["errors"] == [
        {
            "field": "hospital_mentor",
            "message": "The school mentor and the hospital mentor must be two different people.",
        }
    ]
    bad = post(officer, "/api/v1/plans", {**payload, "start_date": "9999-01-01", "sneaky": 1})
    assert bad.status_code == 422
    assert {error["field"] for error in bad.json()["errors"]} == {"start_date", "sneaky"}
    assert TrainingPlan.objects.count() == 0


def test_both_mentors_sign_and_the_trainee_cannot(
    world: Any, personas: Any, school_mentor_user: Any, programmes: dict[str, Programme]
) -> None:
    plan = draft_plan(world, personas, programmes["practice_research"])
    url = f"/api/v1/plans/{plan.pk}"
    officer = client_for(personas["officer"])
    submitted = post(officer, url + "/submit", {"version": 1})
    assert (submitted.status_code, submitted.json()["status"], submitted.json()["version"]) == (
        200,
        "awaiting_signatures",
        2,
    )
    assert post(client_for(personas["trainee"]), url + "/sign", {"version": 2}).status_code == 403

    school = client_for(school_mentor_user)
    waiting = school.get("/api/v1/plans", {"waiting_for_me": "true"}).json()
    assert [row["id"] for row in waiting["items"]] == [plan.pk]
    assert post(school, url + "/sign", {"version": 1}).status_code == 409
    assert plan.signatures.count() == 0
    signed = post(school, url + "/sign", {"version": 2}).json()
    assert (signed["status"], signed["school_signed"], signed["hospital_signed"]) == (
        "awaiting_signatures",
        True,
        False,
    )
    assert school.get("/api/v1/plans", {"waiting_for_me": "true"}).json()["count"] == 0

    hospital = client_for(personas["mentor"])
    active = post(hospital, url + "/sign", {"version": 2}).json()
    assert (active["status"], active["version"], active["school_signed"], active["hospital_signed"]) == (
        "active",
        3,
        True,
        True,
    )
    assert [line["signer_id"] for line in active["signatures"]] == [
        school_mentor_user.person_id,
        world.mentor_person.pk,
    ]


def test_a_mentor_lists_only_their_mentees_plans(
    world: Any, personas: Any, programmes: dict[str, Programme]
) -> None:
    mine = draft_plan(world, personas, programmes["practice_research"])
    other = draft_plan(world, personas, programmes["practice_research"], person=world.other_trainee)

    def listed(persona: str, **query: Any) -> list[int]:
        return [
            row["id"] for row in client_for(personas[persona]).get("/api/v1/plans", query).json()["items"]
        ]

    assert listed("mentor") == [mine.pk]
    assert listed("trainee") == [mine.pk]
    assert listed("outsider") == []
    assert sorted(listed("officer")) == sorted([mine.pk, other.pk])
    assert listed("officer", q="Other") == [other.pk]
    assert listed("officer", status="active") == []
    assert sorted(listed("officer", programme_id=programmes["practice_research"].pk, cohort=2024)) == sorted(
        [mine.pk, other.pk]
    )
    assert client_for(personas["mentor"]).get(f"/api/v1/plans/{other.pk}").status_code == 404


def test_the_plan_list_makes_the_same_queries_for_ten_more_plans(
    world: Any, personas: Any, school_mentor_user: Any, programmes: dict[str, Programme]
) -> None:
    signed_plan(world, personas, school_mentor_user, programmes["practice_research"])
    officer = client_for(personas["officer"])
    officer.get("/api/v1/plans")  # the session and the scope settle before counting

    def count_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = officer.get("/api/v1/plans")
        assert response.status_code == 200
        return response.json()["count"], len(captured.captured_queries)

    plans_before, queries_before = count_queries()
    for index in range(10):
        person = PersonFactory(institution=world.hospital, name_latin=f"Cohort Trainee {index}")
        TraineeProfileFactory(person=person, institution=world.hospital, department=world.cardiology)
        services.plan_create(
            actor=personas["officer"],
            programme=programmes["research_team" if index % 2 else "practice_research"],
            person=person,
            start_date=START,
            school_mentor=world.officer_person,
            hospital_mentor=world.mentor_person,
        )
    plans_after, queries_after = count_queries()
    assert (plans_before, plans_after) == (1, 11)
    assert queries_after == queries_before
    assert queries_before <= 8


def test_a_material_plan_change_asks_for_signatures_again(
    world: Any, personas: Any, school_mentor_user: Any, programmes: dict[str, Programme]
) -> None:
    plan = signed_plan(world, personas, school_mentor_user, programmes["practice_research"])
    trainee = client_for(personas["trainee"])
    url = f"/api/v1/plans/{plan.pk}"
    assert send(trainee, "patch", url, {"version": 1, "goals": "Two articles."}).status_code == 409
    moved = send(trainee, "patch", url, {"version": plan.version, "start_date": "2025-07-01"})
    assert moved.status_code == 400
    assert moved.json()["errors"][0]["field"] == "start_date"
    changed = send(trainee, "patch", url, {"version": plan.version, "goals": "Two articles."})
    assert changed.status_code == 200
    body = changed.json()
    assert (body["goals"], body["status"], body["revision"], body["school_signed"]) == (
        "Two articles.",
        "awaiting_signatures",
        2,
        False,
    )


def test_officers_close_plans_with_a_reason(
    world: Any, personas: Any, school_mentor_user: Any, programmes: dict[str, Programme]
) -> None:
    plan = signed_plan(world, personas, school_mentor_user, programmes["practice_research"])
    url = f"/api/v1/plans/{plan.pk}/close"
    payload = {"version": plan.version, "status": "completed", "reason": "Both certificates earned."}
    assert post(client_for(personas["trainee"]), url, payload).status_code == 403
    officer = client_for(personas["officer"])
    short = post(officer, url, {**payload, "reason": "ok"})
    assert (short.status_code, short.json()["errors"]) == (
        422,
        [{"field": "reason", "message": "Say why, in a few words."}],
    )
    assert post(officer, url, {**payload, "status": "active"}).status_code == 422
    closed = post(officer, url, payload)
    assert (closed.status_code, closed.json()["status"]) == (200, "completed")


# --- milestones ----------------------------------------------------------------------------------


def test_milestones_are_added_changed_and_removed(
    world: Any, personas: Any, school_mentor_user: Any, programmes: dict[str, Programme]
) -> None:
    plan = signed_plan(world, personas, school_mentor_user, programmes["practice_research"])
    trainee = client_for(personas["trainee"])
    stage = plan.stages.get(template__code="rotation")
    added = post(
        trainee,
        f"/api/v1/plans/{plan.pk}/milestones",
        {
            "version": plan.version,
            "stage_id": stage.pk,
            "name": "Present a case at the grand round",
            "due_date": "2027-03-31",
            "evidence_kinds": ["assessment"],
        },
    )
    assert added.status_code == 201, added.content
    milestone = added.json()
    assert (milestone["name"], milestone["stage_id"], milestone["evidence_kinds"], milestone["version"]) == (
        "Present a case at the grand round",
        stage.pk,
        ["assessment"],
        1,
    )
    assert (milestone["plan_status"], milestone["plan_revision"]) == ("awaiting_signatures", 2)

    url = f"/api/v1/milestones/{milestone['id']}"
    small = send(trainee, "patch", url, {"version": 1, "due_date": "2027-04-20"})
    assert small.status_code == 200
    assert (small.json()["material"], small.json()["milestone"]["due_date"]) == (False, "2027-04-20")
    assert small.json()["milestone"]["plan_revision"] == 2
    stale = send(trainee, "patch", url, {"version": 1, "name": "Present two cases"})
    assert stale.status_code == 409
    renamed = send(trainee, "patch", url, {"version": 2, "name": "Present two cases"})
    assert (renamed.json()["material"], renamed.json()["milestone"]["plan_revision"]) == (True, 3)
    required = send(trainee, "patch", url, {"version": 3, "evidence_kinds": [], "requires_evidence": True})
    assert required.status_code == 422
    assert required.json()["errors"] == [
        {"field": "evidence_kinds", "message": "Say which kind of evidence the milestone requires."}
    ]

    assert trainee.delete(url + "?version=2").status_code == 409
    assert trainee.delete(url + "?version=3").status_code == 204
    assert not plan.milestones.filter(pk=milestone["id"]).exists()
    assert client_for(personas["outsider"]).get(url).status_code == 404


def test_a_milestone_is_done_with_evidence_and_reopened_by_a_mentor(
    world: Any, personas: Any, school_mentor_user: Any, programmes: dict[str, Programme]
) -> None:
    plan = signed_plan(world, personas, school_mentor_user, programmes["practice_research"])
    assessment = AssessmentFactory(
        trainee=TraineeProfile.objects.get(person=world.trainee_person), department=world.cardiology
    )
    milestone = milestone_of(plan, "first-year-assessments")
    url = f"/api/v1/milestones/{milestone.pk}"
    trainee = client_for(personas["trainee"])
    hospital = client_for(personas["mentor"])

    no_evidence = post(trainee, url + "/complete", {"version": 1})
    assert no_evidence.json()["errors"][0]["field"] == "evidence"
    not_enough = post(hospital, url + "/confirm", {"version": 1, "note": "Saw her take a history."})
    assert (not_enough.status_code, not_enough.json()["errors"][0]["field"]) == (400, "evidence")

    candidates = trainee.get(url + "/evidence-candidates").json()
    assert [(row["kind"], row["record_id"]) for row in candidates] == [("assessment", assessment.pk)]
    wrong_kind = post(trainee, url + "/evidence", {"kind": "rotation", "record_id": assessment.pk})
    assert wrong_kind.json()["errors"] == [
        {"field": "kind", "message": "This milestone does not take this kind of evidence."}
    ]
    attached = post(trainee, url + "/evidence", {"kind": "assessment", "record_id": assessment.pk})
    assert attached.status_code == 201
    evidence = attached.json()
    assert (evidence["kind"], evidence["record_id"], evidence["url"]) == (
        "assessment",
        assessment.pk,
        f"/assessments/{assessment.pk}/",
    )
    assert trainee.get(url + "/evidence-candidates").json() == []

    done = post(trainee, url + "/complete", {"version": 1, "note": "Mini-CEX in cardiology."})
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["version"], done.json()["confirmed_by_id"]) == (
        "done",
        2,
        None,
    )
    assert [item["id"] for item in done.json()["evidence"]] == [evidence["id"]]
    assert trainee.delete(f"/api/v1/evidence/{evidence['id']}").status_code == 400

    assert (
        post(trainee, url + "/reopen", {"version": 2, "reason": "I marked the wrong one."}).status_code == 403
    )
    reopened = post(hospital, url + "/reopen", {"version": 2, "reason": "The assessment was amended."})
    assert (reopened.status_code, reopened.json()["status"]) == (200, "open")
    assert client_for(personas["outsider"]).delete(f"/api/v1/evidence/{evidence['id']}").status_code == 404
    assert trainee.delete(f"/api/v1/evidence/{evidence['id']}").status_code == 204
    assert milestone.evidence.count() == 0


def test_a_plan_mentor_confirms_a_milestone_without_evidence(
    world: Any, personas: Any, school_mentor_user: Any, programmes: dict[str, Programme]
) -> None:
    plan = signed_plan(world, personas, school_mentor_user, programmes["practice_research"])
    milestone = milestone_of(plan, "research-orientation")
    url = f"/api/v1/milestones/{milestone.pk}/confirm"
    payload = {"version": 1, "note": "Attended all six method seminars."}
    assert post(client_for(personas["trainee"]), url, payload).status_code == 403
    school = client_for(school_mentor_user)
    assert post(school, url, {"version": 1, "note": "ok"}).json()["errors"] == [
        {"field": "note", "message": "Say in a few words what you saw."}
    ]
    confirmed = post(school, url, payload)
    assert confirmed.status_code == 200
    body = confirmed.json()
    assert (body["status"], body["confirmed_by_id"], body["confirmed_by"], body["note"]) == (
        "done",
        school_mentor_user.person_id,
        "School Mentor",
        "Attended all six method seminars.",
    )
    assert post(school, url, {**payload, "version": 2}).status_code == 409
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.DONE
    plan_body = client_for(personas["trainee"]).get(f"/api/v1/plans/{plan.pk}").json()
    assert (plan_body["milestones_done"], plan_body["stages"][0]["milestones_done"]) == (1, 1)
    assert plan_body["stages"][0]["percent"] == 50
