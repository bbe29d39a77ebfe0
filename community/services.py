"""Writes of the community: profiles, posting, editing, reactions, flags and moderators' actions.

Every function is keyword-only and runs in one transaction; side effects (notifications, emails,
the moderation queue) happen here, never in models or signals.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVector
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, Value
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from iapt_platform.accounts import roles
from iapt_platform.accounts.personal_data import Closing
from iapt_platform.lib import one_click, search
from iapt_platform.lib.uploads import CleanFile
from iapt_platform.moderation.models import ModerationItem
from iapt_platform.moderation.services import (
    ModerationError,
    moderation_decide,
    moderation_submit,
    moderation_withdraw,
)

from . import announcements, notifications, selectors
from .models import (
    Attachment,
    Category,
    EmailFrequency,
    Flag,
    ForumAction,
    MemberProfile,
    Post,
    PostRevision,
    Reaction,
    Thread,
    Watch,
)

# (window in seconds, posts allowed in it), per member: sliding windows kept in the shared cache.
RATE_LIMITS = ((60, 5), (3600, 30))
NEW_MEMBER_POSTS = 2  # a member's first posts wait for a moderator
NEW_MEMBER_MAX_LINKS = 2
FLAGS_TO_HIDE = 3
FLAG_KIND = "forum_flag"
POST_KIND = "forum_post"

_LINK = re.compile(r"(?:https?://|ftp://|mailto:|www\.)", re.IGNORECASE)


class ForumError(ValueError):
    """An action refused with a message for the person; `field` names the form field, if any."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PostingTooFast(ForumError):
    pass


# --- Profiles ------------------------------------------------------------------------------------


def forum_emails_stop(*, user: Any) -> MemberProfile:
    """The one-click unsubscribe of forum emails: no notification emails and no digests. The
    notices stay in the site; the member can choose a digest again on their profile."""
    profile = profile_for(user=user)
    if profile.email_frequency != EmailFrequency.NONE:
        profile.email_frequency = EmailFrequency.NONE
        profile.save(update_fields=["email_frequency", "updated_at"])
    return profile


def forum_emails_stop_by_mail(*, recipients: Iterable[str]) -> int:
    """The mailto route of List-Unsubscribe (see newsletter/signals.py, which receives the
    provider's inbound webhook): tokens of other kinds and forged ones are ignored."""
    stopped = 0
    for token in one_click.tokens_mailed(recipients):
        user = notifications.user_for_one_click_token(token)
        if user is not None:
            forum_emails_stop(user=user)
            stopped += 1
    return stopped


def profile_for(*, user: Any) -> MemberProfile:
    """The member's profile, created (with a unique handle) the first time it is needed."""
    try:
        return user.member_profile
    except MemberProfile.DoesNotExist:
        pass
    base = slugify(user.get_full_name())[:30].strip("-") or "member"
    handle, n = base, 1
    while MemberProfile.objects.filter(handle=handle).exists():
        n += 1
        handle = f"{base}-{n}"
    try:
        with transaction.atomic():
            profile = MemberProfile.objects.create(user=user, handle=handle)
    except IntegrityError:  # created meanwhile by another request
        profile = MemberProfile.objects.get(user=user)
    user.member_profile = profile
    profile_refresh_search(profile=profile)
    return profile


@transaction.atomic
def profile_save(*, form: Any) -> MemberProfile:
    """Save a ProfileForm (profile, topics, avatar) and the account fields it carries."""
    profile = form.save()
    profile.user.save(update_fields=["display_name", "organisation", "position", "country"])
    profile_refresh_search(profile=profile)
    return profile


def profile_refresh_search(*, profile: MemberProfile) -> None:
    user = profile.user
    topics = {*profile.expertise.all(), *profile.interests.all()}
    topic_names = [
        getattr(t, f"name_{code}", "") or "" for t in topics for code in ("es", "en", "pt_br")
    ]
    parts = [
        user.get_full_name(),
        profile.handle,
        user.organisation,
        user.position,
        profile.initiative.name if profile.initiative else "",
        profile.programme.name if profile.programme else "",
        " ".join(topic_names),
        profile.bio,
    ]
    document = search.normalise(" ".join(parts))
    updates: dict[str, Any] = {"search_document": document}
    if search.is_postgres():
        updates["search_vector"] = SearchVector(Value(document), config="simple")
    MemberProfile.objects.filter(pk=profile.pk).update(**updates)


