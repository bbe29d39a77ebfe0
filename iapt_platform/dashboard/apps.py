from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "iapt_platform.dashboard"
    label = "dashboard"
    verbose_name = _("Community dashboard")

    def ready(self) -> None:
        from iapt_platform.accounts import menu, roles

        menu.register_account_link(
            _("Community dashboard"),
            "dashboard:index",
            order=6,
            description=_("How the community is doing over a period, by country, with downloads"),
            visible=roles.is_moderator,
        )
