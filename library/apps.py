from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    name = "library"
    verbose_name = _("Resource library")

    def ready(self) -> None:
        from . import announcements

        announcements.register()
        from . import site_search as kinds_in_search

        kinds_in_search.register_kinds()  # the one search (iapt_platform/lib/site_search.py)
        from iapt_platform.accounts import menu
        from iapt_platform.dashboard import registry as dashboard
        from iapt_platform.lib import demo as demo_registry
        from iapt_platform.lib import sitemaps
        from iapt_platform.lib.home import register_home_section
        from iapt_platform.moderation.registry import ModerationKind, register
        from initiatives.matchmaking.hooks import register_project_section

        from . import demo, metrics, projects, review, selectors, services, signals

        dashboard.register_section(
            dashboard.LIBRARY,
            [
                (
                    "resources_added",
                    _("Resources added"),
                    _("Resources published in the library."),
                    metrics.added,
                ),
                (
                    "resources_downloaded",
                    _("Resources downloaded"),
                    _("Downloads of the library's files (each visitor once a day)."),
                    metrics.downloaded,
                ),
            ],
        )
        from . import sitemaps as app_sitemaps
        from .models import Resource

        signals.connect()
        from iapt_platform.lib.pagecache import also_shows

        # {% initiative_resources %} and the project section.
        also_shows("initiatives:detail", selectors.library_version)
        from initiatives.selectors import page_shows

        page_shows(
            "resources",
            version=selectors.LIBRARY_VERSION.get,  # bumped by any change to the links
            initiatives=lambda: Resource.initiatives.through.objects.values_list(
                "initiative_id", flat=True
            ).distinct(),
        )
        also_shows("matchmaking:project", selectors.library_version)
        sitemaps.register(
            "resources", app_sitemaps.ResourceSitemap, version=selectors.library_version
        )
        register_home_section(
            "library",
            template="library/partials/home_section.html",
            context=lambda request: {"resources": list(selectors.resource_latest(limit=4))},
            order=30,
            version=selectors.library_version,
        )
        demo_registry.register_seeder("library", demo.seed, order=40)
        # Dates over the last months, for the community dashboard (after every seeder).
        demo_registry.register_seeder("library_activity", demo.seed_activity, order=92)
        # Joint projects are seeded after the library (matchmaking's seeder runs at 70).
        demo_registry.register_seeder("library_projects", demo.seed_project_links, order=75)
        register_project_section(
            "resources",
            template="library/partials/project_resources.html",
            context=projects.project_section,
            order=20,
        )
        menu.register_account_link(
            _("Your library contributions"),
            "library:mine",
            order=60,
            description=_("Propose a methodology, a guide or a study for the library"),
        )
        register(
            ModerationKind(
                key=services.MODERATION_KIND,
                label=_("Library resource"),
                model=Resource,
                title=lambda obj: obj.title,
                country=lambda obj: str(
                    obj.country_rows.values_list("country", flat=True).first() or ""
                ),
                preview_url=lambda obj: obj.get_absolute_url(),
                approve=services.approve,
                request_changes=services.request_changes,
                reject=services.reject,
                content=review.resource_content,
                submitter_url=lambda obj: reverse("library:mine"),
            )
        )

        # Download my data
        from iapt_platform.accounts import personal_data

        from . import selectors as library_selectors

        personal_data.register_export(
            "library",
            library_selectors.personal_data_of,
            order=60,
            description=_("The resources you contributed to the library, with their files."),
        )
        # Closing an account: published resources stay without the contributor; the rest goes.
        from iapt_platform.accounts.personal_data import register_closing

        register_closing("library", services.contributor_depart, order=30)