# --- Posting -------------------------------------------------------------------------------------


def _check_rate(*, user: Any) -> None:
    """A sliding window per member, kept in the shared cache: the times of their recent posts.

    A flood is refused before anything is written. Two simultaneous requests may both pass (the
    read and the write are not atomic); the limit is a brake, not an exact quota."""
    now = time.time()
    longest = max(window for window, _limit in RATE_LIMITS)
    key = f"community:posts:{user.pk}"
    recent = [t for t in cache.get(key, []) if t > now - longest]
    for window, limit in RATE_LIMITS:
        if sum(1 for t in recent if t > now - window) >= limit:
            if window <= 60:
                message = _(
                    "You have sent %(limit)s messages in the last minute. Wait a minute, then "
                    "send this one again: your text is kept below."
                )
            else:
                message = _(
                    "You have sent %(limit)s messages in the last hour. Wait a while, then send "
                    "this one again: your text is kept below."
                )
            raise PostingTooFast(message % {"limit": limit})
    cache.set(key, [*recent, now], longest)


def is_new_member(*, user: Any) -> bool:
    if roles.is_moderator(user):
        return False
    published = Post.objects.filter(author=user, status=Post.Status.PUBLISHED)
    return published.count() < NEW_MEMBER_POSTS


def _check_links(*, user: Any, body: str, new_member: bool) -> None:
    if new_member and len(_LINK.findall(body)) > NEW_MEMBER_MAX_LINKS:
        raise ForumError(
            _(
                "Your first posts may hold at most %(n)s links. Remove some; you can add them "
                "once a moderator has approved your first posts."
            )
            % {"n": NEW_MEMBER_MAX_LINKS},
            field="body",
        )


def _attach(*, post: Post, files: Iterable[CleanFile]) -> None:
    for clean in files:
        Attachment.objects.create(
            post=post,
            file=clean.content,
            kind=clean.kind,
            mimetype=clean.mimetype,
            original_name=clean.original_name or str(clean.content.name),
            size=clean.content.size,
        )


def _watch_thread(*, user: Any, thread: Thread) -> None:
    Watch.objects.get_or_create(user=user, thread=thread)


@transaction.atomic
def thread_start(
    *,
    user: Any,
    category: Category,
    title: str,
    body: str,
    is_question: bool = False,
    files: Iterable[CleanFile] = (),
) -> Thread:
    if not selectors.can_read_category(user=user, category=category):
        raise PermissionDenied
    new_member = is_new_member(user=user)
    _check_links(user=user, body=body, new_member=new_member)
    _check_rate(user=user)
    profile_for(user=user)
    thread = Thread.objects.create(
        category=category,
        title=title.strip(),
        author=user,
        is_question=is_question,
        is_published=not new_member,
        last_posted_at=timezone.now(),
    )
    post = Post.objects.create(
        thread=thread,
        author=user,
        body=body,
        language=user.language,
        is_opening=True,
        status=Post.Status.PENDING if new_member else Post.Status.PUBLISHED,
    )
    _attach(post=post, files=files)
    _watch_thread(user=user, thread=thread)
    _after_post(post=post, user=user)
    return thread


@transaction.atomic
def post_reply(*, user: Any, thread: Thread, body: str, files: Iterable[CleanFile] = ()) -> Post:
    if not selectors.can_read_thread(user=user, thread=thread):
        raise PermissionDenied
    if not selectors.can_post_in(user=user, thread=thread):
        raise ForumError(_("This thread is closed to new replies."))
    new_member = is_new_member(user=user)
    _check_links(user=user, body=body, new_member=new_member)
    _check_rate(user=user)
    profile_for(user=user)
    post = Post.objects.create(
        thread=thread,
        author=user,
        body=body,
        language=user.language,
        status=Post.Status.PENDING if new_member else Post.Status.PUBLISHED,
    )
    _attach(post=post, files=files)
    _watch_thread(user=user, thread=thread)
    _after_post(post=post, user=user)
    return post


