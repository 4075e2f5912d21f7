"""The assessment panel and tasks of the home page, registered in ``AssessmentsConfig.ready``.

- Trainee: "Assessments to request": what the rotation running now (published schedule) still misses, with
  the way to ask for them, and the requests still waiting for assessors. Tasks: one to request what the
  rotation misses (due at its end), one per assessment waiting for the trainee's acknowledgement.
- Assessor: one task summing up the requests waiting for them, due at the earliest date asked.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Min, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from medtalent.core.home import HomePanel, HomeTask, home_cached, register_home_panel, register_home_tasks
from medtalent.people.models import TraineeProfile
from medtalent.rotations.models import RotationBlock

from .access import own_trainee_profiles
from .models import Assessment, AssessmentStatus
from .selectors import LIST_RELATED, assessor_pending_requests, rotation_block_on
from .selectors_requirements import RequirementProgress, missing_count, requirements_for_blocks

ACKNOWLEDGE_LISTED = 10


@dataclass
class TraineeAssessments:
    trainee: TraineeProfile
    block: RotationBlock | None
    requirements: list[RequirementProgress] = field(default_factory=list)
    to_acknowledge: list[Assessment] = field(default_factory=list)
    to_acknowledge_count: int = 0
    open_requests: int = 0

    @property
    def missing(self) -> int:
        return missing_count(self.requirements)

    @property
    def missing_lines(self) -> list[RequirementProgress]:
        return [line for line in self.requirements if not line.is_met]

    @property
    def block_last_day(self) -> datetime.date | None:
        if self.block is None:
            return None
        return self.block.end_month - datetime.timedelta(days=1)


def trainee_assessments(user: Any, today: datetime.date) -> TraineeAssessments | None:
    """For the user's active trainee stage: the current rotation's requirement lines, the assessments to
    acknowledge and the open requests. At most seven queries."""
    trainee = (
        own_trainee_profiles(user)
        .filter(status=TraineeProfile.Status.ACTIVE)
        .select_related("department")
        .order_by("-start_date", "-pk")
        .first()
    )
    if trainee is None:
        return None
    block = rotation_block_on(trainee, today)
    summary = TraineeAssessments(trainee=trainee, block=block)
    if block is not None:
        summary.requirements = requirements_for_blocks([block.pk]).get(block.pk, [])
    counts = Assessment.objects.filter(trainee=trainee).aggregate(
        submitted=Count("pk", filter=Q(status=AssessmentStatus.SUBMITTED)),
        requested=Count("pk", filter=Q(status=AssessmentStatus.REQUESTED)),
    )
    summary.to_acknowledge_count = counts["submitted"]
    summary.open_requests = counts["requested"]
    if summary.to_acknowledge_count:
        summary.to_acknowledge = list(
            Assessment.objects.filter(trainee=trainee, status=AssessmentStatus.SUBMITTED)
            .select_related(*LIST_RELATED)
            .order_by("submitted_at", "pk")[:ACKNOWLEDGE_LISTED]
        )
    return summary


def _mine(request: HttpRequest, today: datetime.date) -> TraineeAssessments | None:
    return home_cached(request, "assessments.mine", lambda: trainee_assessments(request.user, today))


def assessments_panel(request: HttpRequest, today: datetime.date) -> dict[str, Any] | None:
    summary = _mine(request, today)
    return None if summary is None else {"summary": summary}


def assessment_tasks(request: HttpRequest, today: datetime.date) -> list[HomeTask]:
    tasks: list[HomeTask] = []
    summary = _mine(request, today)
    if summary is not None:
        if summary.block is not None and summary.missing:
            department = summary.block.department.name if summary.block.department else ""
            tasks.append(
                HomeTask(
                    title=ngettext_lazy(
                        "Request %(count)d assessment for this rotation",
                        "Request %(count)d assessments for this rotation",
                        "count",
                    )
                    % {"count": summary.missing},
                    url=reverse("assessment_request"),
                    due=summary.block_last_day,
                    kind="assessment",
                    detail=format_lazy(
                        "{department}: {lines}",
                        department=department,
                        lines=", ".join(line.short_label for line in summary.missing_lines),
                    ),
                )
            )
        for assessment in summary.to_acknowledge:
            tasks.append(
                HomeTask(
                    title=format_lazy(
                        _("Acknowledge {instrument} by {assessor}"),
                        instrument=assessment.instrument_version.instrument.name,
                        assessor=assessment.assessor.display_name,
                    ),
                    url=reverse("assessment_detail", args=[assessment.pk]),
                    due=None,
                    kind="acknowledge",
                    detail=assessment.department.name,
                )
            )
    if getattr(request.user, "person_id", None):
        pending = assessor_pending_requests(request.user).aggregate(total=Count("pk"), earliest=Min("due_on"))
        if pending["total"]:
            tasks.append(
                HomeTask(
                    title=ngettext_lazy(
                        "%(count)d assessment request is waiting for you",
                        "%(count)d assessment requests are waiting for you",
                        "count",
                    )
                    % {"count": pending["total"]},
                    url=reverse("assessment_queue"),
                    due=pending["earliest"],
                    kind="assessor",
                )
            )
    return tasks


def register() -> None:
    register_home_panel(
        HomePanel("assessments.mine", 25, "assessments/home_assessments.html", assessments_panel)
    )
    register_home_tasks(assessment_tasks)
