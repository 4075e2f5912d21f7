from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import (
    ApiToken,
    Department,
    FacultyProfile,
    Institution,
    Mentorship,
    Person,
    RoleAssignment,
    TraineeProfile,
    User,
)


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["institution", "department"]


@admin.register(User)
class MedTalentUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("MedTalent", {"fields": ("person", "language")}))  # type: ignore[misc]
    autocomplete_fields = ["person"]
    inlines = [RoleAssignmentInline]
    list_select_related = ["person"]


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["parent"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "institution", "kind", "rotation_capacity"]
    list_filter = ["kind", "institution"]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["institution"]
    filter_horizontal = ["linked_departments"]


class TraineeProfileInline(admin.TabularInline):
    model = TraineeProfile
    extra = 0
    fk_name = "person"


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "name_latin", "institution", "department", "masked_national_id"]
    list_filter = ["institution", "gender"]
    search_fields = ["name_zh", "name_latin", "email"]
    list_select_related = ["institution", "department"]
    inlines = [TraineeProfileInline]
    readonly_fields = ["version"]


@admin.register(FacultyProfile)
class FacultyProfileAdmin(admin.ModelAdmin):
    list_display = ["person", "clinical_title", "academic_title", "supervisor_qualification"]
    list_select_related = ["person"]
    search_fields = ["person__name_zh", "person__name_latin", "staff_number"]


@admin.register(Mentorship)
class MentorshipAdmin(admin.ModelAdmin):
    list_display = ["mentor", "mentee", "kind", "start_date", "end_date"]
    list_filter = ["kind"]
    list_select_related = ["mentor", "mentee"]
    autocomplete_fields = ["mentor", "mentee"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "display_prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["token_hash", "display_prefix"]
    list_select_related = ["user"]
