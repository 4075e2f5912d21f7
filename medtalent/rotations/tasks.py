import datetime

from django.urls import reverse
from django_tasks import task

from medtalent.core.jobs import job_running
from medtalent.core.models import Job


@task()
def schedule_solve_task(
    job_id: str,
    institution_id: int,
    user_id: int,
    based_on_id: int | None,
    now: str | None,
    time_limit: float,
) -> None:
    from django.contrib.auth import get_user_model

    from medtalent.people.models import Institution

    from .models import Schedule
    from .services.scheduling import schedule_solve

    with job_running(job_id) as reporter:
        schedule = schedule_solve(
            user=get_user_model().objects.get(pk=user_id),
            institution=Institution.objects.get(pk=institution_id),
            based_on=Schedule.objects.get(pk=based_on_id) if based_on_id else None,
            now=datetime.date.fromisoformat(now) if now else None,
            time_limit=time_limit,
            reporter=reporter,
            job=Job.objects.get(pk=job_id),
        )
        Job.objects.filter(pk=job_id).update(result_url=reverse("rotation_schedule", args=[schedule.pk]))
