"""The progress callback: phases, percent done (0-100) with figures, and cancelling by returning False.

/tmp/venv/bin/pytest medtalent/rotations/scheduling/tests/test_solver_progress.py -q
"""

from __future__ import annotations

from typing import Any

import pytest

from medtalent.rotations.scheduling import Cancelled, solve_instance
from medtalent.rotations.scheduling.checker import INSTANCE_FORMAT

PHASES = {"check", "build", "repair", "polish", "combine", "done"}
FIGURES = ("overload", "objective", "overload_lower_bound", "objective_lower_bound")


def instance(trainees: int = 3) -> dict[str, Any]:
    """Trainees needing A and B (2 months each, one piece) in months 0-3, one place a month: with 3,
    4 trainee-months over capacity, proven at once by the per-department bound."""
    return {
        "format": INSTANCE_FORMAT,
        "start_month": "2025-09",
        "horizon_months": 4,
        "departments": [{"code": "A", "capacity": 1}, {"code": "B", "capacity": 1}],
        "standards": {
            "s": {
                "requirements": [
                    {"department": "A", "months": 2, "max_segments": 1},
                    {"department": "B", "months": 2, "max_segments": 1},
                ]
            }
        },
        "trainees": [{"id": f"t{i}", "standard": "s", "start": 0} for i in range(1, trainees + 1)],
    }


def slow_instance() -> dict[str, Any]:
    """An instance the solver does not settle early: A is required for 1 month and is also in the group
    A/C (C takes nobody); 2 over is the best (brute force) but a per-department bound proves 0, so the
    search runs to its time limit."""
    return {
        "format": INSTANCE_FORMAT,
        "start_month": "2025-09",
        "horizon_months": 4,
        "departments": [
            {"code": "A", "capacity": 1},
            {"code": "B", "capacity": 2},
            {"code": "C", "capacity": 0},
        ],
        "standards": {
            "s": {
                "requirements": [
                    {"department": "A", "months": 1, "max_segments": 1},
                    {"department": "B", "months": 1, "max_segments": 1},
                ],
                "groups": [{"departments": ["A", "C"], "months": 2, "min_each": 1, "max_each": 2}],
            }
        },
        "trainees": [{"id": "t1", "standard": "s", "start": 0}, {"id": "t2", "standard": "s", "start": 0}],
    }


def collect(data: dict[str, Any], time_limit: float) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    reports: list[dict[str, Any]] = []

    def progress(report: dict[str, Any]) -> None:
        reports.append(dict(report))

    solution = solve_instance(data, time_limit=time_limit, progress=progress)
    return solution, reports


def assert_well_formed(reports: list[dict[str, Any]]) -> None:
    assert reports
    for report in reports:
        assert report["phase"] in PHASES
        assert isinstance(report["percent"], int)
        assert 0 <= report["percent"] <= 100
        assert report["elapsed_seconds"] >= 0
        for key in FIGURES:
            if key in report:
                assert isinstance(report[key], int), (key, report)
                assert report[key] >= 0
    percents = [report["percent"] for report in reports]
    assert percents == sorted(percents)
    elapsed = [report["elapsed_seconds"] for report in reports]
    assert elapsed == sorted(elapsed)


def test_reports_start_with_check_and_end_with_done_and_the_final_figures() -> None:
    solution, reports = collect(instance(), time_limit=2.0)
    assert_well_formed(reports)
    assert reports[0]["phase"] == "check"
    assert reports[0]["percent"] == 0
    assert reports[-1]["phase"] == "done"
    assert reports[-1]["percent"] == 100
    assert [r["phase"] for r in reports].count("done") == 1
    done = reports[-1]
    assert {key: done[key] for key in FIGURES} == {
        "overload": 4,
        "objective": 4000,
        "overload_lower_bound": 4,
        "objective_lower_bound": 4000,
    }
    assert {key: solution[key] for key in FIGURES} == {key: done[key] for key in FIGURES}


def test_a_long_run_reports_along_the_way_with_figures() -> None:
    solution, reports = collect(slow_instance(), time_limit=1.5)
    assert_well_formed(reports)
    assert reports[0]["phase"] == "check"
    assert reports[-1]["phase"] == "done"
    assert reports[-1]["overload"] == solution["overload"] == 2
    assert reports[-1]["objective"] == solution["objective"] == 2000
    if solution["elapsed_seconds"] >= 1.0:
        # Reports come now and then (every quarter of a second or so) while the search runs.
        middle = reports[1:-1]
        assert len(middle) >= 2
        assert {r["phase"] for r in middle} <= {"build", "repair", "polish", "combine"}
        assert all(0 < r["percent"] < 100 for r in middle)
        assert all("overload" in r and "objective" in r for r in middle)


def test_infeasible_instance_reports_the_check() -> None:
    data = instance(1)
    data["trainees"][0]["fixed"] = [{"department": "C", "start": 0, "months": 1}]
    data["departments"].append({"code": "C", "capacity": 1})
    solution, reports = collect(data, time_limit=2.0)
    assert solution["status"] == "infeasible"
    assert_well_formed(reports)
    assert reports[0] == {"phase": "check", "percent": 0, "elapsed_seconds": reports[0]["elapsed_seconds"]}


def test_returning_false_at_once_cancels() -> None:
    calls: list[str] = []

    def progress(report: dict[str, Any]) -> bool:
        calls.append(report["phase"])
        return False

    with pytest.raises(Cancelled):
        solve_instance(instance(), time_limit=2.0, progress=progress)
    assert calls == ["check"]


def test_returning_false_later_cancels() -> None:
    calls: list[str] = []

    def progress(report: dict[str, Any]) -> bool:
        calls.append(report["phase"])
        return len(calls) < 2

    with pytest.raises(Cancelled):
        solve_instance(slow_instance(), time_limit=1.5, progress=progress)
    assert len(calls) == 2
    assert calls[0] == "check"


def test_returning_true_or_none_does_not_cancel() -> None:
    answers = iter([True, None] * 1000)
    solution = solve_instance(instance(), time_limit=2.0, progress=lambda report: next(answers))
    assert solution["status"] == "optimal"
    assert solution["overload"] == 4


def test_cancelled_is_an_exception_of_the_package() -> None:
    assert issubclass(Cancelled, Exception)
    assert Cancelled.__module__.startswith("medtalent.rotations.scheduling")
