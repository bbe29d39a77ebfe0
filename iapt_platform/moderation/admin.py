from django.contrib import admin
from django.http import HttpRequest

from .models import ModerationEvent, ModerationItem


class ModerationEventInline(admin.TabularInline):
    model = ModerationEvent
    fields = ("created_at", "action", "actor", "comment")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ModerationItem)
class ModerationItemAdmin(admin.ModelAdmin):
    """Read only: decisions are taken in the moderation queue, where they are audited."""

    list_display = ["title", "kind", "country", "status", "submitted_by", "created_at"]
    list_filter = ["status", "kind", "country"]
    search_fields = ["title"]
    date_hierarchy = "created_at"
    list_select_related = ["submitted_by"]
    readonly_fields = (
        "kind",
        "content_type",
        "object_id",
        "title",
        "country",
        "submitted_by",
        "status",
        "created_at",
        "updated_at",
        "decided_at",
    )
    fields = readonly_fields
    inlines = [ModerationEventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
