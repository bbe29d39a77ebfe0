"""The platform at the scale of issue 18, seeded once into a database of its own and reused.

    .venv/bin/python bench/scale.py [--initiatives 100000] [--resources 50000] [--posts 100000]

On top of `seed_demo` (the demo's members, stories, forum categories, library topics), bulk
inserts what is missing of: published initiatives (bench/registry.py's generator, appended),
published library resources (bench/library.py's generator; it replaces the library's rows) and
published forum posts in threads of 50. Each part is skipped when the database already holds
that many, so a second run takes seconds. The seeders write around the signals, as a bulk load
does: the derived tables (related and search listings) are rebuilt the way the daily sweep does.

The database is `iapt_scale` on 127.0.0.1 unless SCALE_DATABASE_URL (or DATABASE_URL) names
another; bench/load.py and bench/wrk_pairs.py use it too.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import random
import sys
import time
from pathlib import Path
from types import ModuleType

import common

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/iapt_scale"
REDIS_URL = "redis://127.0.0.1:6379/2"
INITIATIVES = 100_000
RESOURCES = 50_000
POSTS = 100_000
POSTS_PER_THREAD = 50
POST_VECTOR_SQL = (
    "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')"
)
POST_WORDS = [
    "clúster",
    "gobernanza",
    "financiamiento",
    "cooperación",
    "empresas",
    "universidad",
    "territorio",
    "innovación",
    "exportación",
    "cadena",
    "valor",
    "proveedores",
    "capacitación",
    "digital",
    "logística",
    "turismo",
    "agroindustria",
    "mesa",
    "trabajo",
    "convocatoria",
    "alianza",
    "red",
    "productiva",
    "asociatividad",
    "competitividad",
    "diagnóstico",
]


def bench_module(name: str) -> ModuleType:
    """A sibling script as a module of its own name (bench/library.py would shadow the app)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    # Registered before it runs: its dataclasses look their module up in sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _demo_seeded() -> bool:
    from iapt_platform.accounts.models import User

    return User.objects.filter(email="member.en@demo.iapt.local").exists()


