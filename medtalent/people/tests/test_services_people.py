"""Services that write people, profiles, mentorships, organisations and accounts."""

import datetime
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext, trans_real

from medtalent.core.errors import ApplicationError, ConflictError
from medtalent.core.models import AuditEvent, Notification
from medtalent.people import services
from medtalent.people.auth import user_for_api_token
from medtalent.people.models import (
    ApiToken,
    Department,
    FacultyProfile,
    Institution,
    Mentorship,
    Person,
    Role,
    RoleAssignment,
    TraineeProfile,
)
from medtalent.people.tests.factories import (
    DepartmentFactory,
    InstitutionFactory,
    PersonFactory,
    TraineeProfileFactory,
    UserFactory,
    make_national_id,
)

pytestmark = pytest.mark.django_db

ID_1990 = make_national_id(datetime.date(1990, 5, 17), 123)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are asserted in English; a test that needs Chinese says so."""
    with translation.override("en"):
        yield


@pytest.fixture
def officer(personas: dict[str, Any]) -> Any:
    return personas["officer"]


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# --- people ----------------------------------------------------------------------------------


def test_person_create_stores_whole_id_and_audits_it_masked(world: Any, officer: Any) -> None:
    person = services.person_create(
        actor=officer,
        name_zh="王伟",
        name_latin="Wang Wei",
        gender="male",
        national_id=ID_1990.lower(),
        email="wang.wei@example.edu.cn",
        phone="13800000001",
        institution=world.hospital,
        department=world.cardiology,
    )
    person.refresh_from_db()
    assert person.national_id == ID_1990  # stored whole, upper case
    assert person.birth_date == datetime.date(1990, 5, 17)  # derived from the ID
    assert person.version == 1
    [event] = _events("person.create")
    assert event.actor == officer
    assert event.actor_label == "officer"
    assert event.target_id == str(person.pk)
    assert event.target_type.model == "person"
    assert event.changes == {
        "name_zh": [None, "王伟"],
        "name_latin": [None, "Wang Wei"],
        "gender": [None, "male"],
        "birth_date": [None, "1990-05-17"],
        "national_id": [None, ID_1990[:3] + "*" * 11 + ID_1990[-4:]],
        "email": [None, "wang.wei@example.edu.cn"],
        "phone": [None, "13800000001"],
        "institution": [None, world.hospital.pk],
        "department": [None, world.cardiology.pk],
    }
    assert ID_1990 not in str(event.changes)


def test_person_create_refuses_a_birth_date_that_contradicts_the_id(world: Any, officer: Any) -> None:
    with pytest.raises(ApplicationError) as refused:
        services.person_create(
            actor=officer,
            name_latin="Li Na",
            national_id=ID_1990,
            birth_date=datetime.date(1990, 5, 18),
            institution=world.hospital,
        )
    assert (str(refused.value.message), refused.value.field) == (
        "The birth date differs from the one in the ID number (1990-05-17).",
        "birth_date",
    )
    assert not Person.objects.filter(name_latin="Li Na").exists()


def test_person_create_without_id_stores_null(world: Any, officer: Any) -> None:
    first = services.person_create(
        actor=officer, name_latin="No Id One", national_id="", institution=world.hospital
    )
    second = services.person_create(
        actor=officer, name_latin="No Id Two", national_id="", institution=world.hospital
    )
    assert Person.objects.filter(pk__in=[first.pk, second.pk], national_id__isnull=True).count() == 2
    assert first.birth_date is None


def test_person_create_refuses_a_bad_id_and_writes_nothing(world: Any, officer: Any) -> None:
    before = Person.objects.count()
    bad = ID_1990[:17] + ("0" if ID_1990[17] != "0" else "1")
    with pytest.raises(ValidationError) as caught:
        services.person_create(
            actor=officer, name_latin="Bad Id", national_id=bad, institution=world.hospital
        )
    assert "national_id" in caught.value.message_dict
    assert Person.objects.count() == before
    assert _events("person.create") == []


def test_person_create_refuses_department_of_another_institution(world: Any, officer: Any) -> None:
    before = Person.objects.count()
    with pytest.raises(ApplicationError) as caught:
        services.person_create(
            actor=officer, name_latin="Wrong Dept", institution=world.uni, department=world.cardiology
        )
    assert caught.value.field == "department"
    assert str(caught.value.message) == "The department belongs to another institution."
    assert Person.objects.count() == before
    assert _events("person.create") == []


def test_person_create_refuses_unknown_fields(world: Any, officer: Any) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.person_create(actor=officer, name_latin="X", institution=world.hospital, version=7)
    assert str(caught.value.message) == "These fields cannot be changed here: version"


def test_person_update_writes_exact_diff_and_bumps_version(world: Any, officer: Any) -> None:
    person = world.trainee_person
    old_phone, old_email = person.phone, person.email
    services.person_update(
        actor=officer,
        person=person,
        expected_version=1,
        phone="13912345678",
        email=old_email,
        department=world.surgery,
    )
    person.refresh_from_db()
    assert person.phone == "13912345678"
    assert person.department == world.surgery
    assert person.version == 2
    [event] = _events("person.update")
    assert event.changes == {"phone": [old_phone, "13912345678"], "department": [None, world.surgery.pk]}
    assert event.target_id == str(person.pk)


def test_person_update_masks_id_in_the_diff(world: Any, officer: Any) -> None:
    person = world.trainee_person
    old_id = person.national_id
    old_birth = person.birth_date.isoformat()
    services.person_update(
        actor=officer,
        person=person,
        expected_version=1,
        national_id=ID_1990,
        birth_date=datetime.date(1990, 5, 17),
    )
    person.refresh_from_db()
    assert person.national_id == ID_1990
    [event] = _events("person.update")
    assert event.changes == {
        "birth_date": [old_birth, "1990-05-17"],
        "national_id": [old_id[:3] + "*" * 11 + old_id[-4:], ID_1990[:3] + "*" * 11 + ID_1990[-4:]],
    }


def test_person_update_without_changes_writes_no_event(world: Any, officer: Any) -> None:
    person = world.trainee_person
    services.person_update(actor=officer, person=person, expected_version=1, phone=person.phone)
    assert _events("person.update") == []


def test_person_update_with_stale_version_conflicts_and_changes_nothing(world: Any, officer: Any) -> None:
    person = Person.objects.get(pk=world.trainee_person.pk)
    services.person_update(actor=officer, person=person, expected_version=1, phone="13900000001")
    stale = Person.objects.get(pk=world.trainee_person.pk)
    with pytest.raises(ConflictError) as caught:
        services.person_update(
            actor=officer, person=stale, expected_version=1, phone="13900000002", name_latin="Changed"
        )
    assert caught.value.status_code == 409
    assert caught.value.extra == {"expected_version": 1}
    row = Person.objects.get(pk=world.trainee_person.pk)
    assert (row.phone, row.name_latin, row.version) == ("13900000001", "Trainee", 2)
    assert len(_events("person.update")) == 1


def test_person_update_contacts_only_refuses_other_fields(world: Any, personas: dict[str, Any]) -> None:
    person = Person.objects.get(pk=world.trainee_person.pk)
    with pytest.raises(ApplicationError) as caught:
        services.person_update(
            actor=personas["trainee"],
            person=person,
            expected_version=1,
            contacts_only=True,
            phone="13900000003",
            name_latin="Renamed",
        )
    assert str(caught.value.message) == "These fields cannot be changed here: name_latin"
    row = Person.objects.get(pk=person.pk)
    assert (row.phone, row.name_latin, row.version) == (world.trainee_person.phone, "Trainee", 1)
    assert _events("person.update") == []

    services.person_update(
        actor=personas["trainee"],
        person=Person.objects.get(pk=person.pk),
        expected_version=1,
        contacts_only=True,
        phone="13900000003",
    )
    assert Person.objects.get(pk=person.pk).phone == "13900000003"
    [event] = _events("person.update")
    assert event.actor == personas["trainee"]


def test_person_delete_audits_the_removed_values(world: Any, officer: Any) -> None:
    person = world.other_trainee
    pk = person.pk
    expected = {
        "name_zh": ["Other Trainee", None],
        "name_latin": ["Other Trainee", None],
        "gender": ["female", None],
        "birth_date": [person.birth_date.isoformat(), None],
        "national_id": [person.national_id[:3] + "*" * 11 + person.national_id[-4:], None],
        "email": [person.email, None],
        "phone": [person.phone, None],
        "institution": [world.hospital.pk, None],
    }
    services.person_delete(actor=officer, person=person)
    assert not Person.objects.filter(pk=pk).exists()
    [event] = _events("person.delete")
    assert event.target_id == str(pk)
    assert event.target_repr == "Other Trainee"
    # The trail must keep what was deleted (masked), not an empty record.
    assert event.changes == expected


def test_person_delete_refuses_a_mentor(world: Any, officer: Any) -> None:
    with pytest.raises(ApplicationError):
        services.person_delete(actor=officer, person=world.mentor_person)
    assert Person.objects.filter(pk=world.mentor_person.pk).exists()
    assert _events("person.delete") == []


# --- trainee and faculty profiles ------------------------------------------------------------


@pytest.fixture
def undergraduate(world: Any) -> Person:
    person = PersonFactory(name_latin="Zhang Min", name_zh="张敏", institution=world.uni)
    TraineeProfileFactory(
        person=person,
        level="undergraduate",
        institution=world.uni,
        cohort=2020,
        start_date=datetime.date(2020, 9, 1),
    )
    return person


def test_trainee_moves_from_undergraduate_to_professional_master(
    world: Any, officer: Any, undergraduate: Person
) -> None:
    previous = undergraduate.trainee_profiles.get()
    profile = services.trainee_profile_start(
        actor=officer,
        person=undergraduate,
        level="professional_master",
        institution=world.hospital,
        department=world.cardiology,
        cohort=2025,
        start_date=datetime.date(2025, 9, 1),
    )
    previous.refresh_from_db()
    assert previous.status == TraineeProfile.Status.COMPLETED
    assert previous.end_date == datetime.date(2025, 8, 31)
    assert profile.status == TraineeProfile.Status.ACTIVE
    assert list(
        TraineeProfile.objects.filter(person=undergraduate)
        .order_by("start_date")
        .values_list("level", "status")
    ) == [("undergraduate", "completed"), ("professional_master", "active")]
    [complete] = _events("trainee_profile.complete")
    assert complete.target_id == str(previous.pk)
    assert complete.changes == {"status": ["active", "completed"], "end_date": [None, "2025-08-31"]}
    [create] = _events("trainee_profile.create")
    assert create.target_id == str(profile.pk)
    assert create.changes == {
        "level": [None, "professional_master"],
        "institution": [None, world.hospital.pk],
        "department": [None, world.cardiology.pk],
        "cohort": [None, 2025],
        "specialty": [None, ""],
        "student_number": [None, ""],
        "status": [None, "active"],
        "start_date": [None, "2025-09-01"],
    }


@pytest.mark.parametrize("start", [datetime.date(2019, 9, 1), datetime.date(2020, 9, 1)])
def test_new_stage_must_start_after_the_current_one(
    world: Any, officer: Any, undergraduate: Person, start: datetime.date
) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.trainee_profile_start(
            actor=officer,
            person=undergraduate,
            level="professional_master",
            institution=world.hospital,
            cohort=2025,
            start_date=start,
        )
    assert caught.value.field == "start_date"
    assert list(
        TraineeProfile.objects.filter(person=undergraduate).values_list("level", "status", "end_date")
    ) == [("undergraduate", "active", None)]
    assert AuditEvent.objects.filter(action__startswith="trainee_profile.").count() == 0


def test_trainee_profile_start_refuses_department_of_another_institution(
    world: Any, officer: Any, undergraduate: Person
) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.trainee_profile_start(
            actor=officer,
            person=undergraduate,
            level="professional_master",
            institution=world.uni,
            department=world.cardiology,
            cohort=2025,
            start_date=datetime.date(2025, 9, 1),
        )
    assert caught.value.field == "department"
    assert TraineeProfile.objects.filter(person=undergraduate).count() == 1


def test_only_one_active_profile_per_person_in_the_database(undergraduate: Person, world: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        TraineeProfile.objects.create(
            person=undergraduate,
            level="professional_master",
            institution=world.hospital,
            cohort=2025,
            start_date=datetime.date(2025, 9, 1),
            status=TraineeProfile.Status.ACTIVE,
        )
    assert TraineeProfile.objects.filter(person=undergraduate).count() == 1


def test_only_one_active_profile_per_person_through_the_service(
    world: Any, officer: Any, undergraduate: Person
) -> None:
    services.trainee_profile_start(
        actor=officer,
        person=undergraduate,
        level="professional_master",
        institution=world.hospital,
        cohort=2025,
        start_date=datetime.date(2025, 9, 1),
    )
    completed = TraineeProfile.objects.get(person=undergraduate, level="undergraduate")
    with pytest.raises(ValidationError):
        services.trainee_profile_update(actor=officer, profile=completed, status=TraineeProfile.Status.ACTIVE)
    assert TraineeProfile.objects.filter(person=undergraduate, status="active").count() == 1


def test_faculty_profile_set_creates_then_updates_with_exact_diffs(world: Any, officer: Any) -> None:
    person = PersonFactory(name_latin="Chen Jie", institution=world.hospital)
    profile = services.faculty_profile_set(
        actor=officer,
        person=person,
        staff_number="H0001",
        clinical_title="attending",
        supervisor_qualification="master",
        is_clinical_teacher=True,
    )
    assert FacultyProfile.objects.get(person=person).pk == profile.pk
    [created] = _events("faculty_profile.set")
    assert created.changes == {
        "staff_number": [None, "H0001"],
        "clinical_title": [None, "attending"],
        "academic_title": [None, ""],
        "supervisor_qualification": [None, "master"],
        "is_clinical_teacher": [None, True],
    }
    services.faculty_profile_set(
        actor=officer, person=person, clinical_title="associate_chief", staff_number="H0001"
    )
    profile.refresh_from_db()
    assert profile.clinical_title == "associate_chief"
    assert _events("faculty_profile.set")[1].changes == {"clinical_title": ["attending", "associate_chief"]}
    # Nothing changed: no event.
    services.faculty_profile_set(actor=officer, person=person, clinical_title="associate_chief")
    assert len(_events("faculty_profile.set")) == 2


def test_faculty_profile_set_refuses_an_unknown_title_and_creates_nothing(world: Any, officer: Any) -> None:
    person = PersonFactory(name_latin="Chen Jie", institution=world.hospital)
    with pytest.raises(ValidationError):
        services.faculty_profile_set(actor=officer, person=person, clinical_title="emperor")
    assert not FacultyProfile.objects.filter(person=person).exists()


# --- mentorships ----------------------------------------------------------------------------


@pytest.fixture
def pair(world: Any) -> tuple[Person, Person, Any, Any]:
    """A mentor and a mentee with distinct Chinese and Latin names, and a user each."""
    mentor = PersonFactory(name_zh="王伟", name_latin="Wang Wei", institution=world.hospital)
    mentee = PersonFactory(name_zh="李娜", name_latin="Li Na", institution=world.hospital)
    mentor_user = UserFactory(username="wangwei", person=mentor, language="en", email="wang@example.edu.cn")
    mentee_user = UserFactory(username="lina", person=mentee, language="zh-hans", email="li@example.edu.cn")
    return mentor, mentee, mentor_user, mentee_user


def test_mentorship_create_audits_and_notifies_both_in_their_languages(
    world: Any, officer: Any, pair: tuple[Person, Person, Any, Any]
) -> None:
    mentor, mentee, mentor_user, mentee_user = pair
    with translation.override("en"):
        mentorship = services.mentorship_create(
            actor=officer,
            mentor=mentor,
            mentee=mentee,
            kind=Mentorship.Kind.HOSPITAL,
            start_date=datetime.date(2025, 9, 1),
            note="",
        )
    [event] = _events("mentorship.create")
    assert event.target_id == str(mentorship.pk)
    assert event.changes == {
        "mentor": [None, mentor.pk],
        "mentee": [None, mentee.pk],
        "kind": [None, "hospital"],
        "start_date": [None, "2025-09-01"],
        "note": [None, ""],
    }
    english = Notification.objects.get(recipient=mentor_user)
    assert english.title == "New mentorship: Wang Wei mentors Li Na (Hospital mentor)"
    assert english.url == f"/people/{mentee.pk}/"
    chinese = Notification.objects.get(recipient=mentee_user)
    assert chinese.title != ""
    # Names in the reader's script.
    assert "王伟" in chinese.title
    assert "李娜" in chinese.title
    assert Notification.objects.count() == 2


_ZH_FALLBACK = {
    "New mentorship: {mentor} mentors {mentee} ({kind})": "新的导师关系：{mentor} 指导 {mentee}（{kind}）",
    "Hospital mentor": "院内导师",
}


@pytest.fixture
def zh_catalogue() -> Iterator[None]:
    """The Chinese catalogue, with these messages added only if it is not compiled yet."""
    catalogue = trans_real.translation("zh-hans")._catalog
    missing = {key: value for key, value in _ZH_FALLBACK.items() if key not in catalogue}
    catalogue._catalogs[0].update(missing)
    yield
    for key in missing:
        catalogue._catalogs[0].pop(key, None)


def test_mentorship_notification_is_wholly_in_each_recipients_language(
    world: Any, officer: Any, pair: tuple[Person, Person, Any, Any], zh_catalogue: None
) -> None:
    mentor, mentee, mentor_user, mentee_user = pair
    with translation.override("zh-hans"):
        expected_chinese = gettext("New mentorship: {mentor} mentors {mentee} ({kind})").format(
            mentor="王伟", mentee="李娜", kind=gettext("Hospital mentor")
        )
        assert "Hospital mentor" not in expected_chinese
        # A Chinese-speaking officer records it; the English-speaking mentor must still read English.
        services.mentorship_create(
            actor=officer,
            mentor=mentor,
            mentee=mentee,
            kind=Mentorship.Kind.HOSPITAL,
            start_date=datetime.date(2025, 9, 1),
        )
    assert Notification.objects.get(recipient=mentee_user).title == expected_chinese
    assert Notification.objects.get(recipient=mentor_user).title == (
        "New mentorship: Wang Wei mentors Li Na (Hospital mentor)"
    )


def test_mentorship_create_failure_rolls_back_audit(
    world: Any, officer: Any, pair: tuple[Person, Person, Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    mentor, mentee, _mentor_user, _mentee_user = pair

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("mail system down")

    monkeypatch.setattr(services, "notification_send", broken)
    with pytest.raises(RuntimeError):
        services.mentorship_create(
            actor=officer,
            mentor=mentor,
            mentee=mentee,
            kind=Mentorship.Kind.SCHOOL,
            start_date=datetime.date(2025, 9, 1),
        )
    assert not Mentorship.objects.filter(mentee=mentee).exists()
    assert _events("mentorship.create") == []


def test_self_mentoring_is_refused(world: Any, officer: Any) -> None:
    person = world.mentor_person
    with pytest.raises(ApplicationError) as caught:
        services.mentorship_create(
            actor=officer,
            mentor=person,
            mentee=person,
            kind=Mentorship.Kind.PEER_SENIOR,
            start_date=datetime.date(2025, 9, 1),
        )
    assert caught.value.field == "mentor"
    assert str(caught.value.message) == "A person cannot mentor themselves."
    assert not Mentorship.objects.filter(mentor=person, mentee=person).exists()


def test_second_concurrent_hospital_mentor_is_refused(world: Any, officer: Any) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.mentorship_create(
            actor=officer,
            mentor=world.teacher_person,
            mentee=world.trainee_person,
            kind=Mentorship.Kind.HOSPITAL,
            start_date=datetime.date(2025, 3, 1),
        )
    assert str(caught.value.message) == (
        "The mentee already has a hospital mentor for those dates: end that mentorship first."
    )
    assert Mentorship.objects.filter(mentee=world.trainee_person).count() == 1
    assert Notification.objects.count() == 0


def test_a_school_mentor_beside_the_hospital_mentor_is_allowed(world: Any, officer: Any) -> None:
    services.mentorship_create(
        actor=officer,
        mentor=world.officer_person,
        mentee=world.trainee_person,
        kind=Mentorship.Kind.SCHOOL,
        start_date=datetime.date(2025, 3, 1),
    )
    assert sorted(Mentorship.objects.filter(mentee=world.trainee_person).values_list("kind", flat=True)) == [
        "hospital",
        "school",
    ]


def test_same_mentor_again_for_overlapping_dates_is_refused(world: Any, officer: Any) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.mentorship_create(
            actor=officer,
            mentor=world.mentor_person,
            mentee=world.trainee_person,
            kind=Mentorship.Kind.HOSPITAL,
            start_date=datetime.date(2024, 1, 1),
            end_date=datetime.date(2024, 9, 1),
        )
    assert str(caught.value.message) == (
        "This mentor already has this kind of mentorship with this mentee for those dates."
    )
    assert Mentorship.objects.filter(mentee=world.trainee_person).count() == 1


def test_same_mentor_for_an_earlier_period_is_allowed(world: Any, officer: Any) -> None:
    earlier = services.mentorship_create(
        actor=officer,
        mentor=world.mentor_person,
        mentee=world.trainee_person,
        kind=Mentorship.Kind.HOSPITAL,
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2024, 8, 31),
    )
    assert earlier.pk is not None


def test_new_hospital_mentor_is_allowed_after_the_first_ended(world: Any, officer: Any) -> None:
    first = world.mentorship
    services.mentorship_end(
        actor=officer, mentorship=first, expected_version=1, end_date=datetime.date(2025, 6, 30)
    )
    first.refresh_from_db()
    assert (first.end_date, first.version) == (datetime.date(2025, 6, 30), 2)
    [ended] = _events("mentorship.update")
    assert ended.changes == {"end_date": [None, "2025-06-30"]}
    # Starting on the old one's last day still overlaps.
    with pytest.raises(ApplicationError):
        services.mentorship_create(
            actor=officer,
            mentor=world.teacher_person,
            mentee=world.trainee_person,
            kind=Mentorship.Kind.HOSPITAL,
            start_date=datetime.date(2025, 6, 30),
        )
    second = services.mentorship_create(
        actor=officer,
        mentor=world.teacher_person,
        mentee=world.trainee_person,
        kind=Mentorship.Kind.HOSPITAL,
        start_date=datetime.date(2025, 7, 1),
    )
    assert list(
        Mentorship.objects.filter(mentee=world.trainee_person)
        .order_by("start_date")
        .values_list("mentor_id", "end_date")
    ) == [(world.mentor_person.pk, datetime.date(2025, 6, 30)), (world.teacher_person.pk, None)]
    assert second.kind == "hospital"


def test_mentorship_end_with_stale_version_conflicts(world: Any, officer: Any) -> None:
    services.mentorship_end(
        actor=officer,
        mentorship=Mentorship.objects.get(pk=world.mentorship.pk),
        expected_version=1,
        end_date=datetime.date(2025, 6, 30),
    )
    with pytest.raises(ConflictError):
        services.mentorship_end(
            actor=officer,
            mentorship=Mentorship.objects.get(pk=world.mentorship.pk),
            expected_version=1,
            end_date=datetime.date(2025, 1, 31),
        )
    assert Mentorship.objects.get(pk=world.mentorship.pk).end_date == datetime.date(2025, 6, 30)


def test_mentorship_end_before_start_is_refused(world: Any, officer: Any) -> None:
    with pytest.raises(ValidationError):
        services.mentorship_end(
            actor=officer,
            mentorship=world.mentorship,
            expected_version=1,
            end_date=datetime.date(2024, 8, 31),
        )
    assert Mentorship.objects.get(pk=world.mentorship.pk).end_date is None


# --- accounts -----------------------------------------------------------------------------


def test_role_assign_and_revoke_are_audited(world: Any, personas: dict[str, Any]) -> None:
    admin = personas["admin"]
    user = UserFactory(username="newhead")
    assignment = services.role_assign(
        actor=admin,
        user=user,
        role=Role.DEPARTMENT_HEAD,
        institution=world.hospital,
        department=world.surgery,
    )
    assert list(user.role_assignments.values_list("role", "institution_id", "department_id")) == [
        ("department_head", world.hospital.pk, world.surgery.pk)
    ]
    [assigned] = _events("role.assign")
    assert (assigned.actor, assigned.target_id) == (admin, str(user.pk))
    assert assigned.changes == {
        "role": [None, "department_head"],
        "institution": [None, world.hospital.pk],
        "department": [None, world.surgery.pk],
    }
    services.role_revoke(actor=admin, assignment=assignment)
    assert not RoleAssignment.objects.filter(user=user).exists()
    [revoked] = _events("role.revoke")
    assert revoked.target_id == str(user.pk)
    assert revoked.changes == {
        "role": ["department_head", None],
        "institution": [world.hospital.pk, None],
        "department": [world.surgery.pk, None],
    }


def test_role_assign_platform_admin_makes_a_superuser_for_the_admin_site(
    world: Any, personas: dict[str, Any]
) -> None:
    user = UserFactory(username="newadmin")
    services.role_assign(actor=personas["admin"], user=user, role=Role.PLATFORM_ADMIN, institution=world.uni)
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (True, True)
    assert _events("role.assign")[0].changes["department"] == [None, None]


def test_role_assign_refuses_department_of_another_institution(world: Any, personas: dict[str, Any]) -> None:
    user = UserFactory(username="wrongdept")
    with pytest.raises(ApplicationError):
        services.role_assign(
            actor=personas["admin"],
            user=user,
            role=Role.DEPARTMENT_HEAD,
            institution=world.other,
            department=world.cardiology,
        )
    assert not RoleAssignment.objects.filter(user=user).exists()
    assert _events("role.assign") == []


def test_api_token_create_stores_only_a_hash(world: Any, personas: dict[str, Any]) -> None:
    user = personas["trainee"]
    token, raw = services.api_token_create(actor=user, name="  Grading script  ")
    assert raw.startswith("mt_")
    assert len(raw) == 3 + 43
    row = ApiToken.objects.get(pk=token.pk)
    assert row.name == "Grading script"
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert row.display_prefix == raw[:10]
    stored = [str(field.value_from_object(row)) for field in ApiToken._meta.concrete_fields]
    assert all(raw not in value for value in stored)
    [event] = _events("api_token.create")
    assert event.changes == {"name": [None, "Grading script"]}
    assert raw not in str(event.changes)
    assert raw not in event.target_repr
    assert user_for_api_token(raw) == user


def test_api_token_create_needs_a_name(personas: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.api_token_create(actor=personas["trainee"], name="   ")
    assert caught.value.field == "name"
    assert not ApiToken.objects.exists()


def test_api_token_revoke(personas: dict[str, Any]) -> None:
    user = personas["trainee"]
    token, raw = services.api_token_create(actor=user, name="CI")
    services.api_token_revoke(actor=user, token=token)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert user_for_api_token(raw) is None
    [event] = _events("api_token.revoke")
    assert event.target_id == str(token.pk)
    revoked_at = token.revoked_at
    services.api_token_revoke(actor=user, token=token)  # twice: nothing more happens
    token.refresh_from_db()
    assert token.revoked_at == revoked_at
    assert len(_events("api_token.revoke")) == 1


# --- institutions and departments ---------------------------------------------------------


def test_institution_save_creates_and_updates_with_exact_diffs(world: Any, personas: dict[str, Any]) -> None:
    admin = personas["admin"]
    institution = services.institution_save(
        actor=admin,
        code="children",
        name_zh="儿童医院",
        name_en="Children's Hospital",
        kind=Institution.Kind.HOSPITAL,
        parent=world.uni,
        city="Hangzhou",
    )
    [created] = _events("institution.create")
    assert created.target_id == str(institution.pk)
    assert created.changes == {
        "code": [None, "children"],
        "name_zh": [None, "儿童医院"],
        "name_en": [None, "Children's Hospital"],
        "kind": [None, "hospital"],
        "parent": [None, world.uni.pk],
        "city": [None, "Hangzhou"],
        "is_training_base": [None, False],
        "time_zone": [None, "Asia/Shanghai"],
    }
    services.institution_save(actor=admin, institution=institution, is_training_base=True, city="Hangzhou")
    institution.refresh_from_db()
    assert institution.is_training_base is True
    [updated] = _events("institution.update")
    assert updated.changes == {"is_training_base": [False, True]}


def test_institution_cannot_be_its_own_parent(world: Any, personas: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.institution_save(actor=personas["admin"], institution=world.other, parent=world.other)
    assert caught.value.field == "parent"
    world.other.refresh_from_db()
    assert world.other.parent_id is None


def test_department_save_with_linked_departments(world: Any, personas: dict[str, Any]) -> None:
    admin = personas["admin"]
    office = DepartmentFactory(
        institution=world.uni, code="medicine-office", kind=Department.Kind.TEACHING_OFFICE
    )
    department = services.department_save(
        actor=admin,
        institution=world.hospital,
        code="nephrology",
        name_zh="肾内科",
        name_en="Nephrology",
        kind=Department.Kind.CLINICAL,
        rotation_capacity=4,
        linked_department_ids=[office.pk],
    )
    assert list(department.linked_departments.values_list("pk", flat=True)) == [office.pk]
    assert list(office.linked_departments.values_list("pk", flat=True)) == [department.pk]  # symmetrical
    [created] = _events("department.create")
    assert created.changes == {
        "institution": [None, world.hospital.pk],
        "code": [None, "nephrology"],
        "name_zh": [None, "肾内科"],
        "name_en": [None, "Nephrology"],
        "kind": [None, "clinical"],
        "rotation_capacity": [None, 4],
        "linked_departments": [[], [office.pk]],
    }
    services.department_save(
        actor=admin,
        department=department,
        rotation_capacity=6,
        linked_department_ids=[office.pk, world.cardiology.pk],
    )
    [updated] = _events("department.update")
    assert updated.changes == {
        "rotation_capacity": [4, 6],
        "linked_departments": [[office.pk], sorted([office.pk, world.cardiology.pk])],
    }
    services.department_save(actor=admin, department=department, linked_department_ids=[])
    assert department.linked_departments.count() == 0
    assert _events("department.update")[1].changes == {
        "linked_departments": [sorted([office.pk, world.cardiology.pk]), []]
    }


def test_department_save_refuses_unknown_links_and_moves(world: Any, personas: dict[str, Any]) -> None:
    admin = personas["admin"]
    with pytest.raises(ApplicationError) as caught:
        services.department_save(actor=admin, department=world.surgery, linked_department_ids=[999_999])
    assert caught.value.field == "linked_department_ids"
    with pytest.raises(ApplicationError) as caught:
        services.department_save(actor=admin, department=world.surgery, institution=world.other)
    assert caught.value.field == "institution"
    assert Department.objects.get(pk=world.surgery.pk).institution_id == world.hospital.pk
    assert AuditEvent.objects.filter(action__startswith="department.").count() == 0


def test_organisation_delete_of_an_institution_in_use_deletes_nothing(
    world: Any, personas: dict[str, Any]
) -> None:
    counts = (Institution.objects.count(), Department.objects.count(), Person.objects.count())
    with pytest.raises(ApplicationError) as caught:
        services.organisation_delete(actor=personas["admin"], obj=world.hospital)
    assert (
        str(caught.value.message)
        == "It is still in use (people, departments, profiles or roles refer to it)."
    )
    assert (Institution.objects.count(), Department.objects.count(), Person.objects.count()) == counts
    assert Institution.objects.filter(pk=world.hospital.pk).exists()
    assert _events("institution.delete") == []


def test_organisation_delete_of_an_unused_department(world: Any, personas: dict[str, Any]) -> None:
    spare = DepartmentFactory(institution=world.hospital, code="spare")
    pk = spare.pk
    services.organisation_delete(actor=personas["admin"], obj=spare)
    assert not Department.objects.filter(pk=pk).exists()
    [event] = _events("department.delete")
    assert event.target_id == str(pk)


def test_organisation_delete_of_an_unused_institution(personas: dict[str, Any]) -> None:
    spare = InstitutionFactory(code="spare-inst")
    pk = spare.pk
    services.organisation_delete(actor=personas["admin"], obj=spare)
    assert not Institution.objects.filter(pk=pk).exists()
    assert [event.target_id for event in _events("institution.delete")] == [str(pk)]
