import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from medtalent.assessments.models import (
    Assessment,
    AssessmentRequirement,
    EthicsRecord,
    Instrument,
    InstrumentVersion,
    LogbookEntry,
    LogbookItem,
)
from medtalent.people.tests.factories import DepartmentFactory, PersonFactory, TraineeProfileFactory


def shipped_version(code: str) -> InstrumentVersion:
    """The current version of a shipped instrument (``mini_cex``, ``dops``, ``medical_record_quality``,
    ``department_exit_exam``), loaded by the data migration."""
    return InstrumentVersion.objects.filter(instrument__code=code, instrument__institution=None).latest(
        "number"
    )


MINI_CEX_SCORES = {
    "interview": 6,
    "physical_exam": 5,
    "humanistic": 7,
    "clinical_judgement": 6,
    "communication": 6,
    "organisation": 5,
    "overall": 6,
}


class InstrumentFactory(DjangoModelFactory):
    class Meta:
        model = Instrument

    code = factory.Sequence(lambda n: f"instrument_{n}")
    kind = Instrument.Kind.RATING_SCALE
    name_zh = factory.Sequence(lambda n: f"量表{n}")
    name_en = factory.Sequence(lambda n: f"Instrument {n}")


class InstrumentVersionFactory(DjangoModelFactory):
    class Meta:
        model = InstrumentVersion

    instrument = factory.SubFactory(InstrumentFactory)
    number = 1
    definition = factory.LazyFunction(
        lambda: {
            "scale": {"min": 1, "max": 5, "not_applicable_allowed": True, "bands": []},
            "items": [{"code": "skill", "zh": "技能", "en": "Skill"}],
        }
    )


class AssessmentFactory(DjangoModelFactory):
    """A submitted Mini-CEX (scores as ``MINI_CEX_SCORES``, mean 5.86) unless told otherwise."""

    class Meta:
        model = Assessment

    instrument_version = factory.LazyFunction(lambda: shipped_version("mini_cex"))
    trainee = factory.SubFactory(TraineeProfileFactory)
    assessor = factory.SubFactory(PersonFactory)
    department = factory.SubFactory(DepartmentFactory)
    status = Assessment.Status.SUBMITTED
    origin = Assessment.Origin.ASSESSOR
    requested_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=2))
    submitted_at = factory.LazyFunction(timezone.now)
    performed_on = factory.LazyFunction(timezone.localdate)
    scores = factory.LazyFunction(lambda: dict(MINI_CEX_SCORES))
    total = factory.LazyFunction(lambda: __import__("decimal").Decimal("5.86"))
    band = "4"  # the Satisfactory band (4-6)


class AssessmentRequirementFactory(DjangoModelFactory):
    class Meta:
        model = AssessmentRequirement

    instrument = factory.LazyFunction(lambda: shipped_version("mini_cex").instrument)
    minimum = 2


class LogbookItemFactory(DjangoModelFactory):
    class Meta:
        model = LogbookItem

    department = factory.SubFactory(DepartmentFactory)
    institution = factory.SelfAttribute("department.institution")
    kind = LogbookItem.Kind.PROCEDURE
    code = factory.Sequence(lambda n: f"procedure_{n}")
    name_zh = factory.Sequence(lambda n: f"操作{n}")
    name_en = factory.Sequence(lambda n: f"Procedure {n}")
    minimum = 5


class LogbookEntryFactory(DjangoModelFactory):
    class Meta:
        model = LogbookEntry

    item = factory.SubFactory(LogbookItemFactory)
    trainee = factory.SubFactory(TraineeProfileFactory)
    department = factory.SelfAttribute("item.department")
    performed_on = factory.LazyFunction(timezone.localdate)
    supervisor = factory.SubFactory(PersonFactory)


class EthicsRecordFactory(DjangoModelFactory):
    class Meta:
        model = EthicsRecord

    person = factory.SubFactory(PersonFactory)
    kind = EthicsRecord.Kind.CONCERN
    occurred_on = datetime.date(2026, 3, 1)
    title = factory.Sequence(lambda n: f"Record {n}")
