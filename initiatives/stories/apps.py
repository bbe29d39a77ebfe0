from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _proposes(request) -> str:
    from . import services

    return "p" if services.can_propose(request.user) else ""


class StoriesConfig(AppConfig):
    name = "initiatives.stories"
    label = "stories"
    verbose_name = _("Stories and news")

    def ready(self) -> None:
        from . import site_search as kinds_in_search

        kinds_in_search.register_kinds()  # the one search (iapt_platform/lib/site_search.py)
        from . import email_samples

        email_samples.register()
        from . import announcements

        announcements.register()
        from django.db.models.signals import post_delete

        from iapt_platform.accounts import menu, roles
        from iapt_platform.dashboard import registry as dashboard
        from iapt_platform.lib import demo as demo_registry
        from iapt_platform.lib import sitemaps
        from iapt_platform.lib.cache import bump_on_change
        from iapt_platform.lib.home import register_home_section
        from iapt_platform.lib.pagecache import also_shows, varies_with
        from iapt_platform.moderation.registry import ModerationKind, register

        from . import demo, metrics, review, selectors, services
        from .models import GalleryImage, InterviewBlock, Story, StoryProposal, Topic
        from .sitemaps import StorySitemap

        # Cache invalidation: every page showing stories carries their version.
        bump_on_change(
            selectors.STORIES_VERSION,
            Story,
            InterviewBlock,
            GalleryImage,
            Topic,
            m2m=(Story.initiatives.through, Story.sectors.through, Story.topics.through),
        )
        also_shows("initiatives:detail", selectors.stories_version)  # {% initiative_stories %}
        from initiatives.selectors import page_shows

        page_shows(  # any story linked, whatever its status or date (the box asks for those)
            "stories",
            version=selectors.STORIES_VERSION.get,
            initiatives=lambda: Story.initiatives.through.objects.values_list(
                "initiative_id", flat=True
            ).distinct(),
        )
        # Its "propose a story" link: members who may and who may not each share a copy.
        varies_with("initiatives:detail", _proposes)

        # Stories become public on their date, with no write: cached for minutes only.
        sitemaps.register("stories", StorySitemap)

        dashboard.register_section(
            dashboard.STORIES,
            [
                (
                    "stories_published",
                    _("Stories published"),
                    _("Success stories, interviews and news published."),
                    metrics.published,
                ),
                (
                    "stories_read",
                    _("Stories read"),
                    _(
                        "Readings of story pages (robots left out; a daily count, no record of readers)."
                    ),
                    metrics.read,
                ),
            ],
        )

        # The image sizes are named in a list, not a file field: django-cleanup cannot see them.
        post_delete.connect(services.story_deleted, sender=Story, dispatch_uid="story_sizes")

        def home_context(request):
            stories = selectors.story_latest(limit=3)
            return {"stories": stories} if stories else None

        from initiatives.selectors import registry_version

        register_home_section(
            "stories",
            template="stories/partials/home_section.html",
            context=home_context,
            order=20,
            # The cards name the stories' initiatives.
            version=lambda: f"{selectors.stories_version()}.{registry_version()}",
        )
        demo_registry.register_seeder("stories", demo.seed, order=30)
        # Dates over the last months, for the community dashboard (after every seeder).
        demo_registry.register_seeder("stories_activity", demo.seed_activity, order=95)
        menu.register_account_link(
            _("Your story proposals"),
            "stories:my_proposals",
            order=60,
            description=_(
                "Propose a story about an initiative; follow what the editors do with it"
            ),
        )
        menu.register_account_link(
            _("Stories (editors)"),
            "stories:staff_list",
            order=85,
            description=_("Write up, schedule and publish stories and news"),
            visible=roles.is_moderator,
        )
        register(
            ModerationKind(
                key=services.PROPOSAL_KIND,
                label=_("Story proposal"),
                model=StoryProposal,
                title=lambda obj: obj.title,
                country=lambda obj: obj.initiative.country.code,
                preview_url=lambda obj: obj.get_absolute_url(),
                approve=services.proposal_approve,
                request_changes=services.proposal_request_changes,
                reject=services.proposal_decline,
                content=review.proposal_content,
                submitter_url=lambda obj: obj.get_absolute_url(),
            )
        )

        # Download my data
        from iapt_platform.accounts import personal_data

        from . import selectors as stories_selectors

        personal_data.register_export(
            "stories",
            stories_selectors.personal_data_of,
            order=30,
            description=_("The success stories you proposed, with the pictures you sent."),
        )
        # Closing an account: the person's proposals go with it (stories written from them stay).
        from iapt_platform.accounts.personal_data import register_closing

        register_closing("stories", services.proposer_depart, order=25)
