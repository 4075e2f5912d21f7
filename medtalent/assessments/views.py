"""The assessment workflow's pages: the trainee's list, bedside code and requests; the assessor's to-do
list and the form (from a request, from the trainee's code, or started by the assessor); one assessment
with its acknowledgement and amendments."""

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from medtalent.core.errors import ApplicationError
from medtalent.core.forms import add_service_error
from medtalent.people.access import scope_for
from medtalent.people.models import Department, Person, Role, TraineeProfile

from .access import (
    assessor_department_ids,
    eligible_assessors,
    get_assessment_for_user,
    is_eligible_assessor,
    may_amend,
    own_trainee_profiles,
)
from .forms import (
    MINUTE_CHOICES,
    AcknowledgeForm,
    AnswerForm,
    ReasonForm,
    RequestForm,
    add_answer_errors,
    answer_initial,
)
from .models import Assessment, AssessmentOrigin, AssessmentStatus, Instrument, InstrumentKind
from .selectors import (
    assessments_given_by,
    assessments_of_trainee,
    assessor_pending_requests,
    current_version,
    instruments_in_use,
    rotation_block_on,
    rotation_department_on,
    trainees_to_assess,
)
from .services.assessments import (
    BEDSIDE_MAX_AGE,
    assessment_acknowledge,
    assessment_amend,
    assessment_cancel,
    assessment_record,
    assessment_request,
    assessment_submit,
    bedside_token_make,
    bedside_token_read,
)


def _person_id(request: HttpRequest) -> int | None:
    return getattr(request.user, "person_id", None)


def _own_trainee(request: HttpRequest) -> TraineeProfile:
    trainee = (
        own_trainee_profiles(request.user)
        .select_related("person", "department", "institution")
        .order_by("-status", "-start_date")
        .filter(status=TraineeProfile.Status.ACTIVE)
        .first()
    )
    if trainee is None:
        raise Http404(_("You have no active trainee record."))
    return trainee


@login_required
def assessments_home(request: HttpRequest) -> HttpResponse:
    """Trainees land on their assessments, assessors on their to-do list, officers on the dashboards."""
    if own_trainee_profiles(request.user).filter(status=TraineeProfile.Status.ACTIVE).exists():
        return redirect("assessment_mine")
    if assessor_department_ids(request.user):
        return redirect("assessment_queue")
    scope = scope_for(request.user)
    if scope.has_role(Role.PROGRAMME_OFFICER, Role.LEADER):
        return redirect("dashboard_programme")
    if scope.person_id:
        return redirect("assessment_queue")
    raise Http404


# --- the trainee ------------------------------------------------------------------------------------


def _request_form(
    request: HttpRequest, trainee: TraineeProfile, department: Department | None
) -> RequestForm:
    instruments = instruments_in_use(trainee.institution_id).exclude(kind=InstrumentKind.EXIT_EXAM)
    assessors = eligible_assessors(department.pk) if department else Person.objects.none()
    return RequestForm(
        request.POST if request.method == "POST" else None,
        instruments=instruments,
        assessors=assessors.exclude(pk=trainee.person_id),
        initial={"instrument": instruments.filter(code="mini_cex").first()},
    )


@login_required
def my_assessments(request: HttpRequest) -> HttpResponse:
    trainee = _own_trainee(request)
    today = timezone.localdate()
    rotation = rotation_block_on(trainee, today)
    department = rotation.department if rotation else trainee.department
    rows = list(assessments_of_trainee(request.user, trainee)[:200])
    return render(
        request,
        "assessments/mine.html",
        {
            "trainee": trainee,
            "rotation": rotation,
            "department": department,
            "to_acknowledge": [row for row in rows if row.status == AssessmentStatus.SUBMITTED],
            "requested": [row for row in rows if row.status == AssessmentStatus.REQUESTED],
            "done": [row for row in rows if row.status == AssessmentStatus.ACKNOWLEDGED],
            "request_form": _request_form(request, trainee, department),
        },
    )


