"""The admin site shows rotations for inspection; changes go through the pages and services, which
validate, lock and audit them. Capacities are plain figures and may be corrected here."""

from typing import Any

from django.contrib import admin

from .models import (
    DepartmentCapacity,
    Leave,
    MentorResearchCapacity,
    ResearchWindow,
    RotationBlock,
    RotationEnrolment,
    RotationStandard,
    Schedule,
    StandardEdition,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class StandardEditionInline(admin.TabularInline):
    model = StandardEdition
    fields = ("number", "label", "total_months", "version", "created_by", "created_at")
    readonly_fields = ("number", "label", "total_months", "version", "created_by", "created_at")
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(RotationStandard)
class RotationStandardAdmin(ReadOnlyAdmin):
    list_display = ["specialty", "name_zh", "name_en", "institution"]
    list_filter = ["institution"]
    search_fields = ["specialty", "name_zh", "name_en"]
    list_select_related = ["institution"]
    inlines = [StandardEditionInline]


@admin.register(StandardEdition)
class StandardEditionAdmin(ReadOnlyAdmin):
    list_display = ["standard", "number", "label", "total_months", "created_at"]
    list_select_related = ["standard__institution"]
    search_fields = ["standard__specialty", "label"]


@admin.register(RotationEnrolment)
class RotationEnrolmentAdmin(ReadOnlyAdmin):
    list_display = ["trainee", "edition", "start_month", "institution"]
    list_filter = ["institution"]
    list_select_related = ["trainee__person", "edition__standard", "institution"]


@admin.register(DepartmentCapacity)
class DepartmentCapacityAdmin(admin.ModelAdmin):
    list_display = ["department", "month", "minimum", "maximum"]
    list_filter = ["department__institution"]
    list_select_related = ["department"]
    autocomplete_fields = ["department"]
    date_hierarchy = "month"


@admin.register(Leave)
class LeaveAdmin(ReadOnlyAdmin):
    list_display = ["trainee", "reason", "start_month", "months"]
    list_filter = ["reason"]
    list_select_related = ["trainee__person"]


@admin.register(ResearchWindow)
class ResearchWindowAdmin(ReadOnlyAdmin):
    list_display = ["trainee", "mentor", "months", "earliest_start", "latest_end"]
    list_select_related = ["trainee__person", "mentor"]


@admin.register(MentorResearchCapacity)
class MentorResearchCapacityAdmin(admin.ModelAdmin):
    list_display = ["mentor", "concurrent_students"]
    list_select_related = ["mentor"]
    autocomplete_fields = ["mentor"]


@admin.register(Schedule)
class ScheduleAdmin(ReadOnlyAdmin):
    list_display = ["title", "institution", "status", "first_month", "horizon_months", "published_at"]
    list_filter = ["status", "institution"]
    list_select_related = ["institution"]


@admin.register(RotationBlock)
class RotationBlockAdmin(ReadOnlyAdmin):
    list_display = ["trainee", "kind", "department", "start_month", "months", "status", "locked"]
    list_filter = ["kind", "status"]
    list_select_related = ["trainee__person", "department", "schedule"]
