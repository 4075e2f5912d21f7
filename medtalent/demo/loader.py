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

import datetime
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q

from medtalent.core.audit import audit_record
from medtalent.people.models import (
    Department,
    FacultyProfile,
    Gender,
    Institution,
    Mentorship,
    Person,
    Role,
    RoleAssignment,
    TraineeLevel,
    TraineeProfile,
    User,
)
from medtalent.people.national_id import national_id_check_character
from medtalent.people.services import mentorship_notify

from .names import email_local_part, latin_name, random_name

DEMO_SEED = 20261122
DEMO_TODAY = datetime.date(2026, 11, 22)
# Every demo login has this password. It passes the password validators.
DEMO_PASSWORD = "MedTalent-2026!"
MAX_MENTEES_PER_KIND = 8
MAX_PEER_JUNIORS = 3

Kind = Institution.Kind
DeptKind = Department.Kind
Clinical = FacultyProfile.ClinicalTitle
Academic = FacultyProfile.AcademicTitle
Supervisor = FacultyProfile.SupervisorQualification
Status = TraineeProfile.Status
MentorshipKind = Mentorship.Kind


# --- organisations ---------------------------------------------------------------------------


class _Institution(NamedTuple):
    code: str
    name_zh: str
    name_en: str
    kind: str
    parent: str | None
    is_training_base: bool
    email_domain: str


INSTITUTIONS: tuple[_Institution, ...] = (
    _Institution(
        "hmu", "华东医科大学", "East China Medical University", Kind.UNIVERSITY, None, False, "hmu.edu.cn"
    ),
    _Institution(
        "hmu-h1",
        "华东医科大学附属第一医院",
        "The First Affiliated Hospital of East China Medical University",
        Kind.HOSPITAL,
        "hmu",
        True,
        "fah.hmu.edu.cn",
    ),
    _Institution(
        "hmu-h2",
        "华东医科大学附属肿瘤医院",
        "The Affiliated Cancer Hospital of East China Medical University",
        Kind.HOSPITAL,
        "hmu",
        True,
        "ch.hmu.edu.cn",
    ),
    _Institution(
        "hs-1",
        "上海市华东实验中学",
        "Shanghai Huadong Experimental High School",
        Kind.HIGH_SCHOOL,
        None,
        False,
        "",
    ),
    _Institution(
        "eng-1",
        "华东理工大学机械与动力工程学院",
        "School of Mechanical and Power Engineering, East China University of Science and Technology",
        Kind.ENGINEERING_SCHOOL,
        None,
        False,
        "ecust.edu.cn",
    ),
    _Institution(
        "co-1",
        "上海瑞迈三维医疗科技有限公司",
        "Shanghai Ruimai 3D Medical Technology Co., Ltd.",
        Kind.COMPANY,
        None,
        False,
        "",
    ),
)
STUDENT_EMAIL_DOMAIN = "stu.hmu.edu.cn"

# How a department's staff are generated: clinicians, university academics, engineers, office staff,
# or the university leadership.
CLINICAL = "clinical"
ACADEMIC = "academic"
ENGINEERING = "engineering"
OFFICE = "office"
LEADERSHIP = "leadership"


class _Department(NamedTuple):
    institution: str
    code: str
    name_zh: str
    name_en: str
    kind: str
    rotation_capacity: int | None
    staff: str
    faculty: int
    # The residency specialty (《住院医师规范化培训内容与标准》) or degree discipline of its trainees.
    specialty: str


def _clinical(
    institution: str,
    code: str,
    zh: str,
    en: str,
    capacity: int,
    faculty: int,
    specialty: str,
    kind: str = DeptKind.CLINICAL,
) -> _Department:
    return _Department(institution, code, zh, en, kind, capacity, CLINICAL, faculty, specialty)


