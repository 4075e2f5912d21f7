"""MedTalent's rotation scheduler against the baselines, on the public instances, in one go.

    python bench/scheduler_bench.py [--short] [--time-limit 60] [--sizes 100,300,1000,3000]
                                    [--methods medtalent,textbook_cpsat,greedy_secretary,greedy_rotating]
                                    [--replanning-size 1000] [--replanning-time-limit 15]
                                    [--cut-departments largest,CARD] [--json results.json]

Methods (bench/rotation_baselines.py describes the baselines):
- medtalent: `medtalent.rotations.scheduling.solve_instance`, the project's scheduler;
- textbook_cpsat: baseline (a), the textbook CP-SAT model, same time limit, 2 workers;
- greedy_secretary: baseline (b), the secretary's greedy;
- greedy_rotating: a variant of (b) with the usual rotation wheel, a fairer yardstick than (b).

For every instance bench/instances/n{N}-s{110,125}-seed1.json (generated when missing) it runs each
method, verifies each solution with the project's checker (`check_solution`; when that module is not
there yet, with the bench's own check, marked "own"), and prints overload, objective, their lower
bounds, the gaps, the time and the verdict, then MedTalent's ratios to each baseline.

Then, at --replanning-size (default 1000, tight slack), re-planning scenarios derived from the best
verified plan, all from month 24 on: a 20% capacity cut for 6 months in each of --cut-departments
(default "largest,CARD": the largest department, general surgery in the public set, is the hard case
and is always reported next to cardiology), and 5% of trainees taking 2 months of leave. It reports
the changed trainee-months as a share of the trainee-months that are not frozen and, for a cut, the
floor: a proven lower bound on the changed trainee-months of any schedule with no more overload than
the method's (medtalent/rotations/scheduling/change_floor.py). Each trainee-month above the cut
capacity must leave the department (one change), and one whose months there are all required must come
back to it in another month (a second change); a trainee with elective months there (general surgery's
are also in the surgery group) may give them up at one change each. A solution below its floor fails
the bench. --replanning-time-limit (default: --time-limit) is the solvers' limit on the re-plans.
Finally, at N=100, the preference cost of each method against the sum of each trainee's best possible
preference cost (a lower bound that ignores capacity).

--short is the CI mode: N=100 only, 5 s limits, re-planning at N=100; it takes about a minute.
The exit status is 1 when any solution fails verification or a method crashes.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rotation_baselines as baselines
import rotation_instances as instances

ROOT = Path(__file__).resolve().parent.parent


def _optional(module: str, name: str) -> tuple[Any, str]:
    """The named object, or None and why: the solver and checker may not exist yet."""
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))  # run from a checkout without `pip install -e .`
    try:
        return getattr(importlib.import_module(module), name), ""
    except (ImportError, AttributeError) as error:
        return None, f"{type(error).__name__}: {error}"


solve_instance, SOLVER_MISSING = _optional("medtalent.rotations.scheduling", "solve_instance")
change_floor, FLOOR_MISSING = _optional("medtalent.rotations.scheduling.change_floor", "change_floor")
check_solution, CHECKER_MISSING = _optional("medtalent.rotations.scheduling.checker", "check_solution")
INSTANCES = ROOT / "bench" / "instances"
SLACKS = (1.10, 1.25)
SEED = 1
REPLAN_NOW = 24  # the peak: all three cohorts present
ALL_METHODS = ("medtalent", "textbook_cpsat", "greedy_secretary", "greedy_rotating")


@dataclass
class Run:
    instance: str
    method: str
    status: str
    seconds: float
    solution: dict | None = None
    verified: str = "-"  # yes / NO / - (nothing to verify) / skipped
    source: str = ""  # who verified: checker / own
    figures: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.verified == "NO" or self.status == "error"

    def value(self, key: str) -> Any:
        if key in self.figures:
            return self.figures[key]
        return (self.solution or {}).get(key)


def solvers() -> dict[str, Callable[[dict, float], dict]]:
    methods: dict[str, Callable[[dict, float], dict]] = {
        "textbook_cpsat": baselines.textbook_cpsat,
        "greedy_secretary": baselines.greedy_secretary,
        "greedy_rotating": baselines.greedy_rotating,
    }
    if solve_instance is not None:
        methods["medtalent"] = lambda instance, limit: solve_instance(instance, time_limit=limit, seed=0)
    return methods


def verify(instance: dict, solution: dict) -> tuple[bool, str, dict[str, Any], list[str]]:
    """(ok, source, figures, problems) for a solution with assignments."""
    own = baselines.evaluate(instance, solution["assignments"]) if _complete(instance, solution) else {}
    if check_solution is not None:
        report = check_solution(instance, solution)
        figures = {**own, **dict(getattr(report, "figures", {}) or {})}
        found = [*getattr(report, "violations", []), *getattr(report, "mismatches", [])]
        problems = [getattr(v, "message", str(v)) for v in found]
        ok, source = bool(report.ok), "checker"
    else:
        problems = []
        ids = {t["id"] for t in instance["trainees"]}
        problems += [f"unknown trainee {tid}" for tid in solution["assignments"] if tid not in ids]
        for trainee in instance["trainees"]:
            row = solution["assignments"].get(trainee["id"])
            if row is None:
                problems.append(f"{trainee['id']}: no row")
                continue
            prog = baselines.programme(instance, trainee)
            problems += baselines.trainee_violations(instance, prog, row)
        ok, source, figures = not problems, "own", own
    # What a solution claims must be what it is.
    for key in ("overload", "objective"):
        claimed = solution.get(key)
        if ok and claimed is not None and key in figures and claimed != figures[key]:
            ok = False
            problems.append(f"claims {key} {claimed}, the schedule has {figures[key]}")
    return ok, source, figures, problems


def _complete(instance: dict, solution: dict) -> bool:
    return all(t["id"] in solution["assignments"] for t in instance["trainees"])


def run(name: str, method: str, solve: Callable[[dict, float], dict], instance: dict, limit: float) -> Run:
    started = time.perf_counter()
    try:
        solution = solve(instance, limit)
    except Exception:
        traceback.print_exc()
        return Run(name, method, "error", time.perf_counter() - started)
    result = Run(name, method, str(solution.get("status")), time.perf_counter() - started, solution)
    if solution.get("assignments"):
        try:
            ok, result.source, result.figures, result.problems = verify(instance, solution)
        except Exception:
            traceback.print_exc()
            ok, result.problems = False, ["the check crashed"]
        result.verified = "yes" if ok else "NO"
    print(
        f"  {name:<22} {method:<17} {result.status:<10} {result.seconds:8.1f} s  verified {result.verified}"
    )
    for problem in result.problems[:5]:
        print(f"      {problem}")
    return result


# --------------------------------------------------------------------------------------------------
# Printing


def fmt(value: Any, digits: int = 0) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def gaps(result: Run) -> tuple[Any, Any]:
    overload, bound = result.value("overload"), result.value("overload_lower_bound")
    objective, objective_bound = result.value("objective"), result.value("objective_lower_bound")
    overload_gap = overload - bound if overload is not None and bound is not None else None
    objective_gap = None
    if objective is not None and objective_bound is not None:
        objective_gap = 100.0 * (objective - objective_bound) / max(abs(objective), 1)
    return overload_gap, objective_gap


def print_table(results: list[Run]) -> None:
    header = (
        f"{'instance':<22} {'method':<17} {'status':<10} {'overload':>8} {'ovl LB':>7} {'objective':>10} "
        f"{'obj LB':>10} {'ovl gap':>7} {'obj gap%':>8} {'gap 0 at':>8} {'time s':>7} {'verified':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        overload_gap, objective_gap = gaps(r)
        verified = r.verified + (f" ({r.source})" if r.source == "own" else "")
        print(
            f"{r.instance:<22} {r.method:<17} {r.status:<10} {fmt(r.value('overload')):>8} "
            f"{fmt(r.value('overload_lower_bound')):>7} {fmt(r.value('objective')):>10} "
            f"{fmt(r.value('objective_lower_bound')):>10} {fmt(overload_gap):>7} {fmt(objective_gap, 2):>8} "
            f"{fmt(r.value('overload_settled_seconds'), 2):>8} {r.seconds:7.1f} {verified:>9}"
        )


def ratio(mine: Any, theirs: Any) -> str:
    if mine is None or theirs is None:
        return "-"
    if theirs == 0:
        return "1.00" if mine == 0 else "inf"
    return f"{mine / theirs:.3f}"


def print_ratios(results: list[Run]) -> None:
    by_key = {(r.instance, r.method): r for r in results}
    rows = [r for r in results if r.method == "medtalent" and r.verified == "yes"]
    if not rows:
        print("no verified MedTalent solution: no ratios")
        return
    header = f"{'instance':<22} {'vs method':<17} {'overload ratio':>14} "
    header += f"{'objective ratio':>15} {'time ratio':>10}"
    print(header)
    print("-" * len(header))
    for mine in rows:
        for method in ALL_METHODS[1:]:
            theirs = by_key.get((mine.instance, method))
            if theirs is None:
                continue
            usable = theirs.verified == "yes"
            print(
                f"{mine.instance:<22} {method:<17} "
                f"{ratio(mine.value('overload'), theirs.value('overload')) if usable else 'no solution':>14} "
                f"{ratio(mine.value('objective'), theirs.value('objective')) if usable else '-':>15} "
                f"{ratio(mine.seconds, theirs.seconds):>10}"
            )
    print("(ratio = MedTalent / baseline: below 1 means MedTalent is better or faster)")


# --------------------------------------------------------------------------------------------------
# Instances and scenarios


def load_instance(
    directory: Path, size: int, slack: float, cohort_starts: tuple[int, ...] = instances.COHORT_STARTS
) -> dict:
    path = directory / f"{instances.instance_name(size, slack, SEED, cohort_starts)}.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    print(f"  ({path.name} is not in the set: generated)")
    return instances.generate(
        instances.default_standards_dir(), size, slack, SEED, cohort_starts=cohort_starts
    )


def changed_share(scenario: dict, solution: dict) -> tuple[int, int]:
    """(changed, unfrozen) trainee-months from the scenario's `now` on."""
    now = scenario["replanning"]["now"]
    changed = unfrozen = 0
    for trainee in scenario["trainees"]:
        row, previous = solution["assignments"][trainee["id"]], trainee.get("previous") or []
        prog = baselines.programme(scenario, trainee)
        for month in range(now, scenario["horizon_months"]):
            before = previous[month] if month < len(previous) else None
            if prog.start <= month < prog.end or before is not None:
                unfrozen += 1
                changed += row[month] != before
    return changed, unfrozen


