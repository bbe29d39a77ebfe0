"""The forum's pages at 100,000 posts (threads of 50), for members and visitors, in-process.

    .venv/bin/python bench/forum.py [--seconds 2] [--profile PAGE] [--no-write]

On the scale database (bench/scale.py; FORUM_DATABASE_URL names another, e.g. one seeded with
`bench/scale.py --initiatives 0 --resources 0 --posts 100000`), with the production settings and
Redis. Each page is a ratio to a trivial view measured in alternating windows of the same run
(see bench/pages.py), for: a thread of 50 posts read by a member (English), by a member in
Portuguese and by a moderator; the bare site frame for the same member (`/bench/frame/`: what the
header, menus and unread count cost, owned by the frame, not by the forum), so that the thread's
own cost is its time minus the frame's; the forum's index and a category for a member; and the
same addresses for a visitor (the index from the visitors' page cache, the others a redirect to
sign in: the forum is for members). Page views write nothing but what a page view writes.

`--profile PAGE` (one of the labels) prints the functions a page spends its time in (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time
from pathlib import Path

from common import (
    command_line,
    configure_environment,
    machine_description,
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
DATABASE_URL = os.environ.get("FORUM_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/iapt_scale")
REDIS_URL = os.environ.get("FORUM_REDIS_URL", "redis://127.0.0.1:6379/4")
TRIVIAL = "/bench/trivial/"
# This bench's alternating windows (common.paired): four rounds, the trivial view's at most 0.3 s.
WINDOWS = {"rounds": 4, "baseline_seconds": 0.3}
START = "<!-- forum-bench:start -->"
END = "<!-- forum-bench:end -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="window per page")
    parser.add_argument("--profile", default="", help="profile this page (a label) instead")
    parser.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    parser.add_argument(
        "--miss",
        action="store_true",
        help="measure (or, with --profile, profile) a member's first visit instead: the thread's "
        "page not kept (its posts kept rendered), then nothing of the thread kept",
    )
    parser.add_argument("--cold", action="store_true", help="with --miss --profile: nothing kept")
    args = parser.parse_args()
    # Keys of its own: another run's kept pages and versions never answer here.
    os.environ.setdefault("CACHE_KEY_PREFIX", "iapt-forum-bench")
    configure_environment(database_url=DATABASE_URL, redis_url=REDIS_URL)
    setup_django(static_root=ROOT / "bench" / "out" / "forum-static")
    from django.test import Client
    from django.urls import reverse
    from django.utils import translation

    from community.models import Category, Thread
    from community.selectors import thread_version

    try:
        from community.selectors import fragments_version
    except ImportError:  # before the posts were kept across changes: the thread's version
        fragments_version = thread_version
    from iapt_platform.accounts.models import User

    public = Category.objects.filter(is_private=False)
    thread = (
        Thread.objects.filter(category__in=public, is_published=True, hidden=False)
        .order_by("-reply_count", "pk")
        .first()
    )
    assert thread is not None and thread.reply_count >= 49, "seed the posts: bench/scale.py"
    category = thread.category

    def client_for(email: str | None, language: str) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.cookies["django_language"] = language
        if email:
            client.force_login(User.objects.get(email=email))
        return client

    readers = {
        "member (en)": client_for("member.en@demo.iapt.local", "en"),
        "member (pt-br)": client_for("member@demo.iapt.local", "pt-br"),
        "moderator (es)": client_for("moderator@demo.iapt.local", "es"),
        "visitor (es)": client_for(None, "es"),
    }

    def url(name: str, language: str, *args: object) -> str:
        with translation.override(language):
            return reverse(name, args=args)

    thread_url = {lang: url("community:thread", lang, thread.pk) for lang in ("en", "es", "pt-br")}
    category_url = {lang: url("community:category", lang, category.slug) for lang in ("en", "es")}
    index_url = {lang: url("community:index", lang) for lang in ("en", "es")}
    pages = [
        ("frame, member (en)", "member (en)", "/bench/frame/", 200),
        ("thread, member (en)", "member (en)", thread_url["en"], 200),
        ("thread, member (pt-br)", "member (pt-br)", thread_url["pt-br"], 200),
        ("thread, moderator (es)", "moderator (es)", thread_url["es"], 200),
        ("forum index, member (en)", "member (en)", index_url["en"], 200),
        ("category, member (en)", "member (en)", category_url["en"], 200),
        ("forum index, visitor (es)", "visitor (es)", index_url["es"], 200),
        ("thread, visitor (es): to sign in", "visitor (es)", thread_url["es"], 302),
        ("category, visitor (es): to sign in", "visitor (es)", category_url["es"], 302),
    ]

    trivial = page_fetcher(readers["visitor (es)"], TRIVIAL, 200)
    run_for(trivial, seconds=1.0)  # warm up
    misses = {
        # A page not kept for this reader's situation, the thread's posts kept rendered (another
        # member read it before): each member's first visit to a thread others read.
        "page": forget_thread_pages,
        # A change to the thread (a reply elsewhere on it, a reaction): its page not kept.
        "changed": lambda: thread_version(thread.pk).bump(),
        # Nothing of the thread kept: the first visit in a language, or after an edit.
        "cold": lambda: (thread_version(thread.pk).bump(), fragments_version(thread.pk).bump()),
    }
    if args.miss and not args.profile:
        measure_misses(pages, readers, page_fetcher, trivial, misses, args.seconds)
        return
    if args.profile:
        label, who, url, status = next(p for p in pages if p[0] == args.profile)
        fetch = page_fetcher(readers[who], url, status)
        fetch()
        if args.miss:  # a first visit to the thread (`--cold`: nothing of it kept)
            forget = misses["cold" if args.cold else "page"]
            fetch = (lambda get: lambda: (forget(), get()))(fetch)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            fetch()
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(
            r"(community|iapt_platform|markdown|nh3|db/models/(query|sql/compiler)|urls/base|template/(defaulttags|defaultfilters|loader_tags)|i18n|formats)",
            60,
        )
        stats.sort_stats("tottime").print_stats(25)
        print(out.getvalue())
        return

    load = os.getloadavg()
    rows = []
    for label, who, url, status in pages:
        fetch = page_fetcher(readers[who], url, status)
        fetch()
        page, base = paired(fetch, trivial, seconds=args.seconds, **WINDOWS)
        ratio, p50 = rate(page) / rate(base), percentile(page, 50) * 1000
        rows.append((label, url, ratio, p50))
        print(f"{label:40} {ratio:6.3f} {p50:8.2f} ms", flush=True)
    load_after = os.getloadavg()
    frame_ms = rows[0][3]
    print(f"load average {load[0]:.2f} (start) {load_after[0]:.2f} (end)")
    if args.no_write:
        return
    command = command_line("forum.py")
    lines = [
        START,
        "## The forum at 100,000 posts (in-process)",
        "",
        f"`{command}` on {time.strftime('%Y-%m-%d')}; {machine_description()}; load average "
        f"{load[0]:.2f} at the start, {load_after[0]:.2f} at the end; a thread of "
        f"{thread.reply_count + 1} posts. *ratio*: the page's rate over a trivial view's through "
        "the same middleware in alternating windows of the same run (1 = free); *own cost*: "
        "the page's median time minus the bare frame's for the same member.",
        "",
        "| page | address | ratio | p50 | own cost |",
        "|---|---|---:|---:|---:|",
    ]
    for label, url, ratio, p50 in rows:
        own = (
            f"{p50 - frame_ms:.2f} ms"
            if label.startswith(("thread, m", "forum index, m", "category, m"))
            else ""
        )
        lines.append(f"| {label} | `{url}` | {ratio:.3f} | {p50:.2f} ms | {own} |")
    lines.append(END)
    write_section(RESULTS, START, END, "\n".join(lines))
    print(f"written to {RESULTS}")


def forget_thread_pages() -> None:
    """Every thread page kept under this run's keys (the posts kept rendered stay)."""
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    found = list(client.scan_iter(match="*pagecache:community:thread:*", count=1000))
    if found:
        client.delete(*found)