def _after_post(*, post: Post, user: Any) -> None:
    post_refresh_search(post=post)
    if post.status == Post.Status.PUBLISHED:
        _publish(post=post)
    else:
        moderation_submit(obj=post, kind=POST_KIND, submitted_by=user)


def _publish(*, post: Post) -> None:
    post.status = Post.Status.PUBLISHED
    post.published_at = timezone.now()
    post.save(update_fields=["status", "published_at"])
    thread = post.thread
    if post.is_opening and not thread.is_published:
        thread.is_published = True
        thread.save(update_fields=["is_published"])
    thread_refresh(thread=thread)
    notifications.notify_post(post=post)
    if post.is_opening:
        announcements.thread_announce(thread=thread)


def thread_refresh(*, thread: Thread) -> None:
    """Recount the replies members see and the time of the last one."""
    visible = Post.objects.filter(thread=thread, status=Post.Status.PUBLISHED, hidden=False)
    thread.reply_count = visible.filter(is_opening=False).count()
    thread.last_posted_at = visible.aggregate(last=Max("created_at"))["last"] or thread.created_at
    thread.save(update_fields=["reply_count", "last_posted_at"])


def post_refresh_search(*, post: Post) -> None:
    # The title counts for the opening post only, so a thread is found once by its title.
    title = post.thread.title if post.is_opening else ""
    document = search.normalise(f"{title} {post.body}")
    updates: dict[str, Any] = {"search_document": document}
    if search.is_postgres():
        updates["search_vector"] = SearchVector(
            Value(search.normalise(title)), weight="A", config="simple"
        ) + SearchVector(Value(search.normalise(post.body)), weight="B", config="simple")
    Post.objects.filter(pk=post.pk).update(**updates)


@transaction.atomic
def post_edit(*, user: Any, post: Post, body: str, title: str | None = None) -> Post:
    """Change a post, keeping the previous text as a revision that readers can see."""
    if not selectors.can_edit_post(user=user, post=post):
        raise PermissionDenied
    thread = post.thread
    title_changed = bool(post.is_opening and title and title.strip() != thread.title)
    if body == post.body and not title_changed:
        return post
    if post.author_id == user.pk:
        _check_links(user=user, body=body, new_member=post.status == Post.Status.PENDING)
    if body != post.body:
        PostRevision.objects.create(post=post, body=post.body, editor=user)
        post.body = body
        post.edited_at = timezone.now()
        post.save(update_fields=["body", "edited_at"])
    if title_changed and title:
        thread.title = title.strip()
        thread.save(update_fields=["title"])
    post_refresh_search(post=post)
    if post.status == Post.Status.PUBLISHED:
        notifications.notify_mentions(post=post)  # new mentions only: each is notified once
    elif post.status == Post.Status.PENDING and post.author_id == user.pk:
        moderation_submit(obj=post, kind=POST_KIND, submitted_by=user)
    return post


@transaction.atomic
def post_toggle_useful(*, user: Any, post: Post) -> bool:
    """Mark (or unmark) a post as useful; returns whether it is now marked."""
    if post.author_id == user.pk:
        raise ForumError(_("You cannot mark your own post as useful."))
    if not post.is_visible:
        raise PermissionDenied
    deleted, _rows = Reaction.objects.filter(user=user, post=post).delete()
    if deleted:
        return False
    Reaction.objects.get_or_create(user=user, post=post)
    return True


@transaction.atomic
def thread_accept_answer(*, user: Any, post: Post) -> bool:
    """The asker (or a moderator) marks the reply that answered the question; again to undo."""
    thread = post.thread
    if thread.author_id != user.pk and not roles.is_moderator(user):
        raise PermissionDenied
    if not thread.is_question or post.is_opening or not post.is_visible:
        raise ForumError(_("Only a reply to a question can be its accepted answer."))
    if thread.accepted_answer_id == post.pk:
        thread.accepted_answer = None
        thread.save(update_fields=["accepted_answer"])
        return False
    thread.accepted_answer = post
    thread.save(update_fields=["accepted_answer"])
    if post.author_id and post.author_id != user.pk:
        notifications.notify(recipients=[post.author_id], kind="accepted", post=post, actor=user)
    return True


