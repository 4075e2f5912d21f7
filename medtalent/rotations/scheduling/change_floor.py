"""A proven lower bound on the months a re-plan must change when capacities fall below the published plan.

Reads an instance in the JSON format (with each trainee's `previous` row) and needs no solution. It
bounds the format's changed trainee-months (months t < len(previous) where the new row differs) of every
schedule whose overload is at most a given figure.

**Leavers.** A cell (d, t) is *over* when more trainees had d in month t in the previous rows than d's
new capacity takes. With overload o there, at least excess − o of them are not in d at t any more: each
such trainee changes month t. A trainee fixed in d at t stays; one whose month t is now leave, fixed
elsewhere or outside their programme leaves whatever the schedule (a *certain* leaver).

**Coming back.** Take a trainee all of whose over cells (those they are not fixed in) lie in one
department d, whose programme ends within the previous row, and who had s months in d beyond the
least any valid row has there (d's requirement; an elective group can only add to it; no requirement:
no bound). Every month t' where the new row has d and the previous row had not is a change, and not one
of the lost months (their previous value was d). The new row has at least as many months in d as the
previous one minus s, so after the first s months lost in d, each further month lost there brings
such a month t' with it: a trainee who leaves L over cells changes at least L + max(0, L − s) months.
Anyone else (a trainee in over cells of two departments may swap them for two changes) changes at
least L. These bounds are per trainee, so they add up.

**The floor.** Which trainees leave which over cells is then a transportation problem with convex
costs (1 per cell left, 2 once the trainee's s is used up), solved exactly as a min-cost flow. Overload
O lets the cells keep O of their leavers in all. A cell with fewer trainees who may leave than its
excess is overloaded in every schedule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ortools.graph.python import min_cost_flow

from .checker import LEAVE, capacity_at, departments_by_code, programme

UNBOUNDED = 1 << 30  # a trainee whose every lost month may cost a single change


@dataclass
class _Leaver:
    certain: int = 0  # over cells the trainee leaves whatever the schedule
    slack: int = UNBOUNDED  # months the trainee may lose at one change each
    cells: list[int] = field(default_factory=list)  # over cells (indices) the trainee may leave


@dataclass
class ChangeFloor:
    """The floor on changed trainee-months, as a function of the schedule's overload."""

    excess: int  # trainee-months of the previous rows above the new capacities
    unavoidable_overload: int  # cells with fewer trainees who may leave than their excess
    needed: list[int]  # per over cell: leavers still needed beyond the certain ones
    leavers: list[_Leaver]
    _cache: dict[int, int | None] = field(default_factory=dict, repr=False)

    def at_overload(self, overload: int) -> int | None:
        """The fewest changed trainee-months of any schedule with at most `overload`; None when no
        schedule has so little overload."""
        if overload < self.unavoidable_overload:
            return None
        if overload not in self._cache:
            self._cache[overload] = self._solve(overload)
        return self._cache[overload]

    def _solve(self, overload: int) -> int | None:
        certain = sum(leaver.certain + max(0, leaver.certain - leaver.slack) for leaver in self.leavers)
        demand = sum(self.needed)
        if demand == 0:
            return certain
        # Nodes: source 0, spare 1 (overload: a cell keeps a leaver), trainees, cells, sink.
        flow = min_cost_flow.SimpleMinCostFlow()
        first_trainee, first_cell = 2, 2 + len(self.leavers)
        sink = first_cell + len(self.needed)
        flow.add_arc_with_capacity_and_unit_cost(0, 1, min(overload - self.unavoidable_overload, demand), 0)
        for c, needed in enumerate(self.needed):
            flow.add_arc_with_capacity_and_unit_cost(1, first_cell + c, needed, 0)
            flow.add_arc_with_capacity_and_unit_cost(first_cell + c, sink, needed, 0)
        for k, leaver in enumerate(self.leavers):
            if not leaver.cells:
                continue
            node = first_trainee + k
            cheap = min(len(leaver.cells), max(0, leaver.slack - leaver.certain))
            if cheap:
                flow.add_arc_with_capacity_and_unit_cost(0, node, cheap, 1)
            if cheap < len(leaver.cells):
                flow.add_arc_with_capacity_and_unit_cost(0, node, len(leaver.cells) - cheap, 2)
            for c in leaver.cells:
                flow.add_arc_with_capacity_and_unit_cost(node, first_cell + c, 1, 0)
        flow.set_node_supply(0, demand)
        flow.set_node_supply(sink, -demand)
        if flow.solve() != flow.OPTIMAL:
            return None
        return certain + flow.optimal_cost()


def change_floor(instance: dict[str, Any]) -> ChangeFloor:
    """The floor for an instance whose trainees carry their `previous` rows (see the module's docstring)."""
    departments = departments_by_code(instance)
    trainees = [t for t in instance.get("trainees", []) if t.get("previous")]
    present: dict[tuple[str, int], list[int]] = {}
    for i, trainee in enumerate(trainees):
        for month, code in enumerate(trainee["previous"]):
            if code is not None and code != LEAVE and code in departments:
                present.setdefault((code, month), []).append(i)
    over: dict[tuple[str, int], int] = {}
    for (code, month), members in present.items():
        capacity = capacity_at(departments[code], month)
        if capacity is not None and len(members) > capacity:
            over[code, month] = len(members) - capacity

    programmes = [programme(instance, trainee) for trainee in trainees]
    leavers = [_Leaver() for _ in trainees]
    cut: dict[int, set[str]] = {}  # trainee -> departments of the over cells they may or must leave
    needed: list[int] = []
    unavoidable = 0
    for (code, month), excess in over.items():
        certain, optional = 0, []
        for i in present[code, month]:
            prog = programmes[i]
            fixed = prog.fixed.get(month)
            if fixed == code:
                continue
            cut.setdefault(i, set()).add(code)
            if prog.start <= month < prog.end and month not in prog.leave and fixed is None:
                optional.append(i)
            else:
                leavers[i].certain += 1
                certain += 1
        still = max(0, excess - certain)
        unavoidable += max(0, still - len(optional))
        for i in optional:
            leavers[i].cells.append(len(needed))
        needed.append(min(still, len(optional)))
    for i, departments_left in cut.items():
        if len(departments_left) != 1:
            continue
        (code,) = departments_left
        prog, previous = programmes[i], trainees[i]["previous"]
        least = prog.required_months().get(code, 0)
        if least and prog.start >= 0 and prog.end <= len(previous):
            leavers[i].slack = max(0, previous.count(code) - least)
    return ChangeFloor(sum(over.values()), unavoidable, needed, leavers)
