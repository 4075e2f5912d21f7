"""The demo data set in memory: built from a seeded random generator, with no database reads, so
every build is the same. ``medtalent.demo.loader`` writes it.
"""

import datetime
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from medtalent.people.models import Gender, Role, TraineeLevel
from medtalent.people.national_id import national_id_check_character

from .catalogue import (
    ACADEMIC,
    CLINICAL,
    DEMO_HOME_DEPARTMENT,
    DEMO_SEED,
    DEMO_TODAY,
    DEPARTMENTS,
    ENGINEERING,
    ENTRY_AGE,
    INSTITUTIONS,
    LEADERSHIP,
    LEVEL_CODES,
    MAX_MENTEES_PER_KIND,
    MAX_PEER_JUNIORS,
    MOBILE_PREFIXES,
    REGION_CODES,
    STAFF_NUMBER_PREFIXES,
    STUDENT_EMAIL_DOMAIN,
    Academic,
    Clinical,
    DeptKind,
    MentorshipKind,
    Status,
    Supervisor,
    _Department,
)
from .names import email_local_part, latin_name, random_name


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
class PersonPlan:
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
    person: PersonPlan
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
    person: PersonPlan
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
    mentor: PersonPlan
    mentee: PersonPlan
    kind: str
    start_date: datetime.date
    end_date: datetime.date | None


@dataclass(eq=False)
class _LoginPlan:
    username: str
    role: str
    institution: str
    department: str | None
    person: PersonPlan | None
    is_superuser: bool = False


@dataclass
class DemoPlan:
    people: list[PersonPlan] = field(default_factory=list)
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
    ) -> PersonPlan:
        gender = Gender.FEMALE if self.rng.random() < female_share else Gender.MALE
        while True:
            surname, given = random_name(self.rng, gender.value, generation=generation)
            if surname + given not in self._names:
                self._names.add(surname + given)
                break
        birth_date = self._date_in(birth_year)
        person = PersonPlan(
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
        person: PersonPlan,
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
    ) -> PersonPlan:
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

    def _pick(self, kind: str, mentee: PersonPlan, tiers: list[list[_FacultyPlan]]) -> PersonPlan:
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

    def _mentor(self, mentor: PersonPlan, profile: _ProfilePlan, kind: str) -> None:
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
        keep: PersonPlan | None = None,
    ) -> PersonPlan:
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
        continuing: list[tuple[PersonPlan, PersonPlan, tuple[str, str]]] = []
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
        postdocs: list[tuple[PersonPlan, int]] = []
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
        def only(institution: str, code: str) -> PersonPlan:
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
