"""The people roster import: people, their current training stage, faculty titles and mentors.

One row is one person. The row is matched to a person on record by national ID number, else by
student or staff number, else by name and birth date (among people with no ID number on record).
A new person is created in the institution chosen at upload. Empty cells leave fields as they are.
Mentor cells name a faculty member by staff number or by name.
"""

import datetime
import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Model, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtalent.core.errors import ApplicationError
from medtalent.core.imports.engine import Action, ImportColumn, Importer, ImportRow, register_importer
from medtalent.core.imports.reading import header_key
from medtalent.core.imports.values import (
    CellError,
    choice_lookup,
    clean_text,
    digits_text,
    parse_choice,
    parse_date,
)

from .access import scope_for
from .models import (
    Department,
    FacultyProfile,
    Gender,
    Institution,
    Mentorship,
    MentorshipKind,
    Person,
    TraineeLevel,
    TraineeProfile,
)
from .national_id import normalise_national_id
from .services import birth_date_checked

# Words offices write for the choices, besides the labels themselves.
_SYNONYMS: dict[type, dict[str, str]] = {
    Gender: {"男性": "male", "女性": "female", "m": "male", "f": "female", "未知": "unspecified"},
    TraineeLevel: {
        "高中生": "high_school",
        "高中": "high_school",
        "本科": "undergraduate",
        "本科生": "undergraduate",
        "专硕": "professional_master",
        "专业学位硕士": "professional_master",
        "专业型硕士": "professional_master",
        "学硕": "academic_master",
        "学术学位硕士": "academic_master",
        "学术型硕士": "academic_master",
        "博士": "doctoral",
        "博士生": "doctoral",
        "博士研究生": "doctoral",
        "住院医师": "resident",
        "规培": "resident",
        "规培生": "resident",
        "规培住院医师": "resident",
    },
}


@functools.cache
def _lookup(choices: type) -> dict[str, Any]:
    lookup = choice_lookup(choices)
    for word, value in _SYNONYMS.get(choices, {}).items():
        lookup[header_key(word)] = value
    return lookup


def _choice(choices: type) -> Any:
    def parse(value: Any) -> Any:
        return parse_choice(value, _lookup(choices), choices)

    return parse


def _national_id(value: Any) -> str:
    return normalise_national_id(digits_text(value))


def _cohort(value: Any) -> int:
    text = re.sub(r"[级届年]$", "", clean_text(value))
    if not text.isdigit() or not 1950 <= int(text) <= 2100:
        raise CellError(_("Write the year of entry, such as 2024."))
    return int(text)


COLUMNS = (
    ImportColumn("name_zh", gettext_lazy("Chinese name"), ("姓名", "中文名", "name"), example="王小明"),
    ImportColumn(
        "name_latin",
        gettext_lazy("Name in Latin script"),
        ("拼音", "英文名", "pinyin"),
        example="Wang Xiaoming",
    ),
    ImportColumn("gender", gettext_lazy("Gender"), ("性别", "sex"), _choice(Gender), example="男"),
    ImportColumn("birth_date", gettext_lazy("Birth date"), ("出生日期", "生日", "出生年月日"), parse_date),
    ImportColumn(
        "national_id",
        gettext_lazy("ID number"),
        ("身份证号", "身份证号码", "身份证", "证件号码", "national id number", "id no"),
        _national_id,
        example="110105199503070021",
        hint=gettext_lazy("18 characters; keep the column formatted as text"),
    ),
    ImportColumn(
        "email", gettext_lazy("E-mail"), ("邮箱", "电子邮箱", "email"), example="wxm@example.edu.cn"
    ),
    ImportColumn(
        "phone",
        gettext_lazy("Phone"),
        ("手机", "手机号", "电话", "联系电话", "mobile"),
        digits_text,
        example="13800138000",
    ),
    ImportColumn(
        "department", gettext_lazy("Department"), ("科室", "部门", "所在科室", "dept"), example="心内科"
    ),
    ImportColumn(
        "level",
        gettext_lazy("Level"),
        ("培养层次", "层次", "学生类别", "类别"),
        _choice(TraineeLevel),
        example="专硕",
    ),
    ImportColumn(
        "cohort", gettext_lazy("Cohort"), ("年级", "入学年份", "级别", "入学年级"), _cohort, example=2024
    ),
    ImportColumn("specialty", gettext_lazy("Specialty"), ("专业", "专业名称"), example="内科学"),
    ImportColumn(
        "student_number",
        gettext_lazy("Student number"),
        ("学号", "学籍号", "student no"),
        digits_text,
        example="2024110001",
    ),
    ImportColumn(
        "start_date",
        gettext_lazy("Start date"),
        ("入学日期", "开始日期", "入学时间"),
        parse_date,
        example="2024-09-01",
    ),
    ImportColumn(
        "staff_number", gettext_lazy("Staff number"), ("工号", "职工号", "人事编号", "staff no"), digits_text
    ),
    ImportColumn(
        "clinical_title",
        gettext_lazy("Clinical title"),
        ("职称", "临床职称"),
        _choice(FacultyProfile.ClinicalTitle),
    ),
    ImportColumn(
        "academic_title",
        gettext_lazy("Academic title"),
        ("教学职称", "学术职称"),
        _choice(FacultyProfile.AcademicTitle),
    ),
    ImportColumn(
        "supervisor_qualification",
        gettext_lazy("Supervisor qualification"),
        ("导师资格", "导师类别"),
        _choice(FacultyProfile.SupervisorQualification),
    ),
    ImportColumn("mentor", gettext_lazy("Mentor"), ("导师", "指导老师", "supervisor"), example=""),
    ImportColumn(
        "school_mentor", gettext_lazy("School mentor"), ("校内导师", "学校导师", "第一导师"), example="李建国"
    ),
    ImportColumn(
        "hospital_mentor",
        gettext_lazy("Hospital mentor"),
        ("医院导师", "临床导师", "基地导师", "第二导师"),
        example="陈静",
    ),
)