def measure_misses(pages, readers, getter, trivial, misses, seconds: float) -> None:
    """Each thread page as a first visit (`misses`: what is forgotten before each request, not
    timed), in windows alternating with the trivial view and the frame; the queries of one."""
    from django.db import connection

    asked: list[str] = []

    def count(execute, sql, params, many, context):
        asked.append(sql)
        return execute(sql, params, many, context)

    cpu: list[float] = []  # this process's CPU time per request: steadier on a busy machine

    def timed(fetch, before, window: float) -> list[float]:
        latencies = []
        end = time.perf_counter() + window
        while True:
            before()
            t0, c0 = time.perf_counter(), time.process_time()
            fetch()
            t1, c1 = time.perf_counter(), time.process_time()
            latencies.append(t1 - t0)
            cpu.append(c1 - c0)
            if t1 >= end:
                return latencies

    _, frame_who, frame_url, _ = pages[0]
    frame = getter(readers[frame_who], frame_url, 200)
    print(f"{'page':48} {'p50':>9} {'/trivial':>9} {'/frame':>7} queries", flush=True)
    for label, who, url, status in pages[1:4]:
        for kind, forget in misses.items():
            fetch = getter(readers[who], url, status)
            forget()
            asked.clear()
            with connection.execute_wrapper(count):
                fetch()
            page: list[float] = []
            base: list[float] = []
            bare: list[float] = []
            page_cpu: list[float] = []
            frame_cpu: list[float] = []
            for _ in range(4):
                base += timed(trivial, lambda: None, 0.3)
                cpu.clear()
                bare += timed(frame, lambda: None, 0.3)
                frame_cpu += cpu
                cpu.clear()
                page += timed(fetch, forget, seconds / 4)
                page_cpu += cpu
            p50 = percentile(page, 50) * 1000
            to_trivial = percentile(page, 50) / percentile(base, 50)
            to_frame = percentile(page, 50) / percentile(bare, 50)
            print(
                f"{label + ', ' + kind:48} {p50:6.2f} ms {to_trivial:8.1f}x {to_frame:6.2f}x "
                f"{len(asked)}  cpu {percentile(page_cpu, 50) * 1000:.2f} ms "
                f"({percentile(page_cpu, 50) / percentile(frame_cpu, 50):.2f}x the frame's "
                f"{percentile(frame_cpu, 50) * 1000:.2f} ms)",
                flush=True,
            )
    print(
        f"trivial p50 {percentile(base, 50) * 1000:.2f} ms, frame p50 "
        f"{percentile(bare, 50) * 1000:.2f} ms; load average {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
