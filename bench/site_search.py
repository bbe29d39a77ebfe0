"""The one search (`/search/`) at 100,000 initiatives, 50,000 resources and 100,000 forum posts.

    .venv/bin/python bench/site_search.py [--reseed] [--seconds 2]

Seeds a dedicated PostgreSQL database (created when missing; each part is re-seeded only when its
count differs): the initiatives with bench/registry.py's seeder, the resources with
bench/library.py's, and the forum posts here, all in bulk with their search columns. Then, in
process with django.test.Client, it measures the search page for a common, a rare and a zero-hit
term, for a visitor and for a member (who also searches the forum), uncached (the registry's and
the library's versions bumped before each call, as after an approval) and as repeated, each against
the trivial view in alternating windows of the same run. Writes its table to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import (
    command_line,
    configure_environment,
    create_database_if_missing,
    machine_description,
    page_fetcher,
    paired,
    percentile,
    setup_django,
    write_section,
)

ROOT = Path(__file__).resolve().parent.parent


def _bench_module(name: str) -> Any:
    """Another bench script as a module of its own name: bench/library.py must not take the
    place of the `library` app."""
    spec = importlib.util.spec_from_file_location(f"{name}_bench", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


registry_bench = _bench_module("registry")
library_bench = _bench_module("library")
RESULTS = ROOT / "bench" / "RESULTS.md"
OUT = ROOT / "bench" / "out"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/iapt_bench_search"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"
INITIATIVES, RESOURCES, POSTS = 100_000, 50_000, 100_000
POSTS_PER_THREAD = 10
BATCH = 5_000
SEED = 20261207
TERMS = [("common", "cluster"), ("rare", "xilofono"), ("zero-hit", "qwertyzz")]
RARE_POSTS = 3  # posts holding "xilófono", as registry.py plants it in a few initiatives
START, END = "<!-- site-search:start -->", "<!-- site-search:end -->"

WORDS = [
    "clúster",
    "financiamiento",
    "gerencia",
    "cadena",
    "valor",
    "territorio",
    "empresas",
    "innovación",
    "exportación",
    "formación",
    "talento",
    "gobernanza",
    "proyecto",
    "fondo",
    "crédito",
    "diagnóstico",
    "agenda",
    "estrategia",
    "datos",
    "turismo",
    "software",
    "logística",
    "café",
    "cacao",
    "vino",
    "textil",
    "salud",
    "energía",
    "minería",
    "educación",
]


def seed_posts(rows: int) -> float:
    """`rows` published posts in threads of ten, in the open categories, with their vectors."""
    from django.contrib.postgres.search import SearchVectorField
    from django.db import connection, transaction
    from django.db.models.expressions import RawSQL
    from django.utils import timezone

    from community.models import Category, Post, Thread, Topic
    from community.taxonomy import seed_taxonomy
    from iapt_platform.accounts.models import User
    from iapt_platform.lib import search

    started = time.perf_counter()
    rng = random.Random(SEED)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE community_post, community_thread RESTART IDENTITY CASCADE")
    seed_taxonomy(Topic, Category)
    categories = list(Category.objects.filter(is_private=False))
    author, _created = User.objects.get_or_create(
        email="bench.author@example.org", defaults={"display_name": "Bench Author"}
    )
    rare = set(rng.sample(range(rows), RARE_POSTS))
    vector = (
        "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')"
    )
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, rows, BATCH):
            threads = Thread.objects.bulk_create(
                [
                    Thread(
                        category=rng.choice(categories),
                        title=" ".join(rng.sample(WORDS, 5)).capitalize(),
                        author=author,
                        last_posted_at=now,
                        reply_count=POSTS_PER_THREAD - 1,
                    )
                    for _ in range(BATCH // POSTS_PER_THREAD)
                ]
            )
            posts = []
            for index in range(start, min(start + BATCH, rows)):
                thread = threads[(index - start) // POSTS_PER_THREAD]
                body = " ".join(rng.choices(WORDS, k=40))
                if index in rare:
                    body += " Tocamos el xilófono en la reunión."
                opening = index % POSTS_PER_THREAD == 0
                title = search.normalise(thread.title) if opening else ""
                posts.append(
                    Post(
                        thread=thread,
                        author=author,
                        body=body,
                        is_opening=opening,
                        published_at=now,
                        search_document=f"{title} {search.normalise(body)}".strip(),
                        search_vector=RawSQL(  # noqa: S611 (a constant template, values as params)
                            vector,
                            (title, search.normalise(body)),
                            output_field=SearchVectorField(),
                        ),
                    )
                )
            Post.objects.bulk_create(posts)
            print(f"  seeded {min(start + BATCH, rows):>7,} posts", end="\r", flush=True)
    print()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE community_post")
        cursor.execute("VACUUM ANALYZE community_thread")
    return time.perf_counter() - started


def ensure_seeded(*, reseed: bool) -> dict[str, float]:
    from community.models import Post

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if registry_bench.ensure_seeded(INITIATIVES, reseed=reseed)[0]:
        timings["initiatives"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if library_bench.ensure_seeded(RESOURCES, reseed=reseed)[0]:
        timings["resources"] = time.perf_counter() - t0
    if reseed or Post.objects.count() != POSTS:
        print(f"seeding {POSTS:,} forum posts")
        timings["posts"] = seed_posts(POSTS)
    else:
        print(f"{POSTS:,} forum posts already seeded: skipping (--reseed to force)")
    return timings


def measure(seconds: float) -> list[list[str]]:
    from django.test import Client

    from iapt_platform.accounts import roles
    from iapt_platform.accounts.models import User
    from initiatives.selectors import registry_changed
    from library.selectors import library_changed

    visitor = Client()
    member = Client()
    reader, _created = User.objects.get_or_create(
        email="bench.reader@example.org", defaults={"display_name": "Bench Reader"}
    )
    roles.grant_role(reader, roles.MEMBER)
    member.force_login(reader)

    def get(client: Client, url: str, *, cold: bool = False) -> Callable[[], object]:
        fetch = page_fetcher(client, url)
        if not cold:
            return fetch

        def cold_fetch() -> object:
            registry_changed()
            library_changed()
            return fetch()

        return cold_fetch

    lines = [["page", "reader", "cache", "matches", "p50 ms", "p95 ms", "trivial p95 ms", "ratio"]]
    trivial = get(visitor, "/bench/trivial/")
    for label, term in TERMS:
        url = f"/search/?q={term}"
        for who, client in (("visitor", visitor), ("member", member)):
            for cache_label, cold in (("uncached", True), ("cached", False)):
                fetch = get(client, url, cold=cold)
                response = fetch()
                total = response.context["results"].total if response.context else ""
                page, base = paired(fetch, trivial, seconds=seconds, minimum=20)
                p95, base_p95 = percentile(page, 95) * 1000, percentile(base, 95) * 1000
                lines.append(
                    [
                        f"{label} (`{term}`)",
                        who,
                        cache_label,
                        f"{total:,}" if isinstance(total, int) else "",
                        f"{percentile(page, 50) * 1000:.1f}",
                        f"{p95:.1f}",
                        f"{base_p95:.2f}",
                        f"{(len(page) / sum(page)) / (len(base) / sum(base)):.3f}",
                    ]
                )
                print(" | ".join(lines[-1]), flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reseed", action="store_true", help="seed every part again")
    parser.add_argument("--seed-only", action="store_true", help="seed (if needed) and stop")
    parser.add_argument("--seconds", type=float, default=2.0, help="measuring window per line")
    parser.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    args = parser.parse_args()
    began = time.perf_counter()
    configure_environment(database_url=DEFAULT_DATABASE_URL, redis_url=DEFAULT_REDIS_URL)
    create_database_if_missing(os.environ["DATABASE_URL"])
    setup_django(
        static_root=OUT / "static-site-search",
        collect="missing",
        migrate=True,
        bench_storage=True,
        SITE_SEARCH_RATE=10**9,  # the brake on floods is not what is measured
    )
    from django.test.utils import setup_test_environment

    timings = ensure_seeded(reseed=args.reseed)
    if args.seed_only:
        return
    setup_test_environment()  # response.context, for the number of matches
    load_before = os.getloadavg()[0]
    lines = measure(args.seconds)
    load = (
        f"load average (1 min) {load_before:.1f} before measuring, {os.getloadavg()[0]:.1f} after"
    )
    total = time.perf_counter() - began
    command = command_line("site_search.py", urls=True)
    seeded = ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()) or "already in place"
    table = "\n".join(
        [
            "| " + " | ".join(lines[0]) + " |",
            "|" + "|".join("---" for _ in lines[0]) + "|",
            *("| " + " | ".join(line) + " |" for line in lines[1:]),
        ]
    )
    section = f"""{START}
