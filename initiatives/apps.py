from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class InitiativesConfig(AppConfig):
    name = "initiatives"
    verbose_name = _("Registry of initiatives")

    def ready(self) -> None:
        from iapt_platform.accounts import menu
        from iapt_platform.lib import demo as demo_registry
        from iapt_platform.lib import sitemaps
        from iapt_platform.lib.home import register_home_section
        from iapt_platform.moderation.registry import ModerationKind, register

        from . import demo, review, selectors, services, signals
        from . import sitemaps as app_sitemaps
        from .models import Initiative, ManagementRequest

        signals.connect()
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
        )
        demo_registry.register_seeder("initiatives", demo.seed, order=20)
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