PERSON_COLUMNS = (
    "name_zh",
    "name_latin",
    "gender",
    "birth_date",
    "national_id",
    "email",
    "phone",
    "department",
)
TRAINEE_COLUMNS = ("level", "cohort", "specialty", "student_number", "start_date", "department")
FACULTY_COLUMNS = ("staff_number", "clinical_title", "academic_title", "supervisor_qualification")
MENTOR_COLUMNS = {
    "mentor": MentorshipKind.PRIMARY,
    "school_mentor": MentorshipKind.SCHOOL,
    "hospital_mentor": MentorshipKind.HOSPITAL,
}
_AMBIGUOUS = -1


@dataclass
class _Plan:
    """What one row writes."""

    person: Person
    department: Department | None = None  # as the file names it
    person_fields: set[str] = field(default_factory=set)
    trainee: TraineeProfile | None = None  # new or changed stage
    trainee_fields: set[str] = field(default_factory=set)
    trainee_completes: TraineeProfile | None = None  # the stage a new one closes
    faculty: FacultyProfile | None = None
    faculty_fields: set[str] = field(default_factory=set)
    mentorships: list[Mentorship] = field(default_factory=list)
    mentorships_ended: list[Mentorship] = field(default_factory=list)


def _shown(value: Any) -> str:
    if isinstance(value, Model):
        return str(value)
    return "" if value is None else str(value)


