from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "community.meetings"
    label = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        from . import site_search as kinds_in_search

        kinds_in_search.register_kinds()  # the one search (iapt_platform/lib/site_search.py)
        from . import email_samples

        email_samples.register()
        from . import announcements

        announcements.register()
        from iapt_platform.accounts import menu, roles
        from iapt_platform.dashboard import registry as dashboard
        from iapt_platform.lib import demo as demo_registry
        from iapt_platform.lib import sitemaps
        from iapt_platform.lib.cache import bump_on_change
        from iapt_platform.lib.home import register_home_section
        from iapt_platform.lib.pagecache import also_shows
        from initiatives.matchmaking.hooks import register_project_section

        from . import demo, metrics, projects, selectors
        from .models import Material, Meeting, Registration

        # Cache invalidation: every page showing meetings carries their version (registrations
        # count: seats left, participation).
        bump_on_change(
            selectors.MEETINGS_VERSION,
            Meeting,
            Registration,
            Material,
            m2m=(Meeting.initiatives.through, Meeting.resources.through),
        )
        also_shows("matchmaking:project", selectors.meetings_version)  # its project section

        dashboard.register_section(
            dashboard.MEETINGS,
            [
                (
                    "meetings_held",
                    _("Meetings held"),
                    _("Meetings with recorded attendance."),
                    metrics.held,
                    dashboard.COUNT,
                    # With a country chosen, a meeting held says someone of it came.
                    "meeting_participants",
                ),
                (
                    "meeting_participants",
                    _("Participants"),
                    _("People who attended a meeting, each once."),
                    metrics.participants,
                ),
                (
                    "meeting_women",
                    _("Share of women (%)"),
                    _("Women among participants who stated a gender (self-described)."),
                    metrics.women,
                    dashboard.SHARE,
                ),
                (
                    "meeting_countries",
                    _("Countries of participants"),
                    _("Countries the participants came from."),
                    metrics.countries,
                    dashboard.COUNT,
                    "meeting_participants",
                ),
                (
                    "meeting_first_time",
                    _("First-time participants"),
                    _("People attending a meeting for the first time."),
                    metrics.first_time,
                    dashboard.PEOPLE,
                    "meeting_participants",
                    # Participants less first-timers are those who came back: protected too.
                    "meeting_participants",
                ),
            ],
            kind=dashboard.PEOPLE,
        )
        from .sitemaps import MeetingSitemap

        sitemaps.register("meetings", MeetingSitemap)
        register_home_section(
            "meetings",
            template="meetings/partials/home_section.html",
            context=lambda request: {"meetings": list(selectors.meeting_upcoming(limit=3))},
            version=selectors.meetings_version,
            order=40,
        )
        demo_registry.register_seeder("meetings", demo.seed, order=60)
        # Dates over the last months, for the community dashboard (after every seeder).
        demo_registry.register_seeder("meetings_activity", demo.seed_activity, order=96)
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

        # Download my data
        from iapt_platform.accounts import personal_data

        from . import selectors as meetings_selectors

        personal_data.register_export(
            "meetings",
            meetings_selectors.personal_data_of,
            order=50,
            description=_(
                "Your meeting registrations (and attendance), and the meetings you organised."
            ),
        )
        # Closing an account: future registrations go; past ones stay, anonymous, for statistics.
        from iapt_platform.accounts.personal_data import register_closing

        from .services import participant_depart

        register_closing("meetings", participant_depart, order=50)
        # Certificates: exported with their codes; closing revokes them and forgets the name (it
        # runs first, while the registrations still name the account).
        from .certificates import selectors as certificate_selectors
        from .certificates import services as certificate_services

        personal_data.register_export(
            "meeting_certificates",
            certificate_selectors.personal_data_of,
            order=51,
            description=_("Your certificates of attendance, with their verification addresses."),
        )
        register_closing("meeting_certificates", certificate_services.certificates_depart, order=49)
        demo_registry.register_seeder("meetings_certificates", demo.seed_certificates, order=97)
