from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import roles, services
from .models import AccountClosure, User
from .permissions import MANAGE_ROLES

ROLE_NAMES = {
    roles.MEMBER: _("member"),
    roles.PROMOTER: _("promoter"),
    roles.MODERATOR: _("moderator"),
}


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "role_list", "country", "is_active"]
    list_filter = ["is_active", "is_staff", "groups", "language"]
    search_fields = ["email", "display_name", "organisation"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Profile"),
            {
                "fields": (
                    "display_name",
                    "organisation",
                    "position",
                    "country",
                    "language",
                    "time_zone",
                )
            },
        ),
        (_("Roles"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    actions = ["grant_promoter", "grant_moderator", "withdraw_promoter", "withdraw_moderator"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None):  # type: ignore[override]
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        # Moderators read accounts to manage roles: no password hash, no staff or superuser flags.
        return (
            (None, {"fields": ("email",)}),
            fieldsets[1],
            (_("Roles"), {"fields": ("is_active", "groups")}),
            fieldsets[3],
        )

    @admin.display(description=_("roles"))
    def role_list(self, user: User) -> str:
        names = [str(ROLE_NAMES.get(group.name, group.name)) for group in user.groups.all()]
        return ", ".join(sorted(names))

    def has_manage_roles_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MANAGE_ROLES)

    def _set_role(self, request: HttpRequest, users: QuerySet[User], role: str, granted: bool):
        changed = 0
        for user in users:
            if services.user_role_set(user=user, role=role, granted=granted):
                changed += 1
                # The admin's LogEntry keeps who changed whose role, and when (the user's History).
                template = (
                    gettext("Granted the %(role)s role.")
                    if granted
                    else gettext("Withdrew the %(role)s role.")
                )
                self.log_change(request, user, template % {"role": ROLE_NAMES[role]})
        self.message_user(
            request,
            gettext("Roles changed for %(n)d of %(total)d accounts.")
            % {"n": changed, "total": len(users)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Grant the promoter role"), permissions=["manage_roles"])
    def grant_promoter(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._set_role(request, queryset, roles.PROMOTER, True)

    @admin.action(description=_("Grant the moderator role"), permissions=["manage_roles"])
    def grant_moderator(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._set_role(request, queryset, roles.MODERATOR, True)

    @admin.action(description=_("Withdraw the promoter role"), permissions=["manage_roles"])
    def withdraw_promoter(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._set_role(request, queryset, roles.PROMOTER, False)

    @admin.action(description=_("Withdraw the moderator role"), permissions=["manage_roles"])
    def withdraw_moderator(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._set_role(request, queryset, roles.MODERATOR, False)


@admin.register(AccountClosure)
class AccountClosureAdmin(admin.ModelAdmin):
    """The audit of closed accounts: read only, rows are never changed or removed here."""

    list_display = ["account_number", "closed_at", "closed_by", "reason", "removed_posts"]
    list_filter = ["closed_at"]
    search_fields = ["=account_number"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