def excess_months(scenario: dict, solution: dict) -> int:
    """Trainee-months of the published plan above the scenario's capacities."""
    load: dict[tuple[str, int], int] = {}
    for row in solution["assignments"].values():
        for month, code in enumerate(row):
            if code not in (None, "LEAVE"):
                load[code, month] = load.get((code, month), 0) + 1
    departments = {d["code"]: d for d in scenario["departments"]}
    return sum(
        max(0, count - capacity)
        for (code, month), count in load.items()
        if (capacity := baselines.capacity(departments[code], month)) is not None
    )


@dataclass
class Replan:
    run: Run
    changed: int  # trainee-months from `now` on that differ from the published plan
    unfrozen: int
    excess: int | None = None  # a cut's trainee-months above the new capacities
    floor: int | None = None  # proven: no schedule with at most the run's overload changes fewer


def replanning(
    instance: dict,
    results: list[Run],
    methods: dict[str, Callable[[dict, float], dict]],
    limit: float,
    cut_departments: list[str],
) -> list[Replan]:
    candidates = [r for r in results if r.instance == instance["name"] and r.verified == "yes"]
    if not candidates:
        print("no verified plan to re-plan from")
        return []
    base = min(candidates, key=lambda r: r.value("objective"))
    assert base.solution is not None
    print(
        f"re-planning from the {base.method} plan of {instance['name']} (objective {base.value('objective')})"
    )
    largest = max(instance["departments"], key=lambda d: baselines.capacity(d, REPLAN_NOW) or 0)["code"]
    known = {d["code"] for d in instance["departments"]}
    cuts: list[str] = []
    for name in cut_departments:
        code = largest if name == "largest" else name
        if code not in known:
            print(f"  no department {code} in {instance['name']}: no capacity cut there")
        elif code not in cuts:
            cuts.append(code)
    scenarios = []
    for code in cuts:
        scenario = instances.capacity_cut(instance, base.solution, code, REPLAN_NOW, 6, 0.8, now=REPLAN_NOW)
        scenario["name"] = f"{scenario['name']}-{code}"
        scenarios.append(scenario)
    scenarios.append(instances.leave_wave(instance, base.solution, 0.05, 2, now=REPLAN_NOW, seed=SEED))
    rows = []
    for scenario in scenarios:
        details = {k: v for k, v in scenario["replanning"].items() if k != "trainees"}
        cut = details["kind"] == "capacity-cut"
        excess = excess_months(scenario, base.solution) if cut else None
        if excess is not None:
            details["excess trainee-months"] = excess
        floor = change_floor(scenario) if cut and change_floor is not None else None
        print(f"  {scenario['name']}: {details}")
        for method, solve in methods.items():
            result = run(scenario["name"], method, solve, scenario, limit)
            row = Replan(result, 0, 0, excess)
            if result.verified == "yes" and result.solution:
                row.changed, row.unfrozen = changed_share(scenario, result.solution)
                if floor is not None:
                    row.floor = floor.at_overload(result.figures.get("overload", result.value("overload")))
                    # Every month before `now` is frozen, so the changes from `now` on are all of them.
                    if row.floor is None or row.changed < row.floor:
                        result.verified = "NO"
                        result.problems.append(f"{row.changed} changed months, below the proven floor")
            rows.append(row)
    return rows


