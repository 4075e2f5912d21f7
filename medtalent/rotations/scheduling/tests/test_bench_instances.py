"""The benchmark generator and baselines in bench/ (no database).

/tmp/venv/bin/pytest medtalent/rotations/scheduling/tests/test_bench_instances.py -p no:django
"""

from __future__ import annotations

import importlib
import json
import math
import sys
from fractions import Fraction
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[4] / "bench"


def _bench_module(name: str) -> ModuleType:
    # bench/ is a folder of scripts, not a package: put it on the path the way running a script does.
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    return importlib.import_module(name)


instances = _bench_module("rotation_instances")
baselines = _bench_module("rotation_baselines")
STANDARDS = instances.default_standards_dir()


def _checker():
    return pytest.importorskip("medtalent.rotations.scheduling.checker")


def _assert_valid(instance: dict, solution: dict) -> None:
    """The project's checker accepts the solution (and so does the bench's own check)."""
    assert solution["assignments"], solution.get("diagnostics")
    for trainee in instance["trainees"]:
        row = solution["assignments"][trainee["id"]]
        assert baselines.trainee_violations(instance, baselines.programme(instance, trainee), row) == []
    report = _checker().check_solution(instance, solution)
    assert report.ok, [v.message for v in report.violations + report.mismatches][:5]


def test_same_seed_same_instance_and_other_seed_differs() -> None:
    first = json.dumps(instances.generate(STANDARDS, 120, 1.10, 7), sort_keys=True)
    second = json.dumps(instances.generate(STANDARDS, 120, 1.10, 7), sort_keys=True)
    other = json.dumps(instances.generate(STANDARDS, 120, 1.10, 8), sort_keys=True)
    assert first == second
    assert first != other


def test_trainees_have_stable_ids_cohorts_and_shares() -> None:
    instance = instances.generate(STANDARDS, 300, 1.25, 1)
    trainees = instance["trainees"]
    assert [t["id"] for t in trainees] == [f"t{i:04d}" for i in range(1, 301)]
    assert {t["start"] for t in trainees} == {0, 12, 24}
    counts = {name: sum(t["standard"] == name for t in trainees) for name in instance["standards"]}
    largest = sorted(counts, key=counts.get, reverse=True)[:2]
    assert set(largest) == {"internal_medicine", "surgery"}
    assert instance["horizon_months"] == 60


def test_capacity_is_ceil_of_slack_times_peak_average_demand(tmp_path: Path) -> None:
    # Two made-up standards where the numbers can be done by hand.
    (tmp_path / "a.json").write_text(
        json.dumps(
            {
                "specialty": "a",
                "requirements": [
                    {"department": "X", "months": 20, "max_segments": 1, "min_segment_months": 1},
                    {"department": "Y", "months": 13, "max_segments": 1, "min_segment_months": 1},
                ],
                "groups": [],
            }
        )
    )
    (tmp_path / "b.json").write_text(
        json.dumps(
            {
                "specialty": "b",
                "requirements": [
                    {"department": "X", "months": 13, "max_segments": 1, "min_segment_months": 1}
                ],
                "groups": [{"departments": ["Y", "Z"], "months": 20, "min_each": 1, "max_each": 20}],
            }
        )
    )
    instance = instances.generate(tmp_path, 30, 1.10, 1, leave=False, preferences=False)
    # 15 trainees of each standard (unknown standards share equally), all present in the peak month.
    assert sum(t["standard"] == "a" for t in instance["trainees"]) == 15
    assert instance["generator"]["peak_month"] == 24
    capacities = {d["code"]: d["capacity"] for d in instance["departments"]}
    # X: 15*20/33 + 15*13/33 = 15 -> 16.5 -> 17.  Y: 15*13/33 + 15*10/33 = 10.45 -> 11.5 -> 12.
    # Z: 15*10/33 = 4.545... -> exactly 5.0 -> 5 (float arithmetic would say 6).
    assert capacities == {"X": 17, "Y": 12, "Z": 5}


def test_capacity_formula_on_the_real_standards() -> None:
    instance = instances.generate(STANDARDS, 500, 1.10, 3)
    peak = instance["generator"]["peak_month"]
    demand: dict[str, Fraction] = {}
    for trainee in instance["trainees"]:
        prog = baselines.programme(instance, trainee)
        if not prog.start <= peak < prog.end or peak in prog.leave:
            continue
        standard = instance["standards"][trainee["standard"]]
        for requirement in standard["requirements"]:
            code = requirement["department"]
            demand[code] = demand.get(code, Fraction(0)) + Fraction(requirement["months"], 33)
        for group in standard["groups"]:
            for code in group["departments"]:
                demand[code] = demand.get(code, Fraction(0)) + Fraction(
                    group["months"], 33 * len(group["departments"])
                )
    for department in instance["departments"]:
        assert department["capacity"] == math.ceil(Fraction(11, 10) * demand[department["code"]])
        if "minimum" in department:
            assert department["code"] in ("ED", "ICU", "NICU")
            assert department["minimum"] == math.floor(Fraction(3, 10) * department["capacity"])
    codes = {d["code"] for d in instance["departments"]}
    for standard in instance["standards"].values():
        assert {r["department"] for r in standard["requirements"]} <= codes


