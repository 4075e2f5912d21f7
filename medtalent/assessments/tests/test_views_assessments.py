"""The workflow's pages: the trainee's list and code, the bedside form reached by the code, filling a
request, acknowledging, amending; who may open what; and query counts."""

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from medtalent.assessments.models import Assessment, Instrument
from medtalent.assessments.services.assessments import bedside_token_make
from medtalent.assessments.tests.conftest import Bedside
from medtalent.core.models import AuditEvent

from .factories import MINI_CEX_SCORES, AssessmentFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def mini_cex() -> Instrument:
    return Instrument.objects.get(code="mini_cex", institution=None)


def bedside_url(bedside: Bedside, instrument: Instrument | None = None) -> str:
    token = bedside_token_make(
        trainee=bedside.trainee, instrument=instrument or mini_cex(), department=bedside.world.cardiology
    )
    return reverse("assessment_bedside", args=[token])


def form_data(**overrides) -> dict:
    data = {
        "performed_on": "2026-10-12",
        "submission_key": str(uuid.uuid4()),
        **{f"score__{code}": str(value) for code, value in MINI_CEX_SCORES.items()},
        "detail__setting": "ward",
        "detail__observation_minutes": "15",
        "detail__strengths": "Clear history taking.",
    }
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def _fixed_day(monkeypatch) -> None:
    """Pages use today's date: pin it inside the persona trainee's rotation."""
    import datetime

    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2026, 10, 12))