DEPARTMENTS: tuple[_Department, ...] = (
    # The university: teaching offices, a key laboratory and the president's office.
    _Department("hmu", "graduate-school", "研究生院培养办公室", "Graduate School Training Office",
                DeptKind.TEACHING_OFFICE, None, OFFICE, 1, ""),
    _Department("hmu", "clinical-medicine", "临床医学院教学办公室", "Clinical Medicine Teaching Office",
                DeptKind.TEACHING_OFFICE, None, OFFICE, 1, "临床医学"),
    _Department("hmu", "internal-medicine", "内科学教研室", "Department of Internal Medicine",
                DeptKind.TEACHING_OFFICE, None, ACADEMIC, 3, "内科学"),
    _Department("hmu", "surgery", "外科学教研室", "Department of Surgery",
                DeptKind.TEACHING_OFFICE, None, ACADEMIC, 3, "外科学"),
    _Department("hmu", "oncology", "肿瘤学教研室", "Department of Oncology",
                DeptKind.TEACHING_OFFICE, None, ACADEMIC, 3, "肿瘤学"),
    _Department("hmu", "translational-lab", "转化医学重点实验室", "Key Laboratory of Translational Medicine",
                DeptKind.RESEARCH, None, ACADEMIC, 6, "肿瘤学"),
    _Department("hmu", "president-office", "校长办公室", "President's Office",
                DeptKind.ADMINISTRATIVE, None, LEADERSHIP, 1, ""),
    # The First Affiliated Hospital: a general hospital.
    _clinical("hmu-h1", "cardiology", "心血管内科", "Cardiology", 10, 4, "内科"),
    _clinical("hmu-h1", "respiratory", "呼吸与危重症医学科", "Respiratory and Critical Care Medicine",
              9, 3, "内科"),
    _clinical("hmu-h1", "gastroenterology", "消化内科", "Gastroenterology", 8, 3, "内科"),
    _clinical("hmu-h1", "nephrology", "肾内科", "Nephrology", 6, 2, "内科"),
    _clinical("hmu-h1", "endocrinology", "内分泌科", "Endocrinology", 6, 2, "内科"),
    _clinical("hmu-h1", "hematology", "血液科", "Hematology", 5, 2, "内科"),
    _clinical("hmu-h1", "neurology", "神经内科", "Neurology", 8, 3, "神经内科"),
    _clinical("hmu-h1", "general-surgery", "普通外科", "General Surgery", 12, 4, "外科"),
    _clinical("hmu-h1", "orthopedics", "骨科", "Orthopaedics", 9, 3, "骨科"),
    _clinical("hmu-h1", "urology", "泌尿外科", "Urology", 6, 2, "外科（泌尿外科方向）"),
    _clinical("hmu-h1", "cardiothoracic-surgery", "心胸外科", "Cardiothoracic Surgery",
              5, 2, "外科（胸心外科方向）"),
    _clinical("hmu-h1", "neurosurgery", "神经外科", "Neurosurgery", 5, 2, "外科（神经外科方向）"),
    _clinical("hmu-h1", "obstetrics-gynecology", "妇产科", "Obstetrics and Gynaecology", 10, 3, "妇产科"),
    _clinical("hmu-h1", "pediatrics", "儿科", "Paediatrics", 8, 3, "儿科"),
    _clinical("hmu-h1", "emergency", "急诊科", "Emergency Medicine", 10, 2, "急诊科"),
    _clinical("hmu-h1", "critical-care", "重症医学科", "Critical Care Medicine", 6, 2, "重症医学科"),
    _clinical("hmu-h1", "anesthesiology", "麻醉科", "Anaesthesiology", 8, 3, "麻醉科"),
    _clinical("hmu-h1", "radiology", "医学影像科", "Medical Imaging", 7, 2, "放射科"),
    _clinical("hmu-h1", "general-practice", "全科医学科", "General Practice", 6, 2, "全科"),
    _clinical("hmu-h1", "ophthalmology", "眼科", "Ophthalmology", 4, 2, "眼科"),
    _clinical("hmu-h1", "otorhinolaryngology", "耳鼻喉科", "Otorhinolaryngology", 4, 2, "耳鼻咽喉科"),
    _clinical("hmu-h1", "laboratory-medicine", "检验科", "Laboratory Medicine", 4, 1, "检验医学科",
              kind=DeptKind.MEDICAL_TECHNOLOGY),
    _Department("hmu-h1", "education", "教育处", "Education Office",
                DeptKind.TEACHING_OFFICE, None, OFFICE, 1, ""),
    # The cancer hospital.
    _clinical("hmu-h2", "medical-oncology", "肿瘤内科", "Medical Oncology", 10, 4, "内科"),
    _clinical("hmu-h2", "radiation-oncology", "放射治疗科", "Radiation Oncology", 8, 3, "放射肿瘤科"),
    _clinical("hmu-h2", "thoracic-surgery", "胸外科", "Thoracic Surgery", 6, 3, "外科（胸心外科方向）"),
    _clinical("hmu-h2", "breast-surgery", "乳腺外科", "Breast Surgery", 6, 3, "外科"),
    _clinical("hmu-h2", "gastrointestinal-surgery", "胃肠外科", "Gastrointestinal Surgery", 6, 3, "外科"),
    _clinical("hmu-h2", "gynecologic-oncology", "妇科肿瘤科", "Gynaecologic Oncology", 5, 2, "妇产科"),
    _clinical("hmu-h2", "pathology", "病理科", "Pathology", 4, 2, "临床病理科",
              kind=DeptKind.MEDICAL_TECHNOLOGY),
    _Department("hmu-h2", "education", "教育处", "Education Office",
                DeptKind.TEACHING_OFFICE, None, OFFICE, 1, ""),
    _Department("hmu-h2", "talent-office", "人才工作办公室", "Talent Office",
                DeptKind.ADMINISTRATIVE, None, OFFICE, 1, ""),
    # The engineering school's medical-engineering institute.
    _Department("eng-1", "additive-manufacturing", "增材制造与医疗器械研究所",
                "Institute of Additive Manufacturing and Medical Devices",
                DeptKind.RESEARCH, None, ENGINEERING, 5, "机械工程"),
)  # fmt: skip

_H1_INTERNAL = ("cardiology", "respiratory", "gastroenterology", "nephrology", "endocrinology", "hematology")
_H1_SURGICAL = ("general-surgery", "orthopedics", "urology", "cardiothoracic-surgery", "neurosurgery")
_H2_SURGICAL = ("thoracic-surgery", "breast-surgery", "gastrointestinal-surgery")

