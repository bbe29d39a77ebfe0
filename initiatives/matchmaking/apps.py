from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class MatchmakingConfig(AppConfig):
    name = "initiatives.matchmaking"
    label = "matchmaking"
    verbose_name = _("Matchmaking and joint projects")

    def ready(self) -> None:
        from . import site_search as kinds_in_search

        kinds_in_search.register_kinds()  # the one search (iapt_platform/lib/site_search.py)
        from . import email_samples

        email_samples.register()
        from . import announcements

        announcements.register()
        from iapt_platform.accounts import menu
        from iapt_platform.dashboard import registry as dashboard
        from iapt_platform.lib import demo as demo_registry
        from iapt_platform.lib.cache import bump_on_change
        from iapt_platform.lib.pagecache import also_shows
        from iapt_platform.moderation.registry import ModerationKind, register

        from . import demo, metrics, review, selectors, services
        from .models import CollaborationPost, Project, ProjectPartner, ProjectUpdate, Topic

        # Cache invalidation: every page showing offers, requests or projects carries their version.
        bump_on_change(
            selectors.COLLABORATION_VERSION,
            CollaborationPost,
            Project,
            ProjectPartner,
            ProjectUpdate,
            Topic,
            m2m=(
                CollaborationPost.topics.through,
                CollaborationPost.sectors.through,
                Project.topics.through,
            ),
        )
        # {% initiative_collaboration %}
        also_shows("initiatives:detail", selectors.collaboration_version)
        from initiatives.selectors import page_shows

        # {% initiative_collaboration %}: its offers and needs, its joint projects' badges (any
        # post or partnership, whatever its status or expiry: the box asks for the live ones).
        page_shows(
            "collaboration_posts",
            version=selectors.COLLABORATION_VERSION.get,
            initiatives=lambda: CollaborationPost.objects.values_list(
                "initiative_id", flat=True
            ).distinct(),
        )
        page_shows(
            "joint_projects",
            version=selectors.COLLABORATION_VERSION.get,
            initiatives=lambda: ProjectPartner.objects.values_list(
                "initiative_id", flat=True
            ).distinct(),
        )

        dashboard.register_section(
            dashboard.COLLABORATION,
            [
                (
                    "collaboration_posts",
                    _("Collaboration posts"),
                    _("Offers and needs published."),
                    metrics.posts,
                ),
                (
                    "connections",
                    _("Connections"),
                    _("Connections one initiative asked of another."),
                    metrics.connections,
                ),
                (
                    "connection_outcomes",
                    _("Connection outcomes"),
                    _("Outcomes reported: contacted, met, agreement signed, joint project."),
                    metrics.outcomes,
                ),
            ],
        )

        demo_registry.register_seeder("matchmaking", demo.seed, order=70)
        # Dates over the last months, for the community dashboard (after every seeder).
        demo_registry.register_seeder("matchmaking_activity", demo.seed_activity, order=94)
        menu.register_account_link(
            _("Collaboration"),
            "matchmaking:mine",
            order=55,
            description=_("Offers and needs, suggested partners, connections, joint projects"),
            visible=lambda user: user.managed_initiatives.exists(),
        )

        def post_page(obj):
            return reverse("matchmaking:post", args=[obj.pk])

        def project_page(obj):
            return reverse("matchmaking:project", args=[obj.slug])

        def update_page(obj):
            return reverse("matchmaking:project", args=[obj.project.slug]) + "#review"

        register(
            ModerationKind(
                key="collaboration_post",
                label=_("Offer or need"),
                model=CollaborationPost,
                title=lambda obj: (
                    f"{obj.get_direction_display()}: {obj.title} ({obj.initiative.name})"
                ),
                country=lambda obj: obj.initiative.country.code,
                preview_url=post_page,
                approve=services.post_approve,
                request_changes=services.post_request_changes,
                reject=services.post_reject,
                content=review.post_content,
                submitter_url=post_page,
            )
        )
        register(
            ModerationKind(
                key="joint_project",
                label=_("Joint project"),
                model=Project,
                title=lambda obj: obj.title,
                country=lambda obj: obj.countries[0].code if obj.countries else "",
                preview_url=project_page,
                approve=services.project_approve,
                request_changes=services.project_request_changes,
                reject=services.project_reject,
                content=review.project_content,
                submitter_url=project_page,
            )
        )
        register(
            ModerationKind(
                key="joint_project_edit",
                label=_("Edit of a joint project"),
                model=Project,
                title=lambda obj: obj.pending_changes.get("title") or obj.title,
                country=lambda obj: obj.countries[0].code if obj.countries else "",
                preview_url=lambda obj: project_page(obj) + "#review",
                approve=services.project_edit_approve,
                request_changes=services.project_edit_request_changes,
                reject=services.project_edit_reject,
                content=review.project_edit_content,
                public_version=review.project_content,
                submitter_url=project_page,
            )
        )
        register(
            ModerationKind(
                key="project_update",
                label=_("Update of a joint project"),
                model=ProjectUpdate,
                title=lambda obj: f"{obj.project.title}: {obj.text[:80]}",
                country=lambda obj: obj.initiative.country.code,
                preview_url=update_page,
                approve=services.update_approve,
                request_changes=services.update_reject,
                reject=services.update_reject,
                content=review.update_content,
                submitter_url=update_page,
            )
        )

        # Download my data
        from iapt_platform.accounts import personal_data

        from . import selectors as matchmaking_selectors

        personal_data.register_export(
            "matchmaking",
            matchmaking_selectors.personal_data_of,
            order=25,
            description=_(
                "Your offers and needs, your connections with other initiatives, and your joint "
                "projects."
            ),
        )
