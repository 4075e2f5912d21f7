import datetime
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from . import notifications, selectors
from .api_types import Id, Pagination

router = Router(tags=["me"])


class RoleOut(Schema):
    role: str
    institution_id: int
    department_id: int | None


class MeOut(Schema):
    id: int
    username: str
    person_id: int | None
    language: str
    roles: list[RoleOut]
    unread_notifications: int


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> Any:
    user: Any = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "person_id": user.person_id,
        "language": user.language,
        "roles": list(user.role_assignments.values("role", "institution_id", "department_id")),
        "unread_notifications": notifications.unread_count(user),
    }


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    url: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None


@router.get("/notifications", response=list[NotificationOut])
@paginate(Pagination)
def list_notifications(request: HttpRequest, unread: bool = False) -> Any:
    return selectors.notification_list_for_user(request.user, unread_only=unread)


class MarkReadIn(Schema):
    ids: list[Id] | None = None


@router.post("/notifications/read", response={200: dict})
def mark_read(request: HttpRequest, payload: MarkReadIn) -> Any:
    return {"marked": notifications.notification_mark_read(user=request.user, notification_ids=payload.ids)}


class JobOut(Schema):
    id: uuid.UUID
    kind: str
    label: str
    status: str
    percent: int
    message: str
    result_url: str


@router.get("/jobs/{job_id}", response=JobOut)
def get_job(request: HttpRequest, job_id: uuid.UUID) -> Any:
    return selectors.get_job_for_user(request.user, job_id)
