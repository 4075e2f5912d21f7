from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from medtalent.core.errors import ApplicationError
from medtalent.core.forms import add_service_error
from medtalent.core.home import home_panels_for, home_tasks_for
from medtalent.core.permissions import require
from medtalent.core.selectors import notification_list_for_user

from . import exports, selectors, services
from .access import get_person_for_user, person_edit_is_contacts_only, scope_for
from .forms import ApiTokenForm, MentorshipForm, PersonForm, StyledPasswordChangeForm
from .models import ApiToken, Institution, Mentorship, Person, Role, TraineeLevel


class AuditedPasswordChangeView(auth_views.PasswordChangeView):
    form_class = StyledPasswordChangeForm

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.user_password_changed(actor=self.request.user)
        return response


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch language for this browser, and remember it as the user's preference."""
    language = request.POST.get("language", "")
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if language and check_for_language(language):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
        )
        if request.user.is_authenticated:
            services.user_language_set(actor=request.user, language=language)
    return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    scope = scope_for(user)
    today = timezone.localdate()
    # Every app's panels and tasks (core.home): what to do now first, then where things stand.
    panels = home_panels_for(request, today)
    context: dict[str, Any] = {
        "scope": scope,
        "notifications": notification_list_for_user(user)[:5],
        "home_tasks": home_tasks_for(request, today),
        "home_panels": panels,
        "replaced_sections": {key for panel, _context in panels for key in panel.replaces},
    }
    if user.person_id:
        context["me"] = selectors.person_detail_for_user(user, user.person_id)
        context["my_mentors"] = list(
            selectors.mentorship_list_for_user(user, mentee_id=user.person_id, active_only=True)
        )
        mentees = list(selectors.mentorship_list_for_user(user, mentor_id=user.person_id, active_only=True))
        if "people.my_mentees" in context["replaced_sections"]:
            # A domain panel lists the mentors' mentees with their plans; juniors coached as a peer senior
            # are no mentees there, so they stay listed here.
            mentees = [link for link in mentees if link.kind == Mentorship.Kind.PEER_SENIOR]
            context["mentees_are_peers"] = True
        context["my_mentees"] = mentees
    if scope.has_role(Role.PROGRAMME_OFFICER, Role.TALENT_OFFICER, Role.LEADER):
        counts = selectors.people_counts_for_user(user)
        context["counts"] = counts
        context["level_chart"] = {
            "labels": [label for _value, label, _total in counts.trainees_by_level],
            "values": [total for _value, _label, total in counts.trainees_by_level],
        }
    department_ids = scope.head_department_ids | scope.teacher_department_ids
    if department_ids:
        context["department_trainees"] = selectors.trainees_in_departments_for_user(user, department_ids)[:50]
    return render(request, "people/home.html", context)


def _filters_from(request: HttpRequest) -> selectors.PersonFilters:
    params = request.GET

    def number(name: str) -> int | None:
        value = params.get(name, "")
        return int(value) if value.isdigit() else None

    level = params.get("level", "")
    kind = params.get("kind", "")
    return selectors.PersonFilters(
        search=params.get("q", "")[:100],
        institution_id=number("institution"),
        department_id=number("department"),
        level=level if level in TraineeLevel.values else "",
        cohort=number("cohort"),
        kind=kind if kind in ("trainee", "faculty") else "",
        import_batch_id=number("import_batch"),
    )


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    filters = _filters_from(request)
    page = Paginator(selectors.person_list_for_user(request.user, filters), 25).get_page(
        request.GET.get("page")
    )
    scope = scope_for(request.user)
    context = {
        "can_add_person": scope.is_admin or bool(scope.officer_institution_ids),
        "can_import": scope.is_admin or bool(scope.officer_institution_ids),
        "page": page,
        "filters": filters,
        "levels": TraineeLevel.choices,
        "institutions": Institution.objects.order_by("code"),
    }
    if request.headers.get("HX-Request"):
        return render(request, "people/_directory_results.html", context)
    return render(request, "people/directory.html", context)


@login_required
def directory_export(request: HttpRequest, file_format: str) -> HttpResponseBase:
    return exports.people_export(user=request.user, filters=_filters_from(request), file_format=file_format)


@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_detail_for_user(request.user, person_id)
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "can_edit": request.user.has_perm("people.change_person_contacts", person),
            "can_manage": request.user.has_perm("people.change_person", person),
            # A later import leaves these alone (unless told to overwrite them).
            "edited_by_hand": [
                str(getattr(Person._meta.get_field(name), "verbose_name", name))
                for name in person.manually_edited_fields
            ],
        },
    )


def _managed_institutions(user: Any) -> Any:
    scope = scope_for(user)
    institutions = Institution.objects.order_by("code")
    return institutions if scope.is_admin else institutions.filter(pk__in=scope.officer_institution_ids)