@login_required
def assessment_request_view(request: HttpRequest) -> HttpResponse:
    trainee = _own_trainee(request)
    department = rotation_department_on(trainee, timezone.localdate())
    form = _request_form(request, trainee, department)
    if request.method == "POST" and form.is_valid():
        try:
            assessment_request(
                actor=request.user,
                trainee=trainee,
                assessor=form.cleaned_data["assessor"],
                instrument=form.cleaned_data["instrument"],
                department=department,
                due_on=form.cleaned_data["due_on"],
                note=form.cleaned_data["note"],
            )
        except (ApplicationError, ValidationError) as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Request sent to %(assessor)s.") % {"assessor": form.cleaned_data["assessor"].display_name},
            )
            return redirect("assessment_mine")
    return render(
        request, "assessments/request.html", {"trainee": trainee, "department": department, "form": form}
    )


@login_required
def bedside_code(request: HttpRequest) -> HttpResponse:
    """The QR code the trainee shows at the bedside: the assessor scans it and lands on the form."""
    trainee = _own_trainee(request)
    department = rotation_department_on(trainee, timezone.localdate())
    instruments = list(instruments_in_use(trainee.institution_id).exclude(kind=InstrumentKind.EXIT_EXAM))
    if not instruments or department is None:
        return render(request, "assessments/bedside_code.html", {"trainee": trainee, "department": None})
    wanted = request.GET.get("instrument", "mini_cex")
    instrument = next((item for item in instruments if item.code == wanted), instruments[0])
    token = bedside_token_make(trainee=trainee, instrument=instrument, department=department)
    url = request.build_absolute_uri(reverse("assessment_bedside", args=[token]))
    qr = segno.make(url, error="m")
    return render(
        request,
        "assessments/bedside_code.html",
        {
            "trainee": trainee,
            "department": department,
            "instrument": instrument,
            "instruments": instruments,
            "qr_svg": qr.svg_inline(scale=6, border=2, dark="#12312f"),
            "url": url,
            "expires_at": timezone.now() + BEDSIDE_MAX_AGE,
            "refresh_seconds": int(BEDSIDE_MAX_AGE.total_seconds()) - 60,
        },
    )


# --- the assessor -----------------------------------------------------------------------------------


@login_required
def assessor_queue(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "assessments/queue.html",
        {
            "pending": list(assessor_pending_requests(request.user)),
            "given": assessments_given_by(request.user, limit=20),
            "today": today,
            "may_start": bool(assessor_department_ids(request.user)),
        },
    )


def _answer_page(
    request: HttpRequest,
    *,
    trainee: TraineeProfile,
    instrument: Instrument,
    department: Department,
    assessment: Assessment | None,
    submit: Any,
    title: str,
) -> HttpResponse:
    """Render the instrument's form and, on POST, hand the answers to ``submit(form, answers)``."""
    version = assessment.instrument_version if assessment is not None else current_version(instrument)
    form = AnswerForm(
        request.POST if request.method == "POST" else None,
        kind=instrument.kind,
        definition=version.definition,
        initial=answer_initial(None, trainee=trainee, assessor=_assessor_person(request)),
    )
    if request.method == "POST" and form.is_valid():
        scores, details = form.answers()
        try:
            saved = submit(form, scores, details)
        except (ApplicationError, ValidationError) as error:
            add_answer_errors(form, error)
        else:
            messages.success(
                request,
                _("Submitted. %(trainee)s will be asked to acknowledge it.")
                % {"trainee": trainee.person.display_name},
            )
            return redirect("assessment_detail", saved.pk)
    return render(
        request,
        "assessments/answer.html",
        {
            "form": form,
            "title": title,
            "trainee": trainee,
            "instrument": instrument,
            "department": department,
            "assessment": assessment,
            "version": version,
            "minute_choices": MINUTE_CHOICES,
        },
    )


def _assessor_person(request: HttpRequest) -> Person | None:
    person_id = _person_id(request)
    if person_id is None:
        return None
    return Person.objects.select_related("faculty_profile").filter(pk=person_id).first()


