from django.contrib import admin

from .models import Follow, NewsNotification


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "key", "muted", "created_at")
    list_filter = ("kind", "muted")
    raw_id_fields = ("user",)


@admin.register(NewsNotification)
class NewsNotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "kind", "content_type", "object_id", "created_at", "read_at")
    list_filter = ("kind",)
    raw_id_fields = ("recipient", "actor")
