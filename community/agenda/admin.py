from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from iapt_platform.lib.taxonomy.admin import TopicAdmin

from .models import AgendaItem, LineOfWork, Proposal, Round

admin.site.register(LineOfWork, TopicAdmin)


@admin.register(Round)
class RoundAdmin(TranslationAdmin):
    list_display = ["title", "proposals_open_at", "prioritising_close_at", "supports_per_member"]
    prepopulated_fields = {"slug": ["title_es"]}
    filter_horizontal = ["lines_of_work"]


@admin.register(Proposal)
class ProposalAdmin(TranslationAdmin):
    list_display = ["title", "round", "status", "answer", "created_at"]
    list_filter = ["status", "answer", "round"]
    raw_id_fields = ["author", "answered_by", "discussion", "initiatives", "resources", "threads"]


@admin.register(AgendaItem)
class AgendaItemAdmin(TranslationAdmin):
    list_display = ["title", "year", "status", "progress", "target_date"]
    list_filter = ["year", "status"]
    raw_id_fields = ["proposal", "responsible"]
