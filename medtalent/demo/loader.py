"""The demo data set: a medical university, its two affiliated hospitals, a partner high school, an
engineering school and a device company, with faculty, trainees at every level, the mentorships of
the dual-mentor and senior-leads-junior systems, and one login per role.

``load_demo_data`` first builds the whole data set in memory from a seeded random generator (no
database reads), then writes what is missing, matched on natural keys. So every run produces the
same data, and a second run writes nothing.

Clinical professional master's students and residents train at a hospital: their profiles belong to
the hospital, with a clinical department there as home department (a department always belongs to
the profile's own institution). Academic master's and undergraduate students belong to the
university; doctoral students to the university or the cancer hospital.

The data set describes the world as it stands on ``DEMO_TODAY``: stages that end before that day
are completed, the others are in progress. Tying it to a fixed day rather than to the clock keeps it
the same whenever it is loaded.
"""

from dataclasses import dataclass
from typing import Any, NamedTuple

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q

from medtalent.assessments.models import Assessment
from medtalent.core.audit import audit_record
from medtalent.demo.assessments import load_assessment_demo
from medtalent.demo.programs import load_programme_demo
from medtalent.demo.rotations import HOSPITAL as ROTATION_HOSPITAL
from medtalent.demo.rotations import load_rotation_demo
from medtalent.people.models import (
    Department,
    FacultyProfile,
    Institution,
    Mentorship,
    Person,
    Role,
    RoleAssignment,
    TraineeProfile,
    User,
)
from medtalent.people.services import mentorship_notify
from medtalent.programs.models import TrainingPlan

from .catalogue import (
    DEMO_PASSWORD,
    DEMO_SEED,
    DEMO_TODAY,
    DEPARTMENT_LINKS,
    DEPARTMENTS,
    INSTITUTIONS,
    Status,
)
from .plan import DemoPlan, PersonPlan, build_demo_plan

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_SEED",
    "DEMO_TODAY",
    "DemoLogin",
    "DemoPlan",
    "DemoSummary",
    "build_demo_plan",
    "load_demo_data",
]


# --- writing ---------------------------------------------------------------------------------


class DemoLogin(NamedTuple):
    username: str
    role: str
    person: str


@dataclass
class DemoSummary:
    """What one run wrote (zero everywhere on a repeat run) and the logins to try."""

    created: dict[str, int]
    logins: list[DemoLogin]
    password: str = DEMO_PASSWORD

    @property
    def created_anything(self) -> bool:
        return any(self.created.values())


def _counts() -> dict[str, int]:
    return {
        "institutions": Institution.objects.count(),
        "departments": Department.objects.count(),
        "department_links": Department.linked_departments.through.objects.count() // 2,
        "people": Person.objects.count(),
        "faculty_profiles": FacultyProfile.objects.count(),
        "trainee_profiles": TraineeProfile.objects.count(),
        "mentorships": Mentorship.objects.count(),
        "users": User.objects.count(),
        "role_assignments": RoleAssignment.objects.count(),
    }


