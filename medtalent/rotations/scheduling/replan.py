"""Re-planning with few changes: block moves for many trainees at once, chosen together by CP-SAT.

When a published schedule meets new facts (a department loses places, a trainee takes leave), most of it
should stay. Re-laying one displaced trainee at a time (the repair's guided search) finds *a* schedule
without overload, but each re-layout is chosen for that trainee alone, so the holes it leaves and the
cells it fills ripple through many rows. Here instead:

1. **Moves.** For each trainee in the neighbourhood, rows one block move away from their current row:
   a block (or its end) swaps with a run of blocks of the same total length, or moves past other blocks
   of its stretch (the blocks between shift). A move keeps every department's month count, so only the
   moved departments' windows and segments need checking. Besides, **elective moves**: a trainee with
   elective months in a department (its months beyond the requirement, taken in an elective group)
   gives up one to three consecutive ones in the cells to vacate for another department of the group,
   in the same months: one change per month where a block move needs two (the months leave and come
   back). On the bench's general-surgery cut they bring the changes from about 310 to about 230. The
   cheapest few of all the moves (fewest changed months, then fewest full cells entered) go on.
2. **Choice.** One CP-SAT model picks a row for every trainee of the neighbourhood (their current row is
   always one choice): capacity and minimum staffing are counted over everyone, and the objective is the
   instance's own (overload, underfill, preferences, changes), so a chain of moves (A leaves a full cell
   for B's, B moves on to a free one) costs what it really costs.
3. **Neighbourhood.** It starts with the trainees in overloaded cells and grows with the trainees of the
   full cells their moves would enter (moving on only into cells with room), so chains of two can form;
   on the bench's N=1000 re-plans CP-SAT proves the optimum over it in about half a second.

If CP-SAT finds nothing better in its time, a greedy pass over the same moves (the best first, re-rated
as loads change) is taken instead. The guided search in `solver.py` finishes whatever overload is left.

Once the overload is settled, `fewer_changes` runs the same choice the other way: the trainees whose rows
differ from the previous plan are offered rows that put runs of their changed months back, the trainees
of the full cells those rows enter moves out of them, and no cell's overload may grow. It undoes what
no single trainee can undo alone (two trainees swapped across full cells). On the bench's N=1000
re-plans it finds nothing to take back (the general-surgery cut's surgery group has no room left in
the cut months, so each month beyond the first 41 or so costs two changes whoever moves); at N=100 it
takes back a few months.
"""

from __future__ import annotations

import heapq
import itertools
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from ortools.sat.python import cp_model

from .evaluate import preference_cost, row_is_valid
from .trainee import TraineeProblem

if TYPE_CHECKING:
    from .solver import _Search

MOVES_PER_TRAINEE = 12  # moves per trainee offered to CP-SAT, the cheapest first
MOVES_PER_CHAINED_TRAINEE = 4  # the same for the trainees of full cells; more slows CP-SAT, gains little
MOST_PART_MONTHS = 3  # longest end of a block that swaps with the end of another
MOST_ELECTIVE_MONTHS = 3  # longest run of elective months given up for another department of the group
MOST_RESTORED_RUNS = 6  # a changed row with more runs of changed months offers only its whole previous row
OPTIONS_SHARE = 0.5  # of a `fewer_changes` round's time, for building the options; CP-SAT gets the rest


def department_keeps_rules(problem: TraineeProblem, row: list[int], d: int) -> bool:
    """Whether department d's months in the row keep its window and segment rules.

    Enough after a move that keeps every department's month count: counts, groups, partner limits,
    fixed months and leave cannot have changed. Plain Python: rows are a few dozen months long.
    """
    requirement = problem.requirement_of.get(d)
    max_segments, min_segment, low, high = 1, 1, 0, len(row)
    if requirement is not None:
        max_segments, min_segment = requirement.max_segments, requirement.min_segment_months
        low = requirement.earliest_start or 0
        if requirement.latest_end is not None:
            high = requirement.latest_end
    lengths: list[int] = []
    current = 0
    for offset, value in enumerate(row):
        if value == d:
            if not low <= offset < high:
                return False
            current += 1
        elif value >= 0 and current:  # leave (-1) inside a run does not split it
            lengths.append(current)
            current = 0
    if current:
        lengths.append(current)
    return len(lengths) <= max_segments and (not lengths or min(lengths) >= min_segment)