@transaction.atomic
def watch_toggle(
    *, user: Any, thread: Thread | None = None, category: Category | None = None
) -> bool:
    """Start or stop watching; returns whether the member now watches."""
    target: dict[str, Any] = {"thread": thread} if thread is not None else {"category": category}
    deleted, _rows = Watch.objects.filter(user=user, **target).delete()
    if deleted:
        return False
    Watch.objects.create(user=user, **target)
    return True


# --- Flags and the moderation queue --------------------------------------------------------------


def _open_item(*, post: Post, kind: str) -> ModerationItem | None:
    return ModerationItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Post),
        object_id=post.pk,
        kind=kind,
        status__in=ModerationItem.OPEN_STATUSES,
    ).first()


@transaction.atomic
def post_flag(*, user: Any, post: Post, reason: str, comment: str = "") -> Flag:
    """Flag a post for moderators; the third open flag hides it until a moderator decides."""
    if post.author_id == user.pk:
        raise ForumError(_("You cannot flag your own post."))
    if not post.is_visible:
        raise PermissionDenied
    try:
        with transaction.atomic():
            flag = Flag.objects.create(user=user, post=post, reason=reason, comment=comment.strip())
    except IntegrityError:
        raise ForumError(_("You have already flagged this post.")) from None
    if _open_item(post=post, kind=FLAG_KIND) is None:
        moderation_submit(obj=post, kind=FLAG_KIND, submitted_by=user)
    open_flags = Flag.objects.filter(post=post, status=Flag.Status.OPEN).count()
    if open_flags >= FLAGS_TO_HIDE and not post.hidden:
        _set_hidden(post=post, hidden=True, actor=None, action=ForumAction.Action.AUTO_HIDE)
    return flag


def _set_hidden(*, post: Post, hidden: bool, actor: Any, action: str, reason: str = "") -> None:
    post.hidden = hidden
    post.save(update_fields=["hidden"])
    _log_post_action(post, actor=actor, action=action, reason=reason)
    thread_refresh(thread=post.thread)


def _log_post_action(post: Post, *, actor: Any, action: str, reason: str) -> None:
    ForumAction.objects.create(
        actor=actor, action=action, thread=post.thread, post=post, reason=reason
    )


def flag_uphold(post: Post, *, moderator: Any, comment: str) -> None:
    """Moderation callback: the flags were right, the post stays (or becomes) hidden."""
    _decide_flags(post, moderator=moderator, hide=True, reason=comment or _("Flagged by members"))


def flag_dismiss(post: Post, *, moderator: Any, comment: str) -> None:
    """Moderation callback: the post is fine; it is restored for everyone."""
    _decide_flags(post, moderator=moderator, hide=False, reason=comment)


def _decide_flags(post: Post, *, moderator: Any, hide: bool, reason: str) -> None:
    action = ForumAction.Action.HIDE_POST if hide else ForumAction.Action.RESTORE_POST
    _set_hidden(post=post, hidden=hide, actor=moderator, action=action, reason=reason)
    decided = Flag.Status.UPHELD if hide else Flag.Status.DISMISSED
    Flag.objects.filter(post=post, status=Flag.Status.OPEN).update(status=decided)
    # An update sends no signal: the thread's page shows its open flags to moderators.
    selectors.thread_version(post.thread_id).bump_around_commit()


def flag_request_changes(post: Post, *, moderator: Any, comment: str) -> None:
    raise ModerationError(
        _("For a flagged post, approve the flags to hide it, or reject them to restore it.")
    )


def new_post_approve(post: Post, *, moderator: Any, comment: str) -> None:
    if post.status != Post.Status.PENDING:
        raise ModerationError(_("This post is no longer waiting for approval."))
    _publish(post=post)
    _log_post_action(post, actor=moderator, action=ForumAction.Action.APPROVE_POST, reason=comment)


