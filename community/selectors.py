"""Reads of the community: who may see what, and the querysets the pages list."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce
from django.urls import reverse

from iapt_platform.accounts import personal_data, roles
from iapt_platform.lib import search
from iapt_platform.lib.cache import CacheVersion
from iapt_platform.lib.markdown import mentioned_handles

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
    Topic,
    Watch,
)

POSTS_PER_PAGE = 50
THREADS_PER_PAGE = 25


def is_member(user: Any) -> bool:
    return roles.has_role(user, roles.MEMBER) or roles.is_moderator(user)


# --- Permissions ---------------------------------------------------------------------------------


def can_read_category(*, user: Any, category: Category) -> bool:
    if roles.is_moderator(user):
        return True
    if not is_member(user):
        return False
    if not category.is_private:
        return True
    return category.members.filter(pk=user.pk).exists()


def _opening_hidden() -> QuerySet[Post, Any]:
    """Threads whose opening post is hidden (by flags or a moderator): gone for other members,
    as Discourse unlists a topic whose first post the flags hid."""
    return Post.objects.filter(is_opening=True, hidden=True).values("thread_id")


def _opening_is_hidden(thread: Thread) -> bool:
    """Asked once per thread object (or read with it: `thread_for_reader`): the permission
    and the reply box both need it."""
    if getattr(thread, "opening_hidden", None) is None:
        thread.opening_hidden = _opening_hidden().filter(thread_id=thread.pk).exists()  # type: ignore[attr-defined]
    return thread.opening_hidden  # type: ignore[attr-defined]


def thread_for_reader(*, user: Any) -> QuerySet[Thread]:
    """Threads with what their page asks besides: whether the opening post is hidden, and
    whether the reader watches it (`watching`), in the same query."""
    return Thread.objects.select_related("category", "author").annotate(
        opening_hidden=Exists(_opening_hidden().filter(thread_id=OuterRef("pk"))),
        watching=Exists(Watch.objects.filter(user=user.pk, thread=OuterRef("pk"))),
    )


# A thread's row for its page, kept under the thread's, the people's and the categories'
# versions (a category renamed, made private: community/apps.py), with whether its opening post
# is hidden (a post's save bumps the thread's version); what is the reader's is read apart
# (`reader_marks`). The timeout only bounds the memory.
CATEGORIES = CacheVersion("community:categories-version")
THREAD_ROW_SECONDS = 24 * 3600


def thread_kept(*, pk: int) -> tuple[Thread | None, str, str]:
    """The thread `pk` (with its category and `opening_hidden`), or None, the version of its
    page (the thread's and the people's) and that of its posts kept rendered
    (`post_fragment_version`), in one cache round trip when it is kept."""
    fragments = fragments_version(pk)
    versions = (thread_version(pk), PEOPLE, CATEGORIES)
    row_key = f"community:thread-row:{pk}"
    found = cache.get_many([*(version.key for version in versions), fragments.key, row_key])
    current = [
        str(found[version.key]) if version.key in found else str(version.get())
        for version in versions
    ]
    page_version = ".".join(current[:2])
    posts_version = f"{found.get(fragments.key) or fragments.get()}.{current[1]}"
    kept = found.get(row_key)
    if kept is not None and kept[0] == current:
        return kept[1], page_version, posts_version
    thread = (
        Thread.objects.select_related("category")
        .annotate(opening_hidden=Exists(_opening_hidden().filter(thread_id=OuterRef("pk"))))
        .filter(pk=pk)
        .first()
    )
    if thread is not None:
        cache.set(row_key, (current, thread), THREAD_ROW_SECONDS)
    return thread, page_version, posts_version


def _marks_sql() -> str:
    """Table names from the models; the values are parameters."""
    post, watch = Post._meta.db_table, Watch._meta.db_table
    reaction, flag = Reaction._meta.db_table, Flag._meta.db_table
    own = "user_id = %(user)s AND thread_id = %(thread)s"
    theirs = "m.user_id = %(user)s AND p.thread_id = %(thread)s"
    parts = [
        f"SELECT 'w', thread_id FROM {watch} WHERE {own}",  # noqa: S608
        f"SELECT 'o', id FROM {post} WHERE {own.replace('user_id', 'author_id')}",  # noqa: S608
        *(
            f"SELECT '{kind}', m.post_id FROM {table} m"  # noqa: S608
            f" JOIN {post} p ON p.id = m.post_id WHERE {theirs}"
            for kind, table in (("r", reaction), ("f", flag))
        ),
    ]
    return " UNION ALL ".join(parts)


def reader_marks(
    *, user: Any, thread: Thread
) -> tuple[bool, frozenset[int], frozenset[int], frozenset[int]]:
    """The reader's own parts of a thread page, in one query: whether they watch it, and as post
    ids the posts they wrote (in any state), those they found useful, those they flagged. (SQL
    of its own: built with the ORM, this query cost more to compose than to run, on every view.)"""
    found: dict[str, set[int]] = {"w": set(), "o": set(), "r": set(), "f": set()}
    with connection.cursor() as cursor:
        cursor.execute(_marks_sql(), {"user": user.pk, "thread": thread.pk})
        for kind, pk in cursor.fetchall():
            found[kind].add(pk)
    return (
        bool(found["w"]),
        frozenset(found["o"]),
        frozenset(found["r"]),
        frozenset(found["f"]),
    )


def can_read_thread(*, user: Any, thread: Thread) -> bool:
    """The thread is shown: its category is readable and the thread is public (or the reader's)."""
    if not can_read_category(user=user, category=thread.category):
        return False
    if roles.is_moderator(user):
        return True
    if thread.hidden:
        return False
    if thread.author_id == user.pk:
        return True
    return thread.is_published and not _opening_is_hidden(thread)


class ReplyClosed:
    """Why a reader cannot reply in a thread: each reason has its own sentence in the page."""

    WAITING = "waiting"
    OPENING_HIDDEN = "opening_hidden"
    CLOSED = "closed"


def reply_closed_reason(*, user: Any, thread: Thread) -> str | None:
    """None when the reader may reply, else one of ReplyClosed."""
    if roles.is_moderator(user):
        return None
    if not thread.is_published:
        return ReplyClosed.WAITING
    if thread.locked or thread.hidden:
        return ReplyClosed.CLOSED
    if _opening_is_hidden(thread):
        return ReplyClosed.OPENING_HIDDEN
    return None


def can_post_in(*, user: Any, thread: Thread) -> bool:
    return reply_closed_reason(user=user, thread=thread) is None


def can_edit_post(*, user: Any, post: Post) -> bool:
    if roles.is_moderator(user):
        return True
    return (
        post.author_id == user.pk
        and post.status != Post.Status.REJECTED
        and not post.hidden
        and not post.thread.locked
    )


def can_see_post(*, user: Any, post: Post) -> bool:
    if roles.is_moderator(user):
        return True
    if post.author_id == user.pk and post.status != Post.Status.REJECTED:
        return True
    return post.status == Post.Status.PUBLISHED and not post.hidden


# --- Forum lists ---------------------------------------------------------------------------------


# The forum's public thread counts per category, the same for every reader (a private
# category's count is shown only to those who see the category): kept under a version any save
# or deletion of a thread or a post bumps (community/apps.py).
FORUM_VERSION = CacheVersion("community:forum-version")


def _thread_counts() -> dict[int, int]:
    key = f"community:thread-counts:{FORUM_VERSION.get()}"
    counts = cache.get(key)
    if counts is None:
        public = Thread.objects.filter(is_published=True, hidden=False).exclude(
            pk__in=_opening_hidden()
        )
        counts = dict(
            public.order_by()
            .values_list("category_id")
            .annotate(n=Count("pk"))
            .values_list("category_id", "n")
        )
        cache.set(key, counts, 24 * 3600)
    return counts


def categories_for(*, user: Any) -> list[Category]:
    """The categories the reader sees, each with its `thread_count` of public threads."""
    counts = _thread_counts()
    categories = list(Category.objects.visible_to(user).order_by("order", "name"))
    for category in categories:
        category.thread_count = counts.get(category.pk, 0)  # type: ignore[attr-defined]
    return categories


def threads_visible_to(*, user: Any) -> QuerySet[Thread]:
    qs = Thread.objects.filter(category__in=Category.objects.visible_to(user))
    if roles.is_moderator(user):
        return qs
    public = Q(is_published=True) & ~Q(pk__in=_opening_hidden())
    if not user.is_authenticated:
        return qs.filter(public, hidden=False)
    return qs.filter(public | Q(author=user.pk), hidden=False)


def thread_list(*, user: Any, category: Category | None = None) -> QuerySet[Thread]:
    qs = threads_visible_to(user=user).select_related("category", "author")
    if category is not None:
        qs = qs.filter(category=category)
    return qs.order_by("-pinned", "-last_posted_at", "-id")


def posts_visible_to(*, user: Any) -> QuerySet[Post]:
    if roles.is_moderator(user):
        return Post.objects.exclude(status=Post.Status.REJECTED)
    if not user.is_authenticated:
        return Post.objects.filter(status=Post.Status.PUBLISHED, hidden=False)
    return Post.objects.filter(
        Q(status=Post.Status.PUBLISHED, hidden=False)
        | Q(author=user.pk, status=Post.Status.PENDING)
        | Q(author=user.pk, hidden=True, status=Post.Status.PUBLISHED)
    )


def _count(related: QuerySet) -> Coalesce:
    """How many `related` rows point at each post, as a subquery (no GROUP BY of the posts:
    Django would group by every column it selects, which costs more to plan than to run)."""
    per_post = related.filter(post=OuterRef("pk")).order_by().values("post")
    return Coalesce(Subquery(per_post.annotate(n=Count("pk")).values("n")), 0)


# What a thread page reads of a post, its author and their profile (not the search columns, not
# the author's account beyond the name shown).
POST_FIELDS = (
    *("id", "thread_id", "author_id", "body", "language", "is_opening", "status", "hidden"),
    *("created_at", "edited_at", "author__display_name", "author__email"),
    "author__member_profile__handle",
)


def thread_posts(*, user: Any, thread: Thread, marks: bool = True) -> QuerySet[Post]:
    """A thread's posts for one reader, each with `total`, how many the reader sees (the page
    count, a window over the same rows: no second query), and with the reader's own marks
    (`found_useful`, `flagged_by_me`; `marks=False`: the caller knows them already), in one
    query; what a post shows besides its row (attachments, edit history) is loaded by
    `post_extras` for the posts not already kept rendered (see `post_fragment_version`)."""
    qs = (
        posts_visible_to(user=user)
        .filter(thread=thread)
        .select_related("author", "author__member_profile")
        .only(*POST_FIELDS)
        .annotate(useful_count=_count(Reaction.objects.all()), total=Window(Count("pk")))
        .order_by("created_at", "id")
    )
    if marks:
        qs = qs.annotate(
            found_useful=Exists(Reaction.objects.filter(post=OuterRef("pk"), user=user.pk)),
            flagged_by_me=Exists(Flag.objects.filter(post=OuterRef("pk"), user=user.pk)),
        )
    if roles.is_moderator(user):
        qs = qs.annotate(open_flags=_count(Flag.objects.filter(status=Flag.Status.OPEN)))
    return qs


def thread_post_count(*, user: Any, thread: Thread) -> int:
    """How many of the thread's posts the reader sees (the page count), without the marks."""
    return posts_visible_to(user=user).filter(thread=thread).count()


def post_extras(posts: list[Post]) -> None:
    """Each post's attachments (`files`, in the order sent) and edit history (`earlier`, the
    latest edit first), one query each, the second only when one of the posts was edited (an
    edit writes `edited_at` with its history: services.post_edit)."""
    files: dict[int, list[Attachment]] = {post.pk: [] for post in posts}
    for attachment in Attachment.objects.filter(post__in=list(files)).order_by("id"):
        files[attachment.post_id].append(attachment)
    earlier: dict[int, list[PostRevision]] = {post.pk: [] for post in posts if post.edited_at}
    if earlier:
        revisions = PostRevision.objects.filter(post__in=list(earlier)).select_related("editor")
        for revision in revisions.order_by("-id"):
            earlier[revision.post_id].append(revision)
    for post in posts:
        post.files = files[post.pk]  # type: ignore[attr-defined]
        post.earlier = earlier.get(post.pk, [])  # type: ignore[attr-defined]


# A thread page keeps each post rendered, shared by every reader who sees it alike in any
# language and time zone (community/views/posts.py): keyed by what its row says (text, state,
# counts, the reader's own marks, the thread's state it shows) and by two versions for what the
# row does not: the thread's attachments and edit histories (`fragments_version`: any save or
# deletion of either) and the people's (names shown, handles linked: any change to a profile or
# an account but a sign-in). A reply, a reaction, a flag or a moderator's decision changes only
# the rows they touch: the thread's other posts stay kept.
PEOPLE = CacheVersion("community:people-version")


class _VersionOfOne(CacheVersion):
    """The version of one thread's or one member's content: made on each use and read on its
    own, never registered with the module constants `versions_read_together` reads at once
    (registered, every thread and member a process ever served would join that read)."""

    def __init__(self, key: str) -> None:
        self.key = key


class _NeverReused(_VersionOfOne):
    """A version that starts at a random number rather than at 1: a post moved to another
    thread (a split) never finds what was kept of it under an earlier count that the new
    thread's version happens to repeat."""

    random_start = True


def thread_version(thread_id: int) -> CacheVersion:
    """Any change to the thread or to anything its page shows (the page kept whole)."""
    return _VersionOfOne(f"community:thread-version:{thread_id}")


def fragments_version(thread_id: int) -> CacheVersion:
    """A change to the attachments or edit history of one of the thread's posts."""
    return _NeverReused(f"community:thread-fragments:{thread_id}")


def post_fragment_version(*, thread_id: int) -> str:
    """Both versions of the posts kept rendered, read in one round trip."""
    fragments = fragments_version(thread_id)
    found = cache.get_many([fragments.key, PEOPLE.key])
    people = found[PEOPLE.key] if PEOPLE.key in found else PEOPLE.get()
    return f"{found.get(fragments.key) or fragments.get()}.{people}"


def mention_links(*, posts: Any) -> dict[str, str]:
    """The profile address of each active member mentioned in these posts, in one query.

    Profiles are for members, and so is the forum: every reader of a post may open them.
    """
    handles: set[str] = set()
    for post in posts:
        handles |= mentioned_handles(post.body)
    if not handles:
        return {}
    found = MemberProfile.objects.filter(handle__in=handles, user__is_active=True)
    return {
        handle: reverse("community:member", args=[handle])
        for handle in found.values_list("handle", flat=True)
    }


def post_position(*, user: Any, post: Post) -> int:
    """How many posts the reader sees before this one in its thread (for the page number)."""
    return (
        posts_visible_to(user=user)
        .filter(thread_id=post.thread_id)
        .filter(Q(created_at__lt=post.created_at) | Q(created_at=post.created_at, id__lt=post.pk))
        .count()
    )


# The posts a search finds, for everyone (moderators included): published and not hidden.
_FOUND_POSTS = Q(status=Post.Status.PUBLISHED, hidden=False)


def post_search(*, user: Any, query: str) -> QuerySet[Post]:
    qs = posts_visible_to(user=user).filter(_FOUND_POSTS, thread__in=threads_visible_to(user=user))
    qs = search.search(qs, query)
    order = ["-rank", "-created_at"] if "rank" in qs.query.annotations else ["-created_at"]
    return qs.select_related("thread", "thread__category", "author").order_by(*order, "-id")


def search_audience(user: Any) -> str | None:
    """Who finds the same threads as `user` in the one search: "moderators" (every moderator
    sees every thread), "members" for a member who sees no more than every other member (no
    private category of theirs, no thread of theirs waiting or unlisted), else None: what they
    find is their own (and a visitor finds nothing)."""
    if roles.is_moderator(user):
        return "moderators"
    if not is_member(user):
        return None
    own = Thread.objects.filter(author=user.pk, hidden=False).filter(
        Q(is_published=False) | Q(pk__in=_opening_hidden())
    )
    private = Category.objects.filter(is_private=True, members=user.pk)
    sees_more = get_user_model().objects.filter(Exists(own) | Exists(private), pk=user.pk).exists()
    return None if sees_more else "members"


def search_version() -> str:
    """The version of what the forum's search finds: its threads and posts, and its categories
    (a name shown, a category made private)."""
    return f"{FORUM_VERSION.get()}.{CATEGORIES.get()}"


def threads_by_activity_with(*, user: Any, query: str) -> QuerySet[Thread]:
    """The threads `user` sees that hold a post `query` finds (of those post_search gives), as
    the forum lists them (pinned, then the latest activity), each with `post`: the latest such
    post. Walked in the order of the threads' index and checked one by one, so that a word most
    posts hold (a broad search) reads a few threads, not every match."""
    posts = search.search(Post.objects.filter(_FOUND_POSTS), query, rank=False)
    latest = posts.filter(thread_id=OuterRef("pk")).order_by("-id").values("pk")[:1]
    return (
        threads_visible_to(user=user)
        .annotate(post=Subquery(latest))
        .filter(post__isnull=False)
        .order_by("-pinned", "-last_posted_at", "-id")
    )


# --- Members -------------------------------------------------------------------------------------


def member_directory(
    *, query: str = "", country: str = "", topic: str = "", organisation_type: str = ""
) -> QuerySet[MemberProfile]:
    qs = MemberProfile.objects.filter(user__is_active=True)
    if country:
        qs = qs.filter(user__country=country)
    if topic:
        matching = Topic.objects.filter(slug=topic)
        qs = qs.filter(Q(expertise__in=matching) | Q(interests__in=matching))
        qs = MemberProfile.objects.filter(pk__in=qs.values("pk"))
    if organisation_type:
        qs = qs.filter(organisation_type=organisation_type)
    if query:
        qs = search.search(qs, query, rank=False)
    return (
        qs.select_related("user", "initiative", "programme")
        .prefetch_related(
            Prefetch("expertise", queryset=Topic.objects.order_by("order")),
            Prefetch("interests", queryset=Topic.objects.order_by("order")),
        )
        .order_by("user__display_name", "handle")
    )


def member_countries() -> list[str]:
    return sorted(
        set(
            MemberProfile.objects.filter(user__is_active=True)
            .exclude(user__country="")
            .values_list("user__country", flat=True)
        )
    )


# --- Notifications -------------------------------------------------------------------------------


# The unread count in the frame of every page a member opens, kept per member under a version of
# their own that any change to their notifications bumps (created, read, deleted): a count read
# from the database before a change is stored under the old version, never served after it.
UNREAD_SECONDS = 3600


def _unread_version(user_id: int) -> CacheVersion:
    return _VersionOfOne(f"community:notifications-version:{user_id}")


def unread_count(*, user: Any) -> int:
    """The forum's unread notifications and the news of what the member follows, counted in one
    query (over both indexed sets) and kept until either changes."""
    key = f"community:unread:{user.pk}:{_unread_version(user.pk).get()}"
    count = cache.get(key)
    if count is None:
        from community.following.models import NewsNotification

        forum = Notification.objects.filter(recipient=user, read_at__isnull=True).order_by()
        news = NewsNotification.objects.filter(recipient=user, read_at__isnull=True).order_by()
        count = forum.values("pk").union(news.values("pk"), all=True).count()
        cache.set(key, count, UNREAD_SECONDS)
    return count


def unread_version(*, user: Any) -> str:
    """Names the member's unread count as it stands (their id and its version): what the site
    frame kept for them is keyed by it, so it is read without reading the count."""
    return f"{user.pk}.{_unread_version(user.pk).get()}"


def unread_version_key(user_id: int) -> str:
    """The cache key of the version of member `user_id`'s unread count."""
    return _unread_version(user_id).key


def notifications_changed(*, user_ids: Iterable[int]) -> None:
    """Their unread counts are read again (now, and after the current transaction commits)."""
    for user_id in set(user_ids):
        _unread_version(user_id).bump_around_commit()


def notification_list(*, user: Any) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=user)
        .select_related("actor", "post", "post__thread")
        .order_by("-created_at", "-id")
    )


