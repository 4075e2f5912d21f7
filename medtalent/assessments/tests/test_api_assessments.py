"""The workflow over JSON: the same services and rules as the pages, errors naming their fields."""

import json
import uuid

import pytest
from django.test import Client

from medtalent.assessments.models import Assessment
from medtalent.assessments.tests.conftest import Bedside

from .factories import MINI_CEX_SCORES, AssessmentFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def post(client: Client, url: str, payload: dict):
    return client.post(url, data=json.dumps(payload), content_type="application/json")


@pytest.fixture(autouse=True)
def _fixed_day(monkeypatch) -> None:
    import datetime

    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2026, 10, 12))


def test_request_submit_acknowledge_over_the_api(bedside: Bedside) -> None:
    trainee = client_for(bedside.users["trainee"])
    created = post(
        trainee,
        "/api/v1/assessment-requests",
        {"instrument": "mini_cex", "assessor_id": bedside.world.teacher_person.pk, "note": "Bed 3"},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["instrument"], body["department_id"]) == (
        "requested",
        "mini_cex",
        bedside.world.cardiology.pk,
    )
    teacher = client_for(bedside.users["teacher"])
    url = f"/api/v1/assessments/{body['id']}"
    bad = post(
        teacher, url + "/submit", {"version": 1, "performed_on": "2026-10-12", "scores": {"overall": 0}}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {
            "field": "scores.overall",
            "message": "“Overall clinical competence”: choose a score from 1 to 9 or N/A.",
        }
    ]
    done = post(
        teacher,
        url + "/submit",
        {
            "version": 1,
            "performed_on": "2026-10-12",
            "scores": MINI_CEX_SCORES,
            "details": {"setting": "ward"},
        },
    )
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["total"], done.json()["version"]) == ("submitted", "5.86", 2)
    stale = post(trainee, url + "/acknowledge", {"version": 1, "reflection": "I will practise auscultation."})
    assert stale.status_code == 409
    assert Assessment.objects.get().status == Assessment.Status.SUBMITTED
    acknowledged = post(
        trainee, url + "/acknowledge", {"version": 2, "reflection": "I will practise auscultation."}
    )
    assert acknowledged.json()["status"] == "acknowledged"


def test_unknown_fields_and_malformed_payloads_are_refused(bedside: Bedside) -> None:
    teacher = client_for(bedside.users["teacher"])
    payload = {
        "trainee_id": bedside.trainee.pk,
        "instrument": "mini_cex",
        "department_id": bedside.world.cardiology.pk,
        "performed_on": "2026-10-12",
        "scores": {"overall": 7},
        "sneaky": True,
    }
    assert post(teacher, "/api/v1/assessments", payload).status_code == 422
    del payload["sneaky"]
    payload["instrument"] = "DROP TABLE"
    assert post(teacher, "/api/v1/assessments", payload).status_code == 422
    payload["instrument"] = "mini_cex"
    key = str(uuid.uuid4())
    assert post(teacher, "/api/v1/assessments", {**payload, "submission_key": key}).status_code == 201
    assert post(teacher, "/api/v1/assessments", {**payload, "submission_key": key}).status_code == 409
    assert Assessment.objects.count() == 1


def test_others_see_404_and_lists_are_filtered(bedside: Bedside, django_assert_max_num_queries) -> None:
    for _index in range(4):
        AssessmentFactory(
            trainee=bedside.trainee,
            assessor=bedside.world.teacher_person,
            department=bedside.world.cardiology,
        )
    assessment = Assessment.objects.first()
    outsider = client_for(bedside.users["outsider"])
    assert outsider.get(f"/api/v1/assessments/{assessment.pk}").status_code == 404
    assert outsider.get("/api/v1/assessments").json()["count"] == 0
    mentor = client_for(bedside.users["mentor"])
    with django_assert_max_num_queries(8):
        listed = mentor.get("/api/v1/assessments")
    assert listed.json()["count"] == 4
    assert post(outsider, f"/api/v1/assessments/{assessment.pk}/cancel", {"version": 1}).status_code == 404


def test_an_assessor_records_only_for_trainees_rotating_with_them(bedside: Bedside) -> None:
    from medtalent.people.models import TraineeProfile

    teacher = client_for(bedside.users["teacher"])
    foreign = TraineeProfile.objects.get(person=bedside.world.foreign_trainee)
    payload = {
        "trainee_id": foreign.pk,
        "instrument": "mini_cex",
        "department_id": bedside.world.cardiology.pk,
        "performed_on": "2026-10-12",
        "scores": {"overall": 7},
    }
    assert post(teacher, "/api/v1/assessments", payload).status_code == 404
    assert Assessment.objects.count() == 0