def block_moves(
    problem: TraineeProblem,
    row: np.ndarray,
    vacate: list[list[bool]],
    crowded: list[list[bool]],
    limit: int,
    enter: list[list[bool]] | None = None,
) -> list[tuple[tuple[int, int], np.ndarray]]:
    """Up to `limit` valid rows one block move from `row` that take the trainee out of more `vacate`
    cells than they enter, each with its score (changed months plus `crowded` cells entered, changed
    months), the lowest first.

    A block in a vacate cell swaps with another block of the same length, changes places with another
    block of its stretch, or moves past it (the blocks between shift). With `enter`, a move may only
    enter cells of that mask.
    """
    start = problem.trainee.start
    offsets = (problem.free - start).tolist()
    months = problem.free.tolist()
    sequence = [int(row[k]) for k in offsets]
    inside = [vacate[d][t] for d, t in zip(sequence, months, strict=True)]
    if len(sequence) < 2 or not any(inside):
        return []
    stretch = problem.stretch.tolist()
    edges = [0]
    for k in range(1, len(sequence)):
        if sequence[k] != sequence[k - 1] or stretch[k] != stretch[k - 1]:
            edges.append(k)
    edges.append(len(sequence))
    runs = list(itertools.pairwise(edges))
    scored: dict[tuple[int, ...], tuple[int, int]] = {}

    def consider(new: list[int], low: int, high: int) -> None:
        changed = crowding = balance = 0
        for k in range(low, high):
            before, after = sequence[k], new[k]
            if before != after:
                t = months[k]
                changed += 1
                balance += vacate[after][t] - vacate[before][t]
                crowding += crowded[after][t]
                if enter is not None and not enter[after][t]:
                    return
        if balance < 0:
            scored[tuple(new)] = (changed + crowding, changed)

    def rotate(low: int, middle: int, high: int) -> None:
        """Months low..high-1 become middle..high-1 then low..middle-1."""
        consider(sequence[:low] + sequence[middle:high] + sequence[low:middle] + sequence[high:], low, high)

    def swap(first: int, second: int, length: int) -> None:
        new = sequence.copy()
        new[first : first + length] = sequence[second : second + length]
        new[second : second + length] = sequence[first : first + length]
        consider(new, min(first, second), max(first, second) + length)

    for p, (a, b) in enumerate(runs):
        if not any(inside[a:b]):
            continue
        for q, (c, e) in enumerate(runs):
            if q == p:
                continue
            # Either end of the block swaps with the blocks q..end taken together (the whole block
            # when they are as long), or a few months at either end of block q.
            end = q
            while end < len(runs) and (end < p or q > p) and runs[end][1] - c <= b - a:
                length = runs[end][1] - c
                swap(a, c, length)
                swap(b - length, c, length)
                end += 1
            for length in range(1, min(b - a, e - c, MOST_PART_MONTHS + 1)):
                for mine, theirs in itertools.product((a, b - length), (c, e - length)):
                    swap(mine, theirs, length)
        for q, (c, e) in enumerate(runs):
            if q == p or sequence[a] == sequence[c]:
                continue
            if stretch[min(a, c)] != stretch[max(b, e) - 1]:
                continue
            # The block, or either end of it, moves past block q (the blocks between shift).
            if q > p:
                rotate(a, c, e)
                for cut in range(a, b):
                    rotate(cut, b, e)  # from `cut` to the end
                    if cut > a:
                        rotate(a, cut, e)  # up to `cut`
            else:
                rotate(c, a, b)
                for cut in range(a + 1, b):
                    rotate(c, a, cut)  # up to `cut`
                    rotate(c, cut, b)  # from `cut` to the end
    base = row.tolist()
    result: list[tuple[tuple[int, int], np.ndarray]] = []
    for new_sequence in sorted(scored, key=scored.__getitem__):
        candidate = base.copy()
        touched = set()
        for k, d in zip(offsets, new_sequence, strict=True):
            if candidate[k] != d:
                touched.add(candidate[k])
                candidate[k] = d
        if all(department_keeps_rules(problem, candidate, d) for d in touched):
            result.append((scored[new_sequence], np.array(candidate, dtype=np.int64)))
            if len(result) == limit:
                break
    return result