FORUM, NEWS = "forum", "news"


def notification_feed(*, user: Any) -> QuerySet:
    """Forum notifications and news notifications in one list, newest first: rows of
    (source, id, created_at) for a paginator; `notification_page` loads a page of them."""
    from community.following.models import NewsNotification

    # Each side unordered (a compound statement's parts may not be); the union is ordered.
    forum = (
        Notification.objects.filter(recipient=user)
        .order_by()
        .values_list(Value(FORUM, output_field=CharField()), "pk", "created_at")
    )
    news = (
        NewsNotification.objects.filter(recipient=user)
        .order_by()
        .values_list(Value(NEWS, output_field=CharField()), "pk", "created_at")
    )
    return forum.union(news, all=True).order_by("-created_at", "-pk")


def notification_page(*, user: Any, rows: Any) -> list[Any]:
    """The notifications of a page of `notification_feed`, in its order: forum ones as rows,
    news ones as `following.selectors.NewsItem` (one query per kind of object)."""
    from community.following import selectors as following
    from community.following.models import NewsNotification

    rows = list(rows)
    forum_ids = [pk for source, pk, _created in rows if source == FORUM]
    news_ids = [pk for source, pk, _created in rows if source == NEWS]
    forum = notification_list(user=user).in_bulk(forum_ids) if forum_ids else {}
    news_rows = NewsNotification.objects.filter(recipient=user, pk__in=news_ids)
    news = {item.notification.pk: item for item in following.news_items(news_rows, user=user)}
    shown = []
    for source, pk, _created in rows:
        found = forum.get(pk) if source == FORUM else news.get(pk)
        if found is not None:
            shown.append(found)
    return shown


