from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class InitiativesConfig(AppConfig):
    name = "initiatives"
    verbose_name = _("Registry of initiatives")

    def ready(self) -> None:
        from . import site_search as kinds_in_search

        kinds_in_search.register_kinds()  # the one search (iapt_platform/lib/site_search.py)
        from . import email_samples

        email_samples.register()
        from iapt_platform.accounts import menu
        from iapt_platform.dashboard import registry as dashboard
        from iapt_platform.lib import demo as demo_registry
        from iapt_platform.lib import sitemaps
        from iapt_platform.lib.home import register_home_section
        from iapt_platform.moderation.registry import ModerationKind, register

        from . import demo, metrics, review, selectors, services, signals
        from . import sitemaps as app_sitemaps
        from .models import Initiative, ManagementRequest

        signals.connect()
        from . import announcements

        announcements.register()
        dashboard.register_section(
            dashboard.REGISTRY,
            [
                (
                    "initiatives_registered",
                    _("Initiatives registered"),
                    _("Initiatives submitted for review for the first time."),
                    metrics.registered,
                ),
                (
                    "initiatives_published",
                    _("Initiatives published"),
                    _("Initiatives that appeared in the public registry."),
                    metrics.published,
                ),
                (
                    "initiatives_updated",
                    _("Initiatives updated"),
                    _("Edits approved and merged into a published profile."),
                    metrics.updated,
                ),
                (
                    "initiatives_stale",
                    _("Initiatives gone stale"),
                    _("Initiatives unconfirmed for 18 months, sent to the moderators."),
                    metrics.gone_stale,
                ),
            ],
        )
        sitemaps.register(
            "initiatives", app_sitemaps.InitiativeSitemap, version=selectors.registry_version
        )
        sitemaps.register(
            "programmes", app_sitemaps.ProgrammeSitemap, version=selectors.registry_version
        )
        register_home_section(
            "initiatives",
            template="initiatives/partials/home_section.html",
            context=lambda request: {"initiatives": list(selectors.initiative_latest(limit=6))},
            order=10,
            version=selectors.registry_version,
        )
        demo_registry.register_seeder("initiatives", demo.seed, order=20)
        # Dates over the last months, for the community dashboard (after every seeder).
        demo_registry.register_seeder("initiatives_activity", demo.seed_activity, order=90)
        menu.register_account_link(
            _("Your initiatives"),
            "initiatives:mine",
            order=50,
            description=_("Register an initiative, keep it current, invite co-managers"),
        )

        for key, label in (
            ("initiative", _("New initiative")),
            ("initiative_edit", _("Edit of an initiative")),
        ):
            register(
                ModerationKind(
                    key=key,
                    label=label,
                    model=Initiative,
                    title=lambda obj: obj.name,
                    country=lambda obj: obj.country.code,
                    preview_url=review.initiative_preview_url,
                    approve=services.approve,
                    request_changes=services.request_changes,
                    reject=services.reject,
                    content=review.initiative_content,
                    public_version=review.initiative_public_version,
                    submitter_url=lambda obj: reverse("initiatives:mine"),
                )
            )
        register(
            ModerationKind(
                key="stale_initiative",
                label=_("Unconfirmed for 18 months"),
                model=Initiative,
                title=lambda obj: obj.name,
                country=lambda obj: obj.country.code,
                preview_url=lambda obj: obj.get_absolute_url(),
                approve=services.stale_verified_by_staff,
                request_changes=services.stale_ask_again,
                reject=services.stale_unpublish,
                content=review.initiative_content,
            )
        )
        register(
            ModerationKind(
                key=services.ORPHAN_KIND,
                label=_("Its only manager closed their account"),
                model=Initiative,
                title=lambda obj: obj.name,
                country=lambda obj: obj.country.code,
                preview_url=lambda obj: obj.get_absolute_url(),
                approve=services.orphan_kept,
                request_changes=services.orphan_kept,
                reject=services.stale_unpublish,
                content=review.initiative_content,
            )
        )
        register(
            ModerationKind(
                key="comanagement",
                label=_("Co-management request"),
                model=ManagementRequest,
                title=lambda obj: f"{obj.user} → {obj.initiative.name}",
                country=lambda obj: obj.initiative.country.code,
                preview_url=lambda obj: obj.initiative.get_absolute_url(),
                approve=services.approve_management_request,
                request_changes=services.refuse_management_request,
                reject=services.refuse_management_request,
                content=review.management_request_content,
                submitter_url=lambda obj: obj.initiative.get_absolute_url(),
            )
        )

        # Download my data
        from iapt_platform.accounts import personal_data

        from . import selectors as initiatives_selectors

        personal_data.register_export(
            "initiatives",
            initiatives_selectors.personal_data_of,
            order=20,
            description=_(
                "The initiatives you manage or registered, your requests to manage one, and the "
                "invitations you sent or received."
            ),
        )
        # Closing an account: the initiatives stay with their other managers, or go to the queue.
        from iapt_platform.accounts.personal_data import register_closing

        register_closing("initiatives", services.manager_depart, order=20)
