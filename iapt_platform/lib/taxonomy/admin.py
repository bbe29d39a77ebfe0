from modeltranslation.admin import TranslationAdmin

from iapt_platform.lib.admin import SlugImportExportMixin


class TopicAdmin(SlugImportExportMixin, TranslationAdmin):
    """A topic list in the admin: each language's name, bulk import and export by slug."""

    list_display = ["name", "slug", "order"]
    # The slug follows the Spanish name, the language staff write first.
    prepopulated_fields = {"slug": ("name_es",)}
