"""Training-plan pages: the list, one plan with its stages, milestones and signatures, and the forms that
change it. Objects come through ``access`` (404 outside the user's reach); each write is one service call
whose refusals land on the form (403 when the user may not act at all, 409 when stale)."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from medtalent.core.forms import form_submit

from . import selectors
from .access import (
    current_mentors_of,
    get_evidence_for_user,
    get_milestone_for_user,
    get_plan_for_user,
    is_plan_mentor,
    may_confirm_milestones,
    may_edit_plan,
    mentor_choices_for,
    plan_trainees_for,
    programmes_visible_to,
    runs_plan,
)
from .forms import (
    EvidenceForm,
    MilestoneAddForm,
    MilestoneDoneForm,
    MilestoneEditForm,
    PlanCloseForm,
    PlanEditForm,
    PlanForm,
    ReasonForm,
    VersionedForm,
)
from .models import MilestoneStatus, PlanMilestone, PlanStatus, TrainingPlan
from .selectors_history import plan_history_lines
from .services import plans as services

PLANS_PER_PAGE = 50


def _today() -> datetime.date:
    return timezone.localdate()


@login_required
def programs_home(request: HttpRequest) -> HttpResponse:
    """Trainees go to their own plan; everybody else to the plans they follow."""
    own = selectors.own_plan_to_open(request.user)
    return redirect("plan_detail", own.pk) if own is not None else redirect("plan_list")


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    params = request.GET
    status = params.get("status", "")
    filters = selectors.PlanFilters(
        search=params.get("q", "").strip()[:100],
        programme_id=_int(params.get("programme")),
        status=status if status in PlanStatus.values else "",
        cohort=_int(params.get("cohort")),
        waiting_for_me=params.get("waiting") == "1",
    )
    plans = selectors.plan_list_for_user(request.user, filters, today=_today())
    page = Paginator(plans, PLANS_PER_PAGE).get_page(params.get("page"))
    waiting = selectors.plans_waiting_for(
        request.user, selectors.with_progress(selectors.plans_visible_to(request.user), _today())
    ).count()
    return render(
        request,
        "programs/plan_list.html",
        {
            "page": page,
            "filters": filters,
            "statuses": PlanStatus.choices,
            "programmes": programmes_visible_to(request.user),
            "waiting_count": waiting,
            "may_start_plans": plan_trainees_for(request.user).exists(),
        },
    )


@login_required
def plan_new(request: HttpRequest) -> HttpResponse:
    """Pick the trainee (search), then the programme, start and mentors."""
    candidates = plan_trainees_for(request.user)
    person_id = _int(request.POST.get("person") or request.GET.get("person"))
    if person_id is None:
        text = request.GET.get("q", "").strip()[:60]
        matches = (
            candidates.filter(Q(name_zh__icontains=text) | Q(name_latin__icontains=text)).order_by(
                "name_latin"
            )[:20]
            if text
            else []
        )
        return render(request, "programs/plan_new.html", {"matches": matches, "q": text})
    person = get_object_or_404(candidates, pk=person_id)
    programmes = programmes_visible_to(request.user).filter(is_active=True)
    form = PlanForm(
        request.POST or None,
        programmes=programmes,
        mentors=current_mentors_of(person),
        initial={"start_date": _today().replace(day=1)},
    )
    status = 200
    if request.method == "POST":
        plan, status = form_submit(
            form,
            lambda data: services.plan_create(
                actor=request.user,
                programme=data["programme"],
                person=person,
                start_date=data["start_date"],
                goals=data["goals"],
                school_mentor=data["school_mentor"],
                hospital_mentor=data["hospital_mentor"],
            ),
        )
        if plan is not None:
            messages.success(
                request, _("The plan is created as a draft: make it individual, then send it for signatures.")
            )
            return redirect("plan_detail", plan.pk)
    return render(request, "programs/plan_new.html", {"person": person, "form": form}, status=status)


@dataclass
class PlanActions:
    edit: bool
    submit: bool
    sign: bool
    close: bool
    confirm: bool


def _actions(user: Any, plan: TrainingPlan, detail: selectors.PlanDetail) -> PlanActions:
    mine = plan.roles_of(user.person_id)
    signed = {line.role for line in detail.signatures if line.signature is not None}
    return PlanActions(
        edit=may_edit_plan(user, plan),
        submit=plan.status == PlanStatus.DRAFT and may_edit_plan(user, plan),
        sign=plan.status == PlanStatus.AWAITING_SIGNATURES and bool(mine) and mine[0] not in signed,
        close=plan.status in (PlanStatus.DRAFT, PlanStatus.AWAITING_SIGNATURES, PlanStatus.ACTIVE)
        and runs_plan(user, plan),
        confirm=may_confirm_milestones(user, plan),
    )


def _plan_page(request: HttpRequest, plan: TrainingPlan, *, status: int = 200, **extra: Any) -> HttpResponse:
    detail = selectors.plan_detail(plan, today=_today())
    context = {
        "plan": plan,
        "detail": detail,
        "actions": _actions(request.user, plan, detail),
        "history": plan_history_lines(plan),
        "today": _today(),
        **extra,
    }
    return render(request, "programs/plan_detail.html", context, status=status)


@login_required
def plan_detail_view(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _plan_page(request, get_plan_for_user(request.user, plan_id))


def _plan_action(request: HttpRequest, plan_id: int, call: Any, done: str) -> HttpResponse:
    plan = get_plan_for_user(request.user, plan_id)
    form = VersionedForm(request.POST)
    _result, status = form_submit(form, lambda data: call(plan, data["version"]))
    if status == 200:
        messages.success(request, done)
        return redirect("plan_detail", plan.pk)
    plan.refresh_from_db()
    return _plan_page(request, plan, status=status, action_errors=form.non_field_errors() or form.errors)


@login_required
@require_POST
def plan_submit_view(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _plan_action(
        request,
        plan_id,
        lambda plan, version: services.plan_submit(actor=request.user, plan=plan, expected_version=version),
        _("The plan is sent to both mentors for signature."),
    )


@login_required
@require_POST
def plan_sign_view(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _plan_action(
        request,
        plan_id,
        lambda plan, version: services.plan_sign(actor=request.user, plan=plan, expected_version=version),
        _("You signed the plan."),
    )


@login_required
def plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, plan_id)
    if not may_edit_plan(request.user, plan):
        raise PermissionDenied
    form = PlanEditForm(
        request.POST or None,
        mentors=mentor_choices_for(plan),
        is_draft=plan.status == PlanStatus.DRAFT,
        initial={
            "version": plan.version,
            "start_date": plan.start_date,
            "school_mentor": plan.school_mentor,
            "hospital_mentor": plan.hospital_mentor,
            "goals": plan.goals,
        },
    )
    status = 200
    if request.method == "POST":
        result, status = form_submit(
            form,
            lambda data: services.plan_update(
                actor=request.user,
                plan=plan,
                expected_version=data["version"],
                goals=data["goals"],
                start_date=data.get("start_date") or plan.start_date,
                school_mentor=data["school_mentor"],
                hospital_mentor=data["hospital_mentor"],
            ),
        )
        if result is not None:
            messages.success(request, _("The plan is saved."))
            return redirect("plan_detail", plan.pk)
    return render(request, "programs/plan_edit.html", {"plan": plan, "form": form}, status=status)


@login_required
def plan_close_view(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, plan_id)
    if not runs_plan(request.user, plan):
        raise PermissionDenied
    form = PlanCloseForm(request.POST or None, initial={"version": plan.version})
    status = 200
    if request.method == "POST":
        result, status = form_submit(
            form,
            lambda data: services.plan_close(
                actor=request.user,
                plan=plan,
                expected_version=data["version"],
                status=data["status"],
                reason=data["reason"],
            ),
        )
        if result is not None:
            return redirect("plan_detail", plan.pk)
    return render(request, "programs/plan_close.html", {"plan": plan, "form": form}, status=status)


@login_required
def milestone_new(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, plan_id)
    if not may_edit_plan(request.user, plan):
        raise PermissionDenied
    form = MilestoneAddForm(request.POST or None, stages=plan.stages.all(), initial={"version": plan.version})
    status = 200
    if request.method == "POST":
        result, status = form_submit(
            form,
            lambda data: services.plan_milestone_add(
                actor=request.user,
                plan=plan,
                expected_version=data["version"],
                stage=data["stage"],
                name=data["name"],
                due_date=data["due_date"],
                evidence_kinds=data["evidence_kinds"],
                requires_evidence=data["requires_evidence"],
            ),
        )
        if result is not None:
            messages.success(request, _("The milestone is added."))
            return redirect("plan_detail", plan.pk)
    return render(request, "programs/milestone_new.html", {"plan": plan, "form": form}, status=status)


def _milestone_page(
    request: HttpRequest, milestone: PlanMilestone, *, status: int = 200, **forms: Any
) -> HttpResponse:
    plan = milestone.plan
    user: Any = request.user
    editable = may_edit_plan(user, plan)
    is_open = milestone.status == MilestoneStatus.OPEN
    initial = {"version": milestone.version}
    evidence = selectors.milestone_evidence_list(milestone)
    context = {
        "plan": plan,
        "milestone": milestone,
        "evidence": evidence,
        "candidates": selectors.evidence_candidates(milestone) if editable and is_open else [],
        "editable": editable,
        "is_overdue": milestone.is_overdue_on(_today()),
        "may_complete": editable and is_open and plan.status == PlanStatus.ACTIVE and bool(evidence),
        "may_confirm": is_open and may_confirm_milestones(user, plan),
        "may_reopen": not is_open and (runs_plan(user, plan) or may_confirm_milestones(user, plan)),
        "material_days": services.MATERIAL_SHIFT_DAYS,
        "edit_form": MilestoneEditForm(
            initial={
                **initial,
                "name": milestone.display_name,
                "due_date": milestone.due_date,
                "evidence_kinds": milestone.evidence_kinds,
                "requires_evidence": milestone.requires_evidence,
                "note": milestone.note,
            }
        )
        if editable
        else None,
        "evidence_form": EvidenceForm(),
        "done_form": MilestoneDoneForm(initial=initial),
        "reopen_form": ReasonForm(initial=initial),
        **forms,
    }
    return render(request, "programs/milestone_detail.html", context, status=status)


@login_required
def milestone_detail(request: HttpRequest, milestone_id: int) -> HttpResponse:
    milestone = get_milestone_for_user(request.user, milestone_id)
    if request.method != "POST":
        return _milestone_page(request, milestone)
    if not may_edit_plan(request.user, milestone.plan):
        raise PermissionDenied
    form = MilestoneEditForm(request.POST)
    result, status = form_submit(
        form,
        lambda data: services.plan_milestone_update(
            actor=request.user,
            milestone=milestone,
            expected_version=data["version"],
            name=data["name"],
            due_date=data["due_date"],
            evidence_kinds=data["evidence_kinds"],
            requires_evidence=data["requires_evidence"],
            note=data["note"],
        ),
    )
    if status == 200:
        if result:
            messages.warning(
                request, _("This change is material: both mentors are asked to sign the plan again.")
            )
        else:
            messages.success(request, _("The milestone is saved."))
        return redirect("milestone_detail", milestone.pk)
    milestone.refresh_from_db()
    return _milestone_page(request, milestone, status=status, edit_form=form)


@login_required
@require_POST
def milestone_evidence_add_view(request: HttpRequest, milestone_id: int) -> HttpResponse:
    milestone = get_milestone_for_user(request.user, milestone_id)
    form = EvidenceForm(request.POST)
    _result, status = form_submit(
        form,
        lambda data: services.milestone_evidence_add(
            actor=request.user, milestone=milestone, kind=data["record"][0], record_id=data["record"][1]
        ),
    )
    if status == 200:
        messages.success(request, _("The evidence is attached."))
        return redirect("milestone_detail", milestone.pk)
    return _milestone_page(request, milestone, status=status, evidence_form=form)


@login_required
@require_POST
def milestone_evidence_remove_view(request: HttpRequest, evidence_id: int) -> HttpResponse:
    evidence = get_evidence_for_user(request.user, evidence_id)
    milestone = get_milestone_for_user(request.user, evidence.milestone_id)
    form = VersionedForm({"version": milestone.version})
    _result, status = form_submit(
        form, lambda data: services.milestone_evidence_remove(actor=request.user, evidence=evidence)
    )
    if status == 200:
        return redirect("milestone_detail", milestone.pk)
    return _milestone_page(request, milestone, status=status, evidence_errors=form.non_field_errors())


@login_required
@require_POST
def milestone_done_view(request: HttpRequest, milestone_id: int) -> HttpResponse:
    """ "Mark done" rests on the evidence; "Confirm" is the mentor's word, with a note."""
    milestone = get_milestone_for_user(request.user, milestone_id)
    form = MilestoneDoneForm(request.POST)
    as_mentor = request.POST.get("as") == "mentor"
    if as_mentor and not is_plan_mentor(request.user, milestone.plan):
        raise PermissionDenied
    service = services.milestone_confirm if as_mentor else services.milestone_complete
    _result, status = form_submit(
        form,
        lambda data: service(
            actor=request.user, milestone=milestone, expected_version=data["version"], note=data["note"]
        ),
    )
    if status == 200:
        messages.success(request, _("The milestone is done."))
        return redirect("plan_detail", milestone.plan_id)
    milestone.refresh_from_db()
    return _milestone_page(request, milestone, status=status, done_form=form)


@login_required
@require_POST
def milestone_reopen_view(request: HttpRequest, milestone_id: int) -> HttpResponse:
    milestone = get_milestone_for_user(request.user, milestone_id)
    form = ReasonForm(request.POST)
    _result, status = form_submit(
        form,
        lambda data: services.milestone_reopen(
            actor=request.user, milestone=milestone, expected_version=data["version"], reason=data["reason"]
        ),
    )
    if status == 200:
        return redirect("milestone_detail", milestone.pk)
    milestone.refresh_from_db()
    return _milestone_page(request, milestone, status=status, reopen_form=form)
