"""Names of the form fields the shipped instruments declare by code only, in both languages."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

FIELD_LABELS = {
    "trainee_type": _("Trainee type"),
    "assessor_title": _("Assessor's title"),
    "setting": _("Setting"),
    "patient_age": _("Patient's age"),
    "patient_sex": _("Patient's sex"),
    "patient_status": _("New or follow-up"),
    "diagnosis": _("Diagnosis"),
    "complexity": _("Case complexity"),
    "focus": _("Focus"),
    "procedure": _("Procedure"),
    "prior_cases": _("Times performed before"),
    "observation_minutes": _("Minutes observed"),
    "feedback_minutes": _("Minutes of feedback"),
    "assessor_satisfaction": _("Assessor's satisfaction (1–9)"),
    "trainee_satisfaction": _("Trainee's satisfaction (1–9)"),
    "strengths": _("Strengths"),
    "improvements": _("Points to improve"),
}

CHOICE_LABELS = {
    "intern": _("Intern"),
    "resident": _("Resident"),
    "postgraduate": _("Postgraduate"),
    "eight_year_programme": _("Eight-year programme"),
    "visiting_physician": _("Visiting physician"),
    "senior": _("Senior"),
    "intermediate": _("Intermediate"),
    "junior": _("Junior"),
    "ward": _("Ward"),
    "outpatient": _("Outpatient clinic"),
    "emergency": _("Emergency"),
    "operating_theatre": _("Operating theatre"),
    "skills_centre": _("Skills centre"),
    "male": _("Male"),
    "female": _("Female"),
    "new": _("New"),
    "follow_up": _("Follow-up"),
    "low": _("Low"),
    "moderate": _("Moderate"),
    "high": _("High"),
    "history": pgettext_lazy("Mini-CEX focus", "History"),
    "diagnosis": _("Diagnosis"),
    "treatment": _("Treatment"),
    "health_education": _("Health education"),
    "0": "0",
    "1-3": "1–3",
    ">4": "≥4",
}