## One search (`/search/`): {INITIATIVES:,} initiatives, {RESOURCES:,} resources, {POSTS:,} posts

Command: `{command}`

{machine_description()}; {load}. Seed: {seeded}; whole run {total:.0f} s. In process (django.test.Client,
production settings), each line against the trivial view in alternating windows of the same run
(*ratio*: the page's rate over the trivial view's). *Uncached*: the registry's and the library's
cache versions bumped before every call (as after an approval), so their counts and pages are
computed again; the forum, which depends on the reader, is never cached. *matches*: the count
over every kind (a visitor's excludes the forum), each kind counted up to 1,000 ("1000+").

{table}

How to read it: counting stops at 1,000 matches of a kind (`site_search.COUNT_CAP`) and a kind
past it is listed from an index (initiatives by name, resources by date, posts by id) instead of
ranked, so a common word costs about what a rare one does per kind; what remains of the uncached
common search is the eight kinds' counts and pages (about 20 statements) and the Python that
scores and marks 20 hits per kind. The forum's part depends on the reader and is never cached; a
partial index on hidden opening posts (`post_opening_hidden`) keeps its visibility check from
reading every post (it took 70 ms at 100,000 posts). The machine is shared: the trivial view's
p95 moves between runs, the ratios and the p50 are the steadier figures.
{END}"""
    if not args.no_write:
        write_section(RESULTS, START, END, section)
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
