"""The training base's requirements page: programme officers list and set minimums; others cannot."""

import pytest
from django.test import Client
from django.urls import reverse

from medtalent.assessments.models import AssessmentRequirement, Instrument
from medtalent.assessments.tests.conftest import Bedside
from medtalent.core.models import AuditEvent

pytestmark = pytest.mark.django_db
URL = reverse("assessment_requirements")


def client_for(user) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


@pytest.fixture
def base(bedside: Bedside):
    hospital = bedside.world.hospital
    hospital.is_training_base = True
    hospital.save(update_fields=["is_training_base"])
    return hospital


def test_the_officer_sets_a_department_minimum_and_sees_it_listed(
    bedside: Bedside, base, django_assert_max_num_queries
) -> None:
    client = client_for(bedside.users["officer"])
    dops = Instrument.objects.get(code="dops")
    response = client.post(
        URL,
        {
            "institution": base.pk,
            "instrument": dops.pk,
            "department": bedside.world.cardiology.pk,
            "minimum": 2,
        },
    )
    assert response.status_code == 302
    row = AssessmentRequirement.objects.get()
    assert (row.instrument, row.department, row.standard, row.minimum) == (
        dops,
        bedside.world.cardiology,
        None,
        2,
    )
    assert AuditEvent.objects.filter(target_id=str(row.pk)).exists()
    with django_assert_max_num_queries(14):
        page = client.get(f"{URL}?institution={base.pk}")
    html = page.content.decode()
    assert f'data-requirement="{row.pk}"' in html
    assert "Every standard" in html


def test_errors_name_the_field_and_nothing_is_saved(bedside: Bedside, base) -> None:
    client = client_for(bedside.users["officer"])
    response = client.post(
        URL, {"institution": base.pk, "instrument": Instrument.objects.get(code="mini_cex").pk, "minimum": 99}
    )
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 50." in response.content.decode()
    assert not AssessmentRequirement.objects.exists()


@pytest.mark.parametrize("persona", ["teacher", "head", "trainee", "outsider", "leader"])
def test_only_the_bases_programme_officers_reach_the_page(bedside: Bedside, base, persona: str) -> None:
    client = client_for(bedside.users[persona])
    assert client.get(f"{URL}?institution={base.pk}").status_code == 404
