"""The assessment dashboards (trainee, department, assessor, programme) and the rotation sign-off page.

Each page reaches its subject through an access rule (404 for what the user may not see, 403 for a
dashboard the user has no part in), reads through ``selectors_dashboards`` in a fixed number of queries,
and the sign-off form calls the one service.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtalent.core.errors import ApplicationError
from medtalent.core.forms import StyledFormMixin, add_service_error
from medtalent.people.access import scope_for
from medtalent.people.models import Department, Institution, Person, Role
from medtalent.rotations.access import get_trainee_for_user, own_trainee_profile
from medtalent.rotations.forms import whole_number
from medtalent.rotations.models import RotationBlock

from .models import RotationSignOff
from .selectors_dashboards import (
    assessor_dashboard,
    department_dashboard,
    programme_dashboard,
    trainee_dashboard,
)
from .selectors_requirements import (
    get_block_for_sign_off,
    may_override_sign_off,
    may_sign_off,
    passed_exit_exam,
    requirements_for_blocks,
)
from .services.requirements import OVERRIDE_REASON_MIN_CHARS, rotation_block_sign_off

ROTATION_DEPARTMENT_KINDS = (Department.Kind.CLINICAL, Department.Kind.MEDICAL_TECHNOLOGY)


# --- who reaches which dashboard --------------------------------------------------------------------


def _department_choices(user: Any) -> QuerySet[Department]:
    """Departments whose dashboard the user reads: those they head, and the rotation departments of the
    institutions whose training they run."""
    scope = scope_for(user)
    departments = Department.objects.select_related("institution").order_by("institution__code", "code")
    if scope.user_id is None:
        return departments.none()
    if scope.is_admin:
        return departments.filter(Q(kind__in=ROTATION_DEPARTMENT_KINDS) | Q(pk__in=scope.head_department_ids))
    return departments.filter(
        Q(pk__in=scope.head_department_ids)
        | Q(institution_id__in=scope.programme_officer_institution_ids, kind__in=ROTATION_DEPARTMENT_KINDS)
    )


def _programme_institution_ids(user: Any) -> frozenset[int] | None:
    """Institutions whose exit exams the user reads (``None``: all); 403 for anyone else."""
    scope = scope_for(user)
    if scope.is_admin:
        return None
    ids = scope.programme_officer_institution_ids | scope.leader_institution_ids
    if not ids:
        raise PermissionDenied
    return ids


def _assessors_for(user: Any) -> QuerySet[Person]:
    """Assessors whose burden the user reads: themselves; programme officers, the faculty of their
    institutions; administrators, everybody."""
    scope = scope_for(user)
    people = Person.objects.all()
    if scope.is_admin:
        return people
    q = Q(pk=scope.person_id) if scope.person_id else Q(pk__in=[])
    if scope.programme_officer_institution_ids:
        q |= Q(institution_id__in=scope.programme_officer_institution_ids, faculty_profile__isnull=False)
    return people.filter(q)


# --- pages ------------------------------------------------------------------------------------------


@login_required
def dashboards_home(request: HttpRequest) -> HttpResponse:
    """The dashboards' entry: each user lands on the one closest to their work."""
    scope = scope_for(request.user)
    if scope.head_department_ids:
        return redirect("dashboard_department")
    if scope.is_admin or scope.programme_officer_institution_ids or scope.leader_institution_ids:
        return redirect("dashboard_programme")
    if scope.roles & {Role.CLINICAL_TEACHER, Role.MENTOR} and Role.TRAINEE not in scope.roles:
        return redirect("dashboard_assessor")
    return redirect("dashboard_trainee")


@login_required
def dashboard_trainee(request: HttpRequest, trainee_id: int | None = None) -> HttpResponse:
    """A trainee's competency profile, trend, open requests and missing assessments: their own, or one
    whose records are private to the user."""
    if trainee_id is None:
        trainee = own_trainee_profile(request.user)
    else:
        trainee = get_trainee_for_user(request.user, trainee_id)
    own = trainee is not None and trainee.person_id == getattr(request.user, "person_id", None)
    dashboard = trainee_dashboard(trainee, today=timezone.localdate()) if trainee is not None else None
    return render(
        request,
        "assessments/dashboard_trainee.html",
        {
            "dashboard": dashboard,
            "trainee": trainee,
            "own": own,
        },
    )