@register_importer
class PeopleImporter(Importer):
    kind = "people"
    label = gettext_lazy("People (roster)")
    columns = COLUMNS
    key_labels = {
        "national_id": gettext_lazy("The ID number"),
        "student_number": gettext_lazy("The student number"),
        "staff_number": gettext_lazy("The staff number"),
        "name_birth": gettext_lazy("The name and birth date"),
    }

    # --- upload form ---------------------------------------------------------------------------

    @classmethod
    def _institutions(cls, user: Any) -> Any:
        scope = scope_for(user)
        institutions = Institution.objects.order_by("code")
        return institutions if scope.is_admin else institutions.filter(pk__in=scope.officer_institution_ids)

    @classmethod
    def can_import(cls, user: Any) -> bool:
        return cls._institutions(user).exists()

    @classmethod
    def option_fields(cls, user: Any) -> dict[str, forms.Field]:
        return {
            "institution": forms.ModelChoiceField(
                queryset=cls._institutions(user),
                to_field_name="code",  # so that the command line takes --option institution=CODE
                label=gettext_lazy("Institution of new people"),
                help_text=gettext_lazy("Departments in the file are looked up in this institution."),
            )
        }

    @classmethod
    def clean_options(cls, user: Any, data: dict[str, Any]) -> dict[str, Any]:
        institution = data.get("institution")
        if institution is None or not cls._institutions(user).filter(pk=institution.pk).exists():
            raise ApplicationError(_("Choose an institution you manage."), field="institution")
        return {"institution": institution.pk}

    def describe_options(self) -> list[tuple[Any, str]]:
        return [(gettext_lazy("Institution of new people"), str(self.institution))]

    def result_url(self) -> str:
        return f"{reverse('directory')}?import_batch={self.batch.pk}"

    # --- planning ------------------------------------------------------------------------------

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.institution = Institution.objects.get(pk=self.options["institution"])
        scope = scope_for(self.actor) if self.actor is not None else None
        self.manageable: set[int] | None = (
            None if scope is None or scope.is_admin else set(scope.officer_institution_ids)
        )
        self.mentors: dict[str, int] = {}
        self.today = timezone.localdate()
        # The commit re-plans inside its transaction: lock what it will update.
        self.locking = connection.in_atomic_block

    @functools.cached_property
    def departments(self) -> dict[str, Department | None]:
        """The institution's departments by code and by either name (loaded when a file is read)."""
        departments: dict[str, Department | None] = {}
        for department in Department.objects.filter(institution=self.institution):
            for name in (department.code, department.name_zh, department.name_en):
                key = header_key(name)
                if key:  # two departments with one name: the name alone cannot say which
                    other = departments.get(key, department)
                    departments[key] = department if other == department else None
        return departments

    def _people(self) -> Any:
        people = Person.objects.all()
        return people.select_for_update(of=("self",)) if self.locking else people

    def _find_people(self, rows: list[ImportRow]) -> dict[tuple[str, Any], set[int]]:
        """Person IDs on record for each key the rows carry, in four queries."""
        found: dict[tuple[str, Any], set[int]] = defaultdict(set)
        values: dict[str, set[Any]] = defaultdict(set)
        for row in rows:
            for key in ("national_id", "student_number", "staff_number"):
                if key in row.values:
                    values[key].add(row.values[key])
            name = row.values.get("name_zh") or row.values.get("name_latin")
            if name and row.values.get("birth_date"):
                values["name"].add(name)
        if values["national_id"]:
            for pk, number in Person.objects.filter(national_id__in=values["national_id"]).values_list(
                "pk", "national_id"
            ):
                found["national_id", number].add(pk)
        if values["student_number"]:
            for pk, number in TraineeProfile.objects.filter(
                institution=self.institution, student_number__in=values["student_number"]
            ).values_list("person_id", "student_number"):
                found["student_number", number].add(pk)
        if values["staff_number"]:
            for pk, number in FacultyProfile.objects.filter(
                person__institution=self.institution, staff_number__in=values["staff_number"]
            ).values_list("person_id", "staff_number"):
                found["staff_number", number].add(pk)
        if values["name"]:
            for pk, name_zh, name_latin, born in Person.objects.filter(
                Q(name_zh__in=values["name"]) | Q(name_latin__in=values["name"]),
                institution=self.institution,
                national_id__isnull=True,
            ).values_list("pk", "name_zh", "name_latin", "birth_date"):
                for name in {name_zh, name_latin} & values["name"]:
                    found["name_birth", (name, born)].add(pk)
        return found

    def _resolve_mentors(self, rows: list[ImportRow]) -> None:
        """Mentor cells to person IDs (or ``_AMBIGUOUS``), cached for the whole file.

        Only faculty on record before the upload count: a mentor created by this very file would
        make the commit's plan differ from the preview's.
        """
        wanted = {
            row.values[column] for row in rows for column in MENTOR_COLUMNS if column in row.values
        } - set(self.mentors)
        if not wanted:
            return
        faculty = FacultyProfile.objects.filter(person__created_at__lt=self.batch.created_at)
        if self.manageable is not None:
            family = self.manageable | {self.institution.pk}
            faculty = faculty.filter(person__institution_id__in=family)
        matches: dict[str, set[int]] = defaultdict(set)
        for person_id, staff_number, name_zh, name_latin in faculty.filter(
            Q(staff_number__in=wanted) | Q(person__name_zh__in=wanted) | Q(person__name_latin__in=wanted)
        ).values_list("person_id", "staff_number", "person__name_zh", "person__name_latin"):
            for text in {staff_number, name_zh, name_latin} & wanted:
                matches[text].add(person_id)
        for text in wanted:
            ids = matches.get(text, set())
            self.mentors[text] = next(iter(ids)) if len(ids) == 1 else (_AMBIGUOUS if ids else 0)

    def plan(self, rows: list[ImportRow]) -> None:
        found = self._find_people(rows)
        self._resolve_mentors(rows)
        matched = {row.number: self._match(row, found) for row in rows}
        ids = {pk for pk in matched.values() if pk}
        people = {person.pk: person for person in self._people().filter(pk__in=ids)}
        stages = {
            stage.person_id: stage
            for stage in TraineeProfile.objects.filter(person_id__in=ids, status=TraineeProfile.Status.ACTIVE)
        }
        faculty = {profile.person_id: profile for profile in FacultyProfile.objects.filter(person_id__in=ids)}
        mentorships: dict[tuple[int, str], Mentorship] = {}
        # Current ones, and those not started yet (a cohort imported before its stage starts).
        for mentorship in Mentorship.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=self.today),
            mentee_id__in=ids,
            kind__in=MENTOR_COLUMNS.values(),
        ):
            mentorships[mentorship.mentee_id, mentorship.kind] = mentorship
        for row in rows:
            if row.errors:
                continue
            pk = matched[row.number]
            person = people.get(pk) if pk else None
            if (
                person is not None
                and self.manageable is not None
                and person.institution_id not in self.manageable
            ):
                row.error("national_id", _("This person belongs to an institution you do not manage."))
                continue
            plan = _Plan(person=person or Person(institution=self.institution))
            row.payload = plan
            row.target = pk
            self._plan_person(row, plan, is_new=person is None)
            if not row.errors:
                self._plan_trainee(row, plan, stages.get(pk) if pk else None)
                self._plan_faculty(row, plan, faculty.get(pk) if pk else None)
                self._plan_mentors(row, plan, pk, mentorships)
            self._own_keys(row, plan)
            if person is None:
                row.action = Action.CREATE
            elif row.changes:
                row.action = Action.UPDATE

    def _match(self, row: ImportRow, found: dict[tuple[str, Any], set[int]]) -> int | None:
        values = row.values
        name = values.get("name_zh") or values.get("name_latin")
        if not (name or "national_id" in values or "student_number" in values or "staff_number" in values):
            row.error("name_zh", _("Give a name, or an ID, student or staff number, to say who this is."))
            return None
        candidates: set[int] = set()
        for key in ("national_id", "student_number", "staff_number"):
            if key in values:
                row.keys.append((key, values[key]))
                candidates |= found.get((key, values[key]), set())
        if name and "birth_date" in values:
            key_entry = ("name_birth", (name, values["birth_date"]))
            strong = any(key in values for key in ("national_id", "student_number", "staff_number"))
            (row.owned_keys if strong else row.keys).append(key_entry)
            if not candidates and "national_id" not in values:
                by_name = found.get(key_entry, set())
                if len(by_name) > 1:
                    row.error(
                        "name_zh", _("Several people have this name and birth date: add the ID number.")
                    )
                    return None
                candidates |= by_name
        if len(candidates) > 1:
            row.error(
                "national_id",
                _("The ID number, student number and staff number in this row belong to different people."),
            )
            return None
        if not candidates and not name:
            row.error("name_zh", _("A new person needs a name."))
            return None
        return next(iter(candidates), None)

    def _own_keys(self, row: ImportRow, plan: _Plan) -> None:
        """After the row is written, the person will also be found by these: a later row may not use them."""
        person = plan.person
        name = person.name_zh or person.name_latin
        for key, value in (("national_id", person.national_id), ("name_birth", (name, person.birth_date))):
            if value and (key, value) not in row.keys and (key != "name_birth" or person.birth_date):
                row.owned_keys.append((key, value))

    def _change(
        self, row: ImportRow, instance: Any, prefix: str, name: str, value: Any, changed: set[str]
    ) -> None:
        """Set one field if the file differs, unless a person changed it by hand (and may keep it)."""
        current = getattr(instance, name)
        current_key = current.pk if isinstance(current, Model) else current
        new_key = value.pk if isinstance(value, Model) else value
        if current_key == new_key:
            return
        if instance.pk and name in instance.manually_edited_fields and not self.batch.overwrite_manual:
            row.kept.append(
                (
                    name if name in row.values else "",
                    _("Kept “%(current)s”, changed by hand; the file says “%(value)s”.")
                    % {"current": _shown(current), "value": _shown(value)},
                )
            )
            return
        setattr(instance, name, value)
        changed.add(name)
        row.changes[f"{prefix}.{name}"] = new_key

    def _validate(self, row: ImportRow, instance: Any, fields: set[str]) -> None:
        if self.committing:
            return
        # Related records were looked up by the importer itself: checking each again would cost a query.
        exclude = [f.name for f in instance._meta.fields if f.name not in fields or f.is_relation]
        try:
            instance.clean_fields(exclude=exclude)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    row.error(name, message)

    def _department(self, row: ImportRow) -> Department | None:
        text = row.values.get("department")
        if text is None:
            return None
        key = header_key(text)
        department = self.departments.get(key)
        if department is None:
            message = (
                _("Two departments of %(institution)s have this name: use its code.")
                if key in self.departments
                else _("%(institution)s has no department “%(name)s”.")
            )
            row.error("department", message % {"institution": self.institution, "name": text})
        return department

    def _plan_person(self, row: ImportRow, plan: _Plan, *, is_new: bool) -> None:
        person, values = plan.person, row.values
        department = plan.department = self._department(row)
        for name in PERSON_COLUMNS:
            value = department if name == "department" else values.get(name)
            if value is not None:
                self._change(row, person, "person", name, value, plan.person_fields)
        if person.national_id:
            try:
                born = birth_date_checked(person.national_id, values.get("birth_date"))
            except ValueError:
                pass  # not shaped like an ID number: validating the field below says why
            except ApplicationError as error:
                row.error("birth_date", error.message)
            else:
                if person.birth_date is None:
                    self._change(row, person, "person", "birth_date", born, plan.person_fields)
        if is_new:
            plan.person_fields.add("institution")
        self._validate(row, person, plan.person_fields)

    def _plan_trainee(self, row: ImportRow, plan: _Plan, stage: TraineeProfile | None) -> None:
        values = row.values
        if not any(name in values for name in TRAINEE_COLUMNS if name != "department"):
            return
        level = values.get("level")
        if stage is None or (level and level != stage.level):
            if not level:
                row.error("level", _("Give the level to start a training stage."))
                return
            if "cohort" not in values:
                row.error("cohort", _("Give the cohort to start a training stage."))
                return
            start = values.get("start_date") or datetime.date(values["cohort"], 9, 1)
            if stage is not None:
                if start <= stage.start_date:
                    row.error(
                        "start_date",
                        _("A new stage must start after the current one (%(date)s).")
                        % {"date": stage.start_date},
                    )
                    return
                stage.status = TraineeProfile.Status.COMPLETED
                day_before = start - datetime.timedelta(days=1)
                stage.end_date = min(stage.end_date or day_before, day_before)
                plan.trainee_completes = stage
                row.changes["trainee.completes"] = stage.pk
            stage = TraineeProfile(institution=self.institution, level=level, start_date=start)
            plan.trainee_fields |= {"institution", "level", "start_date", "status"}
            row.changes["trainee.level"] = level
        department = plan.department
        for name in ("cohort", "specialty", "student_number", "start_date"):
            if name in values:
                self._change(row, stage, "trainee", name, values[name], plan.trainee_fields)
        if department is not None:
            self._change(row, stage, "trainee", "department", department, plan.trainee_fields)
        if plan.trainee_fields:
            plan.trainee = stage
            self._validate(row, stage, plan.trainee_fields - {"institution"})

    def _plan_faculty(self, row: ImportRow, plan: _Plan, profile: FacultyProfile | None) -> None:
        given = [name for name in FACULTY_COLUMNS if name in row.values]
        if not given:
            return
        profile = profile or FacultyProfile()
        for name in given:
            self._change(row, profile, "faculty", name, row.values[name], plan.faculty_fields)
        if plan.faculty_fields:
            plan.faculty = profile
            self._validate(row, profile, plan.faculty_fields)

    def _plan_mentors(
        self, row: ImportRow, plan: _Plan, mentee_id: int | None, current: dict[tuple[int, str], Mentorship]
    ) -> None:
        for column, kind in MENTOR_COLUMNS.items():
            text = row.values.get(column)
            if text is None:
                continue
            mentor_id = self.mentors.get(text, 0)
            if mentor_id == _AMBIGUOUS:
                row.error(
                    column,
                    _("Several faculty members are called “%(name)s”: use the staff number.")
                    % {"name": text},
                )
                continue
            if not mentor_id:
                row.error(
                    column,
                    _("No faculty member “%(name)s” on record: add the mentor first.") % {"name": text},
                )
                continue
            if mentor_id == mentee_id:
                row.error(column, _("A person cannot mentor themselves."))
                continue
            existing = current.get((mentee_id, kind)) if mentee_id else None
            if existing is not None:
                if existing.mentor_id == mentor_id:
                    continue
                if existing.import_batch_id is None and not self.batch.overwrite_manual:
                    row.kept.append(
                        (column, _("Kept the mentor %(mentor)s, set by hand.") % {"mentor": existing.mentor})
                    )
                    continue
                existing.end_date = max(existing.start_date, self.today - datetime.timedelta(days=1))
                plan.mentorships_ended.append(existing)
            start = (
                self.today
                if existing is not None
                else (
                    plan.trainee.start_date
                    if plan.trainee is not None and plan.trainee.pk is None
                    else self.today
                )
            )
            plan.mentorships.append(Mentorship(mentor_id=mentor_id, kind=kind, start_date=start))
            row.changes[f"mentor.{kind}"] = mentor_id

    # --- writing -------------------------------------------------------------------------------

    def apply(self, rows: list[ImportRow]) -> None:
        plans: list[_Plan] = [row.payload for row in rows]
        now = timezone.now()
        new_people = [plan.person for plan in plans if plan.person.pk is None]
        changed_people = [plan for plan in plans if plan.person.pk is not None and plan.person_fields]
        self._create(Person, new_people)
        self._update(Person, changed_people, "person", "person_fields", now)
        # Trainee stages: close the ones a new stage follows, then write the new and changed ones.
        completes = [plan.trainee_completes for plan in plans if plan.trainee_completes is not None]
        if completes:
            TraineeProfile.objects.bulk_update(completes, ["status", "end_date"])
        for plan in plans:
            for record in (plan.trainee, plan.faculty):
                if record is not None:
                    record.person = plan.person
            for mentorship in plan.mentorships:
                mentorship.mentee = plan.person
        for model, attribute, fields in (
            (TraineeProfile, "trainee", "trainee_fields"),
            (FacultyProfile, "faculty", "faculty_fields"),
        ):
            with_record = [plan for plan in plans if getattr(plan, attribute) is not None]
            existing = [plan for plan in with_record if getattr(plan, attribute).pk is not None]
            self._create(
                model,
                [getattr(plan, attribute) for plan in with_record if getattr(plan, attribute).pk is None],
            )
            self._update(model, existing, attribute, fields, now)
        ended = [mentorship for plan in plans for mentorship in plan.mentorships_ended]
        if ended:
            Mentorship.objects.bulk_update(ended, ["end_date"])
        self._create(Mentorship, [mentorship for plan in plans for mentorship in plan.mentorships])

    def _create(self, model: type[Model], instances: list[Any]) -> None:
        for instance in instances:
            instance.import_batch = self.batch
        model._default_manager.bulk_create(instances, batch_size=500)

    def _update(
        self,
        model: type[Model],
        plans: list[_Plan],
        attribute: str,
        fields_attribute: str,
        now: datetime.datetime,
    ) -> None:
        """One UPDATE per batch of records: the changed fields, the link to this import, a new version."""
        if not plans:
            return
        instances = [getattr(plan, attribute) for plan in plans]
        fields = {name for plan in plans for name in getattr(plan, fields_attribute)}
        versioned = any(f.name == "version" for f in model._meta.fields)
        for plan, instance in zip(plans, instances, strict=True):
            instance.import_batch = self.batch
            instance.updated_at = now
            if self.batch.overwrite_manual:
                written = getattr(plan, fields_attribute)
                instance.manually_edited_fields = [
                    f for f in instance.manually_edited_fields if f not in written
                ]
            if versioned:
                instance.version = F("version") + 1
        extra = {"import_batch", "updated_at", "manually_edited_fields", *(["version"] if versioned else [])}
        model._default_manager.bulk_update(instances, sorted(fields | extra), batch_size=500)