def test_the_trainee_page_shows_the_rotation_and_lists_in_few_queries(
    bedside: Bedside, django_assert_max_num_queries
) -> None:
    for _index in range(5):
        AssessmentFactory(
            trainee=bedside.trainee,
            assessor=bedside.world.teacher_person,
            department=bedside.world.cardiology,
        )
    client = client_for(bedside.users["trainee"])
    with django_assert_max_num_queries(16):
        response = client.get(reverse("assessment_mine"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rotating in Cardiology since 2026-09" in html
    assert html.count("data-assessment=") == 5
    assert "Teacher" in html  # the assessor choice lists the department's faculty


def test_the_bedside_code_is_a_qr_code_of_the_form_address(bedside: Bedside) -> None:
    response = client_for(bedside.users["trainee"]).get(
        reverse("assessment_bedside_code") + "?instrument=dops"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html
    url = re.search(r'data-url="([^"]+)"', html).group(1)
    assert "/assessments/bedside/" in url
    assert "Direct Observation of Procedural Skills (DOPS)" in html


def test_the_assessor_scans_fills_and_submits_at_the_bedside(bedside: Bedside) -> None:
    client = client_for(bedside.users["teacher"])
    url = bedside_url(bedside)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Trainee" in html
    assert "Cardiology" in html
    assert html.count("data-item=") == 7
    response = client.post(url, form_data())
    assessment = Assessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("assessment_detail", args=[assessment.pk])
    assert assessment.origin == Assessment.Origin.BEDSIDE_CODE
    assert assessment.details == {
        "setting": "ward",
        "observation_minutes": 15,
        "strengths": "Clear history taking.",
    }
    assert str(assessment.total) == "5.86"


def test_the_bedside_form_shows_errors_on_their_items_and_saves_nothing(bedside: Bedside) -> None:
    client = client_for(bedside.users["teacher"])
    response = client.post(
        bedside_url(bedside),
        form_data(**{"score__overall": "na", "score__interview": "na", "detail__feedback_minutes": "500"}),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please correct the marked answers." in html
    assert "Enter a number from 0 to 240." in html
    assert Assessment.objects.count() == 0


def test_a_double_tap_on_submit_saves_once(bedside: Bedside) -> None:
    client = client_for(bedside.users["teacher"])
    data = form_data()
    url = bedside_url(bedside)
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert "This form was submitted already; nothing was saved twice." in again.content.decode()
    assert Assessment.objects.count() == 1


def test_someone_who_is_not_faculty_of_the_department_cannot_use_the_code(bedside: Bedside) -> None:
    response = client_for(bedside.users["outsider"]).get(bedside_url(bedside))
    assert response.status_code == 403
    assert "Only faculty of Cardiology can assess trainees rotating there." in response.content.decode()


def test_a_forged_code_is_refused(bedside: Bedside) -> None:
    response = client_for(bedside.users["teacher"]).get(reverse("assessment_bedside", args=["nonsense"]))
    assert response.status_code == 400
    assert "This is not a valid MedTalent assessment code." in response.content.decode()


def test_acknowledge_from_the_page_and_a_stale_page_answers_409(bedside: Bedside) -> None:
    assessment = AssessmentFactory(
        trainee=bedside.trainee, assessor=bedside.world.teacher_person, department=bedside.world.cardiology
    )
    client = client_for(bedside.users["trainee"])
    page = client.get(reverse("assessment_detail", args=[assessment.pk]))
    assert 'id="acknowledge"' in page.content.decode()
    url = reverse("assessment_acknowledge", args=[assessment.pk])
    stale = client.post(url, {"version": "0", "reflection": "Next time I will summarise first."})
    assert stale.status_code == 409
    assert "Someone else changed this record" in stale.content.decode()
    assert "Next time I will summarise first." in stale.content.decode()  # nothing typed is lost
    done = client.post(
        url, {"version": str(assessment.version), "reflection": "Next time I will summarise first."}
    )
    assert done.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.ACKNOWLEDGED


def test_assessments_of_others_answer_404(bedside: Bedside) -> None:
    assessment = AssessmentFactory(
        trainee=bedside.trainee, assessor=bedside.world.teacher_person, department=bedside.world.cardiology
    )
    url = reverse("assessment_detail", args=[assessment.pk])
    assert client_for(bedside.users["outsider"]).get(url).status_code == 404
    assert client_for(bedside.users["leader"]).get(url).status_code == 404
    for allowed in ("trainee", "teacher", "mentor", "officer", "admin"):
        assert client_for(bedside.users[allowed]).get(url).status_code == 200, allowed


def test_the_assessor_fills_a_request_from_the_to_do_list(
    bedside: Bedside, django_assert_max_num_queries
) -> None:
    trainee_client = client_for(bedside.users["trainee"])
    response = trainee_client.post(
        reverse("assessment_request"),
        {"instrument": mini_cex().pk, "assessor": bedside.world.teacher_person.pk, "note": "Bed 12"},
    )
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    client = client_for(bedside.users["teacher"])
    with django_assert_max_num_queries(12):
        queue = client.get(reverse("assessment_queue"))
    assert reverse("assessment_fill", args=[assessment.pk]) in queue.content.decode()
    fill_url = reverse("assessment_fill", args=[assessment.pk])
    assert "Bed 12" in client.get(fill_url).content.decode()
    response = client.post(fill_url, form_data(version=str(assessment.version)))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED


def test_amending_from_the_page_records_the_reason(bedside: Bedside) -> None:
    assessment = AssessmentFactory(
        trainee=bedside.trainee,
        assessor=bedside.world.teacher_person,
        department=bedside.world.cardiology,
        status=Assessment.Status.ACKNOWLEDGED,
        acknowledged_at="2026-10-12T10:00:00+08:00",
        reflection="Reflection.",
        performed_on="2026-10-10",
    )
    client = client_for(bedside.users["teacher"])
    url = reverse("assessment_amend", args=[assessment.pk])
    page = client.get(url).content.decode()
    assert 'value="6" autocomplete="off" checked' in page
    response = client.post(
        url,
        form_data(
            performed_on="2026-10-10",
            version=str(assessment.version),
            reason="Wrong item scored.",
            **{"score__overall": "8"},
        ),
    )
    assert response.status_code == 302
    assert AuditEvent.objects.get(action="assessment.amend").changes["reason"] == [None, "Wrong item scored."]
    assert client_for(bedside.users["trainee"]).get(url).status_code == 403


def test_the_assessor_starts_an_assessment_for_a_trainee_rotating_with_them(bedside: Bedside) -> None:
    client = client_for(bedside.users["teacher"])
    picker = client.get(reverse("assessment_start")).content.decode()
    assert "Trainee · Cardiology" in picker
    url = reverse("assessment_start") + f"?trainee={bedside.trainee.pk}&instrument=department_exit_exam"
    form = client.get(url).content.decode()
    assert 'name="score__theory"' in form
    scores = {
        "score__admission_record": "8",
        "score__professional_ethics": "9",
        "score__attendance": "10",
        "score__logbook": "8",
        "score__theory": "15",
        "score__case_analysis": "14",
        "score__physical_exam": "8",
        "score__procedure": "7",
    }
    response = client.post(url, {"performed_on": "2026-10-12", "submission_key": str(uuid.uuid4()), **scores})
    assert response.status_code == 302
    exam = Assessment.objects.get()
    assert (exam.passed, str(exam.total)) == (True, "79.00")
    assert client_for(bedside.users["trainee"]).get(reverse("assessment_start")).status_code == 403
