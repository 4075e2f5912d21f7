"""Schedules from the solver: build its instance from the records, run it as a job, draft, publish.

The scheduler package knows nothing of Django. This module translates both ways: records to the JSON
instance (`schedule_instance_build`), and a solution back to a draft schedule's blocks
(`schedule_draft_from_solution`). Publishing is one transaction: the draft becomes the published
schedule, the previous one is superseded, the event is audited and the people affected are notified.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from medtalent.core.audit import audit_record
from medtalent.core.errors import ApplicationError, ConflictError
from medtalent.core.jobs import JobReporter, job_start
from medtalent.core.models import Job
from medtalent.core.notifications import notification_send
from medtalent.core.versioning import save_versioned
from medtalent.people.models import Department, Institution, Person, Role, TraineeProfile

from ..models import (
    FIXED_BLOCKS,
    Leave,
    MentorResearchCapacity,
    ResearchWindow,
    RotationBlock,
    RotationEnrolment,
    Schedule,
)
from ..months import add_months, first_of_month, months_between
from ..scheduling.model import INSTANCE_FORMAT, LEAVE
from ..selectors import capacity_table, institution_family_q

RESEARCH_PREFIX = "RES-"


@dataclass
class InstanceMap:
    """How the instance's codes and month numbers map back to records."""

    first_month: datetime.date
    horizon: int
    departments: dict[str, Department] = field(default_factory=dict)
    trainees: dict[str, TraineeProfile] = field(default_factory=dict)
    mentors: dict[str, Person] = field(default_factory=dict)

    def month(self, index: int) -> datetime.date:
        return add_months(self.first_month, index)