def _record_page(
    request: HttpRequest,
    *,
    trainee: TraineeProfile,
    instrument: Instrument,
    department: Department,
    origin: str,
) -> HttpResponse:
    """The form an assessor fills in without a request; submitting records the assessment in one step."""

    def submit(form: AnswerForm, scores: dict, details: dict) -> Assessment:
        return assessment_record(
            actor=request.user,
            trainee=trainee,
            instrument=instrument,
            department=department,
            performed_on=form.cleaned_data["performed_on"],
            scores=scores,
            details=details,
            origin=origin,
            submission_key=form.cleaned_data["submission_key"],
        )

    return _answer_page(
        request,
        trainee=trainee,
        instrument=instrument,
        department=department,
        assessment=None,
        submit=submit,
        title=instrument.name,
    )


@login_required
def bedside_form(request: HttpRequest, token: str) -> HttpResponse:
    """Where the trainee's QR code leads: the form, with the trainee and the department filled in."""
    try:
        trainee_id, instrument_id, department_id = bedside_token_read(token)
    except ApplicationError as error:
        return render(request, "assessments/bedside_refused.html", {"message": error.message}, status=400)
    trainee = get_object_or_404(TraineeProfile.objects.select_related("person", "institution"), pk=trainee_id)
    instrument = get_object_or_404(Instrument, pk=instrument_id)
    department = get_object_or_404(Department.objects.select_related("institution"), pk=department_id)
    if not is_eligible_assessor(_person_id(request), department):
        message = _("Only faculty of %(department)s can assess trainees rotating there.") % {
            "department": department
        }
        return render(request, "assessments/bedside_refused.html", {"message": message}, status=403)

    return _record_page(
        request,
        trainee=trainee,
        instrument=instrument,
        department=department,
        origin=AssessmentOrigin.BEDSIDE_CODE,
    )


@login_required
def assessment_start_view(request: HttpRequest) -> HttpResponse:
    """The assessor starts an assessment (or records an exit exam) for a trainee rotating with them."""
    department_ids = assessor_department_ids(request.user)
    if not department_ids:
        raise PermissionDenied
    trainees = trainees_to_assess(department_ids, timezone.localdate())
    chosen = next((row for row in trainees if str(row.trainee.pk) == request.GET.get("trainee")), None)
    instruments = list(instruments_in_use(chosen.trainee.institution_id if chosen else None))
    instrument = next((item for item in instruments if item.code == request.GET.get("instrument")), None)
    if chosen is None or instrument is None:
        return render(
            request,
            "assessments/start.html",
            {"trainees": trainees, "instruments": instruments, "chosen": chosen},
        )

    return _record_page(
        request,
        trainee=chosen.trainee,
        instrument=instrument,
        department=chosen.department,
        origin=AssessmentOrigin.ASSESSOR,
    )


