from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community of practice")

    def ready(self) -> None:
        from . import site_search as kinds_in_search

        kinds_in_search.register_kinds()  # the one search (iapt_platform/lib/site_search.py)
        from . import email_samples

        email_samples.register()
        from . import announcements

        announcements.register()
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from iapt_platform.accounts import menu
        from iapt_platform.dashboard import registry as dashboard
        from iapt_platform.lib import demo as demo_registry
        from iapt_platform.lib import pagecache
        from iapt_platform.lib.cache import bump_on_change
        from iapt_platform.lib.home import register_home_section
        from iapt_platform.moderation.registry import ModerationKind, register

        from . import demo, metrics, review, selectors, services
        from .models import (
            Attachment,
            Category,
            Flag,
            MemberProfile,
            Notification,
            Post,
            PostRevision,
            Reaction,
            Thread,
        )

        dashboard.register_section(
            dashboard.MEMBERS,
            [
                ("members_joined", _("Members joined"), _("Accounts opened."), metrics.joined),
                (
                    "members_active",
                    _("Active members"),
                    _("Members who posted, registered for a meeting or contributed a resource."),
                    metrics.active,
                ),
            ],
            kind=dashboard.PEOPLE,
        )
        dashboard.register_section(
            dashboard.FORUM,
            [
                (
                    "forum_threads",
                    _("Forum threads"),
                    _("Threads started in the forum."),
                    metrics.threads,
                ),
                (
                    "forum_replies",
                    _("Forum replies"),
                    _("Replies published in the forum."),
                    metrics.replies,
                ),
                (
                    "forum_answered",
                    _("Questions answered"),
                    _("Questions whose accepted answer was written in the month."),
                    metrics.answered,
                ),
            ],
        )

        demo_registry.register_seeder("community", demo.seed, order=50)

        from iapt_platform.accounts import personal_data  # download my data

        personal_data.register_export(
            "community",
            selectors.personal_data_of,
            order=40,
            description=_(
                "Your community profile, forum threads, posts, reactions, flags, "
                "watches and notifications."
            ),
        )
        # Dates over the last months, for the community dashboard (after every seeder).
        demo_registry.register_seeder("community_activity", demo.seed_activity, order=91)
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

        # A member's pages kept for members read their unread count's version (their frame's)
        # with the page's own versions.
        pagecache.reads_member_version(selectors.unread_version_key)

        # Cache invalidation: a notification saved or deleted (the admin, an account that closes)
        # changes its recipient's unread count.
        def notification_changed(sender, instance, **kwargs) -> None:
            selectors.notifications_changed(user_ids=[instance.recipient_id])

        # weak=False: the function lives only in this method; a weak reference would drop it.
        post_save.connect(
            notification_changed, sender=Notification, weak=False, dispatch_uid="unread-save"
        )
        post_delete.connect(
            notification_changed, sender=Notification, weak=False, dispatch_uid="unread-del"
        )

        # Cache invalidation: a thread page kept whole (selectors.thread_version): any save or
        # deletion of a post, its attachments, its edit history, its reactions and flags or its
        # thread; its posts kept rendered (selectors.fragments_version, selectors.PEOPLE): their
        # attachments and edit history (the rest is in each post's row), any change to a profile
        # or an account (names, handles, an account closed) but the sign-in's own update of
        # last_login.
        def thread_changed(sender, instance, **kwargs) -> None:
            thread_id = instance.pk if sender is Thread else getattr(instance, "thread_id", None)
            if thread_id is None:  # an attachment or an edit's history: its post's thread
                thread_id = (
                    Post.objects.filter(pk=instance.post_id)
                    .values_list("thread_id", flat=True)
                    .first()
                )
            if thread_id is not None:
                selectors.thread_version(thread_id).bump_around_commit()
                if sender in (Attachment, PostRevision):  # not in the post's row
                    selectors.fragments_version(thread_id).bump_around_commit()
            if sender in (Thread, Post):
                selectors.FORUM_VERSION.bump_around_commit()

        # Reactions and flags too: a thread page is kept whole for members (views/forum.py)
        # and shows their counts.
        for model in (Thread, Post, Attachment, PostRevision, Reaction, Flag):
            uid = f"thread-version:{model._meta.label}"
            post_save.connect(thread_changed, sender=model, weak=False, dispatch_uid=f"{uid}:save")
            post_delete.connect(
                thread_changed, sender=model, weak=False, dispatch_uid=f"{uid}:delete"
            )

        # A thread page's kept row holds its category (selectors.thread_kept).
        bump_on_change(selectors.CATEGORIES, Category)

        def people_changed(sender, instance, update_fields=None, **kwargs) -> None:
            if update_fields is not None and set(update_fields) <= {"last_login"}:
                return
            selectors.PEOPLE.bump_around_commit()

        for person in (get_user_model(), MemberProfile):
            uid = f"forum-people:{person._meta.label}"
            post_save.connect(people_changed, sender=person, weak=False, dispatch_uid=f"{uid}:save")
            post_delete.connect(
                people_changed, sender=person, weak=False, dispatch_uid=f"{uid}:delete"
            )

        register_home_section(
            "community",
            template="community/partials/home_section.html",
            context=home_context,
            order=40,
            visitors=False,  # the reader's own threads
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
        # Closing an account: posts stay as from a former member (or go, when unquoted and asked).
        from iapt_platform.accounts.personal_data import register_closing

        register_closing("forum", services.member_depart, order=40)