def schedule_instance_build(
    *,
    institution: Institution,
    based_on: Schedule | None = None,
    now: datetime.date | None = None,
    trainee_ids: list[int] | None = None,
) -> tuple[dict[str, Any], InstanceMap]:
    """The solver's instance for every active enrolment at the training base (or the trainees given).

    When re-planning (``based_on`` a published schedule), its months before ``now`` and its locked
    blocks are fixed, and all of it is the ``previous`` schedule whose changes cost.
    """
    enrolled = RotationEnrolment.objects.filter(
        institution=institution, trainee__status=TraineeProfile.Status.ACTIVE
    )
    if trainee_ids is not None:
        enrolled = enrolled.filter(trainee_id__in=trainee_ids)
    enrolments = list(
        enrolled.select_related("edition__standard", "trainee__person").order_by("start_month", "trainee_id")
    )
    if not enrolments:
        raise ApplicationError(_("No trainees are enrolled in a rotation standard at this training base."))
    trainee_ids = [e.trainee_id for e in enrolments]
    starts = {e.trainee_id: e.start_month for e in enrolments}
    research: dict[int, list[ResearchWindow]] = defaultdict(list)
    for window in ResearchWindow.objects.filter(trainee_id__in=trainee_ids).select_related("mentor"):
        research[window.trainee_id].append(window)
    leave: dict[int, list[Leave]] = defaultdict(list)
    for away in Leave.objects.filter(trainee_id__in=trainee_ids):
        # Leave before the programme starts is no part of it: keep only the months from the start on.
        skipped = max(0, months_between(away.start_month, starts[away.trainee_id]))
        if skipped < away.months:
            away.start_month, away.months = add_months(away.start_month, skipped), away.months - skipped
            leave[away.trainee_id].append(away)
    lengths = {
        e.trainee_id: e.edition.total_months + sum(w.months for w in research[e.trainee_id])
        for e in enrolments
    }
    for trainee_id, rows in leave.items():
        # Leave after the programme would have ended is not part of it either: keep, in order, the
        # leave that starts before the end as lengthened by the leave kept so far.
        inside: list[Leave] = []
        end = add_months(starts[trainee_id], lengths[trainee_id])
        for away in sorted(rows, key=lambda a: a.start_month):
            if away.start_month < end:
                inside.append(away)
                end = add_months(end, away.months)
        leave[trainee_id] = inside
    first_month = min(e.start_month for e in enrolments)
    horizon = max(
        months_between(first_month, e.start_month)
        + e.edition.total_months
        + sum(w.months for w in research[e.trainee_id])
        + sum(away.months for away in leave[e.trainee_id])
        for e in enrolments
    )
    mapping = InstanceMap(first_month, horizon)
    codes = {code for e in enrolments for code in _edition_codes(e.edition)}
    for department in Department.objects.filter(
        institution_family_q(institution, "institution__"), code__in=codes
    ).order_by("code", "institution_id"):
        # Where the base and an affiliate share a code, the base's own department wins.
        if department.code not in mapping.departments or department.institution_id == institution.pk:
            mapping.departments[department.code] = department
    missing = sorted(codes - set(mapping.departments))
    if missing:
        raise ApplicationError(
            _("The standards name departments this training base does not have: %(codes)s.")
            % {"codes": ", ".join(missing)}
        )
    table = capacity_table(institution, first_month, horizon)
    departments: list[dict[str, Any]] = []
    for code, department in sorted(mapping.departments.items()):
        per_month = [table.get((department.pk, t), (0, 0)) for t in range(horizon)]
        line: dict[str, Any] = {
            "code": code,
            "capacity": [m for m, _n in per_month],
            "minimum": [n for _m, n in per_month],
        }
        if department.institution_id != institution.pk:
            line["partner"] = department.code  # time at a partner institution, per subspecialty
        departments.append(line)
    capacities = dict(
        MentorResearchCapacity.objects.filter(
            mentor_id__in={w.mentor_id for ws in research.values() for w in ws}
        ).values_list("mentor_id", "concurrent_students")
    )
    for windows in research.values():
        for window in windows:
            code = f"{RESEARCH_PREFIX}{window.mentor_id}"
            if code not in mapping.mentors:
                mapping.mentors[code] = window.mentor
                limit = capacities.get(window.mentor_id, MentorResearchCapacity.DEFAULT_CONCURRENT_STUDENTS)
                departments.append({"code": code, "capacity": limit})
    previous_rows = _rows(based_on, mapping, leave, research, starts) if based_on is not None else {}
    locked: dict[int, set[int]] = defaultdict(set)
    for trainee_id, month in _block_origin(based_on) if based_on is not None else {}:
        locked[trainee_id].add(months_between(first_month, month))
    now_index = months_between(first_month, first_of_month(now)) if now is not None else 0
    standards: dict[str, Any] = {}
    trainees = []
    for enrolment in enrolments:
        edition = enrolment.edition
        key = f"{edition.standard.specialty}@{edition.number}"
        standards[key] = {
            "requirements": [_requirement(r) for r in edition.requirements],
            "groups": [
                {k: g[k] for k in ("departments", "months", "min_each", "max_each") if k in g}
                for g in edition.groups
            ],
        }
        trainee_key = f"t{enrolment.trainee_id}"
        mapping.trainees[trainee_key] = enrolment.trainee
        entry: dict[str, Any] = {
            "id": trainee_key,
            "standard": key,
            "start": months_between(first_month, enrolment.start_month),
            "leave": [
                {"start": months_between(first_month, away.start_month), "months": away.months}
                for away in leave[enrolment.trainee_id]
            ],
        }
        if research[enrolment.trainee_id]:
            # One requirement per mentor: two windows under one mentor add up, within both windows.
            per_mentor: dict[int, dict[str, Any]] = {}
            for w in research[enrolment.trainee_id]:
                known = per_mentor.get(w.mentor_id)
                if known is None:
                    per_mentor[w.mentor_id] = {
                        "department": f"{RESEARCH_PREFIX}{w.mentor_id}",
                        "months": w.months,
                        "earliest_start": w.earliest_start,
                        "latest_end": w.latest_end,
                    }
                else:
                    known["months"] += w.months
                    known["earliest_start"] = min(known["earliest_start"], w.earliest_start)
                    known["latest_end"] = max(known["latest_end"], w.latest_end)
            entry["extra_requirements"] = list(per_mentor.values())
        previous = previous_rows.get(enrolment.trainee_id)
        if previous is not None:
            entry["previous"] = previous
            kept = locked.get(enrolment.trainee_id, set())
            fixed = {
                t: code
                for t, code in enumerate(previous)
                if code is not None and code != LEAVE and (t < now_index or t in kept)
            }
            entry["fixed"] = _blocks(fixed)
        trainees.append(entry)
    instance = {
        "format": INSTANCE_FORMAT,
        "start_month": f"{first_month:%Y-%m}",
        "horizon_months": horizon,
        "departments": departments,
        "standards": standards,
        "trainees": trainees,
    }
    return instance, mapping


