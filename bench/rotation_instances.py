"""Public benchmark instances for the rotation scheduler.

    python bench/rotation_instances.py --out bench/instances [--standards DIR] [--sizes 100,300,1000,3000]
                                       [--slacks 1.10,1.25] [--seed 1]

Importable too: `generate(standards_dir, n_trainees, slack, seed, ...)` returns one instance in
"medtalent-rotation-instance/1" format, and `capacity_cut` / `leave_wave` derive re-planning scenarios
from an instance and a solution of it.

How an instance is built (bench/instances/README.md has the rationale):
- N trainees in three overlapping cohorts starting at months 0, 12 and 24, over a 60-month horizon,
  spread over the five standards with fixed shares (internal medicine and surgery the largest).
- Departments: the union of the standards' codes. Capacity, constant per department, is
  ceil(slack x peak average demand): the sum, over the trainees present in the busiest calendar month,
  of the months their standard needs in the department / total months (a group's months are spread
  evenly over its departments). ED, ICU and NICU also get a minimum of 30% of capacity.
- About 5% of trainees take 1-3 months of leave at a random month of their programme; about 30% have
  1-2 soft preferences.
- With fixed_past_months=k, every trainee first gets a valid schedule from the greedy baseline; the
  months before calendar month k become `fixed` blocks and the whole schedule becomes `previous`.
Everything is drawn from random.Random streams seeded from `seed`, so output is deterministic.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import random
from fractions import Fraction
from pathlib import Path
from typing import Any

from rotation_baselines import LEAVE, greedy_secretary, programme, solve_trainee, standard_total

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_FORMAT = "medtalent-rotation-instance/1"
START_MONTH = "2025-09"
HORIZON = 60  # the last cohort starts at 24, runs 33 months, plus up to 3 months of leave
COHORT_STARTS = (0, 12, 24)
# Shares of the standards: internal medicine and surgery are the largest programmes in most bases.
SHARES = {
    "internal_medicine": Fraction(32, 100),
    "surgery": Fraction(24, 100),
    "general_practice": Fraction(18, 100),
    "anaesthesiology": Fraction(14, 100),
    "paediatrics": Fraction(12, 100),
}
MINIMUM_DEPARTMENTS = ("ED", "ICU", "NICU")  # services that need a floor of trainees every month
MINIMUM_SHARE = Fraction(3, 10)
LEAVE_SHARE = Fraction(5, 100)
PREFERENCE_SHARE = Fraction(30, 100)
PREFERENCE_KINDS = ("early", "late", "not_before", "not_after")
REQUIREMENT_FIELDS = (
    "department",
    "months",
    "max_segments",
    "min_segment_months",
    "earliest_start",
    "latest_end",
)
GROUP_FIELDS = ("departments", "months", "min_each", "max_each")
MAX_FILE_BYTES = 3_000_000


def default_standards_dir() -> Path:
    packaged = ROOT / "medtalent" / "rotations" / "fixtures" / "standards"
    return packaged if packaged.is_dir() else ROOT.parent / "shared" / "domain" / "rotation_standards"


def load_standards(standards_dir: Path | str) -> dict[str, dict]:
    """The standards in instance format (only the fields the format defines)."""
    standards = {}
    for path in sorted(Path(standards_dir).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        standards[data.get("specialty", path.stem)] = {
            "requirements": [
                {key: r[key] for key in REQUIREMENT_FIELDS if key in r} for r in data.get("requirements", [])
            ],
            "groups": [{key: g[key] for key in GROUP_FIELDS if key in g} for g in data.get("groups", [])],
        }
    if not standards:
        raise SystemExit(f"no standard files in {standards_dir}")
    return standards


def split(total: int, shares: dict[str, Fraction]) -> dict[str, int]:
    """Largest-remainder rounding of total x shares (ties go to the earlier key)."""
    whole = sum(shares.values())
    exact = {key: total * share / whole for key, share in shares.items()}
    counts = {key: math.floor(value) for key, value in exact.items()}
    order = sorted(shares, key=lambda key: (-(exact[key] - counts[key]), list(shares).index(key)))
    for key in order[: total - sum(counts.values())]:
        counts[key] += 1
    return counts


def department_need(standard: dict) -> dict[str, Fraction]:
    """Months the standard needs per department, group months spread evenly over the group."""
    need: dict[str, Fraction] = {}
    for requirement in standard["requirements"]:
        need[requirement["department"]] = (
            need.get(requirement["department"], Fraction(0)) + requirement["months"]
        )
    for group in standard["groups"]:
        for code in group["departments"]:
            need[code] = need.get(code, Fraction(0)) + Fraction(group["months"], len(group["departments"]))
    return need


def _rng(seed: int, purpose: str) -> random.Random:
    # One stream per purpose, so that switching leave or preferences off leaves the rest unchanged.
    return random.Random(f"{seed}:{purpose}")


def _trainee_end(instance: dict, trainee: dict) -> int:
    standard = instance["standards"][trainee["standard"]]
    return trainee["start"] + standard_total(standard) + sum(b["months"] for b in trainee["leave"])


def peak_month(instance: dict) -> int:
    """The calendar month with the most trainees at work (in programme and not on leave)."""
    present = [0] * instance["horizon_months"]
    for trainee in instance["trainees"]:
        leave = {m for b in trainee["leave"] for m in range(b["start"], b["start"] + b["months"])}
        for month in range(trainee["start"], _trainee_end(instance, trainee)):
            present[month] += month not in leave
    return present.index(max(present))


def capacities(instance: dict, slack: Fraction) -> dict[str, int]:
    """ceil(slack x peak average demand) per department, in exact arithmetic."""
    peak = peak_month(instance)
    needs = {name: department_need(standard) for name, standard in instance["standards"].items()}
    demand: dict[str, Fraction] = {}
    for trainee in instance["trainees"]:
        leave = {m for b in trainee["leave"] for m in range(b["start"], b["start"] + b["months"])}
        if not trainee["start"] <= peak < _trainee_end(instance, trainee) or peak in leave:
            continue
        total = standard_total(instance["standards"][trainee["standard"]])
        for code, months in needs[trainee["standard"]].items():
            demand[code] = demand.get(code, Fraction(0)) + months / total
    codes = sorted({code for need in needs.values() for code in need})
    return {code: math.ceil(slack * demand.get(code, Fraction(0))) for code in codes}


def _preference(rng: random.Random, code: str) -> dict[str, Any]:
    kind = rng.choice(PREFERENCE_KINDS)
    preference: dict[str, Any] = {"department": code, "weight": rng.randint(1, 5)}
    if kind in ("early", "late"):
        preference["prefer"] = kind
    elif kind == "not_before":
        preference["not_before"] = rng.randint(6, 24)
    else:
        preference["not_after"] = rng.randint(9, 27)
    return preference


def generate(
    standards_dir: Path | str,
    n_trainees: int,
    slack: float,
    seed: int,
    *,
    leave: bool = True,
    fixed_past_months: int = 0,
    preferences: bool = True,
    cohort_starts: tuple[int, ...] = COHORT_STARTS,
) -> dict:
    standards = load_standards(standards_dir)
    shares = {name: SHARES.get(name, Fraction(1, 10)) for name in standards}
    order_rng = _rng(seed, "order")
    trainees: list[dict] = []
    cohort_sizes = split(n_trainees, {str(start): Fraction(1) for start in cohort_starts})
    for start in cohort_starts:
        cohort = [
            name for name, count in split(cohort_sizes[str(start)], shares).items() for _ in range(count)
        ]
        order_rng.shuffle(cohort)
        for name in cohort:
            trainees.append(
                {
                    "id": f"t{len(trainees) + 1:04d}",
                    "standard": name,
                    "start": start,
                    "fixed": [],
                    "leave": [],
                    "preferences": [],
                }
            )
    if leave:
        leave_rng = _rng(seed, "leave")
        for index in sorted(leave_rng.sample(range(n_trainees), round(n_trainees * LEAVE_SHARE))):
            trainee = trainees[index]
            total = standard_total(standards[trainee["standard"]])
            months = leave_rng.randint(1, 3)
            trainee["leave"] = [
                {"start": trainee["start"] + leave_rng.randint(0, total - 1), "months": months}
            ]
    if preferences:
        preference_rng = _rng(seed, "preferences")
        for index in sorted(preference_rng.sample(range(n_trainees), round(n_trainees * PREFERENCE_SHARE))):
            trainee = trainees[index]
            codes = sorted(department_need(standards[trainee["standard"]]))
            chosen = preference_rng.sample(codes, preference_rng.randint(1, 2))
            trainee["preferences"] = [_preference(preference_rng, code) for code in chosen]
    slack_fraction = Fraction(str(slack))
    instance: dict[str, Any] = {
        "format": INSTANCE_FORMAT,
        "name": instance_name(n_trainees, slack, seed, cohort_starts),
        "start_month": START_MONTH,
        "horizon_months": HORIZON,
        "departments": [],
        "standards": standards,
        "trainees": trainees,
        "weights": {"overload": 1000, "underfill": 100, "preference": 1, "change": 10},
    }
    for code, cap in capacities(instance, slack_fraction).items():
        department: dict[str, Any] = {"code": code, "capacity": cap}
        if code in MINIMUM_DEPARTMENTS and math.floor(MINIMUM_SHARE * cap) > 0:
            department["minimum"] = math.floor(MINIMUM_SHARE * cap)
        instance["departments"].append(department)
    instance["generator"] = {
        "script": "bench/rotation_instances.py",
        "n_trainees": n_trainees,
        "slack": slack,
        "seed": seed,
        "leave": leave,
        "preferences": preferences,
        "fixed_past_months": fixed_past_months,
        "peak_month": peak_month(instance),
        **({} if cohort_starts == COHORT_STARTS else {"cohort_starts": list(cohort_starts)}),
    }
    if fixed_past_months:
        schedule = greedy_secretary(instance, time_limit=60)["assignments"]
        for trainee in trainees:
            _freeze(trainee, schedule[trainee["id"]], fixed_past_months)
    return instance


def instance_name(
    n_trainees: int, slack: float, seed: int, cohort_starts: tuple[int, ...] = COHORT_STARTS
) -> str:
    """`n1000-s110-seed1`; other cohort starts than the set's add them, as in `n300-s110-c0-seed1`."""
    cohorts = "" if cohort_starts == COHORT_STARTS else "-c" + "_".join(str(s) for s in cohort_starts)
    return f"n{n_trainees}-s{round(slack * 100)}{cohorts}-seed{seed}"


