from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from iapt_platform.lib.taxonomy.admin import TopicAdmin

from .models import Opportunity, OpportunityDocument, Topic

admin.site.register(Topic, TopicAdmin)


class DocumentInline(admin.TabularInline):
    # Documents arrive through the app's own form (the upload validator); here they are listed.
    model = OpportunityDocument
    extra = 0
    can_delete = True
    fields = ["original_name", "mimetype", "size", "order"]
    readonly_fields = ["original_name", "mimetype", "size"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Opportunity)
class OpportunityAdmin(TranslationAdmin):
    """Opportunities for staff; publishing and the queue are on the app's pages, which announce
    what is published (the admin changes fields only)."""

    inlines = [DocumentInline]
    list_display = ["__str__", "kind", "status", "organiser", "opens_at", "closes_at"]
    list_filter = ["status", "kind", "whole_region", "topics"]
    search_fields = ["title_es", "title_en", "title_pt_br", "organiser", "slug"]
    date_hierarchy = "closes_at"
    filter_horizontal = ["sectors", "topics"]
    raw_id_fields = ["proposed_by"]
    readonly_fields = ["status", "created_at", "updated_at", "published_at", "announced_at"]