# The school's teaching office for a discipline, linked to the hospitals' departments of that discipline.
DEPARTMENT_LINKS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("hmu", "graduate-school"): (("hmu-h1", "education"), ("hmu-h2", "education")),
    ("hmu", "clinical-medicine"): (("hmu-h1", "education"), ("hmu-h2", "education")),
    ("hmu", "internal-medicine"): tuple(("hmu-h1", code) for code in _H1_INTERNAL),
    ("hmu", "surgery"): tuple(("hmu-h1", code) for code in _H1_SURGICAL)
    + tuple(("hmu-h2", code) for code in _H2_SURGICAL),
    ("hmu", "oncology"): (
        ("hmu-h2", "medical-oncology"),
        ("hmu-h2", "radiation-oncology"),
        ("hmu-h2", "gynecologic-oncology"),
    ),
}

# Where the trainee login's home department is, so the head and teacher logins see that trainee.
DEMO_HOME_DEPARTMENT = ("hmu-h1", "cardiology")

# Real resident-ID region prefixes in Shanghai, Jiangsu and Zhejiang.
REGION_CODES = (
    "310101", "310104", "310105", "310110", "310115", "320102", "320106", "320205",
    "320506", "320583", "330102", "330106", "330203", "330302",
)  # fmt: skip
MOBILE_PREFIXES = (
    "33", "35", "36", "37", "38", "39", "50", "51", "52", "58", "59", "77", "80", "86", "87", "89",
)  # fmt: skip

# Student numbers: cohort + level code + sequence, e.g. 2025 21 007.
LEVEL_CODES = {
    TraineeLevel.HIGH_SCHOOL: "05",
    TraineeLevel.UNDERGRADUATE: "10",
    TraineeLevel.PROFESSIONAL_MASTER: "21",
    TraineeLevel.ACADEMIC_MASTER: "22",
    TraineeLevel.DOCTORAL: "30",
    TraineeLevel.RESIDENT: "40",
    TraineeLevel.POSTDOC: "50",
}
STAFF_NUMBER_PREFIXES = {"hmu": "U", "hmu-h1": "F", "hmu-h2": "C", "eng-1": "E"}
# Age at entry, by level.
ENTRY_AGE = {
    TraineeLevel.HIGH_SCHOOL: 15,
    TraineeLevel.UNDERGRADUATE: 18,
    TraineeLevel.PROFESSIONAL_MASTER: 23,
    TraineeLevel.ACADEMIC_MASTER: 23,
    TraineeLevel.DOCTORAL: 25,
    TraineeLevel.RESIDENT: 24,
    TraineeLevel.POSTDOC: 29,
}


def _natural_end(level: str, cohort: int) -> datetime.date:
    """When a stage that started in September of ``cohort`` ends if it runs its normal length."""
    years = {
        TraineeLevel.HIGH_SCHOOL: 3,
        TraineeLevel.UNDERGRADUATE: 5,
        TraineeLevel.PROFESSIONAL_MASTER: 3,
        TraineeLevel.ACADEMIC_MASTER: 3,
        TraineeLevel.DOCTORAL: 4,
        TraineeLevel.RESIDENT: 3,
        TraineeLevel.POSTDOC: 3,
    }[TraineeLevel(level)]
    if level in (TraineeLevel.RESIDENT, TraineeLevel.POSTDOC):
        return datetime.date(cohort + years, 8, 31)
    return datetime.date(cohort + years, 6, 30)


# --- the plan: the whole data set in memory --------------------------------------------------


@dataclass(eq=False)
class _PersonPlan:
    national_id: str
    name_zh: str
    name_latin: str
    gender: str
    birth_date: datetime.date
    email: str
    phone: str
    institution: str
    department: str | None


@dataclass(eq=False)
class _FacultyPlan:
    person: _PersonPlan
    department: _Department
    staff_number: str
    clinical_title: str
    academic_title: str
    supervisor_qualification: str
    is_clinical_teacher: bool

    @property
    def mentors(self) -> bool:
        """Takes mentees: clinicians, academics and engineers; not office staff or the leadership."""
        return self.department.staff in (CLINICAL, ACADEMIC, ENGINEERING)


@dataclass(eq=False)
class _ProfilePlan:
    person: _PersonPlan
    level: str
    institution: str
    department: str | None
    cohort: int
    specialty: str
    student_number: str
    status: str
    start_date: datetime.date
    end_date: datetime.date | None

    @property
    def is_active(self) -> bool:
        return self.status == Status.ACTIVE

    @property
    def mentorship_end(self) -> datetime.date | None:
        # A suspended trainee keeps their mentors; a stage that is over ends its mentorships with it.
        return self.end_date if self.status in (Status.COMPLETED, Status.WITHDRAWN) else None


@dataclass(eq=False)
class _MentorshipPlan:
    mentor: _PersonPlan
    mentee: _PersonPlan
    kind: str
    start_date: datetime.date
    end_date: datetime.date | None


@dataclass(eq=False)
class _LoginPlan:
    username: str
    role: str
    institution: str
    department: str | None
    person: _PersonPlan | None
    is_superuser: bool = False


