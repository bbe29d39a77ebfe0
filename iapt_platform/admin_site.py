"""The admin site, open to staff and to moderators (who are not staff: see accounts.permissions)."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class PlatformAdminSite(admin.AdminSite):
    site_header = _("IAPT Platform")
    site_title = _("IAPT Platform")

    def has_permission(self, request: HttpRequest) -> bool:
        # Moderators do their whole job here without is_staff; what each may change is decided
        # model by model by the permissions their role carries.
        from iapt_platform.accounts import roles  # this module loads with the app registry

        user = request.user
        return bool(user.is_active and (user.is_staff or roles.is_moderator(user)))


class PlatformAdminConfig(AdminConfig):
    default_site = "iapt_platform.admin_site.PlatformAdminSite"
