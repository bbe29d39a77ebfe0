from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "community.meetings"
    label = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        from iapt_platform.accounts import menu, roles
        from iapt_platform.lib import demo as demo_registry
        from iapt_platform.lib import sitemaps
        from iapt_platform.lib.home import register_home_section
        from initiatives.matchmaking.hooks import register_project_section

        from . import demo, projects, selectors
        from .sitemaps import MeetingSitemap

        sitemaps.register("meetings", MeetingSitemap)
        register_home_section(
            "meetings",
            template="meetings/partials/home_section.html",
            context=lambda request: {"meetings": list(selectors.meeting_upcoming(limit=3))},
            order=40,
        )
        demo_registry.register_seeder("meetings", demo.seed, order=60)
        # Joint projects are seeded after meetings (matchmaking's seeder runs at 70).
        demo_registry.register_seeder("meetings_projects", demo.seed_project_links, order=75)
        register_project_section(
            "meetings",
            template="meetings/partials/project.html",
            context=projects.project_section,
            order=10,
        )
        menu.register_account_link(
            _("Your meetings"),
            "meetings:mine",
            order=60,
            description=_("Meetings you registered for, and your calendar address"),
        )
        menu.register_account_link(
            _("Run meetings"),
            "meetings:staff_list",
            order=90,
            description=_("Create and publish meetings, record attendance, see participation"),
            visible=roles.is_moderator,
        )