# --------------------------------------------------------------------------------------------------
# Re-planning scenarios


def _freeze(trainee: dict, row: list, now: int) -> None:
    """Publish `row` as the trainee's previous plan and fix its department months before `now`."""
    fixed = {
        m: b["department"]
        for b in trainee.get("fixed", [])
        for m in range(b["start"], b["start"] + b["months"])
    }
    fixed.update({m: row[m] for m in range(min(now, len(row))) if row[m] not in (None, LEAVE)})
    blocks: list[dict[str, Any]] = []
    for month in sorted(fixed):
        last = blocks[-1] if blocks else None
        if last and last["department"] == fixed[month] and last["start"] + last["months"] == month:
            last["months"] += 1
        else:
            blocks.append({"department": fixed[month], "start": month, "months": 1})
    trainee["fixed"] = blocks
    trainee["previous"] = list(row)


def _replanning(instance: dict, solution: dict, now: int, kind: str, **details: Any) -> dict:
    scenario = copy.deepcopy(instance)
    for trainee in scenario["trainees"]:
        _freeze(trainee, solution["assignments"][trainee["id"]], now)
    scenario["name"] = f"{instance.get('name', 'instance')}-{kind}"
    scenario["replanning"] = {"kind": kind, "now": now, **details}
    return scenario