def _edition_codes(edition: Any) -> set[str]:
    codes = {r["department"] for r in edition.requirements}
    return codes | {c for g in edition.groups for c in g["departments"]}


def _requirement(requirement: dict[str, Any]) -> dict[str, Any]:
    keys = ("department", "months", "max_segments", "min_segment_months", "earliest_start", "latest_end")
    return {k: requirement[k] for k in keys if requirement.get(k) is not None}


def _rows(
    schedule: Schedule,
    mapping: InstanceMap,
    leave: dict[int, list[Leave]],
    research: dict[int, list[ResearchWindow]],
    starts: dict[int, datetime.date],
) -> dict[int, list[str | None]]:
    """Each trainee's row of a schedule over the instance's months: department code, research or None."""
    codes = {d.pk: code for code, d in mapping.departments.items()}
    rows: dict[int, list[str | None]] = {}
    for block in schedule.blocks.filter(trainee_id__in=starts).order_by("trainee_id", "start_month"):
        row = rows.setdefault(block.trainee_id, [None] * mapping.horizon)
        start = months_between(mapping.first_month, block.start_month)
        for t in range(max(start, 0), min(start + block.months, mapping.horizon)):
            if block.department_id:
                row[t] = codes.get(block.department_id)
            else:
                row[t] = _research_code(research[block.trainee_id], starts, block.trainee_id, mapping, t, row)
    for trainee_id, row in rows.items():
        for away in leave[trainee_id]:
            start = months_between(mapping.first_month, away.start_month)
            for t in range(max(start, 0), min(start + away.months, mapping.horizon)):
                row[t] = LEAVE
    return rows


def _research_code(
    windows: list[ResearchWindow],
    starts: dict[int, datetime.date],
    trainee_id: int,
    mapping: InstanceMap,
    month: int,
    row: list[str | None],
) -> str | None:
    """The mentor of a research month: the first window that contains it and still has months left."""
    offset = month - months_between(mapping.first_month, starts[trainee_id])
    for window in windows:
        code = f"{RESEARCH_PREFIX}{window.mentor_id}"
        if window.earliest_start <= offset < window.latest_end and row.count(code) < window.months:
            return code
    return f"{RESEARCH_PREFIX}{windows[0].mentor_id}" if windows else None


