from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from iapt_platform.lib.admin import SlugImportExportMixin
from iapt_platform.lib.taxonomy.admin import TopicAdmin

from . import services
from .models import (
    Collection,
    CollectionItem,
    Evidence,
    EvidenceOutcome,
    Resource,
    ResourceCountry,
    ResourceLanguage,
    Topic,
)

admin.site.register(Topic, TopicAdmin)


class LanguageInline(admin.TabularInline):
    model = ResourceLanguage
    extra = 0


class CountryInline(admin.TabularInline):
    model = ResourceCountry
    extra = 0


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    """Staff correct metadata and links here. New files come through the proposal form, which
    checks them; the admin shows the stored file but does not take uploads."""

    list_display = ["title", "type", "status", "year", "download_count", "link_status"]
    list_filter = ["status", "type", "link_status", "topics"]
    search_fields = ["title", "publisher", "slug"]
    filter_horizontal = ["topics", "initiatives", "projects"]
    inlines = [LanguageInline, CountryInline]
    readonly_fields = [
        "stored_file",
        "file_name",
        "file_mimetype",
        "file_size",
        "cover",
        "first_page",
        "processed_at",
        "processing_error",
        "download_count",
        "link_status",
        "link_checked_at",
        "link_error",
        "created_at",
    ]
    # The stored files are shown through the views above: private storage has no public address.
    exclude = ["file_kind", "file", "thumbnail"]
    raw_id_fields = ["contributed_by"]

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        services.resource_refresh_search(resource=form.instance)

    @admin.display(description=_("file"))
    def stored_file(self, resource: Resource) -> str:
        # Private storage has no public address (its url() refuses): link the download view,
        # which checks who may have the file.
        if not resource.file:
            return "-"
        url = reverse("library:download", args=[resource.slug])
        return format_html('<a href="{}">{}</a>', url, resource.file_name or resource.slug)

    @admin.display(description=_("first page"))
    def first_page(self, resource: Resource) -> str:
        # As private as the file: shown through the image view, which checks who may see it.
        if not resource.thumbnail:
            return "-"
        url = reverse("library:image", args=[resource.slug])
        return format_html('<a href="{}">{}</a>', url, _("first page"))


class OutcomeInline(admin.TabularInline):
    model = EvidenceOutcome
    extra = 1


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["resource", "method", "direction", "sector"]
    list_filter = ["method", "direction"]
    raw_id_fields = ["resource"]
    inlines = [OutcomeInline]


class CollectionItemInline(TranslationTabularInline):
    model = CollectionItem
    extra = 1
    raw_id_fields = ["resource"]


@admin.register(Collection)
class CollectionAdmin(SlugImportExportMixin, TranslationAdmin):
    import_exclude = ("resources", "created_at")  # entries: through the inline
    list_display = ["title", "order", "is_published"]
    prepopulated_fields = {"slug": ("title",)}
    inlines = [CollectionItemInline]