@login_required
def dashboard_department(request: HttpRequest, department_id: int | None = None) -> HttpResponse:
    """Completion of requirements of the trainees rotating in the department this month, assessments done
    per month and low-score flags: for its heads and the programme officers of its institution."""
    departments = list(_department_choices(request.user))
    if not departments:
        raise PermissionDenied
    if department_id is None:
        department_id = whole_number(request.GET.get("department", ""))
    scope = scope_for(request.user)
    if department_id is None:
        own = [choice for choice in departments if choice.pk in scope.head_department_ids]
        department: Department | None = (own or departments)[0]
    else:
        department = next((choice for choice in departments if choice.pk == department_id), None)
    if department is None:
        raise Http404
    return render(
        request,
        "assessments/dashboard_department.html",
        {
            "dashboard": department_dashboard(department, today=timezone.localdate()),
            "department": department,
            "departments": departments if len(departments) > 1 else [],
            "reads_assessors": scope.is_admin or bool(scope.programme_officer_institution_ids),
        },
    )


@login_required
def dashboard_assessor(request: HttpRequest, person_id: int | None = None) -> HttpResponse:
    """An assessor's burden: their own, or any assessor in a programme officer's scope."""
    if person_id is None:
        person_id = getattr(request.user, "person_id", None)
        if person_id is None:
            raise Http404
    assessor = get_object_or_404(_assessors_for(request.user), pk=person_id)
    own = assessor.pk == getattr(request.user, "person_id", None)
    return render(
        request,
        "assessments/dashboard_assessor.html",
        {
            "dashboard": assessor_dashboard(assessor, now=timezone.now()),
            "own": own,
        },
    )


@login_required
def dashboard_programme(request: HttpRequest) -> HttpResponse:
    """Exit-exam pass rates per department and year, for programme officers, leaders and administrators."""
    institution_ids = _programme_institution_ids(request.user)
    institutions = Institution.objects.order_by("code")
    if institution_ids is not None:
        institutions = institutions.filter(pk__in=institution_ids)
    choices = list(institutions)
    wanted = request.GET.get("institution", "")
    chosen = next((choice for choice in choices if str(choice.pk) == wanted), None)
    shown = {chosen.pk} if chosen is not None else institution_ids
    dashboard = programme_dashboard(shown)
    return render(
        request,
        "assessments/dashboard_programme.html",
        {
            "dashboard": dashboard,
            "chart_height": max(160, 30 * len(dashboard.departments) + 40),
            "institutions": choices if len(choices) > 1 else [],
            "chosen": chosen,
        },
    )


# --- sign-off ---------------------------------------------------------------------------------------


class SignOffForm(StyledFormMixin, forms.Form):
    override_reason = forms.CharField(
        label=gettext_lazy("Reason for completing without a passed exit exam"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "At least %(count)d characters; it is kept in the trainee's record and the audit trail."
        )
        % {"count": OVERRIDE_REASON_MIN_CHARS},
    )


@login_required
def rotation_sign_off(request: HttpRequest, block_id: int) -> HttpResponse:
    """A rotation's requirements, and its sign-off: with the passed exit exam, or a programme officer's
    written override."""
    block = get_block_for_sign_off(request.user, block_id)
    signs = may_sign_off(request.user, block)
    form = SignOffForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not signs:
            raise PermissionDenied
        if form.is_valid():
            try:
                rotation_block_sign_off(
                    actor=request.user, block=block, override_reason=form.cleaned_data["override_reason"]
                )
            except (ApplicationError, ValidationError) as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The rotation is signed off as complete."))
                return redirect("rotation_sign_off", block_id=block.pk)
    signed = _sign_off_of(block)
    exam = passed_exit_exam(block) if signed is None else None
    return render(
        request,
        "assessments/dashboard_sign_off.html",
        {
            "rotation": block,
            "requirements": requirements_for_blocks([block]).get(block.pk, []),
            "signed": signed,
            "exam": exam,
            "form": form,
            "may_sign": signs and signed is None,
            "may_override": may_override_sign_off(request.user, block),
        },
        status=422 if request.method == "POST" else 200,
    )


def _sign_off_of(block: RotationBlock) -> RotationSignOff | None:
    try:
        return block.sign_off
    except RotationSignOff.DoesNotExist:
        return None
