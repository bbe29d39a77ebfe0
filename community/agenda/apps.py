from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgendaConfig(AppConfig):
    name = "community.agenda"
    label = "agenda"
    verbose_name = _("The community's agenda")

    def ready(self) -> None:
        from django.urls import reverse

        from iapt_platform.accounts import menu, personal_data, roles
        from iapt_platform.lib import demo as demo_registry
        from iapt_platform.lib import news, sitemaps
        from iapt_platform.moderation.registry import ModerationKind, register

        from . import demo, review, selectors, services
        from . import news as visibility
        from .models import Proposal
        from .sitemaps import AgendaItemSitemap, ProposalSitemap, RoundSitemap

        sitemaps.register("agenda-rounds", RoundSitemap)
        sitemaps.register("agenda-proposals", ProposalSitemap)
        sitemaps.register("agenda-items", AgendaItemSitemap)

        news.register_kind(
            services.ROUND_NEWS, label=_("A new agenda round"), visible=visibility.round_visible
        )
        news.register_kind(
            services.ANSWER_NEWS,
            label=_("An answer to a proposal"),
            visible=visibility.answer_visible,
        )
        news.register_kind(
            services.UPDATE_NEWS,
            label=_("An update of the agenda"),
            visible=visibility.update_visible,
        )
        news.register_audience("proposal", selectors.proposal_audience)
        news.register_audience("agenda", selectors.member_audience)

        def author_country(proposal: Proposal) -> str:
            author = proposal.author
            return author.country.code if author and author.country else ""

        register(
            ModerationKind(
                key=services.PROPOSAL_KIND,
                label=_("New member's agenda proposal"),
                model=Proposal,
                title=lambda proposal: proposal.title,
                country=author_country,
                preview_url=lambda proposal: reverse("agenda:proposal", args=[proposal.pk]),
                approve=services.proposal_approve,
                request_changes=services.proposal_request_changes,
                reject=services.proposal_reject,
                content=review.proposal_content,
                submitter_url=lambda proposal: reverse("agenda:proposal", args=[proposal.pk]),
            )
        )

        menu.register_account_link(
            _("Run agenda rounds"),
            "agenda:staff_list",
            order=91,
            description=_("Open rounds of proposals, answer proposals, report on the agenda"),
            visible=roles.is_moderator,
        )
        personal_data.register_export(
            "agenda",
            selectors.personal_data_of,
            order=55,
            description=_("Your agenda proposals and the supports you gave."),
        )
        # Closing an account: published proposals and closed rounds' supports stay, anonymous.
        personal_data.register_closing("agenda", services.member_depart, order=35)
        # After community (50) and meetings (60), whose members and meetings it uses.
        demo_registry.register_seeder("agenda", demo.seed, order=78)