class _Writer:
    def __init__(self, plan: DemoPlan, stdout: Any) -> None:
        self.plan = plan
        self.stdout = stdout
        self.created: dict[str, int] = {}
        self.institutions: dict[str, Institution] = {}
        self.departments: dict[tuple[str, str], Department] = {}
        self.person_ids: dict[str, int] = {}

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message + "\n")

    def write(self) -> None:
        self._institutions()
        self._departments()
        self._people()
        self._faculty_profiles()
        self._trainee_profiles()
        self._mentorships()
        self._logins()

    def _institutions(self) -> None:
        existing = {
            i.code: i for i in Institution.objects.filter(code__in=[spec.code for spec in INSTITUTIONS])
        }
        created = 0
        for spec in INSTITUTIONS:  # parents come first
            institution = existing.get(spec.code)
            if institution is None:
                institution = Institution(
                    code=spec.code,
                    name_zh=spec.name_zh,
                    name_en=spec.name_en,
                    kind=spec.kind,
                    parent=self.institutions[spec.parent] if spec.parent else None,
                    city="上海",
                    is_training_base=spec.is_training_base,
                )
                institution.full_clean()
                institution.save()
                created += 1
            self.institutions[spec.code] = institution
        self.created["institutions"] = created
        self.say(f"Institutions: {created} created.")

    def _departments(self) -> None:
        def load() -> None:
            codes = {institution.pk: code for code, institution in self.institutions.items()}
            self.departments = {
                (codes[d.institution_id], d.code): d
                for d in Department.objects.filter(institution_id__in=codes)
            }

        load()
        missing = []
        for spec in DEPARTMENTS:
            if (spec.institution, spec.code) in self.departments:
                continue
            department = Department(
                institution=self.institutions[spec.institution],
                code=spec.code,
                name_zh=spec.name_zh,
                name_en=spec.name_en,
                kind=spec.kind,
                rotation_capacity=spec.rotation_capacity,
            )
            department.full_clean(validate_unique=False, validate_constraints=False)
            missing.append(department)
        Department.objects.bulk_create(missing)
        load()
        self.created["departments"] = len(missing)

        through = Department.linked_departments.through
        rows = {
            (row.from_department_id, row.to_department_id)
            for row in through.objects.filter(
                from_department_id__in=[d.pk for d in self.departments.values()]
            )
        }
        new_rows: list[Any] = []
        links = 0
        for office, partners in DEPARTMENT_LINKS.items():
            for partner in partners:
                a, b = self.departments[office].pk, self.departments[partner].pk
                missing_pairs = [pair for pair in ((a, b), (b, a)) if pair not in rows]
                links += (a, b) in missing_pairs
                new_rows += [through(from_department_id=x, to_department_id=y) for x, y in missing_pairs]
                rows.update(missing_pairs)
        through.objects.bulk_create(new_rows)
        self.created["department_links"] = links
        self.say(f"Departments: {len(missing)} created, {links} links between school and hospital.")

    def _department_id(self, institution: str, department: str | None) -> int | None:
        return self.departments[(institution, department)].pk if department else None

    def _people(self) -> None:
        national_ids = [p.national_id for p in self.plan.people]
        existing = set(
            Person.objects.filter(national_id__in=national_ids).values_list("national_id", flat=True)
        )
        missing = [
            Person(
                name_zh=p.name_zh,
                name_latin=p.name_latin,
                gender=p.gender,
                birth_date=p.birth_date,
                national_id=p.national_id,
                email=p.email,
                phone=p.phone,
                institution_id=self.institutions[p.institution].pk,
                department_id=self._department_id(p.institution, p.department),
            )
            for p in self.plan.people
            if p.national_id not in existing
        ]
        Person.objects.bulk_create(missing, batch_size=500)
        self.person_ids = {
            national_id: pk
            for national_id, pk in Person.objects.filter(national_id__in=national_ids).values_list(
                "national_id", "pk"
            )
            if national_id
        }
        self.created["people"] = len(missing)
        self.say(f"People: {len(missing)} created.")

    def _pk(self, person: PersonPlan) -> int:
        return self.person_ids[person.national_id]

    def _faculty_profiles(self) -> None:
        have = set(
            FacultyProfile.objects.filter(person_id__in=self.person_ids.values()).values_list(
                "person_id", flat=True
            )
        )
        missing = [
            FacultyProfile(
                person_id=self._pk(f.person),
                staff_number=f.staff_number,
                clinical_title=f.clinical_title,
                academic_title=f.academic_title,
                supervisor_qualification=f.supervisor_qualification,
                is_clinical_teacher=f.is_clinical_teacher,
            )
            for f in self.plan.faculty
            if self._pk(f.person) not in have
        ]
        FacultyProfile.objects.bulk_create(missing, batch_size=500)
        self.created["faculty_profiles"] = len(missing)
        self.say(f"Faculty profiles: {len(missing)} created.")

    def _trainee_profiles(self) -> None:
        existing = TraineeProfile.objects.filter(person_id__in=self.person_ids.values())
        have = set(existing.values_list("person_id", "level", "cohort"))
        # Never a second stage in progress, even if somebody has edited a demo person since.
        active = set(existing.filter(status=Status.ACTIVE).values_list("person_id", flat=True))
        missing = []
        for p in self.plan.profiles:
            person_id = self._pk(p.person)
            if (person_id, p.level, p.cohort) in have or (p.is_active and person_id in active):
                continue
            missing.append(
                TraineeProfile(
                    person_id=person_id,
                    level=p.level,
                    institution_id=self.institutions[p.institution].pk,
                    department_id=self._department_id(p.institution, p.department),
                    cohort=p.cohort,
                    specialty=p.specialty,
                    student_number=p.student_number,
                    status=p.status,
                    start_date=p.start_date,
                    end_date=p.end_date,
                )
            )
        TraineeProfile.objects.bulk_create(missing, batch_size=500)
        self.created["trainee_profiles"] = len(missing)
        self.say(f"Trainee profiles: {len(missing)} created.")

    def _mentorships(self) -> None:
        have = set(
            Mentorship.objects.filter(mentee_id__in=self.person_ids.values()).values_list(
                "mentor_id", "mentee_id", "kind", "start_date"
            )
        )
        missing = []
        for m in self.plan.mentorships:
            key = (self._pk(m.mentor), self._pk(m.mentee), m.kind, m.start_date)
            if key not in have:
                missing.append(
                    Mentorship(
                        mentor_id=key[0],
                        mentee_id=key[1],
                        kind=m.kind,
                        start_date=m.start_date,
                        end_date=m.end_date,
                    )
                )
        Mentorship.objects.bulk_create(missing, batch_size=500)
        self.created["mentorships"] = len(missing)
        self.say(f"Mentorships: {len(missing)} created.")

    def _logins(self) -> None:
        existing = {
            u.username: u for u in User.objects.filter(username__in=[lg.username for lg in self.plan.logins])
        }
        linked = set(
            User.objects.filter(person_id__in=self.person_ids.values()).values_list("person_id", flat=True)
        )
        password_hash = None
        users = 0
        assignments = 0
        for login in self.plan.logins:
            user = existing.get(login.username)
            if user is None:
                # One hash for all: the demo's logins share a published password anyway.
                password_hash = password_hash or make_password(DEMO_PASSWORD)
                person_id = self._pk(login.person) if login.person else None
                user = User(
                    username=login.username,
                    password=password_hash,
                    is_superuser=login.is_superuser,
                    is_staff=login.is_superuser or login.role == Role.PLATFORM_ADMIN,
                    person_id=person_id if person_id not in linked else None,
                )
                user.save()
                if person_id is not None:
                    linked.add(person_id)
                users += 1
            _assignment, created = RoleAssignment.objects.get_or_create(
                user=user,
                role=login.role,
                institution=self.institutions[login.institution],
                department=self.departments[(login.institution, login.department)]
                if login.department
                else None,
            )
            assignments += created
        self.created["users"] = users
        self.created["role_assignments"] = assignments
        self.say(f"Logins: {users} created, {assignments} role assignments.")


