from django.utils.translation import gettext as _
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


@task()
def import_preview_task(job_id: str, batch_id: int) -> None:
    from .imports.services import import_batch_preview
    from .models import ImportBatch

    with job_running(job_id) as reporter:
        batch = ImportBatch.objects.get(pk=batch_id)
        import_batch_preview(batch=batch, reporter=reporter)
        reporter.progress(100, batch.error or _("Checked"))


@task()
def import_commit_task(job_id: str, batch_id: int, actor_id: int) -> None:
    from django.contrib.auth import get_user_model

    from .imports.services import import_batch_commit
    from .models import ImportBatch

    with job_running(job_id) as reporter:
        batch = ImportBatch.objects.get(pk=batch_id)
        actor = get_user_model().objects.get(pk=actor_id)
        import_batch_commit(batch=batch, actor=actor, reporter=reporter)
        reporter.progress(100, _("Imported"))
