from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community of practice")

    def ready(self) -> None:
        from . import email_samples

        email_samples.register()
        from iapt_platform.accounts import menu
        from iapt_platform.lib import demo as demo_registry
        from iapt_platform.lib.home import register_home_section
        from iapt_platform.moderation.registry import ModerationKind, register

        from . import demo, review, selectors, services
        from .models import Post

        demo_registry.register_seeder("community", demo.seed, order=50)
        menu.register_account_link(
            _("Your community profile"),
            "community:profile_edit",
            order=60,
            description=_("What other members see of you, and how often the forum emails you"),
            visible=selectors.is_member,
        )
        menu.register_account_link(
            _("Notifications"),
            "community:notifications",
            order=61,
            description=_("Mentions and new posts in what you watch"),
            visible=selectors.is_member,
        )

        def home_context(request):
            if not selectors.is_member(request.user):
                return None
            return {"threads": list(selectors.thread_list(user=request.user)[:5])}

        register_home_section(
            "community",
            template="community/partials/home_section.html",
            context=home_context,
            order=40,
        )

        def author_country(post: Post) -> str:
            return post.author.country.code if post.author and post.author.country else ""

        register(
            ModerationKind(
                key=services.POST_KIND,
                label=_("New member's forum post"),
                model=Post,
                title=lambda post: post.thread.title,
                country=author_country,
                preview_url=lambda post: reverse("community:post_moderate", args=[post.pk]),
                approve=services.new_post_approve,
                request_changes=services.new_post_request_changes,
                reject=services.new_post_reject,
                content=review.post_content,
                submitter_url=lambda post: reverse("community:post", args=[post.pk]),
            )
        )
        register(
            ModerationKind(
                key=services.FLAG_KIND,
                label=_("Flagged forum post (approve hides it, reject restores it)"),
                model=Post,
                title=lambda post: f"{post.thread.title} · {post.author or '—'}",
                country=author_country,
                preview_url=lambda post: reverse("community:post_moderate", args=[post.pk]),
                approve=services.flag_uphold,
                request_changes=services.flag_request_changes,
                reject=services.flag_dismiss,
                content=review.flagged_post_content,
                submitter_url=lambda post: reverse("community:thread", args=[post.thread_id]),
            )
        )