def new_post_reject(post: Post, *, moderator: Any, comment: str) -> None:
    post.status = Post.Status.REJECTED
    post.save(update_fields=["status"])
    _log_post_action(post, actor=moderator, action=ForumAction.Action.REJECT_POST, reason=comment)


def new_post_request_changes(post: Post, *, moderator: Any, comment: str) -> None:
    """The post keeps waiting; the author edits it and it comes back to the queue."""


# --- Moderators' actions in the forum ------------------------------------------------------------


def _require_moderator(user: Any) -> None:
    if not roles.is_moderator(user):
        raise PermissionDenied


@transaction.atomic
def post_moderate(*, moderator: Any, post: Post, hide: bool, reason: str) -> None:
    """Hide or restore a post; an open flag item in the queue is decided at the same time."""
    _require_moderator(moderator)
    if not reason.strip():
        raise ForumError(
            _("Give the reason: it is kept in the moderation history."), field="reason"
        )
    item = _open_item(post=post, kind=FLAG_KIND)
    if item is not None:
        moderation_decide(
            item=item, moderator=moderator, action="approve" if hide else "reject", comment=reason
        )
        return
    if post.hidden == hide:
        return
    action = ForumAction.Action.HIDE_POST if hide else ForumAction.Action.RESTORE_POST
    _set_hidden(post=post, hidden=hide, actor=moderator, action=action, reason=reason)


THREAD_ACTIONS = {
    "lock": ("locked", True, ForumAction.Action.LOCK),
    "unlock": ("locked", False, ForumAction.Action.UNLOCK),
    "pin": ("pinned", True, ForumAction.Action.PIN),
    "unpin": ("pinned", False, ForumAction.Action.UNPIN),
    "hide": ("hidden", True, ForumAction.Action.HIDE_THREAD),
    "restore": ("hidden", False, ForumAction.Action.RESTORE_THREAD),
}


@transaction.atomic
def thread_moderate(
    *, moderator: Any, thread: Thread, action: str, reason: str, category: Category | None = None
) -> ForumAction:
    """Lock, unlock, pin, unpin, hide, restore or move a thread, with the reason recorded."""
    _require_moderator(moderator)
    if not reason.strip():
        raise ForumError(
            _("Give the reason: it is kept in the moderation history."), field="reason"
        )
    if action == "move":
        if category is None or category.pk == thread.category_id:
            raise ForumError(_("Choose another category to move the thread to."), field="category")
        details = {"from": thread.category.slug, "to": category.slug}
        thread.category = category
        thread.save(update_fields=["category"])
        return ForumAction.objects.create(
            actor=moderator,
            action=ForumAction.Action.MOVE,
            thread=thread,
            reason=reason,
            details=details,
        )
    if action not in THREAD_ACTIONS:
        raise ForumError(_("Choose an action."), field="action")
    field, value, logged = THREAD_ACTIONS[action]
    setattr(thread, field, value)
    thread.save(update_fields=[field])
    return ForumAction.objects.create(actor=moderator, action=logged, thread=thread, reason=reason)


@transaction.atomic
def thread_split(
    *,
    moderator: Any,
    thread: Thread,
    post_ids: list[int],
    title: str,
    category: Category,
    reason: str,
) -> Thread:
    """Move some replies into a new thread; the earliest of them opens it."""
    _require_moderator(moderator)
    if not reason.strip():
        raise ForumError(
            _("Give the reason: it is kept in the moderation history."), field="reason"
        )
    posts = list(
        Post.objects.filter(thread=thread, pk__in=post_ids, is_opening=False).order_by(
            "created_at", "id"
        )
    )
    if not posts:
        raise ForumError(_("Choose at least one reply to move."), field="posts")
    first = posts[0]
    new = Thread.objects.create(
        category=category,
        title=title.strip(),
        author=first.author,
        is_published=True,
        last_posted_at=posts[-1].created_at,
    )
    Post.objects.filter(pk__in=[p.pk for p in posts]).update(thread=new, is_opening=False)
    Post.objects.filter(pk=first.pk).update(is_opening=True)
    if thread.accepted_answer_id in {p.pk for p in posts}:
        thread.accepted_answer = None
        thread.save(update_fields=["accepted_answer"])
    for author_id in {p.author_id for p in posts if p.author_id}:
        Watch.objects.get_or_create(user_id=author_id, thread=new)
    first.refresh_from_db()
    post_refresh_search(post=first)
    thread_refresh(thread=thread)
    thread_refresh(thread=new)
    details = {"from": thread.pk, "to": new.pk, "posts": [p.pk for p in posts]}
    for target in (thread, new):
        ForumAction.objects.create(
            actor=moderator,
            action=ForumAction.Action.SPLIT,
            thread=target,
            reason=reason,
            details=details,
        )
    return new