def print_replanning(rows: list[Replan]) -> None:
    header = (
        f"{'scenario':<37} {'method':<17} {'overload':>8} {'objective':>10} {'changed':>8} "
        f"{'of unfrozen':>11} {'share':>7} {'floor':>6} {'floor %':>7} {'gap 0 at':>8} {'time s':>7} "
        f"{'verified':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        r, unfrozen = row.run, row.unfrozen
        share = f"{100.0 * row.changed / unfrozen:.2f}%" if unfrozen else "-"
        floor_share = f"{100.0 * row.floor / unfrozen:.2f}%" if unfrozen and row.floor is not None else "-"
        print(
            f"{r.instance:<37} {r.method:<17} {fmt(r.value('overload')):>8} {fmt(r.value('objective')):>10} "
            f"{row.changed if unfrozen else '-':>8} {unfrozen or '-':>11} {share:>7} {fmt(row.floor):>6} "
            f"{floor_share:>7} {fmt(r.value('overload_settled_seconds'), 2):>8} {r.seconds:7.1f} "
            f"{r.verified:>9}"
        )
    print("(floor: proven fewest changed trainee-months of any schedule with at most that overload;")
    print(" gap 0 at: seconds until the overload met its proven bound)")


def preference_gaps(results: list[Run], loaded: dict[str, dict]) -> list[tuple[str, str, Any, int]]:
    """Preference cost per method at N=100 against the per-trainee lower bound."""
    rows = []
    for name, instance in loaded.items():
        if instance["generator"]["n_trainees"] != 100:
            continue
        bound = 0
        for trainee in instance["trainees"]:
            if trainee.get("preferences"):
                _, best = baselines.solve_trainee(
                    instance, baselines.programme(instance, trainee), objective="preference"
                )
                bound += best or 0
        for r in results:
            if r.instance == name and r.verified == "yes":
                cost = r.figures.get("preference_cost", r.figures.get("preference"))
                if cost is None:
                    cost = (
                        baselines.evaluate(instance, r.solution["assignments"])["preference"]
                        if r.solution
                        else None
                    )
                rows.append((name, r.method, cost, bound))
    return rows


def print_preferences(rows: list[tuple[str, str, Any, int]]) -> None:
    header = f"{'instance':<22} {'method':<17} {'pref cost':>9} {'lower bound':>11} {'gap':>6}"
    print(header)
    print("-" * len(header))
    for name, method, cost, bound in rows:
        gap = cost - bound if cost is not None else None
        print(f"{name:<22} {method:<17} {fmt(cost):>9} {bound:>11} {fmt(gap):>6}")
    print("(lower bound = sum of each trainee's best preference cost alone, capacity ignored)")


# --------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--short", action="store_true", help="CI mode: N=100, 5 s limits")
    parser.add_argument(
        "--time-limit", type=float, default=None, help="seconds per solve (default 60; short 5)"
    )
    parser.add_argument(
        "--sizes", default=None, help="comma-separated N (default 100,300,1000,3000; short 100)"
    )
    parser.add_argument("--methods", default=",".join(ALL_METHODS))
    parser.add_argument("--replanning-size", type=int, default=None, help="N of the re-planning scenarios")
    parser.add_argument(
        "--replanning-time-limit", type=float, default=None, help="seconds per re-plan (default --time-limit)"
    )
    parser.add_argument(
        "--cut-departments",
        default="largest,CARD",
        help='departments cut by 20%% in the capacity-cut scenarios ("largest" = the largest one)',
    )
    parser.add_argument("--no-replanning", action="store_true")
    parser.add_argument("--instances", type=Path, default=INSTANCES)
    parser.add_argument(
        "--cohort-starts",
        default=",".join(str(s) for s in instances.COHORT_STARTS),
        help="first months of the cohorts (the public set: 0,12,24; the open single-cohort family: 0)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    arguments = parser.parse_args()
    limit = arguments.time_limit or (5.0 if arguments.short else 60.0)
    sizes = [
        int(s) for s in (arguments.sizes or ("100" if arguments.short else "100,300,1000,3000")).split(",")
    ]
    replan_size = arguments.replanning_size or (100 if arguments.short else 1000)
    cohort_starts = tuple(int(s) for s in arguments.cohort_starts.split(","))

    if solve_instance is None:
        print(f"medtalent solver not available ({SOLVER_MISSING})")
    if change_floor is None:
        print(f"change floor not available ({FLOOR_MISSING}); re-plans are shown without it")
    if check_solution is None:
        print(f"checker not available ({CHECKER_MISSING}); solutions are checked by the bench's own check")
    available = solvers()
    methods = {m: available[m] for m in arguments.methods.split(",") if m in available}
    print(f"methods: {', '.join(methods)}; time limit {limit:g} s")

    results: list[Run] = []
    loaded: dict[str, dict] = {}
    for size in sizes:
        for slack in SLACKS:
            instance = load_instance(arguments.instances, size, slack, cohort_starts)
            loaded[instance["name"]] = instance
            for method, solve in methods.items():
                results.append(run(instance["name"], method, solve, instance, limit))

    print()
    print_table(results)
    print()
    print_ratios(results)

    replanned: list[Replan] = []
    if not arguments.no_replanning:
        print()
        name = instances.instance_name(replan_size, SLACKS[0], SEED, cohort_starts)
        if name not in loaded:  # not among --sizes: solve it first, to have a plan to re-plan from
            loaded[name] = load_instance(arguments.instances, replan_size, SLACKS[0], cohort_starts)
            for method, solve in methods.items():
                results.append(run(name, method, solve, loaded[name], limit))
        replanned = replanning(
            loaded[name],
            results,
            methods,
            arguments.replanning_time_limit or limit,
            [code.strip() for code in arguments.cut_departments.split(",") if code.strip()],
        )
        print()
        print_replanning(replanned)

    preferences = preference_gaps(results, loaded)
    if preferences:
        print()
        print_preferences(preferences)

    if arguments.json:
        payload = {
            "time_limit": limit,
            "runs": [_record(r) for r in results],
            "replanning": [
                {
                    **_record(row.run),
                    "changed": row.changed,
                    "unfrozen": row.unfrozen,
                    "excess": row.excess,
                    "floor": row.floor,
                }
                for row in replanned
            ],
            "preferences": [
                {"instance": i, "method": m, "cost": c, "lower_bound": b} for i, m, c, b in preferences
            ],
        }
        arguments.json.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n", encoding="utf-8")

    failures = [r for r in results + [row.run for row in replanned] if r.failed]
    print()
    if failures:
        print(f"FAILED: {len(failures)} run(s) failed verification or crashed:")
        for r in failures:
            print(f"  {r.instance} {r.method}: {r.status}; {'; '.join(r.problems[:3])}")
        return 1
    print("every solution passed verification")
    return 0


def _record(r: Run) -> dict[str, Any]:
    overload_gap, objective_gap = gaps(r)
    return {
        "instance": r.instance,
        "method": r.method,
        "status": r.status,
        "seconds": round(r.seconds, 3),
        "verified": r.verified,
        "verified_by": r.source,
        "overload": r.value("overload"),
        "overload_lower_bound": r.value("overload_lower_bound"),
        "objective": r.value("objective"),
        "objective_lower_bound": r.value("objective_lower_bound"),
        "overload_gap": overload_gap,
        "objective_gap_percent": objective_gap,
    }


if __name__ == "__main__":
    sys.exit(main())
