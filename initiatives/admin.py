from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from .models import Initiative, Programme, Sector


@admin.register(Sector)
class SectorAdmin(TranslationAdmin):
    list_display = ["name", "isic_code", "order"]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "acronym", "kind", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "acronym"]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country", "status", "updated_at"]
    list_filter = ["status", "kind", "country", "sectors"]
    search_fields = ["name", "acronym", "city"]
    filter_horizontal = ["sectors", "managers"]
    prepopulated_fields = {"slug": ("name",)}
