"""Every public page type, for visitors and for members, before and after the page caches.

    .venv/bin/python bench/pages.py [--seconds 2] [--no-write]
    .venv/bin/python bench/pages.py --members-at-scale [--member EMAIL] [--seconds 2] [--no-write]

`--members-at-scale`: only a signed-in member's pages (the frame alone, home, directory, an
initiative's page, the community), on the scale database of bench/scale.py (iapt_scale, or
DATABASE_URL), which it only reads: the member is one of its demo accounts, signed in with a
session made for the run and deleted after it.

In-process (django.test.Client, no network), on PostgreSQL and Redis with the production settings,
on the demo data (`seed_demo`, run once into the benchmark's own database). Each page is measured
twice in the same run: *before*, with the caches this work added switched off in-process (the
visitors' page cache of every page but the directory, the initiative page's shared fragments, the
members' kept unread count), and *after*, with them on and warm. Every figure is a ratio to a
trivial view measured in alternating windows of the same run (see bench/registry.py), so the
ratios hold on a busy machine. Writes its table to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path

from common import (
    command_line,
    configure_environment,
    create_database_if_missing,
    machine_description,
    measured_initiative_and_thread,
    member_client,
    page_fetcher,
    paired,
    percentile,
    rate,
    run_for,
    setup_django,
    write_section,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
OUT = ROOT / "bench" / "out"
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/iapt_pages_bench"
REDIS_URL = "redis://127.0.0.1:6379/1"
TRIVIAL = "/bench/trivial/"
# This bench's alternating windows (common.paired): four rounds, the trivial view's at most 0.3 s.
WINDOWS = {"rounds": 4, "baseline_seconds": 0.3}
START = "<!-- pages-bench:start -->"
END = "<!-- pages-bench:end -->"
SCALE_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/iapt_scale"
MEMBERS_START = "<!-- pages-members-bench:start -->"
MEMBERS_END = "<!-- pages-members-bench:end -->"
MEMBERS_NOTE = (
    "Remaining cost of a member's page: their session and their user, two database reads on "
    "every request (sessions stay in the database so that a Redis outage signs nobody out); "
    "the directory is otherwise a kept copy plus their kept frame (three cache reads). An "
    "initiative's page is a copy kept for all members with the same answers (whether they "
    "manage it, whether they may propose a story), with holes for their frame and their follow "
    "button: four queries besides the session and the user (whether they manage it, their "
    "roles, their follow row, the initiative's managers when they have none), no rendering; "
    "home, community and thread render the member's own content."
)


@contextmanager
def frame_off():
    """Without the kept frame and the members' page copies only (as before them, the caches
    older than them on): the frame rendered on every page, members' pages rendered for them."""
    from django.utils.html import escape

    from iapt_platform.lib import framecache, pagecache

    cacheable, kept = pagecache._cacheable, framecache.kept
    pagecache._cacheable = lambda request, params, members: cacheable(request, params, False)  # type: ignore[assignment]
    framecache.kept = lambda name, values, *, request, csrf_token, render: render(  # type: ignore[assignment]
        str(csrf_token), escape(request.get_full_path())
    )
    try:
        yield
    finally:
        pagecache._cacheable = cacheable  # type: ignore[assignment]
        framecache.kept = kept  # type: ignore[assignment]


@contextmanager
def copies_off():
    """Every cache on but the members' copies of pages other than the directory (as before the
    initiative's page kept one copy for all members, with holes for the reader's own parts)."""
    from iapt_platform.lib import pagecache
    from initiatives.views import public

    cacheable = pagecache._cacheable

    def directory_only(request, params, members):
        if request.resolver_match.func is public.directory:
            return cacheable(request, params, members)
        return cacheable(request, params, False)

    pagecache._cacheable = directory_only  # type: ignore[assignment]
    try:
        yield
    finally:
        pagecache._cacheable = cacheable  # type: ignore[assignment]


def interleaved(fetch, baseline, seconds: float, off, rounds: int = 6):
    """(times without, times with, trivial times): the two states in alternating windows."""
    without: list[float] = []
    with_: list[float] = []
    base: list[float] = []
    for _ in range(rounds):
        base += run_for(baseline, seconds=min(WINDOWS["baseline_seconds"], seconds / rounds))
        with off():
            fetch()
            without += run_for(fetch, seconds=seconds / rounds)
        fetch()
        with_ += run_for(fetch, seconds=seconds / rounds)
    return without, with_, base