def test_five_percent_take_one_to_three_months_of_leave_inside_the_horizon() -> None:
    instance = instances.generate(STANDARDS, 1000, 1.10, 1)
    on_leave = [t for t in instance["trainees"] if t["leave"]]
    assert len(on_leave) == 50
    for trainee in on_leave:
        (block,) = trainee["leave"]
        assert 1 <= block["months"] <= 3
        prog = baselines.programme(instance, trainee)
        assert prog.start <= block["start"]
        assert block["start"] + block["months"] <= prog.end
    assert all(baselines.programme(instance, t).end <= 60 for t in instance["trainees"])
    with_preferences = [t for t in instance["trainees"] if t["preferences"]]
    assert len(with_preferences) == 300
    assert all(1 <= len(t["preferences"]) <= 2 for t in with_preferences)
    assert not any(t["leave"] for t in instances.generate(STANDARDS, 100, 1.10, 1, leave=False)["trainees"])


def test_fixed_past_months_come_with_a_valid_previous_schedule() -> None:
    instance = instances.generate(STANDARDS, 60, 1.10, 2, fixed_past_months=12)
    for trainee in instance["trainees"]:
        previous = trainee["previous"]
        assert len(previous) == instance["horizon_months"]
        prog = baselines.programme(instance, trainee)
        assert baselines.trainee_violations(instance, prog, previous) == []
        fixed = {
            m: b["department"] for b in trainee["fixed"] for m in range(b["start"], b["start"] + b["months"])
        }
        assert all(m < 12 and previous[m] == code for m, code in fixed.items())
        # Every month before 12 that holds a department is fixed; later cohorts have nothing fixed.
        assert set(fixed) == {m for m in range(12) if previous[m] not in (None, baselines.LEAVE)}
        assert bool(fixed) == (trainee["start"] == 0)


def test_greedy_secretary_is_valid_and_the_variant_spreads_load() -> None:
    instance = instances.generate(STANDARDS, 100, 1.10, 1)
    plain = baselines.greedy_secretary(instance, time_limit=10)
    rotating = baselines.greedy_rotating(instance, time_limit=10)
    _assert_valid(instance, plain)
    _assert_valid(instance, rotating)
    assert rotating["overload"] < plain["overload"]


def test_textbook_cpsat_solves_a_small_instance_validly() -> None:
    instance = instances.generate(STANDARDS, 8, 1.10, 4, fixed_past_months=6)
    for department in instance["departments"]:
        department["capacity"] = 1  # tight enough that overload is unavoidable
    solution = baselines.textbook_cpsat(instance, time_limit=20)
    assert solution["status"] in ("optimal", "feasible")
    _assert_valid(instance, solution)
    greedy = baselines.greedy_secretary(instance, time_limit=10)
    _assert_valid(instance, greedy)
    assert solution["objective"] <= greedy["objective"]  # the greedy's rows are a feasible point of the model
    assert solution["objective_lower_bound"] <= solution["objective"]


def test_replanning_scenarios_freeze_the_past_and_stay_feasible() -> None:
    instance = instances.generate(STANDARDS, 100, 1.10, 1)
    plan = baselines.greedy_rotating(instance, time_limit=10)
    cut = instances.capacity_cut(instance, plan, "GS", 24, 6, 0.8, now=24)
    gs = next(d for d in cut["departments"] if d["code"] == "GS")
    original = next(d for d in instance["departments"] if d["code"] == "GS")["capacity"]
    assert gs["capacity"][23] == original
    assert gs["capacity"][24] == math.floor(original * Fraction(4, 5))
    assert gs["capacity"][30] == original
    for trainee in cut["trainees"]:
        row = plan["assignments"][trainee["id"]]
        assert trainee["previous"] == row
        fixed = {m for b in trainee["fixed"] for m in range(b["start"], b["start"] + b["months"])}
        assert fixed == {m for m in range(24) if row[m] not in (None, baselines.LEAVE)}

    wave = instances.leave_wave(instance, plan, 0.05, 2, now=24, seed=1)
    chosen = set(wave["replanning"]["trainees"])
    assert len(chosen) == 5
    before = {t["id"]: t["leave"] for t in instance["trainees"]}
    for trainee in wave["trainees"]:
        added = [b for b in trainee["leave"] if b not in before[trainee["id"]]]
        if trainee["id"] in chosen:
            assert [(b["start"] >= 24, b["months"]) for b in added] == [(True, 2)]
        else:
            assert added == []
    _assert_valid(wave, baselines.greedy_secretary(wave, time_limit=10))
    assert instance == instances.generate(STANDARDS, 100, 1.10, 1)  # the original is left as it was


def test_the_single_cohort_family_starts_everyone_together_and_is_named_apart() -> None:
    """`--cohort-starts 0`: the open family. The public set's names and bytes stay as they are."""
    assert instances.instance_name(300, 1.10, 1) == "n300-s110-seed1"
    assert instances.instance_name(300, 1.10, 1, (0,)) == "n300-s110-c0-seed1"
    single = instances.generate(STANDARDS, 60, 1.10, 1, cohort_starts=(0,))
    assert single["name"] == "n60-s110-c0-seed1"
    assert {t["start"] for t in single["trainees"]} == {0}
    assert single["generator"]["cohort_starts"] == [0]
    public = instances.generate(STANDARDS, 60, 1.10, 1)
    assert {t["start"] for t in public["trainees"]} == {0, 12, 24}
    assert "cohort_starts" not in public["generator"]
