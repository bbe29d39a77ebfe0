from django.contrib import admin
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline

from iapt_platform.lib.taxonomy.admin import TopicAdmin

from . import services
from .forms import ImageAdminForm, StoryAdminForm
from .models import GalleryImage, InterviewBlock, ProposalImage, Story, StoryProposal, Topic

admin.site.register(Topic, TopicAdmin)


class InterviewBlockInline(TranslationStackedInline):
    model = InterviewBlock
    extra = 1
    fields = ["order", "question", "answer"]


class GalleryImageInline(TranslationStackedInline):
    model = GalleryImage
    form = ImageAdminForm
    extra = 1
    fields = ["order", "image", "caption"]


@admin.register(Story)
class StoryAdmin(TranslationAdmin):
    """Stories for staff, each language's fields together; publishing is setting the status and
    a publication date (a future date schedules it)."""

    form = StoryAdminForm
    inlines = [InterviewBlockInline, GalleryImageInline]
    list_display = ["__str__", "kind", "status", "published_at", "updated_at"]
    list_filter = ["status", "kind", "topics"]
    search_fields = ["title_es", "title_en", "title_pt_br", "slug"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["initiatives"]
    filter_horizontal = ["sectors", "topics"]
    raw_id_fields = ["proposal"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["kind", "slug", "status", "published_at"]}),
        (None, {"fields": ["title", "summary", "body"]}),
        (None, {"fields": ["hero_image", "hero_alt", "video_url"]}),
        (
            None,
            {
                "fields": [
                    "initiatives",
                    "countries",
                    "sectors",
                    "topics",
                    "author_credits",
                    "proposal",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.story_saved(story=form.instance, hero_changed="hero_image" in form.changed_data)
        if form.instance.is_public:
            services.queue_published_notice()


class ProposalImageInline(admin.TabularInline):
    model = ProposalImage
    form = ImageAdminForm
    extra = 0


@admin.register(StoryProposal)
class StoryProposalAdmin(admin.ModelAdmin):
    list_display = ["title", "initiative", "proposed_by", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["title", "initiative__name", "proposed_by__email"]
    raw_id_fields = ["initiative", "proposed_by"]
    inlines = [ProposalImageInline]