@dataclass
class DemoPlan:
    people: list[_PersonPlan] = field(default_factory=list)
    faculty: list[_FacultyPlan] = field(default_factory=list)
    profiles: list[_ProfilePlan] = field(default_factory=list)
    mentorships: list[_MentorshipPlan] = field(default_factory=list)
    logins: list[_LoginPlan] = field(default_factory=list)


class _PlanBuilder:
    def __init__(self) -> None:
        self.rng = random.Random(DEMO_SEED)
        self.plan = DemoPlan()
        self.departments = {(d.institution, d.code): d for d in DEPARTMENTS}
        self.domains = {i.code: i.email_domain for i in INSTITUTIONS}
        self._national_ids: set[str] = set()
        self._names: set[str] = set()
        self._emails: set[str] = set()
        self._phones: set[str] = set()
        self._student_sequence: Counter[tuple[int, str]] = Counter()
        self._staff_sequence: Counter[str] = Counter()
        self._mentor_load: Counter[tuple[str, str]] = Counter()
        self._peer_load: Counter[str] = Counter()
        self.faculty_by_department: dict[tuple[str, str], list[_FacultyPlan]] = defaultdict(list)
        self.mentors_of: dict[tuple[str, str], list[_MentorshipPlan]] = defaultdict(list)

    # -- people --

    def _date_in(self, year: int) -> datetime.date:
        return datetime.date(year, 1, 1) + datetime.timedelta(days=self.rng.randrange(365))

    def _national_id(self, birth_date: datetime.date, gender: str) -> str:
        # The 17th digit's parity encodes gender: odd for men, even for women.
        while True:
            sequence = self.rng.randrange(1, 1000)
            if (sequence % 2 == 1) != (gender == Gender.MALE):
                continue
            first = f"{self.rng.choice(REGION_CODES)}{birth_date:%Y%m%d}{sequence:03d}"
            national_id = first + national_id_check_character(first)
            if national_id not in self._national_ids:
                self._national_ids.add(national_id)
                return national_id

    def _phone(self) -> str:
        while True:
            phone = f"1{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(10**8):08d}"
            if phone not in self._phones:
                self._phones.add(phone)
                return phone

    def _email(self, local: str, domain: str) -> str:
        candidate, suffix = local, 1
        while f"{candidate}@{domain}" in self._emails:
            suffix += 1
            candidate = f"{local}{suffix}"
        self._emails.add(f"{candidate}@{domain}")
        return f"{candidate}@{domain}"

    def person(
        self,
        *,
        generation: str,
        birth_year: int,
        institution: str,
        department: str | None,
        email_domain: str,
        female_share: float,
    ) -> _PersonPlan:
        gender = Gender.FEMALE if self.rng.random() < female_share else Gender.MALE
        while True:
            surname, given = random_name(self.rng, gender.value, generation=generation)
            if surname + given not in self._names:
                self._names.add(surname + given)
                break
        birth_date = self._date_in(birth_year)
        person = _PersonPlan(
            national_id=self._national_id(birth_date, gender),
            name_zh=surname + given,
            name_latin=latin_name(surname, given),
            gender=gender.value,
            birth_date=birth_date,
            # Minors at the partner school are reached through the school, not directly.
            email=self._email(email_local_part(surname, given), email_domain) if email_domain else "",
            phone=self._phone() if email_domain else "",
            institution=institution,
            department=department,
        )
        self.plan.people.append(person)
        return person

    # -- faculty --

    def faculty(self) -> None:
        for department in DEPARTMENTS:
            for index in range(department.faculty):
                self._faculty_member(department, index)

    def _faculty_member(self, department: _Department, index: int) -> None:
        rng = self.rng
        staff = department.staff
        # The first of a clinical or academic department leads it; the second clinician is the
        # department's teaching secretary, who organises the rotations and teaches.
        is_head = index == 0 and staff in (CLINICAL, ACADEMIC, ENGINEERING, LEADERSHIP)
        is_secretary = index == 1 and staff == CLINICAL
        if is_head:
            birth_year = rng.randint(1965, 1975)
        elif is_secretary:
            birth_year = rng.randint(1980, 1988)
        else:
            ranges = {CLINICAL: (1968, 1992), ACADEMIC: (1966, 1985), ENGINEERING: (1968, 1988)}
            birth_year = rng.randint(*ranges.get(staff, (1975, 1990)))
        clinical_title, academic_title, supervisor, teaches = "", "", "", False
        roll = rng.random()
        if staff == CLINICAL:
            if is_head or (birth_year <= 1974 and roll < 0.75) or (birth_year <= 1982 and roll < 0.3):
                clinical_title = Clinical.CHIEF
            elif birth_year <= 1982 or (birth_year <= 1988 and roll < 0.35) or (is_secretary and roll < 0.5):
                clinical_title = Clinical.ASSOCIATE_CHIEF
            elif birth_year <= 1988 or roll < 0.75 or is_secretary:
                clinical_title = Clinical.ATTENDING
            else:
                clinical_title = Clinical.RESIDENT_PHYSICIAN
            roll = rng.random()
            if clinical_title == Clinical.CHIEF:
                academic_title = Academic.PROFESSOR if is_head or roll < 0.6 else Academic.ASSOCIATE_PROFESSOR
                supervisor = (
                    Supervisor.DOCTORAL if rng.random() < (0.75 if is_head else 0.5) else Supervisor.MASTER
                )
            elif clinical_title == Clinical.ASSOCIATE_CHIEF:
                academic_title = Academic.ASSOCIATE_PROFESSOR if roll < 0.55 else Academic.LECTURER
                supervisor = Supervisor.MASTER if rng.random() < 0.7 else Supervisor.NONE
            elif clinical_title == Clinical.ATTENDING:
                academic_title = (
                    Academic.LECTURER if roll < 0.5 else Academic.TEACHING_ASSISTANT if roll < 0.7 else ""
                )
                supervisor = Supervisor.MASTER if rng.random() < 0.1 else Supervisor.NONE
            else:
                academic_title = Academic.TEACHING_ASSISTANT if roll < 0.5 else ""
            teaches = clinical_title != Clinical.RESIDENT_PHYSICIAN and (
                is_head or is_secretary or rng.random() < 0.92
            )
        elif staff == ACADEMIC:
            researcher = department.kind == DeptKind.RESEARCH and roll < 0.5
            if is_head or birth_year <= 1975:
                academic_title = Academic.RESEARCHER if researcher else Academic.PROFESSOR
                supervisor = Supervisor.DOCTORAL
            else:
                academic_title = Academic.ASSOCIATE_RESEARCHER if researcher else Academic.ASSOCIATE_PROFESSOR
                supervisor = Supervisor.MASTER
        elif staff == ENGINEERING:
            if is_head or (birth_year <= 1978 and roll < 0.5):
                academic_title, supervisor = Academic.PROFESSOR, Supervisor.DOCTORAL
            elif birth_year <= 1984:
                academic_title, supervisor = Academic.ASSOCIATE_PROFESSOR, Supervisor.MASTER
            else:
                academic_title = Academic.LECTURER
        elif staff == LEADERSHIP:
            # A vice-president: a clinician-scientist, qualified to supervise but no longer taking students.
            clinical_title, academic_title = Clinical.CHIEF, Academic.PROFESSOR
            supervisor = Supervisor.DOCTORAL
        else:
            academic_title = Academic.LECTURER if roll < 0.6 else ""
        person = self.person(
            generation="faculty",
            birth_year=birth_year,
            institution=department.institution,
            department=department.code,
            email_domain=self.domains[department.institution],
            female_share=0.45,
        )
        self._staff_sequence[department.institution] += 1
        sequence = self._staff_sequence[department.institution]
        staff_number = f"{STAFF_NUMBER_PREFIXES[department.institution]}{sequence:05d}"
        member = _FacultyPlan(
            person, department, staff_number, clinical_title, academic_title, supervisor, teaches
        )
        self.plan.faculty.append(member)
        self.faculty_by_department[(department.institution, department.code)].append(member)

    # -- trainees --

    def _profile(
        self,
        person: _PersonPlan,
        level: str,
        cohort: int,
        institution: str,
        department: str | None,
        *,
        status: str | None = None,
        end_date: datetime.date | None = None,
    ) -> _ProfilePlan:
        start = datetime.date(cohort, 9, 1)
        if status is None:
            natural_end = _natural_end(level, cohort)
            status = Status.COMPLETED if natural_end < DEMO_TODAY else Status.ACTIVE
            end_date = natural_end if status == Status.COMPLETED else None
        if level == TraineeLevel.UNDERGRADUATE:
            specialty = "临床医学（五年制）"
        elif department is None:
            specialty = ""
        else:
            specialty = self.departments[(institution, department)].specialty
        self._student_sequence[(cohort, level)] += 1
        sequence = self._student_sequence[(cohort, level)]
        profile = _ProfilePlan(
            person=person,
            level=level,
            institution=institution,
            department=department,
            cohort=cohort,
            specialty=specialty,
            student_number=f"{cohort}{LEVEL_CODES[TraineeLevel(level)]}{sequence:03d}",
            status=status,
            start_date=start,
            end_date=end_date,
        )
        self.plan.profiles.append(profile)
        # The person belongs where their latest stage is.
        person.institution, person.department = institution, department
        return profile

    def _trainee(
        self,
        level: str,
        cohort: int,
        institution: str,
        department: str | None,
        *,
        first_level: str | None = None,
        first_cohort: int | None = None,
    ) -> _PersonPlan:
        entry_level = first_level or level
        entry_cohort = first_cohort if first_cohort is not None else cohort
        birth_year = entry_cohort - ENTRY_AGE[TraineeLevel(entry_level)] - self.rng.choice((0, 0, 0, 1))
        domain = {
            TraineeLevel.HIGH_SCHOOL: "",
            TraineeLevel.RESIDENT: self.domains[institution],
            TraineeLevel.POSTDOC: self.domains[institution],
        }.get(TraineeLevel(level), STUDENT_EMAIL_DOMAIN)
        return self.person(
            generation="trainee",
            birth_year=birth_year,
            institution=institution,
            department=department,
            email_domain=domain,
            female_share=0.58,
        )

    def _clinical_department(self, institutions: tuple[str, ...]) -> tuple[str, str]:
        choices = [
            d for d in DEPARTMENTS if d.institution in institutions and d.rotation_capacity is not None
        ]
        picked = self.rng.choices(choices, weights=[d.rotation_capacity or 0 for d in choices])[0]
        return picked.institution, picked.code

    # -- mentors --

    def _pick(self, kind: str, mentee: _PersonPlan, tiers: list[list[_FacultyPlan]]) -> _PersonPlan:
        """The least-loaded faculty member of the first tier that has room, at random among equals."""
        for tier in tiers:
            available = [
                member.person
                for member in tier
                if member.mentors
                and member.person is not mentee
                and self._mentor_load[(member.person.national_id, kind)] < MAX_MENTEES_PER_KIND
            ]
            if available:
                lightest = min(self._mentor_load[(p.national_id, kind)] for p in available)
                return self.rng.choice(
                    [p for p in available if self._mentor_load[(p.national_id, kind)] <= lightest + 1]
                )
        raise RuntimeError(f"No {kind} mentor left for {mentee.name_zh}: widen the faculty.")

    def _mentor(self, mentor: _PersonPlan, profile: _ProfilePlan, kind: str) -> None:
        mentorship = _MentorshipPlan(mentor, profile.person, kind, profile.start_date, profile.mentorship_end)
        self.plan.mentorships.append(mentorship)
        self._mentor_load[(mentor.national_id, kind)] += 1
        self.mentors_of[(profile.person.national_id, kind)].append(mentorship)

    def _faculty_where(
        self,
        *,
        institutions: tuple[str, ...] = (),
        department: tuple[str, str] | None = None,
        supervisor: tuple[str, ...] = (),
        teaching: bool = False,
    ) -> list[_FacultyPlan]:
        members = self.faculty_by_department[department] if department else self.plan.faculty
        return [
            m
            for m in members
            if (not institutions or m.department.institution in institutions)
            and (not supervisor or m.supervisor_qualification in supervisor)
            and (not teaching or m.is_clinical_teacher)
        ]

    def _school_mentor(self, profile: _ProfilePlan) -> None:
        mentor = self._pick(
            MentorshipKind.SCHOOL,
            profile.person,
            [self._faculty_where(institutions=("hmu",), supervisor=(Supervisor.MASTER, Supervisor.DOCTORAL))],
        )
        self._mentor(mentor, profile, MentorshipKind.SCHOOL)

    def _hospital_mentor(self, profile: _ProfilePlan) -> None:
        assert profile.department is not None
        mentor = self._pick(
            MentorshipKind.HOSPITAL,
            profile.person,
            [
                self._faculty_where(department=(profile.institution, profile.department), teaching=True),
                self._faculty_where(institutions=(profile.institution,), teaching=True),
            ],
        )
        self._mentor(mentor, profile, MentorshipKind.HOSPITAL)

    def _primary_mentor(
        self,
        profile: _ProfilePlan,
        *,
        doctoral_only: bool = False,
        team_leaders: bool = False,
        keep: _PersonPlan | None = None,
    ) -> _PersonPlan:
        if (
            keep is not None
            and self._mentor_load[(keep.national_id, MentorshipKind.PRIMARY)] < MAX_MENTEES_PER_KIND
        ):
            self._mentor(keep, profile, MentorshipKind.PRIMARY)
            return keep
        qualified = (Supervisor.DOCTORAL,) if doctoral_only else (Supervisor.MASTER, Supervisor.DOCTORAL)
        family = ("hmu", "hmu-h1", "hmu-h2")
        if team_leaders:
            # Research teams are led by doctoral supervisors; some are medicine-engineering teams.
            tiers = [self._faculty_where(institutions=(*family, "eng-1"), supervisor=(Supervisor.DOCTORAL,))]
        else:
            tiers = [
                self._faculty_where(
                    department=(profile.institution, profile.department), supervisor=qualified
                )
                if profile.department
                else [],
                self._faculty_where(institutions=(profile.institution,), supervisor=qualified),
                self._faculty_where(institutions=family, supervisor=qualified),
            ]
        mentor = self._pick(MentorshipKind.PRIMARY, profile.person, tiers)
        self._mentor(mentor, profile, MentorshipKind.PRIMARY)
        return mentor

    # -- the levels --

    def trainees(self) -> None:
        self._high_school_students()
        self._undergraduates()
        self._professional_masters()
        self._academic_masters_and_doctoral_students()
        self._residents()
        self._peer_seniors()

    def _high_school_students(self) -> None:
        # Partner-school students who join a research team for their last years at school.
        for cohort, count in ((2024, 12), (2025, 12)):
            for _ in range(count):
                person = self._trainee(TraineeLevel.HIGH_SCHOOL, cohort, "hs-1", None)
                profile = self._profile(person, TraineeLevel.HIGH_SCHOOL, cohort, "hs-1", None)
                self._primary_mentor(profile, team_leaders=True)

    def _undergraduates(self) -> None:
        # A few took the integrated path: research team at high school, then medicine here, same mentor.
        integrated = {2022: 1, 2023: 1, 2024: 1, 2025: 2}
        for cohort, count in ((2021, 6), (2022, 14), (2023, 14), (2024, 15), (2025, 15)):
            for index in range(count):
                from_high_school = index < integrated.get(cohort, 0)
                person = self._trainee(
                    TraineeLevel.UNDERGRADUATE,
                    cohort,
                    "hmu",
                    "clinical-medicine",
                    first_level=TraineeLevel.HIGH_SCHOOL if from_high_school else None,
                    first_cohort=cohort - 3 if from_high_school else None,
                )
                team_mentor = None
                if from_high_school:
                    school = self._profile(
                        person,
                        TraineeLevel.HIGH_SCHOOL,
                        cohort - 3,
                        "hs-1",
                        None,
                        status=Status.COMPLETED,
                        end_date=datetime.date(cohort, 6, 30),
                    )
                    team_mentor = self._primary_mentor(school, team_leaders=True)
                # One student of 2023 took a year out (休学).
                suspended = cohort == 2023 and index == count - 1
                profile = self._profile(
                    person,
                    TraineeLevel.UNDERGRADUATE,
                    cohort,
                    "hmu",
                    "clinical-medicine",
                    status=Status.SUSPENDED if suspended else None,
                )
                if from_high_school or self.rng.random() < 0.45:
                    self._primary_mentor(profile, team_leaders=True, keep=team_mentor)

    def _professional_masters(self) -> None:
        # Clinical professional master's students (专硕): trained at a hospital, home department there,
        # with a school and a hospital mentor. Many did their undergraduate degree here.
        from_undergraduate = {2024: 12, 2025: 18}
        for cohort, count in ((2020, 6), (2021, 6), (2022, 8), (2023, 10), (2024, 30), (2025, 32)):
            for index in range(count):
                if cohort == 2025 and index < 2:
                    institution, department = DEMO_HOME_DEPARTMENT
                else:
                    institution, department = self._clinical_department(
                        ("hmu-h1", "hmu-h1", "hmu-h1", "hmu-h2")
                    )
                was_undergraduate = index < from_undergraduate.get(cohort, 0)
                person = self._trainee(
                    TraineeLevel.PROFESSIONAL_MASTER,
                    cohort,
                    institution,
                    department,
                    first_level=TraineeLevel.UNDERGRADUATE if was_undergraduate else None,
                    first_cohort=cohort - 5 if was_undergraduate else None,
                )
                if was_undergraduate:
                    earlier = self._profile(
                        person,
                        TraineeLevel.UNDERGRADUATE,
                        cohort - 5,
                        "hmu",
                        "clinical-medicine",
                        status=Status.COMPLETED,
                        end_date=datetime.date(cohort, 6, 30),
                    )
                    if self.rng.random() < 0.4:
                        self._primary_mentor(earlier, team_leaders=True)
                profile = self._profile(
                    person, TraineeLevel.PROFESSIONAL_MASTER, cohort, institution, department
                )
                self._school_mentor(profile)
                self._hospital_mentor(profile)

    def _academic_department(self) -> tuple[str, str]:
        code = self.rng.choices(
            ("internal-medicine", "surgery", "oncology", "translational-lab"), weights=(3, 3, 3, 4)
        )[0]
        return "hmu", code

    def _academic_masters_and_doctoral_students(self) -> None:
        # Academic master's students; three of 2022 went straight on to a doctorate with their mentor.
        continuing: list[tuple[_PersonPlan, _PersonPlan, tuple[str, str]]] = []
        for cohort, count in ((2022, 5), (2023, 6), (2024, 14), (2025, 14)):
            for index in range(count):
                institution, department = self._academic_department()
                person = self._trainee(TraineeLevel.ACADEMIC_MASTER, cohort, institution, department)
                withdrawn = cohort == 2024 and index == count - 1
                profile = self._profile(
                    person,
                    TraineeLevel.ACADEMIC_MASTER,
                    cohort,
                    institution,
                    department,
                    status=Status.WITHDRAWN if withdrawn else None,
                    end_date=datetime.date(2025, 3, 14) if withdrawn else None,
                )
                if cohort == 2022 and index < 3:
                    mentor = self._primary_mentor(profile, doctoral_only=True)
                    continuing.append((person, mentor, (institution, department)))
                else:
                    self._primary_mentor(profile)

        # Doctoral students, at the university's departments or the cancer hospital's. Four of 2020
        # and 2021 became postdocs at the cancer hospital; half of 2022 is still writing up.
        postdocs: list[tuple[_PersonPlan, int]] = []
        for cohort, count in ((2020, 4), (2021, 4), (2022, 6), (2023, 8), (2024, 8), (2025, 7)):
            for index in range(count):
                if self.rng.random() < 0.6:
                    institution, department = self._academic_department()
                else:
                    institution, department = self._clinical_department(("hmu-h2",))
                person = self._trainee(TraineeLevel.DOCTORAL, cohort, institution, department)
                extended = cohort == 2022 and index % 2 == 1
                profile = self._profile(
                    person,
                    TraineeLevel.DOCTORAL,
                    cohort,
                    institution,
                    department,
                    status=Status.ACTIVE if extended else None,
                )
                self._primary_mentor(profile, doctoral_only=True)
                if cohort in (2020, 2021) and index < 2:
                    postdocs.append((person, cohort + 4))
        for person, mentor, (institution, department) in continuing:
            profile = self._profile(person, TraineeLevel.DOCTORAL, 2025, institution, department)
            self._primary_mentor(profile, doctoral_only=True, keep=mentor)

        # Postdocs: the cancer hospital's postdoctoral station, and the university's key laboratory.
        for person, cohort in postdocs:
            institution, department = self._clinical_department(("hmu-h2",))
            profile = self._profile(person, TraineeLevel.POSTDOC, cohort, institution, department)
            self._primary_mentor(profile, doctoral_only=True)
        for cohort, count in ((2022, 2), (2023, 3), (2024, 3), (2025, 5)):
            for _ in range(count):
                if self.rng.random() < 0.75:
                    institution, department = self._clinical_department(("hmu-h2",))
                else:
                    institution, department = "hmu", "translational-lab"
                person = self._trainee(TraineeLevel.POSTDOC, cohort, institution, department)
                profile = self._profile(person, TraineeLevel.POSTDOC, cohort, institution, department)
                self._primary_mentor(profile, doctoral_only=True)

    def _residents(self) -> None:
        # Residents in standardised training who are not degree students.
        for cohort, count in ((2023, 10), (2024, 18), (2025, 20)):
            for _ in range(count):
                institution, department = self._clinical_department(("hmu-h1", "hmu-h1", "hmu-h2"))
                person = self._trainee(TraineeLevel.RESIDENT, cohort, institution, department)
                self._profile(person, TraineeLevel.RESIDENT, cohort, institution, department)

    def _peer_seniors(self) -> None:
        """Senior-leads-junior (高带低): each first-year master's student gets a doctoral or senior
        master's student, preferably from the same department or the same mentor's team."""
        active = [p for p in self.plan.profiles if p.is_active]
        juniors = [
            p
            for p in active
            if p.cohort == 2025
            and p.level in (TraineeLevel.PROFESSIONAL_MASTER, TraineeLevel.ACADEMIC_MASTER)
        ]
        seniors = [
            p
            for p in active
            if p.level == TraineeLevel.DOCTORAL
            or (
                p.cohort <= 2024
                and p.level in (TraineeLevel.PROFESSIONAL_MASTER, TraineeLevel.ACADEMIC_MASTER)
            )
        ]

        def mentors(profile: _ProfilePlan) -> set[str]:
            return {
                m.mentor.national_id
                for kind in (MentorshipKind.PRIMARY, MentorshipKind.SCHOOL)
                for m in self.mentors_of[(profile.person.national_id, kind)]
                if m.end_date is None
            }

        for junior in juniors:
            same_department = [
                s for s in seniors if (s.institution, s.department) == (junior.institution, junior.department)
            ]
            same_team = [s for s in seniors if mentors(s) & mentors(junior)]
            same_institution = [s for s in seniors if s.institution == junior.institution]
            for tier in (same_team, same_department, same_institution, seniors):
                available = [s for s in tier if self._peer_load[s.person.national_id] < MAX_PEER_JUNIORS]
                if available:
                    senior = self.rng.choice(available)
                    self._peer_load[senior.person.national_id] += 1
                    self._mentor(senior.person, junior, MentorshipKind.PEER_SENIOR)
                    break

    # -- logins --

    def logins(self) -> None:
        def only(institution: str, code: str) -> _PersonPlan:
            return self.faculty_by_department[(institution, code)][0].person

        home = DEMO_HOME_DEPARTMENT
        trainee = next(
            p
            for p in self.plan.profiles
            if p.is_active
            and p.level == TraineeLevel.PROFESSIONAL_MASTER
            and (p.institution, p.department) == home
            and self.mentors_of[(p.person.national_id, MentorshipKind.PEER_SENIOR)]
        )
        school_mentor = self.mentors_of[(trainee.person.national_id, MentorshipKind.SCHOOL)][0].mentor
        head, secretary = self.faculty_by_department[home][:2]
        self.plan.logins = [
            _LoginPlan("admin", Role.PLATFORM_ADMIN, "hmu", None, None, is_superuser=True),
            _LoginPlan("officer", Role.PROGRAMME_OFFICER, "hmu", None, only("hmu", "graduate-school")),
            _LoginPlan("talent", Role.TALENT_OFFICER, "hmu-h2", None, only("hmu-h2", "talent-office")),
            _LoginPlan("head", Role.DEPARTMENT_HEAD, home[0], home[1], head.person),
            _LoginPlan("mentor", Role.MENTOR, school_mentor.institution, None, school_mentor),
            _LoginPlan("teacher", Role.CLINICAL_TEACHER, home[0], home[1], secretary.person),
            _LoginPlan("trainee", Role.TRAINEE, trainee.institution, None, trainee.person),
            _LoginPlan("leader", Role.LEADER, "hmu", None, only("hmu", "president-office")),
        ]


def build_demo_plan() -> DemoPlan:
    """The whole demo data set, in memory. Pure: the same every call, no database access."""
    builder = _PlanBuilder()
    builder.faculty()
    builder.trainees()
    builder.logins()
    return builder.plan


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

    def _pk(self, person: _PersonPlan) -> int:
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
