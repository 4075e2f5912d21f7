"""Background jobs with progress a page can watch.

A service starts a job with ``job_start``; the task body runs inside ``job_running`` and reports
progress through the reporter it yields. The progress bar partial polls the job with HTMX.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks.base import Task

from .models import Job

logger = logging.getLogger(__name__)


class JobCancelled(Exception):
    pass


def _live_key(job_id: Any) -> str:
    return f"medtalent:job:{job_id}:live"


def _cancel_key(job_id: Any) -> str:
    return f"medtalent:job:{job_id}:cancel"


class JobReporter:
    """Progress of a running job, for the page that polls it.

    Progress goes to the cache as well as to the job's row: a job that works inside one long
    transaction (an import's commit) cannot make its row's progress visible before it commits.
    """

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id

    def progress(self, percent: float, message: str = "", *, live_only: bool = False) -> None:
        """Record progress; raises ``JobCancelled`` once somebody asked the job to stop.

        ``live_only`` is for reports from inside a long transaction: only the cache is written, so
        the job's row is not locked against the Cancel button until the transaction ends.
        """
        state = {"percent": max(0, min(100, int(percent))), "message": str(message)[:300]}
        cache.set(_live_key(self.job_id), state, timeout=24 * 3600)
        cancelled = bool(cache.get(_cancel_key(self.job_id)))
        if not live_only:
            Job.objects.filter(pk=self.job_id).update(**state)
            cancelled = cancelled or Job.objects.filter(pk=self.job_id, cancel_requested=True).exists()
        if cancelled:
            raise JobCancelled


def job_with_live_progress(job: Job) -> Job:
    """The job with the progress its worker last reported, even from inside a transaction."""
    if not job.is_finished:
        state = cache.get(_live_key(job.pk))
        if state:
            job.percent, job.message = state["percent"], state["message"]
    return job


def job_start(*, task: Task, kind: str, label: str, owner: Any, **task_kwargs: Any) -> Job:
    """Create the job record and enqueue its task once the surrounding transaction commits."""
    job = Job.objects.create(
        kind=kind, label=str(label)[:200], owner=owner, language=translation.get_language() or ""
    )

    def enqueue() -> None:
        result = task.enqueue(job_id=str(job.pk), **task_kwargs)
        Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id))

    transaction.on_commit(enqueue)
    return job


def job_cancel(*, job: Job) -> None:
    Job.objects.filter(pk=job.pk, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).update(
        cancel_requested=True
    )
    cache.set(_cancel_key(job.pk), True, timeout=24 * 3600)


@contextmanager
def job_running(job_id: str) -> Iterator[JobReporter]:
    """Run a job's body: mark it running, then succeeded, cancelled or failed.

    The body runs in the language the person who started the job was reading (else the one saved
    on their account), so its messages read in their language, whichever worker runs it.
    """
    Job.objects.filter(pk=job_id).update(status=Job.Status.RUNNING)
    languages = Job.objects.filter(pk=job_id).values_list("language", "owner__language").first() or ("", "")
    try:
        with translation.override(languages[0] or languages[1] or settings.LANGUAGE_CODE):
            yield JobReporter(job_id)
    except JobCancelled:
        Job.objects.filter(pk=job_id).update(status=Job.Status.CANCELLED, message=_("Cancelled"))
    except Exception as error:
        logger.exception("Job %s failed", job_id)
        Job.objects.filter(pk=job_id).update(status=Job.Status.FAILED, message=str(error)[:300])
        raise
    else:
        Job.objects.filter(pk=job_id).exclude(status=Job.Status.CANCELLED).update(
            status=Job.Status.SUCCEEDED, percent=100
        )
