"""Background jobs with progress, and notifications in the app, over the API and by e-mail."""

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation
from django_tasks import task

from medtalent.core.jobs import JobReporter, job_cancel, job_running, job_start
from medtalent.core.models import Job, Notification
from medtalent.core.notifications import (
    notification_digest_send,
    notification_mark_read,
    notification_send,
    unread_count,
)
from medtalent.core.tasks import notification_digest_task
from medtalent.people.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


# Tasks for the tests: module level, so the task backend can find them by path.


@task()
def counting_task(job_id: str, steps: int) -> None:
    with job_running(job_id) as reporter:
        for step in range(steps):
            reporter.progress(100 * step / steps, f"Step {step + 1} of {steps}")


@task()
def failing_task(job_id: str) -> None:
    with job_running(job_id) as reporter:
        reporter.progress(30, "Reading")
        raise ValueError("The spreadsheet has no header row")


@task()
def self_cancelling_task(job_id: str) -> None:
    with job_running(job_id) as reporter:
        reporter.progress(25, "Quarter")
        job_cancel(job=Job.objects.get(pk=job_id))
        reporter.progress(50, "Half")
        reporter.progress(75, "Never reached")


# --- jobs ---------------------------------------------------------------------------------


def test_job_runs_after_commit_and_succeeds(
    personas: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    user = personas["officer"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = job_start(task=counting_task, kind="test.count", label="Counting", owner=user, steps=4)
        assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert (job.status, job.percent, job.message) == (Job.Status.SUCCEEDED, 100, "Step 4 of 4")
    assert (job.kind, job.label, job.owner) == ("test.count", "Counting", user)
    assert job.task_result_id != ""
    assert job.is_finished is True


def test_job_is_not_enqueued_before_commit(
    personas: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = job_start(
            task=counting_task, kind="test.count", label="Counting", owner=personas["officer"], steps=2
        )
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert (job.status, job.percent, job.task_result_id) == (Job.Status.QUEUED, 0, "")


def test_failing_job_records_the_error(
    personas: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(task=failing_task, kind="test.fail", label="Import", owner=personas["officer"])
    job.refresh_from_db()
    assert (job.status, job.percent, job.message) == (
        Job.Status.FAILED,
        30,
        "The spreadsheet has no header row",
    )
    assert job.is_finished is True


def test_job_running_re_raises_the_error(personas: dict[str, Any]) -> None:
    job = Job.objects.create(kind="test", label="Direct", owner=personas["officer"])
    with pytest.raises(ValueError, match="broken"), job_running(str(job.pk)):
        raise ValueError("broken")
    job.refresh_from_db()
    assert (job.status, job.message) == (Job.Status.FAILED, "broken")


def test_cancel_requested_stops_the_job_at_its_next_progress(personas: dict[str, Any]) -> None:
    job = Job.objects.create(kind="test", label="Long", owner=personas["officer"])
    reached = []
    with job_running(str(job.pk)) as reporter:
        reporter.progress(10, "Started")
        assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING
        Job.objects.filter(pk=job.pk).update(cancel_requested=True)
        reporter.progress(20, "Working")
        reached.append("after cancel")
    assert reached == []
    job.refresh_from_db()
    assert (job.status, job.percent, job.message) == (Job.Status.CANCELLED, 20, "Cancelled")


def test_cancelled_task_ends_cancelled(
    personas: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(
            task=self_cancelling_task, kind="test.cancel", label="Cancel me", owner=personas["officer"]
        )
    job.refresh_from_db()
    assert (job.status, job.percent, job.message, job.cancel_requested) == (
        Job.Status.CANCELLED,
        50,
        "Cancelled",
        True,
    )


def test_cancel_does_not_touch_a_finished_job(personas: dict[str, Any]) -> None:
    job = Job.objects.create(
        kind="test", label="Done", owner=personas["officer"], status=Job.Status.SUCCEEDED
    )
    job_cancel(job=job)
    job.refresh_from_db()
    assert (job.status, job.cancel_requested) == (Job.Status.SUCCEEDED, False)


def test_progress_is_clamped(personas: dict[str, Any]) -> None:
    job = Job.objects.create(kind="test", label="Clamp", owner=personas["officer"])
    reporter = JobReporter(str(job.pk))
    reporter.progress(140, "x" * 400)
    job.refresh_from_db()
    assert (job.percent, len(job.message)) == (100, 300)
    reporter.progress(-5)
    job.refresh_from_db()
    assert (job.percent, job.message) == (0, "")


@pytest.fixture
def running_job(personas: dict[str, Any]) -> Job:
    return Job.objects.create(
        kind="test",
        label="Building the report",
        owner=personas["officer"],
        status=Job.Status.RUNNING,
        percent=40,
        message="Sheets",
    )


def test_progress_partial_polls_while_running(
    client: Client, personas: dict[str, Any], running_job: Job
) -> None:
    client.force_login(personas["officer"])
    response = client.get(f"/jobs/{running_job.pk}/progress/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'aria-valuenow="40"' in html
    assert f'hx-get="/jobs/{running_job.pk}/progress/"' in html
    assert 'hx-trigger="every 1s"' in html
    assert 'data-status="running"' in html
    assert f'hx-post="/jobs/{running_job.pk}/cancel/"' in html


def test_progress_partial_stops_polling_when_finished(
    client: Client, personas: dict[str, Any], running_job: Job
) -> None:
    Job.objects.filter(pk=running_job.pk).update(
        status=Job.Status.SUCCEEDED, percent=100, result_url="/reports/1/"
    )
    client.force_login(personas["officer"])
    html = client.get(f"/jobs/{running_job.pk}/progress/").content.decode()
    assert 'aria-valuenow="100"' in html
    assert "hx-trigger" not in html
    assert 'href="/reports/1/"' in html


def test_another_users_job_is_not_found(client: Client, personas: dict[str, Any], running_job: Job) -> None:
    client.force_login(personas["trainee"])
    assert client.get(f"/jobs/{running_job.pk}/progress/").status_code == 404
    assert client.post(f"/jobs/{running_job.pk}/cancel/").status_code == 404
    assert client.get(f"/api/v1/jobs/{running_job.pk}").status_code == 404
    assert Job.objects.get(pk=running_job.pk).cancel_requested is False
    assert client.get(f"/jobs/{uuid.uuid4()}/progress/").status_code == 404


def test_administrator_sees_every_job(client: Client, personas: dict[str, Any], running_job: Job) -> None:
    client.force_login(personas["admin"])
    assert client.get(f"/jobs/{running_job.pk}/progress/").status_code == 200


def test_cancel_view_asks_the_job_to_stop(client: Client, personas: dict[str, Any], running_job: Job) -> None:
    client.force_login(personas["officer"])
    assert client.get(f"/jobs/{running_job.pk}/cancel/").status_code == 405
    response = client.post(f"/jobs/{running_job.pk}/cancel/")
    assert response.status_code == 200
    assert Job.objects.get(pk=running_job.pk).cancel_requested is True


def test_job_api(client: Client, personas: dict[str, Any], running_job: Job) -> None:
    client.force_login(personas["officer"])
    response = client.get(f"/api/v1/jobs/{running_job.pk}")
    assert response.status_code == 200
    assert response.json() == {
        "id": str(running_job.pk),
        "kind": "test",
        "label": "Building the report",
        "status": "running",
        "percent": 40,
        "message": "Sheets",
        "result_url": "",
    }


def test_job_api_needs_authentication(client: Client, running_job: Job) -> None:
    assert client.get(f"/api/v1/jobs/{running_job.pk}").status_code == 401


def test_digest_task_runs_as_a_job(personas: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    user = personas["officer"]
    user.language = "en"  # the job reports in the language of whoever started it
    user.save()
    notification_send(recipients=[personas["trainee"], personas["mentor"]], title="Hello")
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(task=notification_digest_task, kind="digest", label="Digest", owner=user)
    job.refresh_from_db()
    assert (job.status, job.percent, job.message) == (Job.Status.SUCCEEDED, 100, "2 e-mails sent")
    assert len(mail.outbox) == 2


# --- notifications ---------------------------------------------------------------------


def test_notification_send_and_unread_count(personas: dict[str, Any]) -> None:
    trainee, mentor = personas["trainee"], personas["mentor"]
    created = notification_send(
        recipients=[trainee, mentor, trainee], title="Plan approved", body="Year 1", url="/plans/1/"
    )
    assert len(created) == 2  # one per person, even if listed twice
    assert list(Notification.objects.filter(recipient=trainee).values_list("title", "body", "url")) == [
        ("Plan approved", "Year 1", "/plans/1/")
    ]
    assert (unread_count(trainee), unread_count(mentor), unread_count(personas["head"])) == (1, 1, 0)
    notification_send(recipients=[trainee], title="t" * 250)
    assert unread_count(trainee) == 2
    assert len(Notification.objects.filter(recipient=trainee).first().title) == 200


def test_mark_read_marks_only_the_given_ones(personas: dict[str, Any]) -> None:
    trainee, mentor = personas["trainee"], personas["mentor"]
    (first,) = notification_send(recipients=[trainee], title="One")
    notification_send(recipients=[trainee], title="Two")
    (other,) = notification_send(recipients=[mentor], title="Mentor's")
    # Another user's notification id is ignored.
    assert notification_mark_read(user=trainee, notification_ids=[first.pk, other.pk]) == 1
    assert (unread_count(trainee), unread_count(mentor)) == (1, 1)
    assert notification_mark_read(user=trainee) == 1
    assert unread_count(trainee) == 0


def test_notifications_page_and_mark_read(client: Client, personas: dict[str, Any]) -> None:
    trainee = personas["trainee"]
    (first,) = notification_send(recipients=[trainee], title="Rotation assigned", url="/rotations/")
    (second,) = notification_send(recipients=[trainee], title="Assessment due")
    notification_send(recipients=[personas["mentor"]], title="Not for the trainee")
    client.force_login(trainee)
    response = client.get("/notifications/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rotation assigned" in html
    assert "Assessment due" in html
    assert "Not for the trainee" not in html
    assert re.search(r'id="unread-count">\s*2\s*<', html)
    assert html.index("Assessment due") < html.index("Rotation assigned")  # newest first

    response = client.post("/notifications/read/", {"id": [str(first.pk)]})
    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    assert list(Notification.objects.filter(recipient=trainee, read_at__isnull=True)) == [second]
    client.post("/notifications/read/")
    assert unread_count(trainee) == 0
    assert client.get("/notifications/read/").status_code == 405


def test_notifications_api(client: Client, personas: dict[str, Any]) -> None:
    trainee = personas["trainee"]
    (first,) = notification_send(recipients=[trainee], title="One", body="b1")
    (second,) = notification_send(recipients=[trainee], title="Two")
    notification_send(recipients=[personas["mentor"]], title="Other")
    notification_mark_read(user=trainee, notification_ids=[first.pk])
    client.force_login(trainee)
    data = client.get("/api/v1/notifications").json()
    assert data["count"] == 2
    assert [(item["id"], item["title"], item["body"], item["read_at"] is None) for item in data["items"]] == [
        (second.pk, "Two", "", True),
        (first.pk, "One", "b1", False),
    ]
    unread = client.get("/api/v1/notifications", {"unread": "true"}).json()
    assert [item["id"] for item in unread["items"]] == [second.pk]
    assert client.get("/api/v1/me").json()["unread_notifications"] == 1


def test_notifications_api_needs_authentication(client: Client, db: Any) -> None:
    assert client.get("/api/v1/notifications").status_code == 401


def test_digest_sends_one_mail_per_user_and_only_once(personas: dict[str, Any]) -> None:
    trainee, mentor = personas["trainee"], personas["mentor"]
    trainee.language = "en"
    trainee.save(update_fields=["language"])
    mentor.language = "en"
    mentor.save(update_fields=["language"])
    notification_send(recipients=[trainee], title="Rotation assigned", body="Cardiology, March")
    notification_send(recipients=[trainee], title="Assessment due")
    notification_send(recipients=[mentor], title="New mentee")
    notification_send(recipients=[mentor], title="Plan to review")

    assert notification_digest_send() == 2
    assert len(mail.outbox) == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"trainee@example.edu.cn", "mentor@example.edu.cn"}
    trainee_mail = by_recipient["trainee@example.edu.cn"]
    assert trainee_mail.subject == "MedTalent: 2 new notifications"
    assert trainee_mail.body == "- Rotation assigned\n  Cardiology, March\n- Assessment due"
    assert by_recipient["mentor@example.edu.cn"].body == "- New mentee\n- Plan to review"
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0

    assert notification_digest_send() == 0
    assert len(mail.outbox) == 2


def test_digest_subject_for_a_single_notification(personas: dict[str, Any]) -> None:
    trainee = personas["trainee"]
    trainee.language = "en"
    trainee.save(update_fields=["language"])
    notification_send(recipients=[trainee], title="Assessment due")
    assert notification_digest_send() == 1
    assert mail.outbox[0].subject == "MedTalent: 1 new notification"


def test_digest_is_written_in_the_recipients_language(personas: dict[str, Any]) -> None:
    trainee = personas["trainee"]
    trainee.language = "zh-hans"
    trainee.save(update_fields=["language"])
    notification_send(recipients=[trainee], title="A")
    notification_send(recipients=[trainee], title="B")
    notification_digest_send()
    with translation.override("zh-hans"):
        expected = translation.ngettext(
            "MedTalent: %(count)d new notification", "MedTalent: %(count)d new notifications", 2
        ) % {"count": 2}
    assert "new notifications" not in expected
    assert mail.outbox[0].subject == expected


def test_digest_skips_users_without_email_and_inactive_users(personas: dict[str, Any]) -> None:
    no_email = UserFactory(username="noemail", email="")
    inactive = UserFactory(username="gone", email="gone@example.edu.cn", is_active=False)
    notification_send(recipients=[no_email, inactive], title="Hello")
    assert notification_digest_send() == 0
    assert mail.outbox == []
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 2


def test_digest_sends_only_what_is_new(personas: dict[str, Any]) -> None:
    trainee = personas["trainee"]
    notification_send(recipients=[trainee], title="First")
    notification_digest_send()
    notification_send(recipients=[trainee], title="Second")
    assert notification_digest_send() == 1
    assert len(mail.outbox) == 2
    assert mail.outbox[1].body == "- Second"


def test_job_messages_are_in_the_starters_language(
    personas: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """The language of the page the job was started from wins over the one saved on the account."""
    user = personas["officer"]
    user.language = "en"
    user.save()
    notification_send(recipients=[personas["trainee"]], title="Hello")
    with django_capture_on_commit_callbacks(execute=True), translation.override("zh-hans"):
        job = job_start(task=notification_digest_task, kind="digest", label="Digest", owner=user)
    job.refresh_from_db()
    assert (job.language, job.message) == ("zh-hans", "已发送 1 封邮件")
