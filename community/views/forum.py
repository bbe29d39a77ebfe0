"""The forum's pages: categories, threads, posting, editing, reactions, flags and search."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iapt_platform.accounts import roles
from iapt_platform.lib.downloads import file_download
from iapt_platform.lib.http import AuthenticatedRequest
from iapt_platform.lib.pagecache import cache_page_for_visitors, reader_answer

from .. import selectors, services
from ..forms import EditForm, FlagForm, ReplyForm, SearchForm, ThreadForm
from ..models import Attachment, Category, MemberProfile, Post, Thread, Watch
from .common import member_required
from .posts import posts_html

RATE_LIMITED = 429


# Visitors see an invitation to join, the same for all (members are never served from it).
@cache_page_for_visitors("community:index", version=lambda: 1)
def index(request: HttpRequest) -> HttpResponse:
    if not selectors.is_member(request.user):
        return render(request, "community/index.html", {"categories": None})
    categories = selectors.categories_for(user=request.user)
    recent = selectors.thread_list(user=request.user)[:10]
    return render(
        request,
        "community/index.html",
        {"categories": categories, "recent": recent, "search_form": SearchForm()},
    )


def _category_or_404(request: AuthenticatedRequest, slug: str) -> Category:
    category = get_object_or_404(Category, slug=slug)
    # A private category is not even admitted to exist for someone outside it.
    if not selectors.can_read_category(user=request.user, category=category):
        raise Http404
    return category


def _thread_or_404(request: AuthenticatedRequest, pk: int) -> Thread:
    thread = get_object_or_404(selectors.thread_for_reader(user=request.user), pk=pk)
    if not selectors.can_read_thread(user=request.user, thread=thread):
        raise Http404
    return thread


def _post_or_404(request: AuthenticatedRequest, pk: int) -> Post:
    post = get_object_or_404(
        Post.objects.select_related("thread", "thread__category", "author"), pk=pk
    )
    if not selectors.can_read_thread(user=request.user, thread=post.thread):
        raise Http404
    if not selectors.can_see_post(user=request.user, post=post):
        raise Http404
    return post


@require_GET
@member_required
def category_detail(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    category = _category_or_404(request, slug)
    threads = selectors.thread_list(user=request.user, category=category)
    page = Paginator(threads, selectors.THREADS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "community/category.html",
        {
            "category": category,
            "page": page,
            "watching": Watch.objects.filter(user=request.user, category=category).exists(),
        },
    )


@require_POST
@member_required
def category_watch(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    return _toggle_watch(request, _category_or_404(request, slug))


def _toggle_watch(request: AuthenticatedRequest, target: Thread | Category) -> HttpResponse:
    if isinstance(target, Thread):
        watching = services.watch_toggle(user=request.user, thread=target)
        now, no_longer = _("You now watch this thread."), _("You no longer watch this thread.")
    else:
        watching = services.watch_toggle(user=request.user, category=target)
        now, no_longer = _("You now watch this category."), _("You no longer watch this category.")
    messages.success(request, now if watching else no_longer)
    return redirect(target)


def _posted_message(request: HttpRequest, post: Post) -> None:
    if post.status == Post.Status.PENDING:
        messages.info(
            request,
            _(
                "Thank you. As a new member, your first posts are read by a moderator before "
                "others see them; you will hear by email."
            ),
        )
    else:
        messages.success(request, _("Your message is published."))


def _apply_error(form, exc: services.ForumError) -> int:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))
    return RATE_LIMITED if isinstance(exc, services.PostingTooFast) else 200


@require_http_methods(["GET", "POST"])
@member_required
def thread_new(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    category = _category_or_404(request, slug)
    status = 200
    if request.method == "POST":
        form = ThreadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                thread = services.thread_start(
                    user=request.user,
                    category=category,
                    title=data["title"],
                    body=data["body"],
                    is_question=data["is_question"],
                    files=data["attachments"],
                )
            except services.ForumError as exc:
                status = _apply_error(form, exc)
            else:
                _posted_message(request, thread.posts.get(is_opening=True))
                return redirect(thread)
    else:
        form = ThreadForm()
    return render(
        request, "community/thread_new.html", {"category": category, "form": form}, status=status
    )


def _quote(request: AuthenticatedRequest, thread: Thread) -> str:
    """The reply box pre-filled with a quoted post (`?quote=<id>`: works without JavaScript)."""
    raw = request.GET.get("quote", "")
    if not raw.isdigit():
        return ""
    post = (
        selectors.posts_visible_to(user=request.user)
        .filter(thread=thread, pk=int(raw))
        .select_related("author")
        .first()
    )
    if post is None:
        return ""
    try:
        who = f"@{post.author.member_profile.handle}" if post.author else _("Someone")  # type: ignore[attr-defined]
    except MemberProfile.DoesNotExist:
        who = post.author.get_full_name() if post.author else _("Someone")
    lines = [f"> {line}" if line.strip() else ">" for line in post.body.splitlines()]
    header = _("%(who)s wrote:") % {"who": who}
    return f"> **{header}**\n>\n" + "\n".join(lines) + "\n\n"


@dataclass(frozen=True)
class _Reading:
    """What of one member a thread page shows, asked once per request (`_reader`): the copy of
    the page kept for members is kept under it (`str`), so members who would see the same page
    share one copy and a member whose part changes (a role, a watch, their own post, a reaction,
    a flag) gets another at once. The view renders with it, never asks again (see pagecache)."""

    thread: Thread
    version: str  # the thread's and the people's versions (selectors.thread_kept)
    fragments: str  # those of its posts kept rendered (selectors.post_fragment_version)
    is_moderator: bool
    closed_reason: str | None
    watching: bool
    is_asker: bool
    own: frozenset[int]  # the reader's posts in the thread (in any state)
    useful: frozenset[int]  # the posts they found useful
    flagged: frozenset[int]  # the posts they flagged

    def __str__(self) -> str:
        thread, category = self.thread, self.thread.category
        # The thread's row as the page shows it (a save bumps the version too; the category's
        # name and address do not), and the reader's parts.
        state = (
            *(thread.title, thread.is_question, thread.accepted_answer_id, thread.pinned),
            *(thread.locked, thread.hidden, thread.is_published, thread.opening_hidden),  # type: ignore[attr-defined]
            *(category.pk, category.name, category.slug),
            *(self.is_moderator, self.closed_reason, self.watching, self.is_asker),
            *(sorted(self.own), sorted(self.useful), sorted(self.flagged)),
        )
        digest = hashlib.blake2b(repr(state).encode(), digest_size=12).hexdigest()
        return f"{self.version}.{digest}"


def _reader(request: AuthenticatedRequest, pk: int) -> _Reading | None:
    """The member's part of a thread page (None: the view answers, uncached: a thread they may
    not read, a page number outside the thread). The thread's row is kept (`thread_kept`); the
    reader's watch and marks are one query."""
    user = request.user
    thread, version, fragments = selectors.thread_kept(pk=pk)
    if thread is None or not selectors.can_read_thread(user=user, thread=thread):
        return None
    page = request.GET.get("page")
    pages = thread.reply_count // selectors.POSTS_PER_PAGE + 1  # the opening post and replies
    if page not in (None, "1") and not (page.isdigit() and page[0] != "0" and int(page) <= pages):
        return None  # only the thread's own pages are kept, never one per typed number
    watching, own, useful, flagged = selectors.reader_marks(user=user, thread=thread)
    thread.watching = watching  # type: ignore[attr-defined]
    return _Reading(
        thread=thread,
        version=version,
        fragments=fragments,
        is_moderator=roles.is_moderator(user),
        closed_reason=selectors.reply_closed_reason(user=user, thread=thread),
        watching=watching,
        is_asker=thread.author_id == user.pk,
        own=own,
        useful=useful,
        flagged=flagged,
    )


