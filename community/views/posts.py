"""A thread page's posts: each rendered once and kept, for every reader who sees it alike in any
language and time zone. Its dates, labels, addresses and CSRF token are holes
(iapt_platform/lib/holes.py), filled for each reader when the page is put together; what differs
between readers' situations (their own post, a mark, a moderator's tools, the reply box open) is
in the key (`_state`). The posts missing from the cache are rendered in one template pass."""

from __future__ import annotations

import hashlib
import html
from pathlib import Path

from django.core.cache import cache
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from iapt_platform.lib import holes
from iapt_platform.lib.http import AuthenticatedRequest
from iapt_platform.lib.markdown import mentioned_handles, render_markdown
from iapt_platform.lib.pagecache import csrf_token_of

from .. import selectors
from ..models import MemberProfile, Post

POST_SECONDS = 24 * 3600  # kept under versions: the timeout only bounds the memory
# What writes a post and fills it: a new release that changes either never reads what an
# earlier one kept (a hole it no longer knows, another markup).
_WRITER = hashlib.blake2b(
    Path(__file__).read_bytes() + Path(holes.__file__).read_bytes(), digest_size=6
).hexdigest()

# Every label of templates/community/partials/posts.html, filled in the reader's language.
LABELS = {
    "former_member": _("A former member"),
    "edited": _("edited"),
    "accepted": _("Accepted answer"),
    "waiting": _("Waiting for a moderator"),
    "hidden": _("Hidden by the moderators"),
    "flags": ngettext_lazy("%(counter)s flag", "%(counter)s flags", "counter"),
    "removed": _(
        "The author removed this message when they closed their account. The replies below stay."
    ),
    "attachments": _("Attachments"),
    "history": ngettext_lazy(
        "Edit history: %(counter)s earlier version",
        "Edit history: %(counter)s earlier versions",
        "counter",
    ),
    "before_edit": _("Before the edit of %(when)s"),
    "edited_by": _("edited by %(name)s"),
    "quote": _("Quote"),
    "useful": _("Useful"),
    "mark_answer": _("Mark as the answer"),
    "unmark_answer": _("Unmark as the answer"),
    "you_flagged": _("You flagged this post"),
    "flag": _("Flag"),
    "edit": _("Edit"),
    "restore": _("Restore"),
    "hide": _("Hide"),
}


def _state(post: Post, context: dict) -> str:
    """Everything in a post's row and in the reader's situation that its rendering shows (the
    rest is in `selectors.post_fragment_version`): readers in the same situation share it."""
    thread, user = context["thread"], context["user"]
    state = (
        post.body,
        post.language,
        post.author_id,
        post.status,
        post.hidden,
        post.is_opening,
        post.edited_at,
        post.created_at,
        post.useful_count,  # type: ignore[attr-defined]
        post.found_useful,  # type: ignore[attr-defined]
        post.flagged_by_me,  # type: ignore[attr-defined]
        getattr(post, "open_flags", None),
        post.author_id == user.pk,
        thread.accepted_answer_id == post.pk,
        thread.is_question,
        thread.locked,
        context["can_reply"],
        context["is_moderator"],
        context["is_asker"],
        context["page"].number,
    )
    return hashlib.blake2b(repr(state).encode(), digest_size=12).hexdigest()


def posts_html(
    request: AuthenticatedRequest, *, posts: list[Post], context: dict, version: str | None = None
) -> str:
    """The page's posts for this reader: one cache read for the page, one template pass for the
    posts not kept yet, then the holes filled (their CSRF token: the placeholder while the
    whole page is rendered to be kept, see pagecache)."""
    if version is None:
        version = selectors.post_fragment_version(thread_id=context["thread"].pk)
    keys = {
        post.pk: f"community:post:{_WRITER}:{post.pk}:{version}:{_state(post, context)}"
        for post in posts
    }
    kept = cache.get_many(list(keys.values()))
    missing = [post for post in posts if keys[post.pk] not in kept]
    if missing:
        fresh = {keys[pk]: part for pk, part in _render(missing, context).items()}
        cache.set_many(fresh, POST_SECONDS)
        kept.update(fresh)
    parts = [kept[keys[post.pk]] for post in posts]
    html = holes.fill(
        "".join(html for html, _mark in parts),
        {mark for _html, mark in parts},
        labels=LABELS,
        token=csrf_token_of(request),
    )
    return mark_safe(html)  # noqa: S308 (a template's output; posts through the sanitiser)


def _render(posts: list[Post], context: dict) -> dict[int, tuple[str, str]]:
    """Each post as every reader in this situation sees it, with its holes, and their mark."""
    marks = holes.Holes(LABELS)
    with marks.neutral():
        selectors.post_extras(posts)
        links = selectors.mention_links(posts=posts)
        bodies = _bodies(posts, links, marks)
        page = _Page(marks, context)
        return {post.pk: (page.post(post, bodies[post.pk]), marks.mark) for post in posts}