@login_required
def assessment_fill(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The assessor fills in a request."""
    assessment = get_assessment_for_user(request.user, assessment_id)
    if assessment.status != AssessmentStatus.REQUESTED or assessment.assessor_id != _person_id(request):
        return redirect("assessment_detail", assessment.pk)

    def submit(form: AnswerForm, scores: dict, details: dict) -> Assessment:
        return assessment_submit(
            actor=request.user,
            assessment=assessment,
            expected_version=int(request.POST.get("version", 0) or 0),
            performed_on=form.cleaned_data["performed_on"],
            scores=scores,
            details=details,
            submission_key=form.cleaned_data["submission_key"],
        )

    return _answer_page(
        request,
        trainee=assessment.trainee,
        instrument=assessment.instrument_version.instrument,
        department=assessment.department,
        assessment=assessment,
        submit=submit,
        title=assessment.instrument_version.instrument.name,
    )


# --- one assessment ---------------------------------------------------------------------------------


@login_required
def assessment_detail(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id)
    return render(request, "assessments/detail.html", _detail_context(request, assessment))


def _reloaded(request: HttpRequest, assessment: Assessment) -> Assessment:
    """The record as stored: a refused service call may have changed the instance in memory."""
    return get_assessment_for_user(request.user, assessment.pk)


def _detail_context(request: HttpRequest, assessment: Assessment, **forms: Any) -> dict[str, Any]:
    from .presenting import answer_rows

    is_trainee = _person_id(request) == assessment.trainee.person_id
    return {
        "assessment": assessment,
        "rows": answer_rows(assessment),
        "is_trainee": is_trainee,
        "may_acknowledge": is_trainee and assessment.status == AssessmentStatus.SUBMITTED,
        "may_amend": may_amend(request.user, assessment),
        "may_cancel": assessment.status == AssessmentStatus.REQUESTED
        and _person_id(request) in (assessment.trainee.person_id, assessment.assessor_id),
        "may_fill": assessment.status == AssessmentStatus.REQUESTED
        and _person_id(request) == assessment.assessor_id,
        "acknowledge_form": forms.get("acknowledge_form") or AcknowledgeForm(),
        "cancel_form": forms.get("cancel_form") or ReasonForm(),
    }


@login_required
@require_POST
def assessment_acknowledge_view(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id)
    form = AcknowledgeForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            assessment_acknowledge(
                actor=request.user,
                assessment=assessment,
                expected_version=int(request.POST.get("version", 0) or 0),
                reflection=form.cleaned_data["reflection"],
            )
        except (ApplicationError, ValidationError) as error:
            status = getattr(error, "status_code", 400)
            add_service_error(form, error)
            assessment = _reloaded(request, assessment)
        else:
            messages.success(request, _("Acknowledged. The assessment is now locked."))
            return redirect("assessment_detail", assessment.pk)
    context = _detail_context(request, assessment, acknowledge_form=form)
    return render(request, "assessments/detail.html", context, status=status)


@login_required
def assessment_amend_view(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id)
    if not may_amend(request.user, assessment):
        raise PermissionDenied
    version = assessment.instrument_version
    form = AnswerForm(
        request.POST if request.method == "POST" else None,
        kind=version.instrument.kind,
        definition=version.definition,
        initial=answer_initial(assessment),
    )
    reason_form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and reason_form.is_valid():
        scores, details = form.answers()
        try:
            assessment_amend(
                actor=request.user,
                assessment=assessment,
                expected_version=int(request.POST.get("version", 0) or 0),
                performed_on=form.cleaned_data["performed_on"],
                scores=scores,
                details=details,
                reason=reason_form.cleaned_data["reason"],
            )
        except (ApplicationError, ValidationError) as error:
            if isinstance(error, ValidationError) and "reason" in getattr(error, "message_dict", {}):
                add_service_error(reason_form, error)
            else:
                add_answer_errors(form, error)
        else:
            messages.success(request, _("Amended. The change and its reason are in the audit trail."))
            return redirect("assessment_detail", assessment.pk)
    return render(
        request,
        "assessments/answer.html",
        {
            "form": form,
            "reason_form": reason_form,
            "title": _("Amend: %(instrument)s") % {"instrument": version.instrument.name},
            "trainee": assessment.trainee,
            "instrument": version.instrument,
            "department": assessment.department,
            "assessment": assessment,
            "version": version,
            "minute_choices": MINUTE_CHOICES,
        },
    )


@login_required
@require_POST
def assessment_cancel_view(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id)
    form = ReasonForm(request.POST)
    reason = request.POST.get("reason", "")
    try:
        assessment_cancel(
            actor=request.user,
            assessment=assessment,
            expected_version=int(request.POST.get("version", 0) or 0),
            reason=reason,
        )
    except ApplicationError as error:
        add_service_error(form, error)
        assessment = _reloaded(request, assessment)
        return render(
            request,
            "assessments/detail.html",
            _detail_context(request, assessment, cancel_form=form),
            status=error.status_code,
        )
    messages.success(request, _("The request was cancelled."))
    if _person_id(request) == assessment.trainee.person_id:
        return redirect("assessment_mine")
    return redirect("assessment_queue")
