"""Reference data in the admin. Assessments, logbook entries and ethics records are changed only through
their services and pages (validation, locking, audit), so they are not registered here."""

from django.contrib import admin

from .models import AssessmentRequirement, EthicsPolicy, Instrument, InstrumentVersion, LogbookItem


class InstrumentVersionInline(admin.TabularInline):
    model = InstrumentVersion
    fields = ("number", "frozen_at", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "kind", "institution", "is_active")
    list_filter = ("kind", "is_active")
    readonly_fields = ("code", "kind", "institution")
    inlines = [InstrumentVersionInline]


@admin.register(AssessmentRequirement)
class AssessmentRequirementAdmin(admin.ModelAdmin):
    list_display = ("institution", "instrument", "standard", "department", "minimum")
    list_select_related = ("institution", "instrument", "standard", "department")


@admin.register(LogbookItem)
class LogbookItemAdmin(admin.ModelAdmin):
    list_display = ("department", "kind", "code", "name_zh", "minimum", "is_active")
    list_filter = ("kind", "is_active")
    list_select_related = ("department",)


@admin.register(EthicsPolicy)
class EthicsPolicyAdmin(admin.ModelAdmin):
    list_display = ("institution", "veto_months")