_ADDRESSES = ("post", "post_useful", "post_accept", "post_flag", "post_edit", "post_moderate")
_MARK = "987654321"


class _Page:
    """Writes the posts of one page for one reader's situation. The HTML is built here rather
    than by a template: a post has some forty variables and conditions, and a template's nodes
    cost more than the whole post does here (as `{% facet_items %}`). What is the same for every
    post of the page is asked once: the addresses (reversed once, each post's id put in), the
    reader's roles, the labels' holes. Every value from a row is escaped (`_e`)."""

    def __init__(self, marks: holes.Holes, context: dict) -> None:
        thread, self.user_id = context["thread"], context["user"].pk
        self.marks, self.labels = marks, marks.labels
        self.moderator = context["is_moderator"]
        self.may_accept = thread.is_question and (context["is_asker"] or self.moderator)
        self.accepted_id, self.locked = thread.accepted_answer_id, thread.locked
        number = context["page"].number
        self.quote = (
            ("&amp;page=" + str(number) if number > 1 else "") if context["can_reply"] else None
        )
        self.patterns = {
            name: marks.address(reverse(f"community:{name}", args=[_MARK]))
            for name in (*_ADDRESSES, "attachment")
        }
        self.member = marks.address(reverse("community:member", args=[f"m{_MARK}"]))
        self.token = marks.token

    def url(self, name: str, pk: object) -> str:
        return self.patterns[name].replace(f"/{_MARK}/", f"/{pk}/")

    def post(self, post: Post, body_html: str) -> str:
        pid, accepted = str(post.pk), post.pk == self.accepted_id
        pending = post.status == Post.Status.PENDING
        classes = "post" + " post-hidden" * post.hidden + " post-pending" * pending
        return (
            f'<article class="{classes}{" post-accepted" * accepted}" id="post-{pid}" '
            f'aria-labelledby="post-{pid}-author">\n'
            f'  <header class="post-head">\n'
            f'    <p class="post-author" id="post-{pid}-author">{self._author(post)}</p>\n'
            f'    <p class="meta">{self._meta(post, pid, accepted, pending)}</p>\n'
            "  </header>\n"
            + (
                f'  <div class="post-body" lang="{_e(post.language)}">{body_html}</div>\n'
                if post.body
                else f'  <p class="post-body meta">{self.labels["removed"]}</p>\n'
            )
            + self._files(post)
            + self._history(post)
            + f'  <footer class="post-actions">{self._actions(post, pid, accepted)}</footer>\n'
            "</article>\n"
        )

    def _author(self, post: Post) -> str:
        author = post.author
        if author is None:
            return f'<span class="former-member">{self.labels["former_member"]}</span>'
        name = _e(author.get_full_name())
        try:
            handle = author.member_profile.handle  # type: ignore[attr-defined]
        except MemberProfile.DoesNotExist:
            handle = None
        if not handle:
            return name
        url = self.member.replace(f"/m{_MARK}/", f"/{handle}/")
        return f'<a href="{_e(url)}">{name}</a> <span class="meta">@{_e(handle)}</span>'

    def _meta(self, post: Post, pid: str, accepted: bool, pending: bool) -> str:
        marks, labels = self.marks, self.labels
        when = post.created_at
        parts = [
            f'<a href="{self.url("post", pid)}"><time datetime="{marks.iso(when)}">'
            f"{marks.when(when)}</time></a>",
            f' · <span class="post-language">{_e(post.get_language_display())}</span>',  # type: ignore[attr-defined]
        ]
        if post.edited_at:
            parts.append(f" · {labels['edited']}")
        if accepted:
            parts.append(f' <span class="status-badge status-approved">{labels["accepted"]}</span>')
        if pending:
            parts.append(f' <span class="status-badge status-pending">{labels["waiting"]}</span>')
        if post.hidden:
            parts.append(f' <span class="status-badge status-rejected">{labels["hidden"]}</span>')
        flags = getattr(post, "open_flags", 0) if self.moderator else 0
        if flags:
            parts.append(
                ' <span class="status-badge status-changes_requested">'
                f"{marks.plural('flags', flags)}</span>"
            )
        return "".join(parts)

    def _files(self, post: Post) -> str:
        files = post.files  # type: ignore[attr-defined]
        if not files:
            return ""
        items = []
        for file in files:
            url, name = self.url("attachment", file.pk), _e(file.download_name)
            if file.kind == "image":
                shown = f'<a href="{url}"><img src="{url}" alt="{name}" loading="lazy"></a>'
            else:
                size = self.marks.size(file.size)
                shown = f'<a href="{url}">{name}</a> <span class="meta">(PDF, {size})</span>'
            items.append(f"    <li>{shown}</li>\n")
        return (
            f'  <ul class="attachments" role="list" aria-label="{self.labels["attachments"]}">\n'
            f"{''.join(items)}  </ul>\n"
        )

    def _history(self, post: Post) -> str:
        earlier = post.earlier  # type: ignore[attr-defined]
        if not earlier:
            return ""
        marks, items = self.marks, []
        for revision in earlier:
            line = marks.text("before_edit", when=marks.when(revision.created_at))
            editor = revision.editor
            if editor and revision.editor_id != post.author_id:
                line += " · " + marks.text("edited_by", name=editor.get_full_name())
            items.append(
                f'      <li>\n        <p class="meta">{line}</p>\n'
                f'        <div class="post-body">{render_markdown(revision.body)}</div>\n'
                "      </li>\n"
            )
        return (
            '  <details class="post-history">\n'
            f"    <summary>{marks.plural('history', len(earlier))}</summary>\n"
            f"    <ol>\n{''.join(items)}    </ol>\n  </details>\n"
        )

    def _form(self, action: str, button: str) -> str:
        return (
            f'<form method="post" action="{action}" class="inline-form">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{self.token}">{button}</form>'
        )

    def _actions(self, post: Post, pid: str, accepted: bool) -> str:
        labels, parts = self.labels, []
        own = post.author_id == self.user_id
        if post.status == Post.Status.PUBLISHED and not post.hidden and post.body:
            if self.quote is not None:
                parts.append(f'<a href="?quote={pid}{self.quote}#reply">{labels["quote"]}</a>')
            useful = post.useful_count  # type: ignore[attr-defined]
            if own:
                parts.append(f'<span class="meta">{labels["useful"]}: {useful}</span>')
            else:
                pressed = "true" if post.found_useful else "false"  # type: ignore[attr-defined]
                parts.append(
                    self._form(
                        self.url("post_useful", pid),
                        f'<button type="submit" class="link-button" aria-pressed="{pressed}">'
                        f"{labels['useful']} ({useful})</button>",
                    )
                )
            if self.may_accept and not post.is_opening:
                label = labels["unmark_answer" if accepted else "mark_answer"]
                parts.append(
                    self._form(
                        self.url("post_accept", pid),
                        f'<button type="submit" class="link-button">{label}</button>',
                    )
                )
            if not own:
                if post.flagged_by_me:  # type: ignore[attr-defined]
                    parts.append(f'<span class="meta">{labels["you_flagged"]}</span>')
                else:
                    parts.append(f'<a href="{self.url("post_flag", pid)}">{labels["flag"]}</a>')
        may_edit = own and not post.hidden and not self.locked
        if self.moderator or (may_edit and post.status != Post.Status.REJECTED):
            parts.append(f'<a href="{self.url("post_edit", pid)}">{labels["edit"]}</a>')
        if self.moderator:
            label = labels["restore" if post.hidden else "hide"]
            parts.append(f'<a href="{self.url("post_moderate", pid)}">{label}</a>')
        return "\n    ".join(parts)