def moves(
    problem: TraineeProblem,
    row: np.ndarray,
    vacate: list[list[bool]],
    crowded: list[list[bool]],
    limit: int,
    enter: list[list[bool]] | None = None,
) -> list[np.ndarray]:
    """The cheapest `limit` of the block moves and the elective moves, fewest changed months first."""
    found = block_moves(problem, row, vacate, crowded, limit, enter)
    found += elective_moves(problem, row, vacate, crowded, enter)
    found.sort(key=lambda item: item[0])
    return [candidate for _, candidate in found[:limit]]


def elective_moves(
    problem: TraineeProblem,
    row: np.ndarray,
    vacate: list[list[bool]],
    crowded: list[list[bool]],
    enter: list[list[bool]] | None = None,
) -> list[tuple[tuple[int, int], np.ndarray]]:
    """Valid rows that give up a few consecutive months of an elective group's department, all in
    `vacate` cells, for another department of the same group in the same months: one change per month
    where a block move needs two. Each comes with its score (changed months plus `crowded` cells
    entered, changed months), as in `block_moves`."""
    trainee = problem.trainee
    start = trainee.start
    offsets = (problem.free - start).tolist()
    months = problem.free.tolist()
    values = row.tolist()
    counts: dict[int, int] = {}
    for d in values:
        counts[d] = counts.get(d, 0) + 1
    group_of: dict[int, list[int]] = {}
    for group in trainee.standard.groups:
        for d in (grouped := [problem.department_index[c] for c in group.departments]):
            group_of[d] = grouped
    found: dict[tuple[int, ...], tuple[int, int]] = {}
    for position, (k, t) in enumerate(zip(offsets, months, strict=True)):
        d = values[k]
        members = group_of.get(d)
        if members is None or not vacate[d][t]:
            continue
        least = problem.requirement_of[d].months if d in problem.requirement_of else 0
        # Months k .. k + length - 1: free, consecutive, all in d's vacate cells, and elective.
        length = 0
        while (
            length < min(MOST_ELECTIVE_MONTHS, counts[d] - least)
            and position + length < len(offsets)
            and offsets[position + length] == k + length
            and values[k + length] == d
            and vacate[d][months[position + length]]
        ):
            length += 1
            span = range(k, k + length)
            cells = [start + j for j in span]
            for e in members:
                if e == d or any(vacate[e][u] for u in cells):
                    continue
                if enter is not None and not all(enter[e][u] for u in cells):
                    continue
                candidate = values.copy()
                for j in span:
                    candidate[j] = e
                key = tuple(candidate)
                if key not in found and row_is_valid(problem, np.array(candidate, dtype=np.int64)):
                    found[key] = (length + sum(crowded[e][u] for u in cells), length)
    return [(score, np.array(key, dtype=np.int64)) for key, score in found.items()]


@dataclass
class _Move:
    trainee: int
    row: np.ndarray
    cells: list[tuple[int, int, int]]  # (department, month, +1 or -1): how the loads change
    extra: int  # what the trainee's own costs (changes, preferences) rise by


