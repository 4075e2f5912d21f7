import datetime
import itertools
from collections import Counter
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.db.models import Count, F, Q
from django.test import RequestFactory

from medtalent.assessments.models import Assessment
from medtalent.core.models import AuditEvent, Notification
from medtalent.demo import names
from medtalent.demo.loader import DEMO_PASSWORD, DEMO_TODAY, build_demo_plan, load_demo_data
from medtalent.people.models import (
    Department,
    FacultyProfile,
    Institution,
    Mentorship,
    Person,
    Role,
    RoleAssignment,
    TraineeLevel,
    TraineeProfile,
    User,
)
from medtalent.people.national_id import birth_date_from_national_id, validate_national_id
from medtalent.rotations.models import (
    Leave,
    ResearchWindow,
    RotationEnrolment,
    RotationStandard,
    Schedule,
)

EXPECTED = {
    "institutions": 6,
    "departments": 40,
    "department_links": 21,
    "people": 417,
    "faculty_profiles": 100,
    "trainee_profiles": 359,
    "mentorships": 395,
    "users": 8,
    "role_assignments": 8,
}


def model_counts() -> dict[str, int]:
    return {
        "institutions": Institution.objects.count(),
        "departments": Department.objects.count(),
        "department_links": Department.linked_departments.through.objects.count(),
        "people": Person.objects.count(),
        "faculty_profiles": FacultyProfile.objects.count(),
        "trainee_profiles": TraineeProfile.objects.count(),
        "mentorships": Mentorship.objects.count(),
        "users": User.objects.count(),
        "role_assignments": RoleAssignment.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


@pytest.fixture
def demo(db: Any) -> Any:
    return load_demo_data()


def test_first_load_creates_the_whole_data_set(demo: Any) -> None:
    assessments = demo.created.pop("assessments")
    assert demo.created == {**EXPECTED, "rotation schedules": 1, "training plans": 129}
    # As many as the solver's schedule gives rotations so far: thousands, all of them saved.
    assert assessments == Assessment.objects.count() > 1500
    counts = model_counts()
    # A symmetrical link is stored in both directions; loading the rotation standards adds the 13
    # departments they name that the demo hospital lacks, each creation audited. The training plans add
    # 1,476 more: four programme templates, and each plan's creation, signatures and milestones.
    assert counts == {**EXPECTED, "departments": 53, "department_links": 42, "audit_events": 1498}
    assert Person.objects.filter(faculty_profile__isnull=False).count() == 100
    assert Person.objects.filter(trainee_profiles__isnull=False).distinct().count() == 317
    event = AuditEvent.objects.get(action="demo.load")
    assert event.actor is None
    assert event.changes["people"] == [0, 417]
    assert event.changes["mentorships"] == [0, 395]


def test_second_load_creates_nothing(demo: Any) -> None:
    before = model_counts()
    again = load_demo_data()
    assert model_counts() == before
    assert not again.created_anything
    assert set(again.created.values()) == {0}
    assert again.logins == demo.logins


def test_demo_logins_start_with_their_mentorship_notifications(demo: Any) -> None:
    unread = dict(
        Notification.objects.filter(read_at__isnull=True)
        .values_list("recipient__username")
        .annotate(total=Count("pk"))
    )
    # The published rotation schedule adds one for the trainee and one for the head of cardiology; the
    # training plans one for the trainee (an overdue milestone) and three for the mentor (a plan to sign
    # again, two mentees behind), besides 19 about signatures long ago, already read.
    assert unread == {"head": 3, "mentor": 11, "teacher": 1, "trainee": 5}
    load_demo_data()
    assert Notification.objects.count() == 39


def test_the_demo_hospital_has_a_published_rotation_schedule(demo: Any) -> None:
    schedule = Schedule.objects.get()
    assert schedule.status == Schedule.Status.PUBLISHED
    assert schedule.figures["overload"] == schedule.figures["overload_lower_bound"]
    assert RotationEnrolment.objects.count() == 76
    assert sorted(RotationStandard.objects.values_list("specialty", flat=True)) == [
        "general_practice",
        "internal_medicine",
        "surgery",
    ]
    assert Leave.objects.count() == 3
    assert ResearchWindow.objects.count() == 6
    assert set(schedule.blocks.values_list("status", flat=True)) == {"completed", "in_progress", "planned"}
    # Every enrolled trainee has blocks, and the research months are blocks without a department.
    assert schedule.blocks.values("trainee").distinct().count() == 76
    assert schedule.blocks.filter(kind="research", department__isnull=True).count() >= 6


def test_the_data_set_is_the_same_every_time() -> None:
    first, second = build_demo_plan(), build_demo_plan()
    assert [p.national_id for p in first.people] == [p.national_id for p in second.people]
    assert [p.name_zh for p in first.people] == [p.name_zh for p in second.people]
    assert [(m.mentor.national_id, m.mentee.national_id, m.kind) for m in first.mentorships] == [
        (m.mentor.national_id, m.mentee.national_id, m.kind) for m in second.mentorships
    ]


def test_people_have_valid_consistent_identities(demo: Any) -> None:
    emails = Counter(Person.objects.exclude(email="").values_list("email", flat=True))
    assert max(emails.values()) == 1
    for person in Person.objects.all():
        validate_national_id(person.national_id)
        assert birth_date_from_national_id(person.national_id) == person.birth_date
        assert person.gender == ("male" if int(person.national_id[16]) % 2 else "female")
        assert person.national_id[:6] in {
            "310101", "310104", "310105", "310110", "310115", "320102", "320106",
            "320205", "320506", "320583", "330102", "330106", "330203", "330302",
        }  # fmt: skip
        surname, given = person.name_zh[0], person.name_zh[1:]
        assert person.name_latin == names.latin_name(surname, given)
    faculty_years = {p.birth_date.year for p in Person.objects.filter(faculty_profile__isnull=False)}
    assert min(faculty_years) >= 1965
    assert max(faculty_years) <= 1992


def test_every_record_passes_model_validation_and_service_rules(demo: Any) -> None:
    for model in (
        Institution,
        Department,
        Person,
        FacultyProfile,
        TraineeProfile,
        Mentorship,
        RoleAssignment,
    ):
        for obj in model.objects.all():
            obj.full_clean()
    # The services' rule: a department belongs to the person's or profile's own institution.
    assert not Person.objects.filter(department__isnull=False).exclude(
        department__institution=F("institution")
    )
    assert not TraineeProfile.objects.filter(department__isnull=False).exclude(
        department__institution=F("institution")
    )
    clinical = Department.objects.filter(kind=Department.Kind.CLINICAL)
    # 27 in the catalogue, 13 more the rotation standards name, all with places for rotating trainees.
    assert clinical.count() == 40
    assert set(clinical.values_list("institution__code", flat=True)) == {"hmu-h1", "hmu-h2"}
    assert all(1 <= capacity <= 12 for capacity in clinical.values_list("rotation_capacity", flat=True))
    internal_medicine = Department.objects.get(institution__code="hmu", code="internal-medicine")
    assert set(internal_medicine.linked_departments.values_list("code", flat=True)) == {
        "cardiology", "respiratory", "gastroenterology", "nephrology", "endocrinology", "hematology",
    }  # fmt: skip
    cardiology = Department.objects.get(institution__code="hmu-h1", code="cardiology")
    assert list(cardiology.linked_departments.values_list("code", flat=True)) == ["internal-medicine"]


def test_nobody_has_two_stages_in_progress(demo: Any) -> None:
    doubles = (
        TraineeProfile.objects.filter(status=TraineeProfile.Status.ACTIVE)
        .values("person_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not doubles.exists()
    # People with history: undergraduates now professional masters, masters now doctoral, and so on.
    histories = Counter(
        tuple(person.trainee_profiles.order_by("start_date").values_list("level", flat=True))
        for person in Person.objects.annotate(n=Count("trainee_profiles")).filter(n__gt=1)
    )
    assert histories == {
        (TraineeLevel.UNDERGRADUATE, TraineeLevel.PROFESSIONAL_MASTER): 30,
        (TraineeLevel.HIGH_SCHOOL, TraineeLevel.UNDERGRADUATE): 5,
        (TraineeLevel.ACADEMIC_MASTER, TraineeLevel.DOCTORAL): 3,
        (TraineeLevel.DOCTORAL, TraineeLevel.POSTDOC): 4,
    }
    for profile in TraineeProfile.objects.all():
        assert profile.start_date == datetime.date(profile.cohort, 9, 1)
        if profile.status == TraineeProfile.Status.COMPLETED:
            assert profile.end_date is not None
            assert profile.end_date < DEMO_TODAY
        if profile.status == TraineeProfile.Status.ACTIVE:
            assert profile.end_date is None
    active_cohorts = set(
        TraineeProfile.objects.filter(status=TraineeProfile.Status.ACTIVE).values_list("cohort", flat=True)
    )
    assert active_cohorts == {2022, 2023, 2024, 2025}
    assert set(TraineeProfile.objects.values_list("level", flat=True)) == set(TraineeLevel.values)


def test_professional_masters_in_training_have_a_school_and_a_hospital_mentor(demo: Any) -> None:
    masters = TraineeProfile.objects.filter(
        level=TraineeLevel.PROFESSIONAL_MASTER, status=TraineeProfile.Status.ACTIVE
    ).select_related("person", "institution")
    assert masters.count() == 62
    for profile in masters:
        active = Mentorship.objects.active_on(DEMO_TODAY).filter(mentee=profile.person)
        school = active.get(kind=Mentorship.Kind.SCHOOL)
        hospital = active.get(kind=Mentorship.Kind.HOSPITAL)
        assert school.mentor.institution.code == "hmu"
        assert school.mentor.faculty_profile.supervisor_qualification in {"master", "doctoral"}
        assert hospital.mentor.institution_id == profile.institution_id
        assert hospital.mentor.faculty_profile.is_clinical_teacher
        assert school.start_date == hospital.start_date == profile.start_date
        assert profile.institution.kind == Institution.Kind.HOSPITAL


def test_mentorships_follow_the_rules(demo: Any) -> None:
    assert not Mentorship.objects.filter(mentor=F("mentee")).exists()
    kinds = Counter(Mentorship.objects.values_list("kind", flat=True))
    assert kinds == {"primary": 165, "school": 92, "hospital": 92, "peer_senior": 46}
    # No mentee has two overlapping mentorships of one kind (peer seniors aside, there is only one each).
    by_mentee: dict[tuple[int, str], list[Mentorship]] = {}
    for m in Mentorship.objects.order_by("start_date"):
        by_mentee.setdefault((m.mentee_id, m.kind), []).append(m)
    for spans in by_mentee.values():
        for earlier, later in itertools.pairwise(spans):
            assert earlier.end_date is not None
            assert earlier.end_date < later.start_date
    loads = Mentorship.objects.values("mentor_id", "kind").annotate(n=Count("id"))
    assert max(row["n"] for row in loads if row["kind"] != "peer_senior") <= 8
    peer_loads = [row["n"] for row in loads if row["kind"] == "peer_senior"]
    assert min(peer_loads) >= 1
    assert max(peer_loads) <= 3
    # Mentors are faculty, except peer seniors, who are doctoral or senior master's students in training.
    faculty_mentored = Mentorship.objects.exclude(kind=Mentorship.Kind.PEER_SENIOR)
    assert not faculty_mentored.filter(mentor__faculty_profile__isnull=True).exists()
    for m in Mentorship.objects.filter(kind=Mentorship.Kind.PEER_SENIOR).select_related("mentor"):
        senior = m.mentor.trainee_profiles.get(status=TraineeProfile.Status.ACTIVE)
        junior = m.mentee.trainee_profiles.get(status=TraineeProfile.Status.ACTIVE)
        assert senior.level == TraineeLevel.DOCTORAL or senior.cohort < junior.cohort
        assert junior.level in {TraineeLevel.PROFESSIONAL_MASTER, TraineeLevel.ACADEMIC_MASTER}
    # Mentorships of a finished stage ended with it.
    for profile in TraineeProfile.objects.filter(status=TraineeProfile.Status.COMPLETED):
        for m in Mentorship.objects.filter(mentee_id=profile.person_id, start_date=profile.start_date):
            assert m.end_date == profile.end_date
    # Every high-school student in a research team has a mentor.
    high_school = TraineeProfile.objects.filter(level=TraineeLevel.HIGH_SCHOOL)
    assert (
        Mentorship.objects.filter(kind=Mentorship.Kind.PRIMARY, mentee__in=high_school.values("person_id"))
        .values("mentee_id")
        .distinct()
        .count()
        == high_school.count()
    )
    for level in (TraineeLevel.ACADEMIC_MASTER, TraineeLevel.DOCTORAL):
        active = TraineeProfile.objects.filter(level=level, status=TraineeProfile.Status.ACTIVE)
        mentored = Mentorship.objects.active_on(DEMO_TODAY).filter(
            kind=Mentorship.Kind.PRIMARY, mentee__in=active.values("person_id")
        )
        assert mentored.values("mentee_id").distinct().count() == active.count()


LOGINS = {
    "admin": Role.PLATFORM_ADMIN,
    "officer": Role.PROGRAMME_OFFICER,
    "talent": Role.TALENT_OFFICER,
    "head": Role.DEPARTMENT_HEAD,
    "mentor": Role.MENTOR,
    "teacher": Role.CLINICAL_TEACHER,
    "trainee": Role.TRAINEE,
    "leader": Role.LEADER,
}


def test_each_login_has_its_role_and_the_demo_password(demo: Any) -> None:
    assert [login.username for login in demo.logins] == list(LOGINS)
    for username, role in LOGINS.items():
        user = authenticate(request=RequestFactory().post("/"), username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        assert list(user.role_assignments.values_list("role", flat=True)) == [role]
        assert user.language == ""
        assert (user.person_id is None) == (username == "admin")
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert not User.objects.filter(is_superuser=True).exclude(username="admin").exists()
    assert RoleAssignment.objects.get(user__username="talent").institution.code == "hmu-h2"
    assert RoleAssignment.objects.get(user__username="officer").institution.code == "hmu"
    assert RoleAssignment.objects.get(user__username="leader").institution.code == "hmu"
    assert not RoleAssignment.objects.filter(
        Q(role__in=[Role.DEPARTMENT_HEAD, Role.CLINICAL_TEACHER]), department__isnull=True
    ).exists()


def test_the_logins_see_one_another(demo: Any) -> None:
    """The trainee's home department is the head's, the teacher teaches there, the mentor mentors them."""
    head = RoleAssignment.objects.get(user__username="head")
    teacher = RoleAssignment.objects.get(user__username="teacher")
    trainee = User.objects.get(username="trainee").person
    mentor = User.objects.get(username="mentor").person
    assert head.institution.code == "hmu-h1"
    assert head.department.kind == Department.Kind.CLINICAL
    assert head.user.person.department == head.department
    assert teacher.department == head.department
    assert teacher.user.person.department == teacher.department
    assert teacher.user.person.faculty_profile.is_clinical_teacher

    profile = trainee.trainee_profiles.get(status=TraineeProfile.Status.ACTIVE)
    assert profile.level == TraineeLevel.PROFESSIONAL_MASTER
    assert profile.department == head.department
    assert trainee.department == head.department
    kinds = set(
        Mentorship.objects.active_on(DEMO_TODAY).filter(mentee=trainee).values_list("kind", flat=True)
    )
    assert kinds == {"school", "hospital", "peer_senior"}

    assert Mentorship.objects.filter(mentor=mentor, mentee=trainee, kind=Mentorship.Kind.SCHOOL).exists()
    assert Mentorship.objects.active_on(DEMO_TODAY).filter(mentor=mentor).count() >= 2
    assert mentor.faculty_profile.supervisor_qualification in {"master", "doctoral"}


def test_every_name_character_has_pinyin() -> None:
    for given_names in (names.FACULTY_GIVEN_NAMES, names.TRAINEE_GIVEN_NAMES):
        for gender_names in given_names.values():
            for given in gender_names:
                assert all(character in names.GIVEN_NAME_PINYIN for character in given), given
    assert len(names.SURNAMES) == len(names.SURNAME_PINYIN) == 100
    assert names.latin_name("王", "建国") == "Wang Jianguo"
    assert names.latin_name("吕", "子安") == "Lyu Zi'an"
    assert names.email_local_part("吕", "婉儿") == "lyu.waner"
