"""Scoring, bands and N/A handling of each shipped instrument, against the reference definitions."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from medtalent.assessments.models import InstrumentKind
from medtalent.assessments.scoring import score_answers
from medtalent.assessments.services.instruments import shipped_definitions

DEFINITIONS = {definition["code"]: definition for definition in shipped_definitions()}


def score(code: str, scores: dict, details: dict | None = None, **options):
    definition = DEFINITIONS[code]
    kind = {"mini_cex": "rating_scale", "dops": "rating_scale", "medical_record_quality": "points"}.get(
        code, InstrumentKind.EXIT_EXAM
    )
    return score_answers(kind=kind, definition=definition, scores=scores, details=details or {}, **options)


def errors_of(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_mini_cex_mean_excludes_not_applicable_items_and_bands_the_mean() -> None:
    scores, _details, result = score(
        "mini_cex", {"interview": 7, "physical_exam": None, "humanistic": 8, "overall": "7"}
    )
    assert scores == {
        "interview": 7,
        "physical_exam": None,
        "humanistic": 8,
        "clinical_judgement": None,
        "communication": None,
        "organisation": None,
        "overall": 7,
    }
    assert result.total == Decimal("7.33")
    assert result.band == "Superior"
    assert result.flagged_low is False
    assert result.low_items == []
    assert result.marginal_items == []


def test_mini_cex_an_item_in_the_lowest_band_flags_the_assessment_and_a_four_is_marginal() -> None:
    _scores, _details, result = score("mini_cex", {"interview": 3, "communication": 4, "overall": 6})
    assert result.total == Decimal("4.33")
    assert result.band == "Satisfactory"
    assert result.flagged_low is True
    assert result.low_items == ["interview"]
    assert result.marginal_items == ["communication"]


def test_mini_cex_a_mean_below_the_satisfactory_band_is_unsatisfactory() -> None:
    _scores, _details, result = score("mini_cex", {"interview": 3, "overall": 4})
    assert (result.total, result.band, result.flagged_low) == (Decimal("3.50"), "Unsatisfactory", True)


def test_mini_cex_refuses_out_of_range_and_fractional_scores_naming_each_item() -> None:
    errors = errors_of(lambda: score("mini_cex", {"interview": 10, "overall": 0, "humanistic": "6.5"}))
    assert errors == {
        "scores.interview": ["“Medical interviewing”: choose a score from 1 to 9 or N/A."],
        "scores.humanistic": ["“Humanistic qualities / professionalism”: choose a score from 1 to 9 or N/A."],
        "scores.overall": ["“Overall clinical competence”: choose a score from 1 to 9 or N/A."],
    }


def test_an_all_not_applicable_form_is_refused() -> None:
    assert errors_of(lambda: score("mini_cex", {})) == {
        "scores": ["Rate at least one item; the others may be N/A."]
    }


def test_unknown_items_and_fields_are_refused() -> None:
    errors = errors_of(lambda: score("dops", {"overall": 5, "charm": 9}, {"mood": "good"}))
    assert errors == {
        "scores.charm": ["This form has no item “charm”."],
        "details.mood": ["This form has no field “mood”."],
    }


def test_details_are_checked_against_their_choices_and_ranges() -> None:
    errors = errors_of(
        lambda: score(
            "mini_cex",
            {"overall": 6},
            {
                "setting": "canteen",
                "observation_minutes": 300,
                "feedback_minutes": "ten",
                "focus": ["history", "x"],
            },
        )
    )
    assert errors == {
        "details.setting": ["“canteen” is not one of the options."],
        "details.focus": ["“x” is not one of the options."],
        "details.observation_minutes": ["Enter a number from 0 to 240."],
        "details.feedback_minutes": ["Enter a whole number."],
    }
    _scores, details, _result = score(
        "mini_cex",
        {"overall": 6},
        {
            "setting": "ward",
            "observation_minutes": "15",
            "focus": ["history", "diagnosis"],
            "strengths": "  Calm. ",
        },
    )
    assert details == {
        "setting": "ward",
        "observation_minutes": 15,
        "focus": ["history", "diagnosis"],
        "strengths": "Calm.",
    }


def test_dops_has_eleven_items_on_the_same_scale() -> None:
    scores = {item["code"]: 8 for item in DEFINITIONS["dops"]["items"]}
    scores["asepsis"] = 2
    _scores, _details, result = score("dops", scores, {"procedure": "Lumbar puncture", "prior_cases": "1-3"})
    assert len(scores) == 11
    assert result.total == Decimal("7.45")
    assert result.band == "Superior"
    assert result.low_items == ["asepsis"]
    assert result.flagged_low is True


def test_record_quality_sums_sections_out_of_100_and_grades_the_total() -> None:
    sections = DEFINITIONS["medical_record_quality"]["sections"]
    assert sum(section["points"] for section in sections) == 100
    full = {section["code"]: section["points"] for section in sections}
    _scores, _details, result = score("medical_record_quality", full)
    assert (result.total, result.band, result.passed, result.flagged_low) == (
        Decimal("100.00"),
        "excellent",
        True,
        False,
    )
    full["present_illness"] = 2.5
    full["physical_exam"] = 0
    _scores, _details, result = score("medical_record_quality", full)
    assert (result.total, result.band, result.passed) == (Decimal("67.50"), "pass", True)
    full["diagnosis"] = 1
    _scores, _details, result = score("medical_record_quality", full)
    assert (result.total, result.band, result.passed, result.flagged_low) == (
        Decimal("58.50"),
        "fail",
        False,
        True,
    )


def test_record_quality_refuses_points_above_a_section_and_quarter_points() -> None:
    full = {
        section["code"]: section["points"] for section in DEFINITIONS["medical_record_quality"]["sections"]
    }
    full["chief_complaint"] = 6
    full["summary"] = 2.25
    del full["plan"]
    errors = errors_of(lambda: score("medical_record_quality", full))
    assert errors == {
        "scores.chief_complaint": ["“Chief complaint”: from 0 to 5 points, in steps of 0.5."],
        "scores.summary": ["“Case summary”: from 0 to 5 points, in steps of 0.5."],
        "scores.plan": ["Score “Management plan”."],
    }


EXAM_FULL = {
    "admission_record": 8,
    "professional_ethics": 9,
    "attendance": 10,
    "logbook": 8,
    "theory": 15,
    "case_analysis": 14,
    "physical_exam": 8,
    "procedure": 7,
}


def test_exit_exam_passes_on_total_and_clinical_ability() -> None:
    _scores, _details, result = score("department_exit_exam", EXAM_FULL)
    assert result.total == Decimal("79.00")
    assert result.parts == {"professional": Decimal(35), "clinical_ability": Decimal(44)}
    assert (result.passed, result.band, result.failed_rules) == (True, "Passed", [])


def test_exit_exam_fails_when_clinical_ability_is_under_36_even_with_a_passing_total() -> None:
    scores = {**EXAM_FULL, "theory": 10, "case_analysis": 10, "physical_exam": 8, "procedure": 7}
    _scores, _details, result = score("department_exit_exam", scores)
    assert result.total == Decimal("70.00")
    assert result.parts["clinical_ability"] == Decimal(35)
    assert result.passed is False
    assert result.failed_rules == ["clinical_ability >= 36"]
    assert result.flagged_low is True


def test_exit_exam_fails_on_record_rules_misconduct_and_leave() -> None:
    _scores, _details, result = score(
        "department_exit_exam",
        EXAM_FULL,
        record_checks={"no_serious_misconduct": False, "leave_within_a_third": False},
    )
    assert result.passed is False
    assert result.failed_rules == [
        "no serious misconduct during the rotation",
        "leave <= 1/3 of the rotation",
    ]


def test_the_stored_band_is_language_neutral_and_read_in_the_readers_language() -> None:
    from django.utils import translation

    from medtalent.assessments.scoring import band_label

    _scores, _details, result = score("mini_cex", {"overall": 8})
    assert result.band_key == "7"
    definition = DEFINITIONS["mini_cex"]
    assert band_label("rating_scale", definition, "7") == "Superior"
    with translation.override("zh-hans"):
        assert band_label("rating_scale", definition, "7") == "优良"
    assert band_label("points", DEFINITIONS["medical_record_quality"], "60") == "pass"
    assert band_label("exit_exam", DEFINITIONS["department_exit_exam"], "failed") == "Failed"