class Choice:
    """Picks one row per trainee of a neighbourhood (everyone else staying put), for the least objective.

    CP-SAT looks for the best combination; a greedy pass is the fallback. Keeping every current row is
    always a solution, so the answer is never worse than the schedule it starts from.
    """

    def __init__(self, search: _Search, options: dict[int, list[np.ndarray]]) -> None:
        self.search = search
        self.gain = 0  # by how much the rows `solve` chose lower the objective
        self.moves: dict[int, list[_Move]] = {}
        for i, rows in options.items():
            current = search.rows[i]
            start = search.problems[i].trainee.start
            moves = []
            for row in rows:
                differs = np.flatnonzero(row != current)
                cells = []
                for offset in differs.tolist():
                    for d, sign in ((int(row[offset]), 1), (int(current[offset]), -1)):
                        if d >= 0:
                            cells.append((d, start + offset, sign))
                moves.append(_Move(i, row, cells, self.extra_cost(i, current, row, differs)))
            if moves:
                self.moves[i] = moves

    def extra_cost(self, i: int, current: np.ndarray, row: np.ndarray, differs: np.ndarray) -> int:
        """What the trainee's own costs (changed months, preferences) rise by from `current` to `row`."""
        search = self.search
        problem = search.problems[i]
        previous = problem.previous_index[differs]
        compared = previous != -3
        changes = int(((row[differs] != previous) & compared).sum()) - int(
            ((current[differs] != previous) & compared).sum()
        )
        extra = changes * search.weights["change"]
        if problem.trainee.preferences:
            extra += (preference_cost(problem, row) - preference_cost(problem, current)) * search.weights[
                "preference"
            ]
        return int(extra)

    def solve(self, time_limit: float, hard_capacity: bool = False) -> dict[int, np.ndarray]:
        """The chosen rows of the trainees that move: CP-SAT's, or the greedy's if CP-SAT found nothing
        better in time. With `hard_capacity`, no cell's overload may grow."""
        found = self.exact(time_limit, hard_capacity)
        if found is None or found[1] <= 0:
            greedy, gain = self.greedy(hard_capacity)
            if gain > 0:
                found = greedy, gain
        self.gain = 0 if found is None else found[1]
        return {} if found is None else {move.trainee: move.row for move in found[0]}

    def greedy(self, hard_capacity: bool = False) -> tuple[list[_Move], int]:
        """Moves taken one at a time, the one that lowers the objective most first; and the total gain.
        With `hard_capacity`, a move that would overload a cell more than it is now is never taken."""
        search = self.search
        load, capacity, minimum = search.load.tolist(), search.capacity.tolist(), search.minimum.tolist()
        ceiling = np.maximum(search.load, search.capacity).tolist() if hard_capacity else None
        over_weight, under_weight = search.weights["overload"], search.weights["underfill"]

        def rise(move: _Move) -> int:
            total = move.extra
            for d, t, sign in move.cells:
                before, after, cap, least = load[d][t], load[d][t] + sign, capacity[d][t], minimum[d][t]
                if ceiling is not None and after > ceiling[d][t]:
                    return 1  # never taken
                total += over_weight * (max(0, after - cap) - max(0, before - cap))
                total += under_weight * (max(0, least - after) - max(0, least - before))
            return total

        heap = [(rise(move), i, k) for i, moves in self.moves.items() for k, move in enumerate(moves)]
        heapq.heapify(heap)
        taken: list[_Move] = []
        moved: set[int] = set()
        gain = 0
        while heap:
            _, i, k = heapq.heappop(heap)
            if i in moved:
                continue
            move = self.moves[i][k]
            value = rise(move)
            if value >= 0:
                continue  # may pay later, when someone else's move crowds this trainee's cell
            if heap and value > heap[0][0]:
                heapq.heappush(heap, (value, i, k))
                continue
            taken.append(move)
            moved.add(i)
            gain -= value
            crowded = set()
            for d, t, sign in move.cells:
                load[d][t] += sign
                if sign > 0 and load[d][t] > capacity[d][t]:
                    crowded.add((d, t))
            for cell in crowded:  # the trainees there may now gain by leaving
                for j in search.members.get(cell, ()):
                    if j not in moved and j in self.moves:
                        for m, other in enumerate(self.moves[j]):
                            heapq.heappush(heap, (rise(other), j, m))
        return taken, gain

    def exact(self, time_limit: float, hard_capacity: bool = False) -> tuple[list[_Move], int] | None:
        """CP-SAT's best combination within the time and its gain; None if it found none. With
        `hard_capacity`, no cell's overload may grow."""
        search = self.search
        weights = search.weights
        model = cp_model.CpModel()
        terms: dict[tuple[int, int], tuple[list[cp_model.IntVar], list[int]]] = {}
        costs: tuple[list[cp_model.IntVar], list[int]] = ([], [])
        literal_of: list[tuple[cp_model.IntVar, _Move]] = []
        for i, moves in self.moves.items():
            keep = model.new_bool_var(f"keep{i}")
            literals = [keep]
            for k, move in enumerate(moves):
                literal = model.new_bool_var(f"row{i}_{k}")
                literals.append(literal)
                literal_of.append((literal, move))
                if move.extra:
                    costs[0].append(literal)
                    costs[1].append(move.extra)
                for d, t, sign in move.cells:
                    cell = terms.setdefault((d, t), ([], []))
                    cell[0].append(literal)
                    cell[1].append(sign)
            model.add_exactly_one(literals)
        base = 0
        for (d, t), (literals, signs) in terms.items():
            load, capacity, least = (
                int(search.load[d, t]),
                int(search.capacity[d, t]),
                int(search.minimum[d, t]),
            )
            change = cp_model.LinearExpr.weighted_sum(literals, signs)
            if hard_capacity and load + signs.count(1) > max(capacity, load):
                model.add(change <= max(0, capacity - load))
            if load + signs.count(1) > capacity:
                over = model.new_int_var(0, load + signs.count(1) - capacity, f"over{d}_{t}")
                model.add(over >= change + (load - capacity))
                costs[0].append(over)
                costs[1].append(weights["overload"])
                base += weights["overload"] * max(0, load - capacity)
            if least and load - signs.count(-1) < least:
                under = model.new_int_var(0, least, f"under{d}_{t}")
                model.add(under >= (least - load) - change)
                costs[0].append(under)
                costs[1].append(weights["underfill"])
                base += weights["underfill"] * max(0, least - load)
        if not costs[0]:
            return None
        model.minimize(cp_model.LinearExpr.weighted_sum(*costs))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.01, time_limit)
        solver.parameters.num_workers = 1
        # Measured on the bench's re-plans: presolve costs more than it saves on this plain model, and
        # the stronger linear relaxation proves the optimum in half the time. A hint (say, the greedy's
        # moves) only slows the first solution down.
        solver.parameters.cp_model_presolve = False
        solver.parameters.linearization_level = 2
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        chosen = [move for literal, move in literal_of if solver.value(literal)]
        return chosen, base - round(solver.objective_value)


