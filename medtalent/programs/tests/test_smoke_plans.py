import datetime
from typing import Any

from medtalent.programs.models import PlanStatus
from medtalent.programs.services import plans as services


def test_plan_goes_active_after_both_signatures(
    world: Any, personas: Any, school_mentor_user: Any, programmes: Any
) -> None:
    plan = services.plan_create(
        actor=personas["officer"],
        programme=programmes["practice_research"],
        person=world.trainee_person,
        start_date=datetime.date(2025, 6, 1),
    )
    assert plan.school_mentor_id == school_mentor_user.person_id
    assert plan.hospital_mentor_id == world.mentor_person.pk
    assert plan.milestones.count() == 12
    services.plan_submit(actor=personas["officer"], plan=plan, expected_version=plan.version)
    services.plan_sign(actor=school_mentor_user, plan=plan, expected_version=plan.version)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.AWAITING_SIGNATURES
    services.plan_sign(actor=personas["mentor"], plan=plan, expected_version=plan.version)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