def _e(value: object) -> str:
    """A value from a row, escaped as a template does (`django.utils.html.escape`, without the
    care for lazy strings that costs more than the escape)."""
    return html.escape(str(value))


def _bodies(posts: list[Post], links: dict[str, str], marks: holes.Holes) -> dict[int, str]:
    """Each post's text as HTML, kept by what it is made of: its Markdown and the addresses of
    the members it mentions (in the default language: the same for every reader, page and
    version, the reader's prefix a hole). A post shown again after a change elsewhere in its
    thread is not parsed and sanitised again."""
    keys, mentions = {}, {}
    for post in posts:
        mentions[post.pk] = sorted(
            (h, links[h]) for h in mentioned_handles(post.body) if h in links
        )
        # The mentions first: a list's repr ends where it closes, so no two pairs make one text.
        digest = hashlib.blake2b(repr(mentions[post.pk]).encode(), digest_size=16)
        digest.update(post.body.encode())
        keys[post.pk] = f"community:body:{digest.hexdigest()}"
    kept = cache.get_many(list(set(keys.values())))
    fresh: dict[str, str] = {}
    bodies: dict[int, str] = {}
    for post in posts:
        html = kept.get(keys[post.pk]) or fresh.get(keys[post.pk])
        if html is None:
            html = fresh[keys[post.pk]] = str(render_markdown(post.body, mention_links=links))
        for _handle, url in mentions[post.pk]:
            html = html.replace(f'href="{url}"', f'href="{marks.address(url)}"')
        bodies[post.pk] = mark_safe(html)  # noqa: S308 (sanitised)
    if fresh:
        cache.set_many(fresh, POST_SECONDS)
    return bodies
