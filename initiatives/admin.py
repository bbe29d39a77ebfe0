from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from iapt_platform.lib.admin import FormulaSafeExportMixin, SlugImportExportMixin

from . import services
from .models import Initiative, Programme, Sector
from .resources import InitiativeResource


@admin.register(Sector)
class SectorAdmin(SlugImportExportMixin, TranslationAdmin):
    list_display = ["name", "isic_code", "order"]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Programme)
class ProgrammeAdmin(SlugImportExportMixin, admin.ModelAdmin):
    list_display = ["name", "acronym", "kind", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "acronym"]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Initiative)
class InitiativeAdmin(FormulaSafeExportMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    """The registry for staff, with bulk import (dry run first, per-row errors) and history."""

    list_display = ["name", "kind", "country", "status", "updated_at"]
    list_filter = ["status", "kind", "country", "sectors"]
    search_fields = ["name", "acronym", "city"]
    filter_horizontal = ["sectors", "managers"]
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ["programme"]
    resource_classes = [InitiativeResource]
    import_formats = [base_formats.CSV, base_formats.XLSX]
    export_formats = [base_formats.CSV, base_formats.XLSX]

    def has_import_permission(self, request):
        # An import creates and publishes initiatives: it takes both rights, not just access.
        return request.user.has_perm("initiatives.add_initiative") and request.user.has_perm(
            "initiatives.change_initiative"
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the sectors are saved, so that the search document includes them. (The registry
        # version is bumped by initiatives.signals on every save.)
        services.initiative_refresh_search(initiative=form.instance)