# --- Download my data -----------------------------------------------------------------------------


def personal_data_of(user: Any) -> personal_data.Portion:
    """The person's community profile (every field), their threads, posts (with the files they
    attached), reactions, flags, watches and notifications; other people as privacy shows them."""
    portion = personal_data.Portion(data={})
    profile = (
        MemberProfile.objects.filter(user=user)
        .select_related("user")
        .prefetch_related("expertise", "interests")
        .first()
    )
    if profile is not None:
        files = {}
        if profile.avatar:
            files["avatar"] = personal_data.file_name("avatar", profile.avatar)
            portion.files.append((files["avatar"], profile.avatar))
        portion.data["profile"] = {
            **personal_data.record(profile, files=files),
            "expertise": [topic.slug for topic in profile.expertise.all()],
            "interests": [topic.slug for topic in profile.interests.all()],
        }
    else:
        portion.data["profile"] = None
    portion.data["threads_started"] = [
        {**personal_data.record(thread), "category": thread.category.slug}
        for thread in Thread.objects.filter(author=user).select_related("category").order_by("pk")
    ]
    posts = []
    for post in (
        Post.objects.filter(author=user)
        .select_related("thread")
        .prefetch_related("attachments", "revisions")
        .order_by("pk")
    ):
        attachments = []
        for attachment in post.attachments.all():
            name = personal_data.file_name(f"posts/{post.pk}", attachment.file)
            portion.files.append((name, attachment.file))
            attachments.append({**personal_data.record(attachment), "file": name})
        posts.append(
            {
                **personal_data.record(post),
                "thread_title": post.thread.title,
                "attachments": attachments,
                "earlier_versions": [
                    {"body": revision.body, "replaced_at": revision.created_at.isoformat()}
                    for revision in post.revisions.all()
                ],
            }
        )
    portion.data["posts"] = posts
    portion.data["reactions"] = list(
        Reaction.objects.filter(user=user).order_by("pk").values("post_id", "created_at")
    )
    portion.data["flags"] = [
        personal_data.record(flag) for flag in Flag.objects.filter(user=user).order_by("pk")
    ]
    portion.data["watches"] = [
        {
            **personal_data.record(watch),
            "thread_title": watch.thread.title if watch.thread else None,
            "category": watch.category.slug if watch.category else None,
        }
        for watch in Watch.objects.filter(user=user)
        .select_related("thread", "category")
        .order_by("pk")
    ]
    portion.data["private_groups"] = list(
        Category.objects.filter(members=user).order_by("slug").values_list("slug", flat=True)
    )
    portion.data["notifications"] = [
        {
            **personal_data.record(notification, exclude=["actor"]),
            "actor": personal_data.someone(notification.actor, viewer=user),
            "thread_title": notification.post.thread.title,
        }
        for notification in Notification.objects.filter(recipient=user)
        .select_related("actor__member_profile", "post__thread")
        .order_by("pk")
    ]
    return portion
