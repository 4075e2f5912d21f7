"""The demo data set's static reference tables: its institutions and departments, how their staff
are generated, and the codes, prefixes and ages its people, numbers and stages are made from.
"""

import datetime
from typing import NamedTuple

from medtalent.people.models import (
    Department,
    FacultyProfile,
    Institution,
    Mentorship,
    TraineeLevel,
    TraineeProfile,
)

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
        "hmu",
        "华东医科大学",
        "East China Medical University",
        Kind.UNIVERSITY,
        None,
        False,
        "ecmu.example.cn",
    ),
    _Institution(
        "hmu-h1",
        "华东医科大学附属第一医院",
        "The First Affiliated Hospital of East China Medical University",
        Kind.HOSPITAL,
        "hmu",
        True,
        "fah.ecmu.example.cn",
    ),
    _Institution(
        "hmu-h2",
        "华东医科大学附属肿瘤医院",
        "The Affiliated Cancer Hospital of East China Medical University",
        Kind.HOSPITAL,
        "hmu",
        True,
        "ch.ecmu.example.cn",
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
        "华东工程学院机械与医学工程学院",
        "School of Mechanical and Medical Engineering, East China Institute of Engineering",
        Kind.ENGINEERING_SCHOOL,
        None,
        False,
        "ecie.example.cn",
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
STUDENT_EMAIL_DOMAIN = "stu.ecmu.example.cn"

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
