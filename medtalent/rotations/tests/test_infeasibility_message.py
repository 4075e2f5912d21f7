"""The solver's diagnosis of rules that cannot all hold, as the officer reads it: names, not codes."""

import datetime

import pytest
from django.utils import translation

from medtalent.people.tests.factories import DepartmentFactory, PersonFactory, TraineeProfileFactory
from medtalent.rotations.services.scheduling import InstanceMap, infeasibility_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def mapping():
    mapping = InstanceMap(datetime.date(2025, 9, 1), 36)
    for code, zh, en in (
        ("CARD", "心内科", "Cardiology"),
        ("GER", "老年科", "Geriatrics"),
        ("ONC", "肿瘤科", "Oncology"),
    ):
        mapping.departments[code] = DepartmentFactory(code=code, name_zh=zh, name_en=en)
    mapping.mentors["RES-1"] = PersonFactory(name_zh="王导师", name_latin="Wang Mentor")
    for k in range(7):
        person = PersonFactory(name_zh=f"学员{k}", name_latin=f"Trainee {k}")
        mapping.trainees[f"t{k}"] = TraineeProfileFactory(person=person)
    return mapping


RULES = [
    {"kind": "fixed", "department": None, "blocks": "CARD from month 0 for 4"},
    {"kind": "months", "department": "CARD", "months": 4},
    {"kind": "segments", "department": "CARD", "max_segments": 1, "min_segment_months": 2},
    {"kind": "window", "department": "RES-1", "earliest_start": 6, "latest_end": 12},
    {"kind": "window", "department": "CARD", "earliest_start": 3, "latest_end": None},
    {"kind": "group", "department": None, "departments": ["GER", "ONC"], "months": 3},
    {"kind": "partner", "department": None, "total": 6, "per_subspecialty": 3},
]


def test_every_kind_of_rule_is_named_in_words(mapping):
    with translation.override("en"):
        message = infeasibility_message([{"trainee": "t0", "rules": RULES}], mapping)
    assert message == (
        "No schedule can keep every rule. Trainee 0 cannot keep these rules together: "
        "the blocks already done or locked; Cardiology for 4 months; "
        "Cardiology in at most 1 blocks of at least 2 months; "
        "research with Wang Mentor within months 6 to 11 of the programme; "
        "Cardiology from month 3 of the programme; the elective group Geriatrics/Oncology for 3 months; "
        "at most 6 months at partner institutions, 3 in one subspecialty."
    )


def test_the_diagnosis_reads_in_chinese(mapping):
    with translation.override("zh-hans"):
        message = infeasibility_message([{"trainee": "t0", "rules": RULES[1:3]}], mapping)
    assert "学员0" in message
    assert "心内科" in message
    assert "Cardiology" not in message
    assert "cannot" not in message


def test_a_long_list_of_trainees_is_cut_short(mapping):
    diagnostics = [{"trainee": f"t{k}", "rules": RULES[1:2]} for k in range(7)]
    with translation.override("en"):
        message = infeasibility_message(diagnostics, mapping)
    assert "Trainee 4 cannot" in message
    assert "Trainee 5" not in message
    assert message.endswith("And 2 more trainees.")