def analyze(*tables: str) -> None:
    """VACUUM ANALYZE tables just filled in bulk, as autovacuum would (it may be off here): the
    planner needs their statistics (a capped search reads a common word's first rows by a scan,
    a rare one's by the GIN index), and a vacuum empties the GIN indexes' pending lists."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")


def seed_posts(missing: int) -> dict[str, float]:
    """`missing` published forum posts, in new threads of POSTS_PER_THREAD, spread over the
    public categories and the existing members."""
    from django.contrib.postgres.search import SearchVectorField
    from django.db import connection, transaction
    from django.db.models.expressions import RawSQL
    from django.utils import timezone

    from community.models import Category, Post, Thread
    from iapt_platform.accounts.models import User
    from iapt_platform.lib import search

    rng = random.Random(18)
    started = time.perf_counter()
    categories = list(Category.objects.filter(is_private=False))
    authors = list(User.objects.filter(is_active=True).values_list("pk", flat=True)[:400])
    now = timezone.now()
    first = Thread.objects.count()
    gc.disable()
    with transaction.atomic():
        made = 0
        while made < missing:
            batch = min(POSTS_PER_THREAD * 100, missing - made)
            threads = Thread.objects.bulk_create(
                [
                    Thread(
                        category=categories[(first + n) % len(categories)],
                        title=f"Clústeres y {rng.choice(POST_WORDS)}: experiencia {first + n + 1}",
                        author_id=rng.choice(authors),
                        is_question=n % 3 == 0,
                        last_posted_at=now,
                    )
                    for n in range(-(-batch // POSTS_PER_THREAD))
                ]
            )
            first += len(threads)
            posts = []
            for index in range(batch):
                thread = threads[index // POSTS_PER_THREAD]
                opening = index % POSTS_PER_THREAD == 0
                body = " ".join(rng.choices(POST_WORDS, k=rng.randint(20, 80))).capitalize() + "."
                title = search.normalise(thread.title) if opening else ""
                text = search.normalise(body)
                when = now - timezone.timedelta(minutes=POSTS_PER_THREAD - index % POSTS_PER_THREAD)
                posts.append(
                    Post(
                        thread=thread,
                        author_id=thread.author_id if opening else rng.choice(authors),
                        body=body,
                        language="es",
                        is_opening=opening,
                        status=Post.Status.PUBLISHED,
                        published_at=when,
                        search_document=f"{title} {text}".strip(),
                        search_vector=RawSQL(  # noqa: S611 (a constant template, values as params)
                            POST_VECTOR_SQL, (title, text), output_field=SearchVectorField()
                        ),
                    )
                )
            Post.objects.bulk_create(posts, batch_size=2000)
            made += batch
            print(f"  posts {made:>7,} of {missing:,}", end="\r", flush=True)
        print()
        # created_at is set on insert: the replies' order and counters as thread_refresh() makes.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE community_thread t SET reply_count = c.n, last_posted_at = c.last "
                "FROM (SELECT thread_id, COUNT(*) FILTER (WHERE NOT is_opening) AS n, "
                "MAX(created_at) AS last FROM community_post WHERE status = 'published' "
                "AND NOT hidden GROUP BY thread_id) c WHERE c.thread_id = t.id"
            )
    gc.enable()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE community_post")
        cursor.execute("VACUUM ANALYZE community_thread")
    return {"forum posts": time.perf_counter() - started}


def ensure(
    *, initiatives: int = INITIATIVES, resources: int = RESOURCES, posts: int = POSTS
) -> dict[str, object]:
    """Top up the database to the scale asked (Django set up, migrated, seed_demo run)."""
    from community.models import Post
    from initiatives.models import Initiative
    from library.models import Resource

    timings: dict[str, float] = {}
    have = Initiative.objects.published().count()
    if have < initiatives:
        print(f"seeding {initiatives - have:,} initiatives (found {have:,})")
        registry = bench_module("registry")
        timings.update(registry.seed(initiatives - have, append=True))
        t0 = time.perf_counter()
        from initiatives import selectors, services

        services.sector_listings_rebuild()
        services.search_listings_rebuild()
        selectors.registry_changed()
        analyze("initiatives_sectorlisting", "initiatives_searchlisting")
        timings["initiative listings"] = time.perf_counter() - t0
    have = Resource.objects.published().count()
    if have < resources:
        print(f"seeding {resources:,} resources (found {have:,}; the library's rows are replaced)")
        library = bench_module("library")
        timings.update({f"library: {k}": v for k, v in library.seed(resources).items()})
        from library import selectors as library_selectors
        from library import services as library_services

        library_services.search_listings_rebuild()
        library_selectors.library_changed()
        analyze("library_searchlisting")
    have = Post.objects.filter(status=Post.Status.PUBLISHED).count()
    if have < posts:
        print(f"seeding {posts - have:,} forum posts (found {have:,})")
        timings.update(seed_posts(posts - have))
    stale = common.tables_without_statistics()
    if stale:  # the listings rebuilt above, or by an earlier run that did not analyze them
        t0 = time.perf_counter()
        from django.db import connection

        with connection.cursor() as cursor:
            for table in stale:
                cursor.execute(f'VACUUM ANALYZE "{table}"')
        timings[f"VACUUM ANALYZE {', '.join(stale)}"] = time.perf_counter() - t0
    return {
        "initiatives": Initiative.objects.published().count(),
        "resources": Resource.objects.published().count(),
        "posts": Post.objects.filter(status=Post.Status.PUBLISHED).count(),
        "seconds": {k: round(v, 1) for k, v in timings.items()},
    }


def prepare_database() -> None:
    """Create, migrate and seed_demo the database named by DATABASE_URL (Django not yet set up)."""
    common.create_database_if_missing(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    if not _demo_seeded():
        print("seed_demo")
        call_command("seed_demo")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--initiatives", type=int, default=INITIATIVES)
    parser.add_argument("--resources", type=int, default=RESOURCES)
    parser.add_argument("--posts", type=int, default=POSTS)
    args = parser.parse_args()
    url = os.environ.get("SCALE_DATABASE_URL") or os.environ.get("DATABASE_URL") or DATABASE_URL
    os.environ["DATABASE_URL"] = url
    common.configure_environment(database_url=url, redis_url=REDIS_URL)
    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    prepare_database()
    print(ensure(initiatives=args.initiatives, resources=args.resources, posts=args.posts))
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