def _greet_demo_logins() -> None:
    """Give each new demo login the notifications its current mentorships would have sent."""
    people = User.objects.exclude(person=None).values("person_id")
    mentorships = (
        Mentorship.objects.active_on(DEMO_TODAY)
        .filter(Q(mentor__in=people) | Q(mentee__in=people))
        .select_related("mentor", "mentee")
        .order_by("pk")
    )
    for mentorship in mentorships:
        mentorship_notify(mentorship=mentorship)


def load_demo_data(*, stdout: Any = None) -> DemoSummary:
    """Load the demo data set, or whatever part of it is missing. ``stdout`` gets progress lines."""
    plan = build_demo_plan()
    with transaction.atomic():
        before = _counts()
        writer = _Writer(plan, stdout)
        writer.write()
        admin = User.objects.get(username="admin")
        if load_rotation_demo(admin=admin, stdout=stdout):
            writer.created["rotation schedules"] = 1
        if load_assessment_demo(admin=admin, hospital_code=ROTATION_HOSPITAL, stdout=stdout):
            writer.created["assessments"] = Assessment.objects.count()
        if load_programme_demo(admin=admin, stdout=stdout):
            writer.created["training plans"] = TrainingPlan.objects.count()
        if writer.created["users"]:
            _greet_demo_logins()
        if any(writer.created.values()):
            after = _counts()
            audit_record(
                actor=None,
                action="demo.load",
                changes={name: [before[name], after[name]] for name in after if after[name] != before[name]},
            )
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[lg.username for lg in plan.logins]).select_related(
            "person"
        )
    }
    logins = []
    for login in plan.logins:
        person = users[login.username].person
        logins.append(
            DemoLogin(login.username, str(Role(login.role).label), person.display_name if person else "")
        )
    return DemoSummary(created=writer.created, logins=logins)