def capacity_cut(
    instance: dict,
    solution: dict,
    department: str,
    start: int,
    months: int,
    factor: float = 0.8,
    *,
    now: int | None = None,
) -> dict:
    """The department loses (1 - factor) of its capacity for `months` months from `start`.

    Months before `now` (default: `start`) are fixed to the solution, which becomes `previous`.
    """
    now = start if now is None else now
    scenario = _replanning(
        instance,
        solution,
        now,
        "capacity-cut",
        department=department,
        start=start,
        months=months,
        factor=factor,
    )
    horizon = scenario["horizon_months"]
    for entry in scenario["departments"]:
        if entry["code"] == department and entry.get("capacity") is not None:
            cap = entry["capacity"]
            per_month = [cap[min(t, len(cap) - 1)] if isinstance(cap, list) else cap for t in range(horizon)]
            for month in range(start, min(start + months, horizon)):
                per_month[month] = math.floor(per_month[month] * Fraction(str(factor)))
            entry["capacity"] = per_month
    return scenario


def leave_wave(
    instance: dict, solution: dict, fraction: float = 0.05, months: int = 2, *, now: int, seed: int = 0
) -> dict:
    """A share of the trainees take `months` of leave, starting at `now` or later.

    Every trainee chosen keeps a schedule that satisfies the hard constraints; candidates for whom the
    new leave would make that impossible are skipped.
    """
    scenario = _replanning(instance, solution, now, "leave-wave", fraction=fraction, months=months, seed=seed)
    rng = _rng(seed, "leave-wave")
    horizon = scenario["horizon_months"]
    wanted = round(len(scenario["trainees"]) * Fraction(str(fraction)))
    candidates = list(scenario["trainees"])
    rng.shuffle(candidates)
    chosen: list[str] = []
    for trainee in candidates:
        if len(chosen) == wanted:
            break
        end = _trainee_end(scenario, trainee)
        taken = {m for b in trainee["leave"] for m in range(b["start"], b["start"] + b["months"])}
        starts = [s for s in range(max(now, trainee["start"]), end) if not taken & set(range(s, s + months))]
        if end + months > horizon or not starts:
            continue
        before = trainee["leave"]
        trainee["leave"] = sorted(
            [*before, {"start": rng.choice(starts), "months": months}], key=lambda b: b["start"]
        )
        row, _ = solve_trainee(scenario, programme(scenario, trainee), objective="none")
        if row is None:
            trainee["leave"] = before
            continue
        chosen.append(trainee["id"])
    scenario["replanning"]["trainees"] = sorted(chosen)
    return scenario