def forum_actions_for(*, thread: Thread | None = None) -> Any:
    qs = ForumAction.objects.select_related("actor", "thread", "post")
    return qs.filter(Q(thread=thread)) if thread is not None else qs


# --- A member leaves ------------------------------------------------------------------------------
QUOTE_LINES_CHECKED = 5


def posts_quoted(*, author: Any, posts: list[Post]) -> set[int]:
    """The ids of `author`'s `posts` that someone else quoted in the same thread. The reply box
    quotes with "> " before each line (views.forum._quote) and keeps no link to the quoted post,
    so a quote is found by its text: another person's post holding one of the first lines of the
    post as a quoted line. A short common line may match a quote of something else: the post then
    stays, the safe side. One query for all the threads (a post moved by a split is looked for
    in its new thread only)."""
    others: dict[int, list[str]] = {}
    rows = Post.objects.filter(thread_id__in={post.thread_id for post in posts}).exclude(
        author=author
    )
    for thread_id, body in rows.values_list("thread_id", "body"):
        others.setdefault(thread_id, []).append(body)
    quoted = set()
    for post in posts:
        lines = [line for line in post.body.splitlines() if line.strip()][:QUOTE_LINES_CHECKED]
        bodies = others.get(post.thread_id, [])
        if any(f"> {line}" in body for line in lines for body in bodies):
            quoted.add(post.pk)
    return quoted


def member_depart(*, closing: Closing) -> None:
    """The forum without the person. Their published posts stay, shown as from a former member
    (Post.author goes to NULL with the account); with `remove_posts`, those nobody quoted go.
    Posts never published (waiting for a moderator, rejected) go in any case, with their queue
    items. An opening post that goes takes its thread along when nobody else wrote in it;
    otherwise the thread, its title and the others' replies stay, and the opening post keeps
    its place with its text removed. Profile, picture, watches, notifications, reactions and
    flags go with the account (on_delete=CASCADE; django-cleanup deletes the picture after the
    commit)."""
    user = closing.user
    mine = Post.objects.filter(author=user).select_related("thread")
    leaving = list(mine.exclude(status=Post.Status.PUBLISHED))
    if closing.remove_posts:
        published = list(mine.filter(status=Post.Status.PUBLISHED))
        quoted = posts_quoted(author=user, posts=published)
        leaving += [post for post in published if post.pk not in quoted]
    moderation_withdraw(objects=leaving)
    touched: dict[int, Thread] = {post.thread_id: post.thread for post in leaving}
    # Replies go in one deletion (django-cleanup still sees each row: its files leave after
    # the commit); opening posts one by one, as their thread decides.
    Post.objects.filter(pk__in=[post.pk for post in leaving if not post.is_opening]).delete()
    for post in (post for post in leaving if post.is_opening):
        thread = post.thread
        others = Post.objects.filter(thread=thread).exclude(author=user)
        if not others.exclude(status=Post.Status.REJECTED).exists():
            touched.pop(thread.pk, None)
            thread.delete()
            continue
        post.attachments.all().delete()  # their files leave after the commit (django-cleanup)
        post.revisions.all().delete()
        post.body = ""
        post.save(update_fields=["body"])
        post_refresh_search(post=post)
    for thread in touched.values():
        if Thread.objects.filter(pk=thread.pk).exists():
            thread_refresh(thread=thread)
