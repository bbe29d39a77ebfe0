"""Read only: pages are edited and published in their staff pages (/legal/staff/), where each
publication is a version; the admin only lets a superuser look up versions and consents."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Consent, PageVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PageVersion)
class PageVersionAdmin(ReadOnlyAdmin):
    list_display = ["page", "number", "published_at", "published_by", "change_note"]
    list_filter = ["page"]
    list_select_related = ["page", "published_by"]


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ["user", "version", "context", "given_at"]
    list_filter = ["context", "version__page"]
    search_fields = ["user__email"]
    list_select_related = ["user", "version__page"]
    date_hierarchy = "given_at"
