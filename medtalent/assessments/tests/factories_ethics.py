"""Ethics-record factories beyond the plain ``EthicsRecordFactory`` (a reported minor concern)."""

from medtalent.assessments.models import EthicsRecord

from .factories import EthicsRecordFactory


class SeriousViolationFactory(EthicsRecordFactory):
    """A serious violation under review: one decision away from a veto."""

    kind = EthicsRecord.Kind.VIOLATION
    severity = EthicsRecord.Severity.SERIOUS
    status = EthicsRecord.Status.UNDER_REVIEW
