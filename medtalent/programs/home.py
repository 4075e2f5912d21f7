"""The programme panels and tasks of the home page, registered in ``ProgramsConfig.ready``.

- Trainee: "My training plan" (status, progress per stage, next milestones, research milestones); tasks for
  milestones overdue or due within 30 days, and a note while the plan waits for signatures.
- Mentor: "My mentees", each flagged for overdue milestones, missing assessments and open ethics concerns;
  a task per plan waiting for the mentor's signature.
- Programme officer: "Cohort progress" per programme and stage, and the plans waiting for signatures.
"""

import datetime
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from medtalent.core.home import HomePanel, HomeTask, home_cached, register_home_panel, register_home_tasks

from .models import PlanStatus
from .selectors import open_plan_of
from .selectors_home import (
    CohortProgress,
    MenteeRow,
    TraineePlanSummary,
    cohort_progress,
    mentee_rows,
    officer_plans,
    plans_waiting_for_my_signature,
    trainee_plan_summary,
)


def _my_plan(request: HttpRequest, today: datetime.date) -> TraineePlanSummary | None:
    def compute() -> TraineePlanSummary | None:
        person_id = getattr(request.user, "person_id", None)
        plan = open_plan_of(person_id) if person_id else None
        return trainee_plan_summary(plan, today=today) if plan is not None else None

    return home_cached(request, "programs.my_plan", compute)


def _my_mentees(request: HttpRequest, today: datetime.date) -> list[MenteeRow]:
    return home_cached(request, "programs.mentees", lambda: mentee_rows(request.user, today=today))


def _waiting_for_me(request: HttpRequest, today: datetime.date) -> list[Any]:
    def compute() -> list[Any]:
        if not getattr(request.user, "person_id", None):
            return []
        return plans_waiting_for_my_signature(request.user, today=today)

    return home_cached(request, "programs.waiting_for_me", compute)


def _cohorts(request: HttpRequest, today: datetime.date) -> CohortProgress | None:
    def compute() -> CohortProgress | None:
        plans = officer_plans(request.user)
        return cohort_progress(plans, today=today) if plans is not None else None

    return home_cached(request, "programs.cohorts", compute)


# --- panels --------------------------------------------------------------------------------------


def my_plan_panel(request: HttpRequest, today: datetime.date) -> dict[str, Any] | None:
    summary = _my_plan(request, today)
    return None if summary is None else {"summary": summary, "today": today}


def my_mentees_panel(request: HttpRequest, today: datetime.date) -> dict[str, Any] | None:
    rows = _my_mentees(request, today)
    if not rows:
        return None
    waiting = _waiting_for_me(request, today)
    return {
        "rows": rows,
        "waiting_for_me": len(waiting),
        "waiting_plan_ids": {plan.pk for plan in waiting},
        "flagged": sum(1 for row in rows if row.is_flagged),
    }


def cohort_panel(request: HttpRequest, today: datetime.date) -> dict[str, Any] | None:
    cohorts = _cohorts(request, today)
    if cohorts is None:
        return None
    return {
        "cohorts": cohorts,
        "waiting_url": reverse("plan_list") + "?" + urlencode({"status": PlanStatus.AWAITING_SIGNATURES}),
    }


# --- tasks ---------------------------------------------------------------------------------------


def plan_tasks(request: HttpRequest, today: datetime.date) -> list[HomeTask]:
    tasks: list[HomeTask] = []
    summary = _my_plan(request, today)
    if summary is not None:
        for line in summary.due_now:
            tasks.append(
                HomeTask(
                    title=line.milestone.display_name,
                    url=reverse("milestone_detail", args=[line.milestone.pk]),
                    due=line.milestone.due_date,
                    kind="milestone",
                )
            )
        if summary.is_waiting_for_signatures:
            names = ", ".join(
                signer.mentor.display_name if signer.mentor else signer.role_label
                for signer in summary.missing_signers
            )
            tasks.append(
                HomeTask(
                    title=_("Your training plan is waiting for signatures"),
                    url=reverse("plan_detail", args=[summary.plan.pk]),
                    due=None,
                    kind="info",
                    detail=format_lazy(_("Not signed yet by: {names}"), names=names),
                )
            )
    for plan in _waiting_for_me(request, today):
        tasks.append(
            HomeTask(
                title=format_lazy(_("Sign the training plan of {person}"), person=plan.person.display_name),
                url=reverse("plan_detail", args=[plan.pk]),
                due=None,
                kind="signature",
                detail=plan.programme.display_name,
            )
        )
    cohorts = _cohorts(request, today)
    if cohorts is not None and cohorts.waiting_count:
        tasks.append(
            HomeTask(
                title=ngettext_lazy(
                    "%(count)d plan is waiting for its mentors' signatures",
                    "%(count)d plans are waiting for their mentors' signatures",
                    "count",
                )
                % {"count": cohorts.waiting_count},
                url=reverse("plan_list") + "?" + urlencode({"status": PlanStatus.AWAITING_SIGNATURES}),
                due=None,
                kind="info",
            )
        )
    return tasks


def register() -> None:
    register_home_panel(
        HomePanel("programs.my_plan", 10, "programs/home_my_plan.html", my_plan_panel, width="half")
    )
    register_home_panel(
        HomePanel(
            "programs.mentees",
            30,
            "programs/home_mentees.html",
            my_mentees_panel,
            width="full",
            replaces=("people.my_mentees",),
        )
    )
    register_home_panel(
        HomePanel("programs.cohorts", 40, "programs/home_cohorts.html", cohort_panel, width="full")
    )
    register_home_tasks(plan_tasks)
