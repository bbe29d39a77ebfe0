"""What a moderator reads on the queue's item page for forum posts and flags."""

from django.utils.translation import gettext as _

from iapt_platform.moderation.content import Pair, field_pairs

from .models import Flag, Post


def post_content(post: Post) -> list[Pair]:
    return [
        (_("Thread"), post.thread.title),
        (_("Category"), str(post.thread.category)),
        (_("Author"), str(post.author) if post.author else _("Deleted account")),
        *field_pairs(post, ["language", "body"]),
    ]


def flagged_post_content(post: Post) -> list[Pair]:
    """The post, then each member's reason for flagging it."""
    flags = Flag.objects.filter(post=post).order_by("created_at")
    reasons = "\n".join(
        f"{flag.get_reason_display()}: {flag.comment}"
        if flag.comment
        else flag.get_reason_display()
        for flag in flags
    )
    return [*post_content(post), (_("Flags"), reasons)]
