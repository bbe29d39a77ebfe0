from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "initiatives.opportunities"
    label = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self) -> None:
        from . import site_search as kinds_in_search

        kinds_in_search.register_kinds()  # the one search (iapt_platform/lib/site_search.py)
        from iapt_platform.accounts import menu, personal_data, roles
        from iapt_platform.lib import demo as demo_registry
        from iapt_platform.lib import news, sitemaps
        from iapt_platform.lib.cache import bump_on_change
        from iapt_platform.lib.home import register_home_section
        from iapt_platform.moderation.registry import ModerationKind, register
        from initiatives.selectors import registry_version

        from . import demo, email_samples, review, selectors, services
        from .models import Opportunity, OpportunityDocument, Topic
        from .sitemaps import OpportunitySitemap

        email_samples.register()
        # Cache invalidation: the list, each page and the home section carry this version.
        bump_on_change(
            selectors.OPPORTUNITIES_VERSION,
            Opportunity,
            OpportunityDocument,
            Topic,
            m2m=(Opportunity.sectors.through, Opportunity.topics.through),
        )
        sitemaps.register("opportunities", OpportunitySitemap)

        # What is new: a published opportunity, and one closing soon (services announce them).
        news.register_kind(
            services.NEWS_PUBLISHED,
            label=_("A new opportunity"),
            visible=lambda user, obj: obj.is_public,
        )
        news.register_kind(
            services.NEWS_CLOSING,
            label=_("An opportunity closing soon"),
            visible=lambda user, obj: obj.is_open,
        )

        def home_context(request):
            soon = selectors.opportunity_closing_first(limit=3)
            return {"opportunities": soon} if soon else None

        register_home_section(
            "opportunities",
            template="opportunities/partials/home_section.html",
            context=home_context,
            order=25,
            # The cards name sectors (the registry's).
            version=lambda: f"{selectors.opportunities_version()}.{registry_version()}",
        )
        demo_registry.register_seeder("opportunities", demo.seed, order=75)
        menu.register_account_link(
            _("Your opportunities"),
            "opportunities:mine",
            order=62,
            description=_(
                "Funding calls, trainings and events you proposed, and what became of them"
            ),
        )
        menu.register_account_link(
            _("Post an opportunity"),
            "opportunities:new",
            order=86,
            description=_("Publish a funding call, a tender, a training or an event"),
            visible=roles.is_moderator,
        )

        def page(obj: Opportunity) -> str:
            return obj.get_absolute_url()

        register(
            ModerationKind(
                key=services.PROPOSAL_KIND,
                label=_("Opportunity"),
                model=Opportunity,
                title=lambda obj: obj.reading(obj.language)[0],
                country=lambda obj: (
                    "" if obj.whole_region or not obj.countries else obj.countries[0].code
                ),
                preview_url=page,
                approve=services.proposal_approve,
                request_changes=services.proposal_request_changes,
                reject=services.proposal_reject,
                content=review.proposal_content,
                submitter_url=page,
            )
        )

        personal_data.register_export(
            "opportunities",
            selectors.personal_data_of,
            order=35,
            description=_("The opportunities you proposed, with the documents you attached."),
        )
        personal_data.register_closing("opportunities", services.proposer_depart, order=26)
