"""The bulletin's counted links: what a click costs against the trivial view, and what counting
the links adds to preparing a send.

    .venv/bin/python bench/bulletin_links.py [--links 20000] [--seconds 3] [--no-write]

Uses its own PostgreSQL database (default iapt_bench_links) and Redis db (default 7), never CI's.
Measured in-process with `django.test.Client` through the full middleware stack, DEBUG off:

- the trivial view (`bench/urls.py`) and a counted link (`/bulletin/r/<token>/`: one UPDATE ...
  RETURNING and a 302), in alternating windows so that both see the same load, as requests per
  second and their ratio; also a link with a stale signature (one SELECT, no count);
- freezing an issue's editions (rendering each once, which a send does before its first
  message) with and without counting its links: the rewrite runs once per edition, never per
  message, so a send's per-message cost is unchanged (bench/bulletin.py measures that).

Writes its section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    configure_environment,
    create_database_if_missing,
    machine_description,
    page_fetcher,
    percentile,
    run_for,
    setup_django,
    write_section,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
START, END = "<!-- bench/bulletin_links.py: start -->", "<!-- bench/bulletin_links.py: end -->"


def seed(links_wanted: int):
    """One sent issue of two editions with the blocks and links of a real bulletin, and enough
    other links in the table for its index to matter."""
    from newsletter.models import Block, Edition, EditionLink, Issue

    issue = Issue.objects.filter(number=900001).first()
    if issue is None:
        issue = Issue.objects.create(number=900001, status=Issue.Status.SENT)
        for code in ("es", "en"):
            Edition.objects.create(issue=issue, language=code, subject=f"Bench {code}")
        for n in range(12):
            Block.objects.create(
                issue=issue,
                order=n,
                link_url=f"https://example.org/story/{n}",
                content={
                    code: {
                        "title": f"Block {n}",
                        "body": f"Text with [a link](https://example.org/{code}/{n}) and "
                        f"https://example.org/plain/{n}. " * 3,
                        "image_alt": "",
                    }
                    for code in ("es", "en")
                },
            )
    filler = Edition.objects.filter(issue__number=900000).first()
    if filler is None:
        other = Issue.objects.create(number=900000, status=Issue.Status.SENT)
        filler = Edition.objects.create(issue=other, language="es", subject="filler")
    have = EditionLink.objects.filter(edition=filler).count()
    EditionLink.objects.bulk_create(
        [
            EditionLink(edition=filler, url=f"https://example.org/filler/{n}", position=n)
            for n in range(have, links_wanted)
        ],
        batch_size=5000,
    )
    return issue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--links", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/iapt_bench_links"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    configure_environment(database_url=args.database_url, redis_url=args.redis_url)
    if os.environ["DATABASE_URL"].rsplit("/", 1)[-1] == "iapt":
        raise SystemExit("refusing CI's database")
    create_database_if_missing(os.environ["DATABASE_URL"])

    setup_django(migrate=True)
    from django.core import signing
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from newsletter import links
    from newsletter.models import Edition, EditionLink
    from newsletter.rendering import freeze_editions, render_edition

    issue = seed(args.links)
    freeze_editions(issue)
    edition = Edition.objects.get(issue=issue, language="es")
    link = EditionLink.objects.filter(edition=edition).order_by("position").first()
    counted = f"/bulletin/r/{links.token(edition.pk, link.pk)}/"
    stale_token = signing.Signer(key="rotated away", salt=links.SALT, sep=".").sign(
        f"{edition.pk}-{link.pk}"
    )
    stale = f"/bulletin/r/{stale_token}/"
    client = Client()

    def get(url: str, status: int) -> Callable[[], object]:
        return page_fetcher(client, url, status)

    for fn in (get("/bench/trivial/", 200), get(counted, 302), get(stale, 302)):
        for _ in range(100):
            fn()
    with CaptureQueriesContext(connection) as captured:
        get(counted, 302)()
    queries = [q["sql"] for q in captured.captured_queries]

    samples: dict[str, list[float]] = {"trivial": [], "counted": [], "stale": []}
    for _round in range(args.rounds):
        samples["trivial"] += run_for(get("/bench/trivial/", 200), seconds=args.seconds, minimum=30)
        samples["counted"] += run_for(get(counted, 302), seconds=args.seconds, minimum=30)
        samples["stale"] += run_for(get(stale, 302), seconds=args.seconds, minimum=30)
    with connection.cursor() as cursor:

        def select_one() -> None:
            cursor.execute("SELECT 1")
            cursor.fetchone()

        samples["select1"] = run_for(select_one, seconds=1.0, minimum=30)
    rate = {key: len(lat) / sum(lat) for key, lat in samples.items()}
    p95 = {key: percentile(lat, 95) * 1000 for key, lat in samples.items()}

    # Freezing: the renderer alone (what a send did before) against rendering plus counting.
    blocks = list(issue.blocks.all())
    editions = list(issue.editions.all())

    def render_only() -> None:
        for e in editions:
            render_edition(e, blocks, for_send=True)

    def render_and_count() -> None:
        for e in editions:
            links.track(e.pk, render_edition(e, blocks, for_send=True))

    render_lat = run_for(render_only, seconds=args.seconds, minimum=30)
    track_lat = run_for(render_and_count, seconds=args.seconds, minimum=30)
    render_ms = sum(render_lat) / len(render_lat) * 1000 / len(editions)
    track_ms = sum(track_lat) / len(track_lat) * 1000 / len(editions)
    link_count = EditionLink.objects.filter(edition=edition).count()
    load = os.getloadavg()

    lines = [
        "| measure | value |",
        "|---|---|",
        f"| trivial view | {rate['trivial']:,.0f} req/s (p95 {p95['trivial']:.2f} ms) |",
        f"| counted link, 302 | {rate['counted']:,.0f} req/s (p95 {p95['counted']:.2f} ms) |",
        f"| **ratio counted link / trivial view** | **{rate['counted'] / rate['trivial']:.2f}** |",
        f"| stale signature, 302 uncounted | {rate['stale']:,.0f} req/s "
        f"(ratio {rate['stale'] / rate['trivial']:.2f}) |",
        f"| SQL per click | {len(queries)}: `{queries[0][:80]}...` (and Django's connection "
        "health check, as for any page that reads the database) |",
        f"| for scale: one SQL `SELECT 1` round trip | {1000 / rate['select1']:.2f} ms |",
        f"| mean time per request: trivial / counted / stale | {1000 / rate['trivial']:.2f} / "
        f"{1000 / rate['counted']:.2f} / {1000 / rate['stale']:.2f} ms |",
        f"| links in the table | {EditionLink.objects.count():,} |",
        f"| freeze one edition, render only | {render_ms:.1f} ms |",
        f"| freeze one edition, render and count its {link_count} links | {track_ms:.1f} ms "
        f"(+{track_ms - render_ms:.1f} ms, once per edition per send) |",
    ]
    print("\n".join(lines))
    if args.no_write:
        return
    section = "\n".join(
        [
            START,
            "## Bulletin: counted links",
            "",
            f"Command: `.venv/bin/python bench/bulletin_links.py {' '.join(sys.argv[1:])}`",
            "",
            f"Machine: {machine_description()}. Load average at the end "
            f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (shared machine: read the ratios).",
            "",
            "In-process `django.test.Client`, full middleware stack, DEBUG off, no session cookie "
            f"(a reader following a link); {args.rounds} alternating windows of {args.seconds} s "
            "each.",
            "",
            *lines,
            END,
        ]
    )
    write_section(RESULTS, START, END, section)


if __name__ == "__main__":
    main()