def _members(search: _Search, mask: np.ndarray) -> set[int]:
    found: set[int] = set()
    for d, t in np.argwhere(mask).tolist():
        found |= search.members.get((d, t), set())
    return found


def repair(search: _Search, time_limit: float) -> bool:
    """One round of minimum-change repair; whether any row changed (the objective never gets worse).

    The trainees in overloaded cells get block moves out of them; the trainees in the full cells those
    moves would enter get block moves out of those into cells with room. CP-SAT then picks the
    cheapest combination in what is left of `time_limit`.
    """
    started = time.monotonic()
    overloaded = search.load > search.capacity
    if not overloaded.any():
        return False
    full = search.load >= search.capacity
    vacate, crowded = overloaded.tolist(), full.tolist()
    options: dict[int, list[np.ndarray]] = {}
    entered = np.zeros_like(overloaded)
    first = _members(search, overloaded)
    for i in sorted(first):
        options[i] = moves(search.problems[i], search.rows[i], vacate, crowded, MOVES_PER_TRAINEE)
        start = search.problems[i].trainee.start
        for row in options[i]:
            differs = np.flatnonzero((row != search.rows[i]) & (row >= 0))
            entered[row[differs], start + differs] = True
    squeezed = entered & full & ~overloaded
    room, leave = (~full).tolist(), squeezed.tolist()
    for i in sorted(_members(search, squeezed) - first):
        options[i] = moves(
            search.problems[i], search.rows[i], leave, crowded, MOVES_PER_CHAINED_TRAINEE, enter=room
        )
    choice = Choice(search, options)
    chosen = choice.solve(max(0.05, time_limit - (time.monotonic() - started)))
    if not chosen:
        return False
    for i, row in chosen.items():
        search.take_out(i)
        search.place(i, row)
    return True


