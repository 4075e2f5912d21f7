"""A plan's history in words, from its audit trail: who created, changed, sent, signed and completed what."""

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from medtalent.core.models import AuditEvent

from .models import SignerRole, TrainingPlan

ACTION_WORDS = {
    "plan.create": _("created the plan"),
    "plan.update": _("changed goals, dates or mentors"),
    "plan.submit": _("sent the plan for signatures"),
    "plan.sign": _("signed"),
    "plan.activate": _("the plan became active"),
    "plan.revise": _("made a material change: new revision, both mentors sign again"),
    "plan.close": _("closed the plan"),
    "plan.milestone_add": _("added a milestone"),
    "plan.milestone_update": _("changed a milestone"),
    "plan.milestone_remove": _("removed a milestone"),
    "plan.stage_update": _("moved a stage"),
    "plan.evidence_add": _("attached evidence"),
    "plan.evidence_remove": _("removed evidence"),
    "plan.milestone_done": _("marked a milestone done"),
    "plan.milestone_reopen": _("reopened a milestone"),
}
# Context values worth a line of their own (the "after" side of ``[None, value]`` entries).
DETAIL_KEYS = ("role", "milestone", "stage", "evidence", "change", "reason")


@dataclass(frozen=True)
class HistoryLine:
    time: datetime.datetime
    actor: str
    action: str
    summary: str
    detail: str


def _detail(key: str, value: object) -> str:
    if key == "role" and isinstance(value, str) and value in SignerRole.values:
        return str(SignerRole(value).label)
    return str(value)


def plan_history_lines(plan: TrainingPlan, limit: int = 40) -> list[HistoryLine]:
    events = (
        AuditEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(TrainingPlan), target_id=str(plan.pk)
        )
        .select_related("actor__person")
        .order_by("-created_at", "-id")[:limit]
    )
    lines = []
    for event in events:
        details = [
            _detail(key, values[1])
            for key in DETAIL_KEYS
            if isinstance(values := event.changes.get(key), list)
            and len(values) == 2
            and values[1] not in (None, "")
        ]
        person = event.actor.person if event.actor is not None else None
        lines.append(
            HistoryLine(
                event.created_at,
                person.display_name if person is not None else event.actor_label,
                event.action,
                str(ACTION_WORDS.get(event.action, event.action)),
                " · ".join(details),
            )
        )
    return lines
