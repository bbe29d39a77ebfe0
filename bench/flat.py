"""Is every page's cost flat from 1,000 to 100,000 initiatives? Each page type at both sizes.

    .venv/bin/python bench/flat.py [--seconds 2] [--only PATTERN] [--explain PATTERN] [--no-write]

Two databases seeded by bench/scale.py, each measured by a subprocess of this script, one after
the other: `iapt_scale_1k` (1,000 initiatives, 500 resources, 1,000 forum posts; seed it with
`SCALE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/iapt_scale_1k .venv/bin/python
bench/scale.py --initiatives 1000 --resources 500 --posts 1000`) and `iapt_scale` (100,000,
50,000, 100,000). Neither is written to but for the pages' own reading counters.

In-process (django.test.Client, production settings, PostgreSQL and Redis), every public page
type for a visitor, and the directory, an initiative's page and a forum thread for a signed-in
member, each in two states: *kept* (the caches warm, as most visitors find them) and *emptied*
(the whole cache cleared before each request, untimed: the first visitor after a change, where
a scan per view shows). Each figure is the page's rate over a trivial view's measured in
alternating windows of the same run (bench/registry.py's `paired`); a page whose ratio falls
from the small database to the large one costs more as the registry grows. The *quotient* is
the ratio at 1,000 over the ratio at 100,000: "flat" up to FLAT, "grows" above.

`--explain PATTERN` prints, for the pages whose label matches, every query of one emptied
request at each size with its duration and EXPLAIN ANALYZE of the slowest. A page that asks more
queries at 100,000 than at 1,000 (kept or emptied; the rule of tests/quality/test_flat_queries.py)
grows, whatever its times, and the report lists the queries that differ. Environment:
FLAT_DATABASES (`label=url,label=url`), FLAT_REDIS_URL (Redis db 8, emptied by the run).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import common
from common import (
    count_queries,
    member_client,
    normalized_sql,
    page_fetcher,
    paired,
    percentile,
    rate,
    setup_django,
)

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "RESULTS.md"
START = "<!-- bench/flat.py: start -->"
END = "<!-- bench/flat.py: end -->"
DATABASES = os.environ.get(
    "FLAT_DATABASES",
    "1k=postgres://postgres@127.0.0.1:5432/iapt_scale_1k,"
    "100k=postgres://postgres@127.0.0.1:5432/iapt_scale",
)
REDIS_URL = os.environ.get("FLAT_REDIS_URL", "redis://127.0.0.1:6379/8")
FLAT = 1.5  # the largest quotient of the two ratios still called flat (the machine is shared)


def targets() -> tuple[list[tuple[str, str, bool]], dict[str, str]]:
    """(label, address, signed in) of each page type; the same shape of content at both sizes
    (the initiative of three sectors, one the largest; the largest sector; the longest thread);
    and what the report should say of a page's content (the thread's length: a page of it holds
    community.selectors.POSTS_PER_PAGE posts, a longer one is counted)."""
    from django.db.models import Count
    from initiative_page import worst_case_initiative

    from community.meetings.models import Meeting
    from community.models import Category, Thread
    from initiatives.models import Programme
    from initiatives.opportunities.models import Opportunity
    from initiatives.stories.models import Story
    from library.models import Collection, Resource

    initiative, sector = worst_case_initiative()
    programme = Programme.objects.annotate(n=Count("initiatives")).order_by("-n", "pk").first()
    thread = (
        Thread.objects.filter(
            category__in=Category.objects.filter(is_private=False),
            is_published=True,
            hidden=False,
        )
        .order_by("-reply_count", "pk")
        .first()
    )
    story = Story.objects.public().order_by("-published_at").first()
    resource = Resource.objects.published().order_by("-published_at").first()
    collection = Collection.objects.order_by("pk").first()
    meeting = Meeting.objects.published().order_by("-starts_at").first()
    opportunity = Opportunity.objects.published().order_by("-pk").first()
    found = [
        ("home", "/en/", False),
        ("directory", "/en/initiatives/", False),
        ("directory, filtered", "/en/initiatives/?country=EC", False),
        # The load mix's filters (bench/load.py): a country and a sector, and a type besides.
        (
            "directory, country and sector",
            f"/en/initiatives/?country=EC&sector={sector.slug}",
            False,
        ),
        (
            "directory, country, sector, type",
            f"/en/initiatives/?country=EC&sector={sector.slug}&kind=cluster",
            False,
        ),
        ("directory, a sector", f"/en/initiatives/?sector={sector.slug}", False),
        ("directory, search", "/en/initiatives/?q=cluster", False),
        ("country", "/en/initiatives/countries/EC/", False),
        ("sector", f"/en/initiatives/sectors/{sector.slug}/", False),
        ("initiative", f"/en/initiatives/{initiative.slug}/", False),
        ("statistics", "/en/initiatives/statistics/", False),
        ("map", "/en/initiatives/map/", False),
        ("stories", "/en/stories/", False),
        ("library", "/en/library/", False),
        ("meetings", "/en/meetings/", False),
        ("collaboration", "/en/collaboration/", False),
        ("bulletin", "/en/bulletin/", False),
        ("community", "/en/community/", False),
        ("opportunities", "/en/opportunities/", False),
        ("agenda", "/en/agenda/", False),
        ("library, search", "/en/library/?q=cluster", False),
        ("members: directory", "/en/initiatives/", True),
        # The members' lists the load asks with many addresses (bench/load.py).
        (
            "members: directory, country and sector",
            f"/en/initiatives/?country=EC&sector={sector.slug}",
            True,
        ),
        ("members: directory, search", "/en/initiatives/?q=cluster", True),
        ("members: library, search", "/en/library/?q=cluster", True),
        ("members: initiative", f"/en/initiatives/{initiative.slug}/", True),
    ]
    optional = [
        ("programme", programme and f"/en/initiatives/programmes/{programme.slug}/"),
        ("a story", story and f"/en/stories/{story.slug}/"),
        ("a resource", resource and f"/en/library/{resource.slug}/"),
        ("a collection", collection and f"/en/library/collections/{collection.slug}/"),
        ("a meeting", meeting and f"/en/meetings/{meeting.slug}/"),
        ("an opportunity", opportunity and f"/en/opportunities/{opportunity.slug}/"),
        ("a forum thread", thread and f"/en/community/t/{thread.pk}/"),
    ]
    found += [(label, url, False) for label, url in optional if url]
    if thread:
        found.append(("members: a forum thread", f"/en/community/t/{thread.pk}/", True))
    content = {}
    if thread:
        posts = f"thread {thread.pk} of {thread.reply_count + 1} posts"
        content = {"a forum thread": posts, "members: a forum thread": posts}
    return found, content


def measure_inside(options: argparse.Namespace) -> dict:
    """Every page in both states on the database of DATABASE_URL (Django set up here)."""
    from registry import OUT, TRIVIAL, explain

    setup_django(static_root=OUT / "static", collect="missing")
    from django.core.cache import cache
    from django.test import Client

    from initiatives.models import Initiative

    cache.clear()

    # seed_demo's member: a member of the community, who may read its forum (as in wrk_pairs.py).
    visitor, member = Client(), member_client("member.en@demo.iapt.local")
    trivial = page_fetcher(visitor, TRIVIAL)
    for _ in range(200):
        trivial()
    rows = []
    pages, content = targets()
    for label, url, signed_in in pages:
        if options.only and not re.search(options.only, label):
            continue
        client = member if signed_in else visitor
        # The day's reading counters exist from now on, as on a live site.
        if (status := client.get(url).status_code) != 200:  # a forum thread: members only
            print(f"{label:28} skipped: {url} answered {status}", file=sys.stderr, flush=True)
            continue
        fetch = page_fetcher(client, url)
        row = {"label": label, "url": url, "content": content.get(label, "")}
        for state, before in (("kept", None), ("emptied", cache.clear)):
            fetch()
            page, base = paired(fetch, trivial, seconds=options.seconds, minimum=5, before=before)
            if before:
                before()
            # Counted as tests/quality/test_flat_queries.py counts: one request after others (the
            # day's reading counters exist), the cache emptied first for the emptied state.
            count, captured = count_queries(fetch)
            row[state] = {
                "ratio": rate(page) / rate(base),
                "ms": percentile(page, 50) * 1000,
                "queries": count,
                "sql": [[normalized_sql(q["sql"]), q["where"]] for q in captured],
            }
        rows.append(row)
        print(
            f"{label:28} kept {row['kept']['ratio']:.3f} ({row['kept']['ms']:.1f} ms)  "
            f"emptied {row['emptied']['ratio']:.3f} ({row['emptied']['ms']:.1f} ms, "
            f"{row['emptied']['queries']} queries)",
            file=sys.stderr,
            flush=True,
        )
        if options.explain and re.search(options.explain, label):
            cache.clear()
            captured = count_queries(fetch)[1]
            with contextlib.redirect_stdout(sys.stderr):  # stdout carries the JSON answer only
                explain(f"{label} ({url}), emptied", captured, top=4)
    return {
        "initiatives": Initiative.objects.published().count(),
        "load": os.getloadavg()[0],
        "rows": rows,
        "without statistics": common.tables_without_statistics(),
    }


def run_size(label: str, url: str, options: argparse.Namespace) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        # Versions and pages of one database must never answer for the other.
        "CACHE_KEY_PREFIX": f"flat-bench-{label}",
    }
    command = [sys.executable, __file__, "--inside", "--seconds", str(options.seconds)]
    if options.only:
        command += ["--only", options.only]
    if options.explain:
        command += ["--explain", options.explain]
    print(f"== {label}: {url}", file=sys.stderr, flush=True)
    out = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    if out.returncode != 0:
        raise SystemExit(f"the {label} database's run failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def asks_more(small: dict, large: dict) -> list[tuple[str, str, int, int]]:
    """(page, state, queries at the small size, at the large one) of each page and state that asks
    the database more often at the large size: the rule of tests/quality/test_flat_queries.py
    (never more; fewer is fine, a list once full may stop topping itself up)."""
    by_label = {row["label"]: row for row in large["rows"]}
    found = []
    for row in small["rows"]:
        other = by_label.get(row["label"])
        for state in ("emptied", "kept"):
            if other is not None and other[state]["queries"] > row[state]["queries"]:
                found.append((row["label"], state, row[state]["queries"], other[state]["queries"]))
    return found


def query_difference(small: list, large: list) -> tuple[list[str], list[str]]:
    """The queries (normalized SQL, then where the project's code asked) that one size asks and
    the other does not, or asks more times: (only at the small size, only at the large one)."""

    def lines(queries: list, absent: Counter) -> list[str]:
        out = []
        for sql, where in queries:
            if absent[sql] > 0:
                absent[sql] -= 1
                out.append(f"{sql}\n    asked at {where or 'an unknown place'}")
        return out

    few, many = Counter(sql for sql, _ in small), Counter(sql for sql, _ in large)
    return lines(small, few - many), lines(large, many - few)


def differences(sizes: list[tuple[str, dict]]) -> list[str]:
    """Each page that asks more queries at the large size, with the queries that differ."""
    (small_label, small), (large_label, large) = sizes
    by_label = {row["label"]: row for row in large["rows"]}
    small_rows = {row["label"]: row for row in small["rows"]}
    out = []
    for label, state, few, many in asks_more(small, large):
        out.append(
            f"- **{label}** ({state}, `{small_rows[label]['url']}`): {few} queries at "
            f"{small_label}, {many} at {large_label}."
        )
        contents = (small_rows[label].get("content"), by_label[label].get("content"))
        if any(contents):
            out.append(
                f"  Content: {contents[0]} at {small_label}, {contents[1]} at {large_label}."
            )
        only_small, only_large = query_difference(
            small_rows[label][state]["sql"], by_label[label][state]["sql"]
        )
        for size, queries in ((small_label, only_small), (large_label, only_large)):
            if queries:
                out += [f"  Only at {size} (normalized SQL):", "  ```"]
                out += [f"  {q}" for q in queries]
                out.append("  ```")
    return out


def verdict(small: float, large: float) -> tuple[float, str]:
    quotient = small / large
    return quotient, "flat" if quotient <= FLAT else "grows"


def report(sizes: list[tuple[str, dict]], options: argparse.Namespace, load: tuple) -> str:
    (small_label, small), (large_label, large) = sizes
    command = ".venv/bin/python bench/flat.py" + "".join(
        f" {a}" for a in sys.argv[1:] if a != "--no-write"
    )
    by_label = {row["label"]: row for row in large["rows"]}
    lines = [
        START,
        f"## Page cost at {small['initiatives']:,} and {large['initiatives']:,} initiatives "
        f"({time.strftime('%Y-%m-%d')})",
        "",
        f"`{command}`: in-process, production settings, PostgreSQL and Redis; databases "
        f"`{small_label}` ({small['initiatives']:,} initiatives, bench/scale.py with 500 resources "
        f"and 1,000 posts) and `{large_label}` ({large['initiatives']:,}, 50,000, 100,000), one "
        f"after the other. *ratio*: the page's rate over a trivial view's through the same "
        f"middleware in alternating windows of the same run ({options.seconds:g} s per page and "
        "state). *Kept*: the caches warm; *emptied*: the whole cache cleared before each request "
        "(the first visitor after a change). *quotient*: ratio at the small size over ratio at "
        f"the large one; *flat* up to {FLAT:g}. Queries: those of one emptied request, in bold "
        "where the large size asks more, kept or emptied (the rule of "
        "tests/quality/test_flat_queries.py: never more; such a page grows, and the queries that "
        f"differ follow the table). Load average {load[0]:.1f} at the start, {load[1]:.1f} at "
        "the end (2 cores, shared).",
        "",
        f"| page | kept: ratio {small_label} | kept: ratio {large_label} | quotient | "
        f"emptied: ratio {small_label} | emptied: ratio {large_label} | quotient | "
        f"emptied p50 {small_label} / {large_label} | queries {small_label} / {large_label} "
        "| verdict |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    more = {label for label, _state, _few, _many in asks_more(small, large)}
    for row in small["rows"]:
        other = by_label.get(row["label"])
        if other is None:
            continue
        kept_q, kept_v = verdict(row["kept"]["ratio"], other["kept"]["ratio"])
        empty_q, empty_v = verdict(row["emptied"]["ratio"], other["emptied"]["ratio"])
        queries = f"{row['emptied']['queries']} / {other['emptied']['queries']}"
        if row["label"] in more:
            queries = f"**{queries}**"
        flat = kept_v == empty_v == "flat" and row["label"] not in more
        lines.append(
            f"| {row['label']} | {row['kept']['ratio']:.3f} | {other['kept']['ratio']:.3f} | "
            f"{kept_q:.2f} | {row['emptied']['ratio']:.3f} | {other['emptied']['ratio']:.3f} | "
            f"{empty_q:.2f} | {row['emptied']['ms']:.1f} / {other['emptied']['ms']:.1f} ms | "
            f"{queries} | {'flat' if flat else '**grows**'} |"
        )
    found = differences(sizes)
    if found:
        lines += [
            "",
            f"Pages that ask the database more often at `{large_label}` than at `{small_label}` "
            "(each query that one size asks and the other does not, normalized: numbers `N`, "
            "strings `'…'`, lists `(…)`; and the line of the project's code that asked it):",
            "",
            *found,
        ]
    for label, size in sizes:
        if size.get("without statistics"):
            lines += [
                "",
                f"Tables of `{label}` without planner statistics (a bulk load never analyzed; "
                f"`bench/scale.py` analyzes them): {', '.join(size['without statistics'])}.",
            ]
    lines.append(END)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=2.0, help="window per page and state")
    parser.add_argument("--only", help="only the pages whose label matches this regex")
    parser.add_argument("--explain", help="EXPLAIN the emptied queries of the matching pages")
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.inside:
        common.configure_environment(
            database_url=os.environ["DATABASE_URL"], redis_url=os.environ["REDIS_URL"]
        )
        print(json.dumps(measure_inside(options)))
        return
    load_start = os.getloadavg()[0]
    sizes = []
    for pair in DATABASES.split(","):
        label, url = pair.split("=", 1)
        sizes.append((label, run_size(label, url, options)))
    if len(sizes) != 2:  # one database (FLAT_DATABASES), for --explain: nothing to compare
        return
    block = report(sizes, options, (load_start, os.getloadavg()[0]))
    print(block)
    if not options.no_write and not options.only:
        common.write_section(RESULTS, START, END, block)
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