def changed_offsets(problem: TraineeProblem, row: np.ndarray) -> np.ndarray:
    """The row's offsets whose month differs from the previous plan (and is compared with it)."""
    previous = problem.previous_index
    return np.flatnonzero((row != previous) & (previous != -3))


def restores(problem: TraineeProblem, row: np.ndarray, target: np.ndarray | None = None) -> list[np.ndarray]:
    """Valid rows that put back some runs of the row's changed months as the previous plan had them
    (or as `target` has them: for a trainee whose previous row broke, the row of fewest changes found).

    Undoing a block move puts back both of its runs at once, so every combination of runs is tried
    (up to MOST_RESTORED_RUNS runs; beyond, only all of them).
    """
    previous = problem.previous_index if target is None else target
    # Months the previous plan left empty (-2) or does not cover (-3) have nothing to put back.
    differs = np.flatnonzero((row != previous) & (previous >= -1)).tolist()
    runs: list[list[int]] = []
    for offset in differs:
        if runs and runs[-1][-1] == offset - 1:
            runs[-1].append(offset)
        else:
            runs.append([offset])
    if not runs:
        return []
    if len(runs) > MOST_RESTORED_RUNS:
        subsets: list[tuple[list[int], ...]] = [tuple(runs)]
    else:
        subsets = [s for size in range(1, len(runs) + 1) for s in itertools.combinations(runs, size)]
    found = []
    for subset in subsets:
        candidate = row.copy()
        for run in subset:
            candidate[run] = previous[run]
        if row_is_valid(problem, candidate):
            found.append(candidate)
    return found


def fewer_changes(search: _Search, time_limit: float) -> bool:
    """One round that takes back changes without adding overload; whether any row changed.

    For when the overload is settled. The trainees whose rows differ from the previous plan are offered
    rows that put some of their changed months back (`restores`). Putting a month back usually enters a
    full cell, so the trainees of those cells are offered moves out of them into cells with room or
    cells the first trainees' rows would free (a chain: A takes back B's place, B gives up an elective
    month). CP-SAT picks the combination of least objective; no cell's overload may grow, so the
    (overload, objective) pair can only get better.
    """
    started = time.monotonic()
    # Building the options must leave CP-SAT most of the time: past this, the round gives up.
    cutoff = started + OPTIONS_SHARE * time_limit
    full = search.load >= search.capacity
    options: dict[int, list[np.ndarray]] = {}
    entered = np.zeros_like(full)
    freed = np.zeros_like(full)
    for i, (problem, row) in enumerate(zip(search.problems, search.rows, strict=True)):
        if not problem.trainee.previous or len(changed_offsets(problem, row)) == 0:
            continue
        found = restores(problem, row, search.fewest.get(i))
        if not found:
            continue
        options[i] = found
        start = problem.trainee.start
        for candidate in found:
            differs = np.flatnonzero(candidate != row)
            going = differs[candidate[differs] >= 0]
            entered[candidate[going], start + going] = True
            leaving = differs[row[differs] >= 0]
            freed[row[leaving], start + leaving] = True
        if time.monotonic() > cutoff:
            return False
    if not options:
        return False
    squeezed = entered & full
    leave, crowded, room = squeezed.tolist(), full.tolist(), (~full | freed).tolist()
    for i in sorted(_members(search, squeezed) - set(options)):
        found_moves = moves(
            search.problems[i], search.rows[i], leave, crowded, MOVES_PER_CHAINED_TRAINEE, enter=room
        )
        if found_moves:
            options[i] = found_moves
        if time.monotonic() > cutoff:
            return False
    choice = Choice(search, options)
    left = time_limit - (time.monotonic() - started)
    if left < 0.02:
        return False
    chosen = choice.solve(left, hard_capacity=True)
    if not chosen or choice.gain <= 0:
        return False
    for i, row in chosen.items():
        search.take_out(i)
        search.place(i, row)
    return True
