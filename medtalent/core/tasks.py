from django.utils.translation import ngettext
from django_tasks import task

from .jobs import job_running
from .notifications import notification_digest_send


@task()
def notification_digest_task(job_id: str) -> None:
    with job_running(job_id) as reporter:
        reporter.progress(10, "")
        sent = notification_digest_send()
        reporter.progress(
            100, ngettext("%(count)d e-mail sent", "%(count)d e-mails sent", sent) % {"count": sent}
        )