@contextmanager
def caches_off():
    """What the pages cost without this work's caches (in this process only)."""
    from django.templatetags import cache as cache_tag
    from django.utils.html import escape

    from community import selectors as forum
    from community.models import Notification
    from iapt_platform.lib import framecache, pagecache

    cacheable, render, unread, kept = (
        pagecache._cacheable,
        cache_tag.CacheNode.render,
        forum.unread_count,
        framecache.kept,
    )
    # The directory was kept before this work: it stays on, as it was.
    directory_view = None
    from initiatives.views import public

    directory_view = public.directory

    def only_directory(request, params, members):
        # For visitors only, as before (members' copies came later).
        return request.resolver_match.func is directory_view and cacheable(request, params, False)

    pagecache._cacheable = only_directory  # type: ignore[assignment]
    cache_tag.CacheNode.render = lambda self, context: self.nodelist.render(context)  # type: ignore[method-assign]
    forum.unread_count = lambda *, user: Notification.objects.filter(  # type: ignore[assignment]
        recipient=user, read_at__isnull=True
    ).count()
    # The site frame rendered on every page, as it was (its request's token and address in it).
    framecache.kept = lambda name, values, *, request, csrf_token, render: render(  # type: ignore[assignment]
        str(csrf_token), escape(request.get_full_path())
    )
    try:
        yield
    finally:
        pagecache._cacheable = cacheable  # type: ignore[assignment]
        cache_tag.CacheNode.render = render  # type: ignore[method-assign]
        forum.unread_count = unread  # type: ignore[assignment]
        framecache.kept = kept  # type: ignore[assignment]


def pages() -> list[tuple[str, str]]:
    """(label, address) of each public page type, on the demo data (English addresses)."""
    from community.meetings.models import Meeting
    from iapt_platform.pages.models import Page
    from initiatives.models import Initiative, Programme, Sector
    from initiatives.stories.models import Story
    from library.models import Resource
    from newsletter.models import Edition, Issue

    initiative = Initiative.objects.published().order_by("pk").first()
    assert initiative is not None, "no published initiative: seed_demo did not run"
    story = Story.objects.public().order_by("pk").first()
    resource = Resource.objects.published().order_by("pk").first()
    meeting = Meeting.objects.published().order_by("-starts_at").first()
    programme = Programme.objects.order_by("pk").first()
    sector = Sector.objects.order_by("pk").first()
    edition = (
        Edition.objects.filter(issue__status=Issue.Status.SENT, language="en")
        .select_related("issue")
        .first()
    )
    found = [
        ("home", "/en/"),
        ("directory (kept before this work)", "/en/initiatives/"),
        ("initiative page", f"/en/initiatives/{initiative.slug}/"),
        ("country page", f"/en/initiatives/countries/{initiative.country.code}/"),
        ("statistics", "/en/initiatives/statistics/"),
        ("map", "/en/initiatives/map/"),
        ("stories", "/en/stories/"),
        ("library", "/en/library/"),
        ("collections", "/en/library/collections/"),
        ("meetings", "/en/meetings/"),
        ("collaboration", "/en/collaboration/"),
        ("projects", "/en/collaboration/projects/"),
        ("bulletin", "/en/bulletin/"),
        ("bulletin archive", "/en/bulletin/archive/en/"),
    ]
    if sector:
        found.append(("sector page", f"/en/initiatives/sectors/{sector.slug}/"))
    if programme:
        found.append(("programme page", f"/en/initiatives/programmes/{programme.slug}/"))
    if story:
        found.append(("story page", f"/en/stories/{story.slug}/"))
    if resource:
        found.append(("resource page", f"/en/library/{resource.slug}/"))
    if meeting:
        found.append(("meeting page", f"/en/meetings/{meeting.slug}/"))
    if edition:
        found.append(("bulletin issue", f"/en/bulletin/issues/{edition.issue.number}/en/"))
    if Page.objects.filter(slug="privacy").exists():
        found.append(("legal page (privacy)", "/en/legal/privacy/"))
    return found


