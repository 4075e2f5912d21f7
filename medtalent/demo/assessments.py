"""Demo assessments: what three cohorts' rotations at the First Affiliated Hospital would have produced by
``DEMO_TODAY``: Mini-CEX, DOPS and record-quality scores, exit exams, open requests, logbook entries and an
ethics record with one confirmed veto.

Scores follow each trainee's ability and grow with months in training, so dashboards show real shape:
rising trends, weaker domains, a few low-score flags and failed exit exams.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from medtalent.assessments.models import (
    Assessment,
    AssessmentOrigin,
    AssessmentRequirement,
    AssessmentStatus,
    EthicsRecord,
    Instrument,
    InstrumentVersion,
    LogbookEntry,
    LogbookItem,
)
from medtalent.assessments.scoring import score_answers
from medtalent.people.models import Institution, Mentorship, Person, User
from medtalent.rotations.models import BlockKind, RotationBlock, Schedule
from medtalent.rotations.months import add_months

from .catalogue import DEMO_TODAY

SHANGHAI = ZoneInfo("Asia/Shanghai")
STRENGTHS = (
    "病史采集有条理 · Organised history taking",
    "与患者沟通耐心 · Patient, clear communication",
    "查体手法规范 · Sound examination technique",
    "鉴别诊断思路清晰 · Clear differential diagnosis",
    "无菌观念强 · Strict asepsis",
)
IMPROVEMENTS = (
    "汇报时先给出结论 · Lead the presentation with the conclusion",
    "注意心脏听诊部位 · Auscultate all four valve areas",
    "向患者解释检查目的 · Explain to the patient why a test is needed",
    "操作前核对知情同意 · Check consent before the procedure",
    "时间管理需加强 · Manage time at the bedside",
)
REFLECTION = "已阅，下次改进汇报结构。 · Read; next time I will structure my presentation better."
# Logbook lists for some departments: (kind, code, Chinese, English, minimum, asks for a DOPS)
LOGBOOK = {
    "cardiology": [
        ("case", "heart-failure", "心力衰竭", "Heart failure", 5, False),
        ("case", "acute-coronary-syndrome", "急性冠脉综合征", "Acute coronary syndrome", 3, False),
        ("case", "atrial-fibrillation", "心房颤动", "Atrial fibrillation", 3, False),
        ("procedure", "ecg-reading", "心电图判读", "ECG interpretation", 20, False),
        ("procedure", "cardioversion", "电复律", "Electrical cardioversion", 1, True),
    ],
    "respiratory": [
        ("case", "copd", "慢性阻塞性肺疾病", "COPD", 4, False),
        ("case", "pneumonia", "社区获得性肺炎", "Community-acquired pneumonia", 5, False),
        ("procedure", "thoracentesis", "胸腔穿刺术", "Thoracentesis", 2, True),
    ],
    "general-surgery": [
        ("case", "acute-appendicitis", "急性阑尾炎", "Acute appendicitis", 3, False),
        ("procedure", "suturing", "清创缝合", "Debridement and suturing", 5, True),
        ("procedure", "dressing-change", "换药", "Dressing change", 10, False),
    ],
}


def _moment(day: datetime.date, hour: float) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=SHANGHAI) + datetime.timedelta(hours=hour)


class _Builder:
    def __init__(self, hospital: Institution, admin: Any) -> None:
        self.rng = random.Random(2027)
        self.hospital = hospital
        self.admin = admin
        self.versions = {
            version.instrument.code: version
            for version in InstrumentVersion.objects.filter(instrument__institution=None).select_related(
                "instrument"
            )
        }
        self.ability: dict[int, float] = {}
        self.rows: list[Assessment] = []

    def ability_of(self, trainee_id: int) -> float:
        if trainee_id not in self.ability:
            self.ability[trainee_id] = self.rng.gauss(0, 0.7)
        return self.ability[trainee_id]

    def level(self, block: RotationBlock, day: datetime.date) -> float:
        """How the trainee performs on that day: ability plus growth with months in training."""
        months_in = (day.year - block.trainee.cohort) * 12 + day.month - 9
        return 5.0 + self.ability_of(block.trainee_id) + 0.06 * max(0, months_in)

    def rating(self, code: str, level: float) -> tuple[dict, dict]:
        definition = self.versions[code].definition
        scores: dict[str, Any] = {}
        for item in definition["items"]:
            if item["code"] != "overall" and self.rng.random() < 0.12:
                scores[item["code"]] = None
                continue
            scores[item["code"]] = max(1, min(9, round(level + self.rng.gauss(0, 0.9))))
        rated = [value for value in scores.values() if value is not None]
        scores["overall"] = max(1, min(9, round(sum(rated) / len(rated) + self.rng.gauss(0, 0.3))))
        details: dict[str, Any] = {
            "setting": self.rng.choice(["ward", "ward", "outpatient", "emergency"]),
            "complexity": self.rng.choice(["low", "moderate", "moderate", "high"]),
            "observation_minutes": self.rng.choice([10, 15, 15, 20, 25]),
            "feedback_minutes": self.rng.choice([3, 5, 5, 8, 10]),
            "assessor_satisfaction": self.rng.randint(6, 9),
            "trainee_satisfaction": self.rng.randint(6, 9),
            "strengths": self.rng.choice(STRENGTHS),
            "improvements": self.rng.choice(IMPROVEMENTS),
        }
        if code == "dops":
            details["procedure"] = self.rng.choice(
                ["胸腔穿刺 · Thoracentesis", "腰椎穿刺 · Lumbar puncture", "清创缝合 · Suturing"]
            )
            details["prior_cases"] = self.rng.choice(["0", "1-3", ">4"])
        return scores, details

    def points(self, parts: list[dict], level: float) -> dict:
        share = max(0.3, min(1.0, 0.35 + level / 14 + self.rng.gauss(0, 0.07)))
        return {part["code"]: min(part["points"], round(part["points"] * share * 2) / 2) for part in parts}

    def add(
        self,
        *,
        code: str,
        block: RotationBlock,
        assessor_id: int,
        day: datetime.date,
        status: str = AssessmentStatus.ACKNOWLEDGED,
    ) -> None:
        department_id = block.department_id
        assert department_id is not None  # rotations, not research, are assessed
        version = self.versions[code]
        kind = version.instrument.kind
        level = self.level(block, day)
        if kind == "rating_scale":
            scores, details = self.rating(code, level)
        else:
            parts = version.definition["sections" if kind == "points" else "components"]
            scores, details = self.points(parts, level), {}
        clean_scores, clean_details, result = score_answers(
            kind=kind, definition=version.definition, scores=scores, details=details
        )
        origin = self.rng.choice([AssessmentOrigin.TRAINEE_REQUEST, AssessmentOrigin.BEDSIDE_CODE])
        if kind == "exit_exam":
            origin = AssessmentOrigin.ASSESSOR
        requested_at = _moment(day, self.rng.uniform(8, 16))
        if origin == AssessmentOrigin.TRAINEE_REQUEST:
            requested_at -= datetime.timedelta(hours=self.rng.lognormvariate(3.2, 0.9))
        submitted_at = _moment(day, self.rng.uniform(16.5, 18))
        open_request = status == AssessmentStatus.REQUESTED
        self.rows.append(
            Assessment(
                instrument_version=version,
                trainee_id=block.trainee_id,
                assessor_id=assessor_id,
                department_id=department_id,
                rotation_block=block,
                status=status,
                origin=AssessmentOrigin.TRAINEE_REQUEST if open_request else origin,
                requested_by=None,
                requested_at=requested_at,
                due_on=day + datetime.timedelta(days=3) if open_request else None,
                performed_on=None if open_request else day,
                scores={} if open_request else clean_scores,
                details={} if open_request else clean_details,
                total=None if open_request else result.total,
                band="" if open_request else result.band_key,
                passed=None if open_request else result.passed,
                flagged_low=False if open_request else result.flagged_low,
                submitted_at=None if open_request else submitted_at,
                acknowledged_at=submitted_at + datetime.timedelta(days=1)
                if status == AssessmentStatus.ACKNOWLEDGED
                else None,
                reflection=REFLECTION if status == AssessmentStatus.ACKNOWLEDGED else "",
            )
        )


def _assess_block(builder: _Builder, block: RotationBlock, assessors: list[int], demo_users: dict) -> None:
    """A rotation's assessments: Mini-CEX, DOPS, record quality and (when it ended) the exit exam; a running
    rotation has its first Mini-CEX, and sometimes an open request (always for the demo trainee, and to the
    demo teacher for half the trainees in the teacher's department)."""
    rng = builder.rng
    this_month = DEMO_TODAY.replace(day=1)
    end = add_months(block.start_month, block.months)
    running = end > this_month
    last_day = DEMO_TODAY - datetime.timedelta(days=1) if running else end - datetime.timedelta(days=3)
    span = max(1, (last_day - block.start_month).days)

    def on(share: float) -> datetime.date:
        return block.start_month + datetime.timedelta(days=int(span * share))

    recent = running and (DEMO_TODAY - last_day).days < 10
    for index in range(1 if running else rng.choice([1, 2, 2, 2, 3])):
        status = AssessmentStatus.SUBMITTED if recent and index == 0 else AssessmentStatus.ACKNOWLEDGED
        builder.add(
            code="mini_cex",
            block=block,
            assessor_id=rng.choice(assessors),
            day=on((index + 1) / 3.2),
            status=status,
        )
    if rng.random() < 0.75:
        builder.add(code="dops", block=block, assessor_id=rng.choice(assessors), day=on(0.6))
    if not running and rng.random() < 0.85:
        builder.add(
            code="medical_record_quality", block=block, assessor_id=rng.choice(assessors), day=on(0.8)
        )
    if not running and rng.random() < 0.95:
        builder.add(code="department_exit_exam", block=block, assessor_id=assessors[0], day=on(0.97))
    if not running:
        return
    teacher = demo_users.get("teacher")
    if teacher in assessors and rng.random() < 0.5:
        assessor_id = teacher  # the demo teacher has requests waiting
    elif block.trainee.person_id == demo_users.get("trainee") or rng.random() < 0.3:
        assessor_id = rng.choice(assessors)
    else:
        return
    day = DEMO_TODAY - datetime.timedelta(days=rng.randint(0, 6))
    builder.add(
        code="mini_cex", block=block, assessor_id=assessor_id, day=day, status=AssessmentStatus.REQUESTED
    )


def load_assessment_demo(*, admin: Any, hospital_code: str, stdout: Any = None) -> bool:
    """Load demo assessments for the hospital's published schedule, once. Returns whether it loaded."""
    hospital = Institution.objects.get(code=hospital_code)
    if Assessment.objects.filter(department__institution=hospital).exists():
        return False
    schedule = Schedule.objects.filter(institution=hospital, status=Schedule.Status.PUBLISHED).first()
    if schedule is None:
        return False
    builder = _Builder(hospital, admin)
    faculty: dict[int, list[int]] = defaultdict(list)
    for person_id, department_id in Person.objects.filter(
        faculty_profile__isnull=False, department__institution=hospital
    ).values_list("pk", "department_id"):
        faculty[department_id].append(person_id)
    blocks = (
        schedule.blocks.filter(kind=BlockKind.ROTATION, start_month__lte=DEMO_TODAY.replace(day=1))
        .select_related("trainee", "department")
        .order_by("trainee_id", "start_month")
    )
    demo_users = dict(
        User.objects.filter(username__in=["trainee", "teacher"]).values_list("username", "person_id")
    )
    for block in blocks:
        if block.department_id and faculty.get(block.department_id):
            _assess_block(builder, block, faculty[block.department_id], demo_users)
    Assessment.objects.bulk_create(builder.rows, batch_size=500)
    InstrumentVersion.objects.filter(pk__in=[v.pk for v in builder.versions.values()]).update(
        frozen_at=_moment(DEMO_TODAY, 0)
    )
    _requirements(hospital)
    _logbook(hospital, schedule, builder.rng, faculty)
    vetoed = _ethics(hospital, admin, builder.rng)
    if stdout is not None:
        flagged = sum(row.flagged_low for row in builder.rows)
        stdout.write(
            f"Assessments: {len(builder.rows)} ({flagged} flagged low); one confirmed veto ({vetoed})."
        )
    return True


def _requirements(hospital: Institution) -> None:
    instruments = {i.code: i for i in Instrument.objects.filter(institution=None)}
    AssessmentRequirement.objects.bulk_create(
        [
            AssessmentRequirement(institution=hospital, instrument=instruments["mini_cex"], minimum=2),
            AssessmentRequirement(institution=hospital, instrument=instruments["dops"], minimum=1),
            AssessmentRequirement(
                institution=hospital, instrument=instruments["medical_record_quality"], minimum=1
            ),
        ]
    )


def _logbook(
    hospital: Institution, schedule: Schedule, rng: random.Random, faculty: dict[int, list[int]]
) -> None:
    dops = Instrument.objects.get(code="dops", institution=None)
    departments = {d.code: d for d in hospital.departments.filter(code__in=LOGBOOK)}
    items = []
    for code, listed in LOGBOOK.items():
        if code not in departments:
            continue
        for kind, item_code, name_zh, name_en, minimum, asks_dops in listed:
            items.append(
                LogbookItem(
                    institution=hospital,
                    department=departments[code],
                    kind=kind,
                    code=item_code,
                    name_zh=name_zh,
                    name_en=name_en,
                    minimum=minimum,
                    dops_instrument=dops if asks_dops else None,
                )
            )
    LogbookItem.objects.bulk_create(items)
    by_department = defaultdict(list)
    for item in LogbookItem.objects.filter(institution=hospital):
        by_department[item.department_id].append(item)
    this_month = DEMO_TODAY.replace(day=1)
    blocks = schedule.blocks.filter(
        kind=BlockKind.ROTATION, department_id__in=list(by_department), start_month__lte=this_month
    ).select_related("trainee")
    entries: list[LogbookEntry] = []
    for block in blocks:
        supervisors = faculty.get(block.department_id) if block.department_id else None
        if not supervisors or block.department_id is None:
            continue
        end = min(add_months(block.start_month, block.months), DEMO_TODAY)
        span = max(1, (end - block.start_month).days)
        for item in by_department[block.department_id]:
            done = rng.randint(max(0, item.minimum - 3), item.minimum + 2)
            for _index in range(done):
                day = block.start_month + datetime.timedelta(days=rng.randint(0, span - 1))
                recent = (DEMO_TODAY - day).days < 7
                entries.append(
                    LogbookEntry(
                        trainee_id=block.trainee_id,
                        item=item,
                        department_id=block.department_id,
                        rotation_block=block,
                        performed_on=day,
                        role=rng.choice(["performed", "performed", "assisted"]),
                        supervisor_id=rng.choice(supervisors),
                        status="pending" if recent else "verified",
                        verified_at=None if recent else _moment(day + datetime.timedelta(days=1), 10),
                    )
                )
    LogbookEntry.objects.bulk_create(entries, batch_size=1000)


def _ethics(hospital: Institution, admin: Any, rng: random.Random) -> str:
    """Commendations and concerns for some trainees, and one confirmed serious violation (the veto) for a
    mentee of the demo mentor who is not the demo trainee."""
    from medtalent.people.models import TraineeProfile

    trainees = list(
        TraineeProfile.objects.filter(institution=hospital, status=TraineeProfile.Status.ACTIVE)
        .select_related("person")
        .order_by("pk")
    )
    mentor_id = User.objects.filter(username="mentor").values_list("person_id", flat=True).first()
    trainee_person = User.objects.filter(username="trainee").values_list("person_id", flat=True).first()
    mentees = set(
        Mentorship.objects.filter(mentor_id=mentor_id)
        .exclude(mentee_id=trainee_person)
        .values_list("mentee_id", flat=True)
    )
    records = []
    for trainee in rng.sample(trainees, k=min(12, len(trainees))):
        records.append(
            EthicsRecord(
                person=trainee.person,
                kind=EthicsRecord.Kind.COMMENDATION,
                severity=EthicsRecord.Severity.MINOR,
                status=EthicsRecord.Status.CONFIRMED,
                occurred_on=DEMO_TODAY - datetime.timedelta(days=rng.randint(20, 500)),
                title="患者来信表扬 · Thank-you letter from a patient",
                reported_by=admin,
            )
        )
    statuses = ["reported", "under_review", "dismissed", "confirmed"]
    for trainee, status in zip(rng.sample(trainees, k=len(statuses)), statuses, strict=True):
        records.append(
            EthicsRecord(
                person=trainee.person,
                kind=EthicsRecord.Kind.CONCERN,
                severity=EthicsRecord.Severity.MINOR,
                status=status,
                occurred_on=DEMO_TODAY - datetime.timedelta(days=rng.randint(5, 200)),
                title="交班记录不完整 · Incomplete handover note",
                reported_by=admin,
            )
        )
    candidates = [t for t in trainees if t.person_id in mentees] or trainees
    vetoed = candidates[0]
    occurred = datetime.date(2026, 6, 14)
    records.append(
        EthicsRecord(
            person=vetoed.person,
            kind=EthicsRecord.Kind.VIOLATION,
            severity=EthicsRecord.Severity.SERIOUS,
            status=EthicsRecord.Status.CONFIRMED,
            occurred_on=occurred,
            title="收受患者红包 · Accepted a cash gift from a patient's family",
            description="经科室调查核实并上报医务处。 · Confirmed by the inquiry; reported.",
            reported_by=admin,
            decided_by=admin,
            decided_at=_moment(datetime.date(2026, 7, 2), 10),
            decision_note="一票否决，两年内不得参评。 · One-vote veto: ineligible for two years.",
            veto_until=add_months(occurred, 24),
        )
    )
    EthicsRecord.objects.bulk_create(records)
    return vetoed.person.display_name