# A member's GET of a thread page is kept whole, one copy per answer of `_reader` (and per page,
# language and time zone), the frame and the CSRF token put in for each member on each hit
# (iapt_platform/lib/pagecache.py). A reply (POST), a quote (`?quote=`), a page with a message
# to show go to the view as before. Nothing happens on reading a thread but the page itself.
@require_http_methods(["GET", "POST"])
@member_required
@cache_page_for_visitors(
    "community:thread", version=(), params=("page",), members=True, reader=_reader
)
def thread_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    reading: _Reading | None = reader_answer(request)
    if reading is not None:
        thread = reading.thread
        closed_reason, is_moderator = reading.closed_reason, reading.is_moderator
    else:
        thread = _thread_or_404(request, pk)
        closed_reason = selectors.reply_closed_reason(user=request.user, thread=thread)
        is_moderator = roles.is_moderator(request.user)
    can_reply = closed_reason is None
    status = 200
    if request.method == "POST":
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                post = services.post_reply(
                    user=request.user,
                    thread=thread,
                    body=form.cleaned_data["body"],
                    files=form.cleaned_data["attachments"],
                )
            except services.ForumError as exc:
                status = _apply_error(form, exc)
            else:
                _posted_message(request, post)
                return redirect("community:post", post.pk)
    else:
        form = ReplyForm(initial={"body": _quote(request, thread)})
    posts = selectors.thread_posts(user=request.user, thread=thread, marks=reading is None)
    # The reply box sits under the last replies: a reply with an error shows the last page.
    last = request.method == "POST"
    page = _page_of_posts(request, posts, thread=thread, last=last)
    shown = list(page.object_list)
    if reading is not None:  # the marks the copy is kept under, not read a second time
        for post in shown:
            post.found_useful = post.pk in reading.useful  # type: ignore[attr-defined]
            post.flagged_by_me = post.pk in reading.flagged  # type: ignore[attr-defined]
    shared = {
        "thread": thread,
        "page": page,
        "can_reply": can_reply,
        "is_moderator": is_moderator,
        "is_asker": thread.author_id == request.user.pk,
        "user": request.user,
    }
    return render(
        request,
        "community/thread.html",
        {
            **shared,
            "category": thread.category,
            "form": form,
            "closed_reason": closed_reason,
            "posts_html": posts_html(
                request,
                posts=shown,
                context=shared,
                version=reading.fragments if reading is not None else None,
            ),
            "watching": thread.watching,  # type: ignore[attr-defined]
        },
        status=status,
    )