def members_at_scale(args: argparse.Namespace) -> None:
    """A member's pages on the scale database, before and after the caches, read-only."""
    os.environ.setdefault("CACHE_KEY_PREFIX", "iapt-pages-members-bench")
    configure_environment(database_url=SCALE_DATABASE_URL, redis_url=REDIS_URL)
    setup_django(static_root=OUT / "static")
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from iapt_platform.accounts.models import User

    member = User.objects.get(email=args.member)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session.save()
    member_client = Client()
    member_client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    # The initiative bench/wrk_pairs.py measures: in the largest sector.
    initiative, thread = measured_initiative_and_thread()
    pages = [
        ("the frame alone", "/bench/frame/"),
        ("home", "/en/"),
        ("directory", "/en/initiatives/"),
        ("initiative page", f"/en/initiatives/{initiative.slug}/"),
        ("community", "/en/community/"),
    ]
    if thread is not None:
        with translation.override("en"):
            pages.append(("forum thread", thread.get_absolute_url()))
    trivial = page_fetcher(Client(), TRIVIAL)
    rows = []
    try:
        run_for(trivial, seconds=1.0)
        for label, url in pages:
            fetch = page_fetcher(member_client, url)
            figures = []
            for state in (caches_off, frame_off, copies_off, nullcontext):
                with state():
                    fetch()
                    with CaptureQueriesContext(connection) as captured:
                        fetch()
                    # Counted now: the next requests empty the connection's log.
                    figures.append(len(captured.captured_queries))
            with caches_off():
                fetch()
                page_all, base_all = paired(fetch, trivial, seconds=args.seconds / 2, **WINDOWS)
            without, with_, base = interleaved(fetch, trivial, args.seconds, frame_off)
            no_copy, with_copy, base_copy = interleaved(fetch, trivial, args.seconds, copies_off)
            queries = figures
            figures = [
                (rate(page_all) / rate(base_all), percentile(page_all, 50) * 1000, queries[0]),
                (rate(without) / rate(base), percentile(without, 50) * 1000, queries[1]),
                (rate(no_copy) / rate(base_copy), percentile(no_copy, 50) * 1000, queries[2]),
                (rate(with_) / rate(base), percentile(with_, 50) * 1000, queries[3]),
                (rate(with_copy) / rate(base_copy), percentile(with_copy, 50) * 1000, queries[3]),
            ]
            rows.append((label, url, *figures))
            print(
                f"{label:16}"
                + "  ->".join(f"{r:6.3f} {ms:7.2f} ms {q:3} q" for r, ms, q in figures),
                flush=True,
            )
    finally:
        session.delete()
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if args.no_write:
        return
    command = command_line("pages.py")
    lines = [
        MEMBERS_START,
        "## A signed-in member's pages at scale, with and without the kept frame (in-process)",
        "",
        f"`{command}` on {time.strftime('%Y-%m-%d')}; {machine_description()}; the scale "
        f"database (`bench/scale.py`: 100,000 initiatives), member `{args.member}`; load average "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end. *ratio*: the page's rate over "
        "a visitor's trivial view, in alternating windows of the same run. *No caches*: the "
        "caches of bench/pages.py switched off in-process, the frame among them; *without the "
        "kept frame*: every cache on but the kept frame and the members' page copies (as "
        "before them), measured in windows alternating with *with it* (all on, warm); "
        "*without the members' copies*: every cache on but the members' copies of pages other "
        "than the directory (as before the initiative's page kept one for all members, with "
        "holes), in windows alternating with *all on* (a second measure of the last state). "
        "*q*: database queries of one warm request (the session and the user are two).",
        "",
        "| page | address | no caches | q | without the kept frame | p50 | q | with it | p50 "
        "| without the members' copies | p50 | q | all on | p50 | q |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, url, *figs in rows:
        (n, _n_ms, n_q), (b, b_ms, b_q), (c, c_ms, c_q), (a, a_ms, a_q), (d, d_ms, _) = figs
        lines.append(
            f"| {label} | `{url}` | {n:.3f} | {n_q} | {b:.3f} | {b_ms:.2f} ms | {b_q} | "
            f"{a:.3f} | {a_ms:.2f} ms | {c:.3f} | {c_ms:.2f} ms | {c_q} | {d:.3f} | "
            f"{d_ms:.2f} ms | {a_q} |"
        )
    lines += ["", MEMBERS_NOTE, MEMBERS_END]
    write_section(RESULTS, MEMBERS_START, MEMBERS_END, "\n".join(lines))
    print(f"written to {RESULTS}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="window per page and state")
    parser.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    parser.add_argument("--members-at-scale", action="store_true", help="see the docstring")
    parser.add_argument("--member", default="member.en@demo.iapt.local")
    args = parser.parse_args()
    if args.members_at_scale:
        members_at_scale(args)
        return
    # Its own keys: versions and pages of another database must never answer here.
    os.environ.setdefault("CACHE_KEY_PREFIX", "iapt-pages-bench")
    configure_environment(database_url=DATABASE_URL, redis_url=REDIS_URL)
    create_database_if_missing(os.environ["DATABASE_URL"])
    setup_django(static_root=OUT / "static", migrate=True)
    from django.core.management import call_command
    from django.test import Client

    from initiatives.models import Initiative

    if not Initiative.objects.published().exists():
        call_command("seed_demo", verbosity=0)

    visitor = Client()
    signed_in = member_client()
    trivial = page_fetcher(visitor, TRIVIAL)
    run_for(trivial, seconds=1.0)  # warm up
    rows = []
    member_pages = {"home", "directory (kept before this work)", "initiative page"}
    for label, url in pages():
        for who, client in (("visitor", visitor), ("member", signed_in)):
            if who == "member" and label not in member_pages:
                continue
            fetch = page_fetcher(client, url)
            figures = []
            for state in ("before", "after"):
                if state == "before":
                    with caches_off():
                        fetch()
                        page, base = paired(fetch, trivial, seconds=args.seconds, **WINDOWS)
                else:
                    fetch()
                    page, base = paired(fetch, trivial, seconds=args.seconds, **WINDOWS)
                figures.append((rate(page) / rate(base), percentile(page, 50) * 1000))
            (before, before_ms), (after, after_ms) = figures
            rows.append((f"{label}, {who}", url, before, before_ms, after, after_ms))
            print(
                f"{label + ', ' + who:48} {before:6.3f} {before_ms:7.2f} ms  ->  "
                f"{after:6.3f} {after_ms:7.2f} ms",
                flush=True,
            )
    if args.no_write:
        return
    command = command_line("pages.py")
    lines = [
        START,
        "## Every public page type, before and after the page caches (in-process)",
        "",
        f"`{command}` on {time.strftime('%Y-%m-%d')}; {machine_description()}; demo data "
        "(`seed_demo`). *ratio*: the page's rate over a trivial view's through the same "
        "middleware, measured in alternating windows of the same run (1 = free). *Before*: this "
        "work's caches switched off in-process (the directory's page cache, older, stays on); "
        "*after*: on and warm.",
        "",
        "| page | address | ratio before | p50 before | ratio after | p50 after |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for label, url, before, before_ms, after, after_ms in rows:
        lines.append(
            f"| {label} | `{url}` | {before:.3f} | {before_ms:.2f} ms | {after:.3f} | "
            f"{after_ms:.2f} ms |"
        )
    lines += [
        "",
        "A visitor's page from the cache costs one cache read per version it shows and one for "
        "the page, plus the visitor's CSRF token; story and resource pages also write their "
        "daily reading counter. A member's pages are rendered for them: what is kept is the "
        "initiative page's parts that are the same for every reader and their unread count.",
        "",
        "Remaining cost: a resource's page writes its daily view counter on every reading, kept "
        "or not (one UPDATE and its commit, most of what that page costs now); a member's home "
        "renders their own forum threads, and a member's directory its page of results (its "
        "counts and facets are kept, per registry version); the rest of a member's page is the "
        "session, the user and the frame. The machine was shared with other work while "
        "measuring: the absolute times move, the ratios hold.",
        END,
    ]
    write_section(RESULTS, START, END, "\n".join(lines))
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
