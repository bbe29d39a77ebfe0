from django.contrib import admin

from iapt_platform.lib.taxonomy.admin import TopicAdmin

from .models import CollaborationPost, Connection, Project, ProjectPartner, Suggestion, Topic


@admin.register(Topic)
class MatchmakingTopicAdmin(TopicAdmin):
    list_display = ["name", "slug", "digital", "order"]
    # The flag beside the name, where it stood before the shared model put `order` first.
    fields = ["slug", "name", "digital", "order"]


@admin.register(CollaborationPost)
class CollaborationPostAdmin(admin.ModelAdmin):
    list_display = ["title", "initiative", "direction", "kind", "status", "expires_at"]
    list_filter = ["direction", "kind", "status"]
    raw_id_fields = ["initiative", "created_by"]
    search_fields = ["title", "initiative__name"]


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ["from_initiative", "to_initiative", "status", "stage", "created_at"]
    list_filter = ["status", "stage"]
    raw_id_fields = ["from_initiative", "to_initiative", "post", "sent_by", "decided_by"]


class PartnerInline(admin.TabularInline):
    model = ProjectPartner
    raw_id_fields = ["initiative", "confirmed_by", "added_by"]
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "stage", "status", "published_at"]
    list_filter = ["stage", "status"]
    inlines = [PartnerInline]
    raw_id_fields = ["connection", "created_by"]


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ["initiative", "other", "score", "computed_at"]
    raw_id_fields = ["initiative", "other"]
