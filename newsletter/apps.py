from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = _("Bulletin")

    def ready(self) -> None:
        from . import site_search as kinds_in_search

        kinds_in_search.register_kinds()  # the one search (iapt_platform/lib/site_search.py)
        from . import email_samples

        email_samples.register()
        from community.meetings.hooks import on_announce_to_subscribers
        from iapt_platform.accounts import menu, roles
        from iapt_platform.lib import demo as demo_registry
        from iapt_platform.lib import sitemaps
        from iapt_platform.moderation.registry import ModerationKind, register

        from . import demo, review, signals
        from .models import Contribution
        from .services import announcements
        from .sitemaps import IssueSitemap

        on_announce_to_subscribers(announcements.announce_meeting)
        from .services import contributions

        signals.connect()
        from iapt_platform.lib.cache import bump_on_change

        from . import selectors
        from .models import Block, Edition, Issue

        # Cache invalidation: the archive's pages carry its version.
        bump_on_change(selectors.BULLETIN_VERSION, Issue, Edition, Block)
        from iapt_platform.dashboard import registry as dashboard

        from . import metrics

        dashboard.register_section(
            dashboard.BULLETIN,
            [
                (
                    "subscribers_gained",
                    _("Subscribers gained"),
                    _("Subscriptions confirmed."),
                    metrics.gained,
                ),
                (
                    "subscribers_lost",
                    _("Subscribers lost"),
                    _("Subscribers who left the bulletin."),
                    metrics.lost,
                ),
            ],
            kind=dashboard.PEOPLE,
        )
        sitemaps.register("bulletin", IssueSitemap)
        demo_registry.register_seeder("newsletter", demo.seed, order=80)
        # Dates over the last months, for the community dashboard (after every seeder).
        demo_registry.register_seeder("newsletter_activity", demo.seed_activity, order=93)
        menu.register_account_link(
            _("Bulletin"),
            "newsletter:account",
            order=60,
            description=_("Receive the bulletin in your language, choose topics, pause or leave"),
        )
        menu.register_account_link(
            _("Propose a bulletin item"),
            "newsletter:proposals",
            order=61,
            description=_("News of your initiative, an event, a call or a resource"),
            visible=contributions.can_propose,
        )
        menu.register_account_link(
            _("Compose the bulletin"),
            "newsletter:staff_issues",
            order=90,
            description=_("Issues, editions, scheduling, subscribers"),
            visible=roles.is_moderator,
        )
        register(
            ModerationKind(
                key=contributions.MODERATION_KIND,
                label=_("Bulletin item"),
                model=Contribution,
                title=lambda obj: obj.title,
                country=lambda obj: obj.initiative.country.code if obj.initiative else "",
                preview_url=lambda obj: reverse("newsletter:contribution", args=[obj.pk]),
                approve=contributions.approve,
                request_changes=contributions.request_changes,
                reject=contributions.reject,
                content=review.contribution_content,
                submitter_url=lambda obj: reverse("newsletter:contribution", args=[obj.pk]),
            )
        )

        # Download my data
        from iapt_platform.accounts import personal_data

        from . import selectors as bulletin_selectors

        personal_data.register_export(
            "bulletin",
            bulletin_selectors.personal_data_of,
            order=70,
            description=_(
                "Your bulletin subscriptions, with the consent you gave (version and text), and "
                "the items you proposed."
            ),
        )
        # Closing an account: the person's subscriptions and contributions go.
        from iapt_platform.accounts.personal_data import register_closing

        from .services.subscribers import subscriber_depart

        register_closing("bulletin", subscriber_depart, order=60)