def _page_of_posts(request: AuthenticatedRequest, posts, *, thread: Thread, last: bool) -> Page:
    """The page of posts asked for (`?page=`; the last one for `last`) in one query, which also
    counts the posts the reader sees (`total`); the count is asked apart only for the last page
    and for a number past the end, which Paginator answers with the last page as before."""
    paginator = Paginator(posts, selectors.POSTS_PER_PAGE)
    number = request.GET.get("page")
    wanted = 1 if number in (None, "") else int(number) if number.isdigit() else 0
    if not last and wanted >= 1:
        start = (wanted - 1) * selectors.POSTS_PER_PAGE
        rows = list(posts[start : start + selectors.POSTS_PER_PAGE])
        if rows or wanted == 1:
            paginator.count = rows[0].total if rows else 0  # type: ignore[attr-defined]
            page = paginator.page(wanted)
            page.object_list = rows
            return page
    paginator.count = selectors.thread_post_count(user=request.user, thread=thread)
    return paginator.get_page(paginator.num_pages if last else number)


@require_POST
@member_required
def thread_watch(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _toggle_watch(request, _thread_or_404(request, pk))


@require_GET
@member_required
def post_redirect(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A stable link to a post: the thread page it is on, at the post."""
    post = _post_or_404(request, pk)
    position = selectors.post_position(user=request.user, post=post)
    page = position // selectors.POSTS_PER_PAGE + 1
    url = reverse("community:thread", args=[post.thread_id])
    query = f"?{urlencode({'page': page})}" if page > 1 else ""
    return redirect(f"{url}{query}#post-{post.pk}")


@require_http_methods(["GET", "POST"])
@member_required
def post_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    if not selectors.can_edit_post(user=request.user, post=post):
        raise PermissionDenied
    initial = {"body": post.body, "title": post.thread.title}
    form = EditForm(request.POST or None, initial=initial, opening=post.is_opening)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_edit(
                user=request.user,
                post=post,
                body=form.cleaned_data["body"],
                title=form.cleaned_data.get("title"),
            )
        except services.ForumError as exc:
            _apply_error(form, exc)
        else:
            messages.success(
                request, _("Your changes are saved; the earlier text is in the history.")
            )
            return redirect("community:post", post.pk)
    return render(request, "community/post_edit.html", {"post": post, "form": form})


@require_POST
@member_required
def post_useful(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    try:
        services.post_toggle_useful(user=request.user, post=post)
    except services.ForumError as exc:
        messages.error(request, str(exc))
    return redirect("community:post", post.pk)


@require_POST
@member_required
def post_accept(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    try:
        accepted = services.thread_accept_answer(user=request.user, post=post)
    except services.ForumError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Marked as the answer.") if accepted else _("No longer marked as the answer."),
        )
    return redirect("community:post", post.pk)


@require_http_methods(["GET", "POST"])
@member_required
def post_flag(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_flag(
                user=request.user,
                post=post,
                reason=form.cleaned_data["reason"],
                comment=form.cleaned_data["comment"],
            )
        except services.ForumError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Thank you: the moderators will look at this post."))
        return redirect("community:thread", post.thread_id)
    return render(request, "community/post_flag.html", {"post": post, "form": form})


@require_GET
@member_required
def attachment_download(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    attachment = get_object_or_404(
        Attachment.objects.select_related("post", "post__thread", "post__thread__category"), pk=pk
    )
    post = attachment.post
    if not (
        selectors.can_read_thread(user=request.user, thread=post.thread)
        and selectors.can_see_post(user=request.user, post=post)
    ):
        raise Http404
    return file_download(
        attachment.file, filename=attachment.original_name, mimetype=attachment.mimetype
    )


@require_GET
@member_required
def search(request: AuthenticatedRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    page = None
    query = ""
    if form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"].strip()
        results = selectors.post_search(user=request.user, query=query)
        page = Paginator(results, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "community/search.html",
        {"form": form, "page": page, "q": query, "query": urlencode({"q": query})},
    )
