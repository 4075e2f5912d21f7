import datetime

import factory
from factory.django import DjangoModelFactory

from medtalent.people.models import (
    Department,
    FacultyProfile,
    Institution,
    Mentorship,
    Person,
    RoleAssignment,
    TraineeProfile,
    User,
)
from medtalent.people.national_id import national_id_check_character


def make_national_id(birth_date: datetime.date, sequence: int, region: str = "310101") -> str:
    first = f"{region}{birth_date:%Y%m%d}{sequence % 1000:03d}"
    return first + national_id_check_character(first)


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"inst-{n}")
    name_zh = factory.Sequence(lambda n: f"机构{n}")
    name_en = factory.Sequence(lambda n: f"Institution {n}")
    kind = Institution.Kind.HOSPITAL


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    institution = factory.SubFactory(InstitutionFactory)
    code = factory.Sequence(lambda n: f"dept-{n}")
    name_zh = factory.Sequence(lambda n: f"科室{n}")
    name_en = factory.Sequence(lambda n: f"Department {n}")
    kind = Department.Kind.CLINICAL
    rotation_capacity = 6


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    name_zh = factory.Sequence(lambda n: f"测试{n}")
    name_latin = factory.Sequence(lambda n: f"Ceshi {n}")
    gender = "female"
    birth_date = factory.Sequence(lambda n: datetime.date(1990, 1, 1) + datetime.timedelta(days=n))
    national_id = factory.LazyAttributeSequence(lambda person, n: make_national_id(person.birth_date, n))
    email = factory.Sequence(lambda n: f"person{n}@example.edu.cn")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    institution = factory.SubFactory(InstitutionFactory)
    department = None


class TraineeProfileFactory(DjangoModelFactory):
    class Meta:
        model = TraineeProfile

    person = factory.SubFactory(PersonFactory)
    level = "professional_master"
    institution = factory.SelfAttribute("person.institution")
    department = None
    cohort = 2024
    specialty = "内科"
    start_date = datetime.date(2024, 9, 1)


class FacultyProfileFactory(DjangoModelFactory):
    class Meta:
        model = FacultyProfile

    person = factory.SubFactory(PersonFactory)
    clinical_title = FacultyProfile.ClinicalTitle.ATTENDING
    academic_title = FacultyProfile.AcademicTitle.LECTURER
    supervisor_qualification = FacultyProfile.SupervisorQualification.MASTER
    is_clinical_teacher = True


class MentorshipFactory(DjangoModelFactory):
    class Meta:
        model = Mentorship

    mentor = factory.SubFactory(PersonFactory)
    mentee = factory.SubFactory(PersonFactory)
    kind = Mentorship.Kind.PRIMARY
    start_date = datetime.date(2024, 9, 1)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("Correct-Horse-42")


class RoleAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    institution = factory.SubFactory(InstitutionFactory)