@login_required
def person_new(request: HttpRequest) -> HttpResponse:
    institutions = _managed_institutions(request.user)
    if not institutions.exists():
        raise PermissionDenied
    form = PersonForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        require(request.user, "people.add_person", form.cleaned_data["institution"])
        try:
            person = services.person_create(actor=request.user, **form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("person_detail", person_id=person.pk)
    return render(request, "people/person_form.html", {"form": form, "title": _("Add a person")})


@login_required
@require_POST
def mentorship_end_view(request: HttpRequest, mentorship_id: int) -> HttpResponse:
    mentorship = selectors.get_mentorship_for_user(request.user, mentorship_id)
    require(request.user, "people.change_mentorship", mentorship)
    version = request.POST.get("version", "")
    try:
        services.mentorship_end(
            actor=request.user,
            mentorship=mentorship,
            expected_version=int(version) if version.isdigit() else 0,
        )
    except (ApplicationError, ValidationError) as error:
        messages.error(
            request, error.message if isinstance(error, ApplicationError) else " ".join(error.messages)
        )
    else:
        messages.success(request, _("Mentorship ended today."))
    return redirect("person_detail", person_id=mentorship.mentee_id)


@login_required
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_person_for_user(request.user, person_id)
    require(request.user, "people.change_person_contacts", person)
    contacts_only = not request.user.has_perm("people.change_person", person)
    if request.method == "POST":
        form = PersonForm(request.POST, instance=person, contacts_only=contacts_only)
        if form.is_valid():
            changes = {name: value for name, value in form.cleaned_data.items() if name != "version"}
            try:
                services.person_update(
                    actor=request.user,
                    person=person,
                    expected_version=form.cleaned_data["version"],
                    contacts_only=person_edit_is_contacts_only(request.user, person, changes),
                    **changes,
                )
            except (ApplicationError, ValidationError) as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("person_detail", person_id=person_id)
    else:
        form = PersonForm(instance=person, initial={"version": person.version}, contacts_only=contacts_only)
    title = _("Edit %(name)s") % {"name": person.display_name}
    return render(request, "people/person_form.html", {"person": person, "form": form, "title": title})


@login_required
def mentorship_add(request: HttpRequest, person_id: int) -> HttpResponse:
    mentee = get_person_for_user(request.user, person_id)
    probe = Mentorship(mentee=mentee)
    require(request.user, "people.change_mentorship", probe)
    mentor_choices = selectors.person_list_for_user(request.user).exclude(pk=mentee.pk)
    form = MentorshipForm(request.POST or None, mentor_choices=mentor_choices)
    if request.method == "POST" and form.is_valid():
        try:
            services.mentorship_create(actor=request.user, mentee=mentee, **form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Mentorship added."))
            return redirect("person_detail", person_id=person_id)
    return render(request, "people/mentorship_form.html", {"person": mentee, "form": form})


@login_required
def institution_list_view(request: HttpRequest) -> HttpResponse:
    return render(request, "people/institution_list.html", {"institutions": selectors.institution_list()})


@login_required
def institutions_export_view(request: HttpRequest, file_format: str) -> HttpResponseBase:
    return exports.institutions_export(file_format=file_format)


@login_required
def departments_export_view(request: HttpRequest, institution_id: str, file_format: str) -> HttpResponseBase:
    institution = selectors.get_institution(int(institution_id))
    return exports.departments_export(file_format=file_format, institution_id=institution.pk)


@login_required
def institution_detail(request: HttpRequest, institution_id: int) -> HttpResponse:
    institution = selectors.get_institution(institution_id)
    return render(
        request,
        "people/institution_detail.html",
        {
            "institution": institution,
            "departments": selectors.department_list(institution_id=institution.pk),
            "affiliates": institution.affiliates.order_by("code"),
        },
    )


@login_required
def department_detail(request: HttpRequest, department_id: int) -> HttpResponse:
    department = selectors.get_department(department_id)
    people = selectors.person_list_for_user(request.user)
    return render(
        request,
        "people/department_detail.html",
        {
            "department": department,
            "staff": people.filter(department=department, faculty_profile__isnull=False),
            "trainees": selectors.trainees_in_departments_for_user(request.user, {department.pk}),
        },
    )


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    new_secret = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_secret = services.api_token_create(actor=request.user, name=form.cleaned_data["name"])
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            form = ApiTokenForm()
    user: Any = request.user
    tokens = ApiToken.objects.filter(user=user)
    return render(
        request, "people/api_tokens.html", {"form": form, "tokens": tokens, "new_secret": new_secret}
    )


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token revoked."))
    return redirect("api_tokens")