# --------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "instances")
    parser.add_argument("--standards", type=Path, default=None)
    parser.add_argument("--sizes", default="100,300,1000,3000")
    parser.add_argument("--slacks", default="1.10,1.25")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--cohort-starts",
        default=",".join(str(s) for s in COHORT_STARTS),
        help="first months of the cohorts (the set: 0,12,24; the open single-cohort family: 0)",
    )
    arguments = parser.parse_args()
    cohort_starts = tuple(int(s) for s in arguments.cohort_starts.split(","))
    standards_dir = arguments.standards or default_standards_dir()
    arguments.out.mkdir(parents=True, exist_ok=True)
    for size in (int(s) for s in arguments.sizes.split(",")):
        for slack in (float(s) for s in arguments.slacks.split(",")):
            instance = generate(standards_dir, size, slack, arguments.seed, cohort_starts=cohort_starts)
            text = json.dumps(instance, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
            path = arguments.out / f"{instance['name']}.json"
            size_bytes = len(text.encode())
            if size_bytes >= MAX_FILE_BYTES:
                print(f"skip {path.name}: {size_bytes:,} bytes, the set keeps files under {MAX_FILE_BYTES:,}")
                continue
            path.write_text(text, encoding="utf-8")
            total = sum(d["capacity"] for d in instance["departments"])
            peak = instance["generator"]["peak_month"]
            print(f"{path.name}: {size_bytes:,} bytes, peak month {peak}, total capacity {total}")


if __name__ == "__main__":
    main()
