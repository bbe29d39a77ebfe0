"""Every public page type, for visitors and for members, before and after the page caches.

    .venv/bin/python bench/pages.py [--seconds 2] [--no-write]

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
import shlex
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from common import (
    configure_environment,
    create_database_if_missing,
    machine_description,
    member_client,
    page_fetcher,
    percentile,
    write_section,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
OUT = ROOT / "bench" / "out"
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/iapt_pages_bench"
REDIS_URL = "redis://127.0.0.1:6379/1"
TRIVIAL = "/bench/trivial/"
START = "<!-- pages-bench:start -->"
END = "<!-- pages-bench:end -->"


def run_for(fn: Callable[[], object], seconds: float) -> list[float]:
    latencies = []
    end = time.perf_counter() + seconds
    while True:
        t0 = time.perf_counter()
        fn()
        t1 = time.perf_counter()
        latencies.append(t1 - t0)
        if t1 >= end:
            return latencies


def paired(fn, baseline, seconds: float, rounds: int = 4) -> tuple[list[float], list[float]]:
    page: list[float] = []
    base: list[float] = []
    for _ in range(rounds):
        base += run_for(baseline, min(0.3, seconds / rounds))
        page += run_for(fn, seconds / rounds)
    return page, base


def rate(latencies: list[float]) -> float:
    return len(latencies) / sum(latencies)


@contextmanager
def caches_off():
    """What the pages cost without this work's caches (in this process only)."""
    from django.templatetags import cache as cache_tag

    from community import selectors as forum
    from community.models import Notification
    from iapt_platform.lib import pagecache

    cacheable, render, unread = (
        pagecache._cacheable,
        cache_tag.CacheNode.render,
        forum.unread_count,
    )
    # The directory was kept before this work: it stays on, as it was.
    directory_view = None
    from initiatives.views import public

    directory_view = public.directory

    def only_directory(request, params):
        return request.resolver_match.func is directory_view and cacheable(request, params)

    pagecache._cacheable = only_directory  # type: ignore[assignment]
    cache_tag.CacheNode.render = lambda self, context: self.nodelist.render(context)  # type: ignore[method-assign]
    forum.unread_count = lambda *, user: Notification.objects.filter(  # type: ignore[assignment]
        recipient=user, read_at__isnull=True
    ).count()
    try:
        yield
    finally:
        pagecache._cacheable = cacheable  # type: ignore[assignment]
        cache_tag.CacheNode.render = render  # type: ignore[method-assign]
        forum.unread_count = unread  # type: ignore[assignment]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="window per page and state")
    parser.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    args = parser.parse_args()
    # Its own keys: versions and pages of another database must never answer here.
    os.environ.setdefault("CACHE_KEY_PREFIX", "iapt-pages-bench")
    configure_environment(database_url=DATABASE_URL, redis_url=REDIS_URL)
    create_database_if_missing(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    from initiatives.models import Initiative

    override_settings(ROOT_URLCONF="bench.urls", STATIC_ROOT=OUT / "static").enable()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if not Initiative.objects.published().exists():
        call_command("seed_demo", verbosity=0)

    visitor = Client()
    signed_in = member_client()
    trivial = page_fetcher(visitor, TRIVIAL)
    run_for(trivial, 1.0)  # warm up
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
                        page, base = paired(fetch, trivial, args.seconds)
                else:
                    fetch()
                    page, base = paired(fetch, trivial, args.seconds)
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
    command = " ".join(
        shlex.quote(a) for a in [".venv/bin/python", "bench/pages.py", *sys.argv[1:]]
    )
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
