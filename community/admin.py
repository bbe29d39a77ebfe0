from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from iapt_platform.lib.admin import SlugImportExportMixin
from iapt_platform.lib.taxonomy.admin import TopicAdmin

from .models import Category, Digest, Flag, ForumAction, MemberProfile, Post, Thread, Topic

admin.site.register(Topic, TopicAdmin)


@admin.register(Category)
class CategoryAdmin(SlugImportExportMixin, TranslationAdmin):
    """Staff choose the members of a private working group here (an import takes member ids)."""

    list_display = ["name", "slug", "is_private", "order"]
    list_filter = ["is_private"]
    filter_horizontal = ["members"]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(MemberProfile)
class MemberProfileAdmin(admin.ModelAdmin):
    list_display = ["handle", "user", "organisation_type", "email_frequency"]
    list_filter = ["organisation_type", "email_frequency"]
    search_fields = ["handle", "user__email", "user__display_name"]
    raw_id_fields = ["user", "initiative", "programme"]
    exclude = ["search_document", "search_vector"]


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "author", "is_published", "pinned", "locked", "hidden"]
    list_filter = ["category", "pinned", "locked", "hidden"]
    search_fields = ["title"]
    raw_id_fields = ["author", "accepted_answer"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "author", "status", "hidden", "created_at"]
    list_filter = ["status", "hidden"]
    raw_id_fields = ["thread", "author"]
    exclude = ["search_document", "search_vector"]


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["post", "user", "reason", "status", "created_at"]
    list_filter = ["status", "reason"]
    raw_id_fields = ["post", "user"]


@admin.register(ForumAction)
class ForumActionAdmin(admin.ModelAdmin):
    """The audit trail is read-only."""

    list_display = ["created_at", "actor", "action", "thread", "reason"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "period_start", "item_count", "sent"]
    list_filter = ["kind", "sent"]
    raw_id_fields = ["user"]