def _blocks(months: dict[int, str]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for t in sorted(months):
        last = blocks[-1] if blocks else None
        if last and last["department"] == months[t] and last["start"] + last["months"] == t:
            last["months"] += 1
        else:
            blocks.append({"department": months[t], "start": t, "months": 1})
    return blocks


# --- solving ------------------------------------------------------------------------------------


def schedule_solve(
    *,
    user: Any,
    institution: Institution,
    based_on: Schedule | None = None,
    now: datetime.date | None = None,
    time_limit: float = 20.0,
    title: str = "",
    reporter: JobReporter | None = None,
    job: Job | None = None,
) -> Schedule:
    """Run the solver on the training base's records and save its result as a draft schedule."""
    from ..scheduling import solve_instance

    instance, mapping = schedule_instance_build(institution=institution, based_on=based_on, now=now)

    def progress(report: dict[str, Any]) -> None:
        if reporter is not None:
            reporter.progress(report["percent"], _progress_message(report))

    solution = solve_instance(instance, time_limit=time_limit, progress=progress)
    if solution["status"] == "infeasible":
        raise ApplicationError(infeasibility_message(solution["diagnostics"], mapping))
    return schedule_draft_from_solution(
        user=user,
        institution=institution,
        mapping=mapping,
        solution=solution,
        based_on=based_on,
        title=title or str(_("Schedule of %(date)s") % {"date": timezone.localdate().isoformat()}),
        job=job,
    )


MAX_TRAINEES_NAMED = 5


def infeasibility_message(diagnostics: list[dict[str, Any]], mapping: InstanceMap) -> str:
    """The solver's diagnosis in the reader's language, naming trainees, departments and mentors."""
    named = [
        str(
            _("%(name)s cannot keep these rules together: %(rules)s.")
            % {
                "name": mapping.trainees[d["trainee"]].person.display_name,
                "rules": str(_("; ")).join(_rule_words(rule, mapping) for rule in d["rules"]),
            }
        )
        for d in diagnostics[:MAX_TRAINEES_NAMED]
    ]
    more = len(diagnostics) - MAX_TRAINEES_NAMED
    if more > 0:
        named.append(str(_("And %(count)d more trainees.") % {"count": more}))
    return str(_("No schedule can keep every rule. %(reasons)s") % {"reasons": " ".join(named)})


def _rule_words(rule: dict[str, Any], mapping: InstanceMap) -> str:
    """One conflicting rule (``exact.py``'s kinds and details) as a phrase."""
    values = dict(rule)
    code = rule.get("department")
    if code is not None:
        mentor = mapping.mentors.get(code)
        department = mapping.departments.get(code)
        values["department"] = (
            str(_("research with %(mentor)s") % {"mentor": mentor.display_name})
            if mentor is not None
            else (department.name if department is not None else code)
        )
    kind = rule["kind"]
    if kind == "months":
        return str(_("%(department)s for %(months)d months") % values)
    if kind == "segments":
        return str(
            _("%(department)s in at most %(max_segments)d blocks of at least %(min_segment_months)d months")
            % values
        )
    if kind == "window":
        first = rule.get("earliest_start") or 0
        if rule.get("latest_end") is None:
            return str(_("%(department)s from month %(first)d of the programme") % {**values, "first": first})
        return str(
            _("%(department)s within months %(first)d to %(last)d of the programme")
            % {**values, "first": first, "last": rule["latest_end"] - 1}
        )
    if kind == "group":
        names = [mapping.departments[c].name if c in mapping.departments else c for c in rule["departments"]]
        return str(
            _("the elective group %(departments)s for %(months)d months")
            % {"departments": "/".join(names), "months": rule["months"]}
        )
    if kind == "partner":
        return str(
            _("at most %(total)d months at partner institutions, %(per_subspecialty)d in one subspecialty")
            % values
        )
    return str(_("the blocks already done or locked"))  # "fixed"


def _progress_message(report: dict[str, Any]) -> str:
    if "overload" not in report:
        return str(_("Checking every trainee's rules…"))
    return str(
        _(
            "Overload %(overload)s (cannot go below %(bound)s) · "
            "objective %(objective)s (bound %(objective_bound)s)"
        )
        % {
            "overload": report["overload"],
            "bound": report.get("overload_lower_bound", "…"),
            "objective": report.get("objective", "…"),
            "objective_bound": report.get("objective_lower_bound", "…"),
        }
    )


@transaction.atomic
def schedule_draft_from_solution(
    *,
    user: Any,
    institution: Institution,
    mapping: InstanceMap,
    solution: dict[str, Any],
    based_on: Schedule | None,
    title: str,
    job: Job | None = None,
) -> Schedule:
    figures = {k: v for k, v in solution.items() if k not in ("assignments", "format")}
    schedule = Schedule(
        institution=institution,
        status=Schedule.Status.DRAFT,
        title=title[:200],
        based_on=based_on,
        created_by=user,
        first_month=mapping.first_month,
        horizon_months=mapping.horizon,
        figures=figures,
        job=job,
    )
    schedule.full_clean()
    schedule.save()
    origin = _block_origin(based_on) if based_on is not None else {}
    blocks = []
    for trainee_key, row in solution["assignments"].items():
        trainee = mapping.trainees[trainee_key]
        for code, start, months, source in _runs(row, trainee.pk, mapping, origin):
            research = code.startswith(RESEARCH_PREFIX)
            blocks.append(
                RotationBlock(
                    schedule=schedule,
                    trainee=trainee,
                    kind=RotationBlock.Kind.RESEARCH if research else RotationBlock.Kind.ROTATION,
                    department=None if research else mapping.departments[code],
                    start_month=mapping.month(start),
                    months=months,
                    status=source.status if source else RotationBlock.Status.PLANNED,
                    locked=source.locked if source else False,
                )
            )
    if based_on is not None:
        # Trainees the instance left out (finished, suspended) keep their published blocks as they are.
        kept = {t.pk for t in mapping.trainees.values()}
        for old in based_on.blocks.exclude(trainee_id__in=kept):
            old.pk, old.schedule = None, schedule
            blocks.append(old)
    RotationBlock.objects.bulk_create(blocks, batch_size=1000)
    audit_record(
        actor=user,
        action="rotations.schedule_draft",
        target=schedule,
        changes={"blocks": [None, len(blocks)], "figures": [None, _audit_figures(figures)]},
    )
    return schedule


def _block_origin(schedule: Schedule) -> dict[tuple[int, datetime.date], RotationBlock]:
    """Per (trainee, month), the published block that may not change: locked, running or done."""
    origin = {}
    for block in schedule.blocks.filter(FIXED_BLOCKS):
        for k in range(block.months):
            origin[(block.trainee_id, add_months(block.start_month, k))] = block
    return origin


def _runs(
    row: list[str | None],
    trainee_id: int,
    mapping: InstanceMap,
    origin: dict[tuple[int, datetime.date], RotationBlock],
) -> list[tuple[str, int, int, RotationBlock | None]]:
    """Maximal runs of one department (or research) in a row, as (code, first month, months, origin).

    A run also ends where the published block that may not change ends, so a block done, running or
    locked comes back as it was, with its status and lock, even when the solver continues it.
    """
    runs: list[tuple[str, int, int, RotationBlock | None]] = []
    for t, code in enumerate(row):
        if code is None or code == LEAVE:
            continue
        source = origin.get((trainee_id, mapping.month(t)))
        if source is not None and not _same_place(source, code, mapping):
            source = None  # the month changed department: nothing to carry over
        if runs and runs[-1][0] == code and runs[-1][1] + runs[-1][2] == t and runs[-1][3] is source:
            runs[-1] = (code, runs[-1][1], runs[-1][2] + 1, source)
        else:
            runs.append((code, t, 1, source))
    return runs


def _same_place(block: RotationBlock, code: str, mapping: InstanceMap) -> bool:
    if block.department_id is None:
        return code.startswith(RESEARCH_PREFIX)
    department = mapping.departments.get(code)
    return department is not None and department.pk == block.department_id


def _audit_figures(figures: dict[str, Any]) -> dict[str, Any]:
    keys = ("status", "overload", "overload_lower_bound", "objective", "objective_lower_bound")
    return {k: figures.get(k) for k in keys}


# --- publishing ---------------------------------------------------------------------------------


@transaction.atomic
def schedule_publish(*, user: Any, schedule: Schedule, expected_version: int) -> Schedule:
    """Publish a draft: the training base's published schedule is superseded, atomically.

    Every trainee whose months change, and the heads of the departments they come to or leave, are
    notified. A stale version (someone edited or published meanwhile) raises ``ConflictError``.
    """
    # Lock the training base first: two first publications cannot both pass the checks below.
    Institution.objects.select_for_update().filter(pk=schedule.institution_id).first()
    schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
    if schedule.version != expected_version:
        raise ConflictError(_("Someone changed this schedule after you opened it. Reload it and look again."))
    if schedule.status != Schedule.Status.DRAFT:
        raise ApplicationError(_("Only a draft can be published."))
    current = (
        Schedule.objects.select_for_update()
        .filter(institution=schedule.institution, status=Schedule.Status.PUBLISHED)
        .first()
    )
    if schedule.based_on_id != (current.pk if current else None):
        raise ConflictError(
            _("Another schedule was published after this one was planned. Re-plan from the published one.")
        )
    changes = schedule_changes(schedule, current)
    if current is not None:
        current.status = Schedule.Status.SUPERSEDED
        save_versioned(current, expected_version=current.version, fields=["status"])
    schedule.status = Schedule.Status.PUBLISHED
    schedule.published_at = timezone.now()
    schedule.published_by = user
    save_versioned(
        schedule, expected_version=expected_version, fields=["status", "published_at", "published_by"]
    )
    audit_record(
        actor=user,
        action="rotations.schedule_publish",
        target=schedule,
        changes={
            "status": [Schedule.Status.DRAFT, Schedule.Status.PUBLISHED],
            "supersedes": [None, current.pk if current else None],
            "changed_trainee_months": [None, changes.changed_months],
            "trainees_affected": [None, len(changes.trainees)],
        },
    )
    _notify_publication(schedule, changes)
    return schedule


@transaction.atomic
def schedule_discard(*, user: Any, schedule: Schedule, expected_version: int) -> Schedule:
    schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
    if schedule.status != Schedule.Status.DRAFT:
        raise ApplicationError(_("Only a draft can be discarded."))
    schedule.status = Schedule.Status.DISCARDED
    save_versioned(schedule, expected_version=expected_version, fields=["status"])
    audit_record(
        actor=user,
        action="rotations.schedule_discard",
        target=schedule,
        changes={"status": [Schedule.Status.DRAFT, Schedule.Status.DISCARDED]},
    )
    return schedule


@dataclass
class ScheduleChanges:
    """Where a draft differs from the published schedule, month by month."""

    cells: dict[
        tuple[int, datetime.date], tuple[int | None, int | None]
    ]  # (trainee, month) -> (before, after)
    trainees: set[int]
    departments: set[int]

    @property
    def changed_months(self) -> int:
        return len(self.cells)


def schedule_changes(draft: Schedule, published: Schedule | None) -> ScheduleChanges:
    """Trainee-months whose department differs between two schedules (research counts as None)."""
    after = _cells(draft)
    before = _cells(published) if published is not None else {}
    cells = {
        key: (before.get(key), after.get(key))
        for key in set(after) | set(before)
        if before.get(key) != after.get(key)
    }
    departments = {d for pair in cells.values() for d in pair if d is not None}
    return ScheduleChanges(cells, {trainee for trainee, _month in cells}, departments)


def _cells(schedule: Schedule) -> dict[tuple[int, datetime.date], int | None]:
    cells: dict[tuple[int, datetime.date], int | None] = {}
    for trainee_id, department_id, start, months in schedule.blocks.values_list(
        "trainee_id", "department_id", "start_month", "months"
    ):
        for k in range(months):
            cells[(trainee_id, add_months(start, k))] = department_id
    return cells


def _notify_publication(schedule: Schedule, changes: ScheduleChanges) -> None:
    from django.contrib.auth import get_user_model

    # Each reader lands on their own view of it: trainees on their timeline, heads on their roster (the
    # schedule's own page is the planners').
    users = (
        get_user_model()
        .objects.filter(person__trainee_profiles__in=changes.trainees, is_active=True)
        .distinct()
    )
    notification_send(
        recipients=users,
        title=_("Your rotation schedule has changed"),
        body=format_lazy("{}", _("A new rotation schedule was published. See your months and departments.")),
        url=reverse("rotation_me"),
    )
    heads = (
        get_user_model()
        .objects.filter(
            role_assignments__role=Role.DEPARTMENT_HEAD,
            role_assignments__department_id__in=changes.departments,
            is_active=True,
        )
        .distinct()
    )
    notification_send(
        recipients=heads,
        title=_("The rotation schedule for your department has changed"),
        body=_("A new rotation schedule was published. See who comes to your department and when."),
        url=reverse("rotation_roster"),
    )


def schedule_solve_start(
    *,
    user: Any,
    institution: Institution,
    based_on: Schedule | None = None,
    now: datetime.date | None = None,
    time_limit: float = 20.0,
) -> Job:
    """Start the solver as a background job; its result is a draft schedule (the job links to it)."""
    from ..tasks import schedule_solve_task

    if based_on is not None and based_on.status != Schedule.Status.PUBLISHED:
        raise ApplicationError(_("Re-planning starts from the published schedule."))
    if (
        based_on is None
        and Schedule.objects.filter(institution=institution, status=Schedule.Status.PUBLISHED).exists()
    ):
        raise ApplicationError(
            _("A schedule is published: re-plan from it, so that the months already done stay as they are.")
        )
    label = _("Re-plan the rotation schedule") if based_on else _("Plan the rotation schedule")
    return job_start(
        task=schedule_solve_task,
        kind="rotations.schedule_solve",
        label=str(label),
        owner=user,
        institution_id=institution.pk,
        user_id=user.pk,
        based_on_id=based_on.pk if based_on else None,
        now=now.isoformat() if now else None,
        time_limit=time_limit,
    )
