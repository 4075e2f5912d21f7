"""The JSON API: one NinjaAPI, one Router per app, errors mapped to HTTP here and nowhere else."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from medtalent.core.errors import ApplicationError
from medtalent.people.auth import user_for_api_token


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_api_token(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """Django's session, with the CSRF check that ninja's cookie auth performs on writes."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user if request.user.is_authenticated else None


api = NinjaAPI(
    title="MedTalent API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    auth=[TokenAuth(), SessionAuth()],
    description="People and organisations, rotations, assessments, programmes and training plans of "
    "MedTalent. Authenticate with a session or a personal API token (`Authorization: Bearer mt_…`).",
)

# Pydantic's messages are English; these say the same in the user's language.
_VALIDATION_MESSAGES = {
    "missing": lambda ctx: _("This field is required."),
    "string_too_long": lambda ctx: _("At most %(max)s characters.") % {"max": ctx.get("max_length")},
    "string_too_short": lambda ctx: _("At least %(min)s characters.") % {"min": ctx.get("min_length")},
    "int_parsing": lambda ctx: _("A whole number is required."),
    "int_type": lambda ctx: _("A whole number is required."),
    "bool_parsing": lambda ctx: _("True or false is required."),
    "bool_type": lambda ctx: _("True or false is required."),
    "date_from_datetime_parsing": lambda ctx: _("A date is required, as YYYY-MM-DD."),
    "date_parsing": lambda ctx: _("A date is required, as YYYY-MM-DD."),
    "date_type": lambda ctx: _("A date is required, as YYYY-MM-DD."),
    "string_type": lambda ctx: _("Text is required."),
    "enum": lambda ctx: _("Choose one of: %(expected)s.") % {"expected": ctx.get("expected")},
    "literal_error": lambda ctx: _("Choose one of: %(expected)s.") % {"expected": ctx.get("expected")},
    "greater_than_equal": lambda ctx: _("Must be at least %(ge)s.") % {"ge": ctx.get("ge")},
    "less_than_equal": lambda ctx: _("Must be at most %(le)s.") % {"le": ctx.get("le")},
    "extra_forbidden": lambda ctx: _("This field is not accepted."),
    "string_pattern_mismatch": lambda ctx: _("This text contains characters that are not allowed."),
    "value_error": lambda ctx: str(ctx.get("error", "")),
    "model_attributes_type": lambda ctx: _("A JSON object is required."),
    "dict_type": lambda ctx: _("A JSON object is required."),
}


def _field_name(location: Any) -> str:
    parts = [str(part) for part in location if part not in ("body", "payload", "query", "path", "filters")]
    return ".".join(parts)


def _error(request: HttpRequest, status: int, detail: Any, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": str(detail), **extra}, status=status)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for item in exc.errors:
        translate = _VALIDATION_MESSAGES.get(item.get("type", ""))
        message = translate(item.get("ctx") or {}) if translate else item.get("msg", "")
        errors.append({"field": _field_name(item.get("loc", ())), "message": str(message)})
    return _error(request, 422, _("Some fields are not valid."), errors=errors)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    extra: dict[str, Any] = dict(exc.extra)
    if exc.field:
        extra["errors"] = [{"field": exc.field, "message": str(exc.message)}]
    return _error(request, exc.status_code, exc.message, **extra)


@api.exception_handler(DjangoValidationError)
def django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": field, "message": str(message)}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"field": "", "message": str(message)} for message in exc.messages]
    return _error(request, 422, _("Some fields are not valid."), errors=errors)


@api.exception_handler(OverflowError)
def number_out_of_range(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    # The schemas bound every number; this is the net under them, so bad input never becomes a 500.
    return _error(request, 422, _("A number is out of range."))


@api.exception_handler(IntegrityError)
def integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # Validation runs first, so this is a race with a concurrent write: say so, write nothing.
    return _error(
        request,
        409,
        _("The change conflicts with another record (for example a duplicate). Nothing was saved."),
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, _("Not found, or you may not see it."))


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, _("You may not do this."))


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, _("Sign in, or send a valid API token."))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and str(exc.message).startswith("Cannot parse request body"):
        return _error(request, 400, _("The request body is not valid JSON."))
    if exc.status_code == 403:
        return _error(request, 403, _("You may not do this (check the CSRF token, or use an API token)."))
    return _error(request, exc.status_code, exc.message)


def _mount_routers() -> None:
    from medtalent.assessments.api import router as assessments_router
    from medtalent.core.api import router as core_router
    from medtalent.people.api import router as people_router
    from medtalent.programs.api import router as programs_router

    api.add_router("/", core_router)
    api.add_router("/", people_router)
    api.add_router("/", assessments_router)
    api.add_router("/", programs_router)


_mount_routers()
