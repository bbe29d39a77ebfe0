"""Library benchmark: search at N published resources, on PostgreSQL and Redis.

    .venv/bin/python bench/library.py [--rows 50000] [--reseed] [--seconds 3] [--no-write]

Seeds a dedicated database, iapt_bench_library (created when missing; re-seeding is skipped when it
already holds N published resources), in bulk, with the same search columns the application stores
(title, authors, topics, places, summary and ~120 words of "extracted text" per resource). Then it
measures in-process with django.test.Client: a raw `SELECT 1` and a trivial view (the baselines),
and the library's search for a common, a rare and a zero-hit term, both the selector alone and the
whole page. Ratios compare each search with the baselines of the same run. Prints a table and
writes it to bench/RESULTS.md, between this script's markers.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from common import (
    command_line,
    count_queries,
    create_database_if_missing,
    fmt,
    machine_description,
    markdown_table,
    page_fetcher,
    percentile,
    print_table,
    run_for,
    setup_django,
    write_section,
)
from common import configure_environment as configure_common

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "RESULTS.md"
OUT = BENCH / "out"  # ignored by git: collected static files
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/iapt_bench_library"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
BATCH = 5_000
SEED = 20261127

TRIVIAL = "/bench/trivial/"
LIBRARY = "/library/"
RARE_WORD = "xilófono"  # planted in the extracted text of exactly RARE_ROWS resources
RARE_ROWS = 5
SEARCH_TERMS = [("common", "cluster"), ("rare", "xilofono"), ("zero-hit", "qwertyzz")]
TARGET_SEARCH_P95_MS = 50.0  # the whole search page, at 50,000 resources


# --- Seeding ----------------------------------------------------------------------------------------

TITLE_PATTERNS = {
    "es": [
        "Metodología de {a} para el clúster de {s}",
        "Guía de {a} en iniciativas de {s}",
        "Informe sobre {a} y {s} en {p}",
        "Evaluación de {a} en el sector {s}",
        "Manual de {a} para gerentes",
    ],
    "en": [
        "A {a} methodology for {s} clusters",
        "Guide to {a} in {s} initiatives",
        "Report on {a} and {s} in {p}",
        "Evaluating {a} in the {s} sector",
        "Handbook of {a} for cluster managers",
    ],
    "pt": [
        "Metodologia de {a} para o cluster de {s}",
        "Guia de {a} em APLs de {s}",
        "Relatório sobre {a} e {s} em {p}",
        "Avaliação de {a} no setor {s}",
        "Manual de {a} para gestores",
    ],
}
SUBJECTS = {
    "es": [
        "financiamiento",
        "gobernanza",
        "innovación",
        "internacionalización",
        "formación",
        "economía digital",
        "sostenibilidad",
        "articulación productiva",
    ],
    "en": [
        "financing",
        "governance",
        "innovation",
        "internationalisation",
        "training",
        "digital economy",
        "sustainability",
        "productive articulation",
    ],
    "pt": [
        "financiamento",
        "governança",
        "inovação",
        "internacionalização",
        "formação",
        "economia digital",
        "sustentabilidade",
        "articulação produtiva",
    ],
}
SECTORS = [
    "turismo",
    "software",
    "logística",
    "agroalimentos",
    "metalmecánica",
    "salud",
    "energía",
    "textil",
    "café",
    "vino",
]
PLACES = {
    "AR": "Argentina",
    "BR": "Brasil",
    "CL": "Chile",
    "CO": "Colombia",
    "MX": "México",
    "PE": "Perú",
    "EC": "Ecuador",
    "UY": "Uruguay",
    "CR": "Costa Rica",
    "JM": "Jamaica",
}
VOCABULARY = [
    "desarrollo",
    "productivo",
    "empresas",
    "cadena",
    "valor",
    "territorio",
    "gobierno",
    "universidad",
    "proyecto",
    "colectivo",
    "indicador",
    "financiamiento",
    "fondo",
    "crédito",
    "garantía",
    "exportación",
    "mercado",
    "innovación",
    "tecnología",
    "datos",
    "plataforma",
    "capacitación",
    "talento",
    "gerente",
    "agenda",
    "estrategia",
    "diagnóstico",
    "evaluación",
    "impacto",
    "resultado",
    "empleo",
    "salario",
    "productividad",
    "supervivencia",
    "firma",
    "proveedor",
    "compra",
    "pública",
    "cooperación",
    "confianza",
    "network",
    "firms",
    "value",
    "chain",
    "region",
    "policy",
    "programme",
    "support",
    "evidence",
    "survey",
    "panel",
    "regression",
    "treatment",
    "control",
    "sample",
    "estimate",
    "effect",
    "growth",
    "training",
    "manager",
    "board",
    "members",
    "fees",
    "services",
    "empresa",
    "arranjo",
    "produtivo",
    "local",
    "governança",
    "crédito",
    "inovação",
    "exportação",
    "formação",
    "gestores",
    "rede",
    "sustentabilidade",
    "circular",
    "energia",
    "água",
    "resíduo",
    "certificação",
    "qualidade",
    "norma",
    "feira",
    "missão",
    "comercial",
]
AUTHORS = [
    "Pérez, Ana",
    "Gómez, Luis",
    "Silva, Camila",
    "Smith, John",
    "Costa, Fernanda",
    "Rojas, Felipe",
    "Vargas, Daniela",
    "Brown, Emily",
    "CEPAL",
    "BID",
]
PUBLISHERS = ["CEPAL", "BID", "CAF", "SEBRAE", "Corfo", "ProColombia", "Universidad de Chile", ""]


def seed(rows: int) -> dict[str, float]:
    from django.contrib.postgres.search import SearchVector
    from django.db import connection, transaction
    from django.db.models import Value
    from django.utils import timezone, translation
    from django_countries import countries

    from iapt_platform.lib import search
    from library.models import (
        Evidence,
        EvidenceOutcome,
        Resource,
        ResourceCountry,
        ResourceLanguage,
        Topic,
    )

    rng = random.Random(SEED)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE library_resource, library_resource_topics, library_resourcelanguage, "
            "library_resourcecountry, library_evidence, library_evidenceoutcome, "
            "library_resourcedailystat, library_collectionitem RESTART IDENTITY CASCADE"
        )
    timings["truncate"] = time.perf_counter() - t0

    topics = list(Topic.objects.order_by("pk"))
    topic_names = {
        t.pk: [getattr(t, f"name_{c}", "") or "" for c in ("es", "en", "pt_br")] for t in topics
    }
    country_names: dict[str, list[str]] = {code: [] for code in PLACES}
    for language in ("es", "en", "pt-br"):
        with translation.override(language):
            for code in PLACES:
                country_names[code].append(str(countries.name(code)))
    method_words: dict[str, list[str]] = {}
    outcome_words: dict[str, list[str]] = {}
    for language in ("es", "en", "pt-br"):
        with translation.override(language):
            for value, label in Evidence.Method.choices:
                method_words.setdefault(value, []).append(str(label))
            for value, label in Evidence.Outcome.choices:
                outcome_words.setdefault(value, []).append(str(label))
    types = list(Resource.Type.values)
    rare_rows = set(rng.sample(range(rows), RARE_ROWS))
    now = timezone.now()
    python_seconds = insert_seconds = 0.0
    for start in range(0, rows, BATCH):
        t0 = time.perf_counter()
        objects, extras = [], []
        for index in range(start, min(start + BATCH, rows)):
            lang = rng.choices(["es", "en", "pt"], weights=[6, 2, 2])[0]
            subject = rng.choice(SUBJECTS[lang])
            sector = rng.choice(SECTORS)
            code = rng.choice(list(PLACES))
            title = rng.choice(TITLE_PATTERNS[lang]).format(a=subject, s=sector, p=PLACES[code])
            kind = rng.choice(types)
            authors = rng.sample(AUTHORS, rng.randint(1, 3))
            publisher = rng.choice(PUBLISHERS)
            year = rng.randint(1995, 2026)
            chosen_topics = sorted(
                rng.sample(topics, rng.randint(1, 3)), key=lambda t: (t.order, t.name)
            )
            codes = [code] + ([rng.choice(list(PLACES))] if rng.random() < 0.3 else [])
            codes = sorted(set(codes))
            summary = f"{title}. " + " ".join(rng.choices(VOCABULARY, k=25))
            words = rng.choices(VOCABULARY, k=120)
            if index in rare_rows:
                words.insert(rng.randint(0, len(words)), RARE_WORD)
            extracted = " ".join(words)
            evidence = None
            if kind == "impact_evaluation":
                evidence = (
                    rng.choice(Evidence.Method.values),
                    rng.choice(Evidence.Direction.values),
                    rng.sample(Evidence.Outcome.values, rng.randint(1, 3)),
                )
            # The same four weighted parts as library.services.search_text().
            part_a = search.normalise(title)
            places = []
            for language_index in range(3):
                places += [country_names[c][language_index] for c in codes]
            part_b = search.normalise(
                " ".join(
                    [
                        " ".join(authors),
                        publisher,
                        *(n for t in chosen_topics for n in topic_names[t.pk]),
                        *places,
                        str(year),
                    ]
                )
            )
            evidence_words: list[str] = []
            if evidence:
                for language_index in range(3):
                    evidence_words.append(method_words[evidence[0]][language_index])
                    evidence_words += [
                        outcome_words[o][language_index] for o in sorted(evidence[2])
                    ]
            part_c = search.normalise(" ".join([summary, *evidence_words]))
            part_d = search.normalise(extracted)
            published = now - datetime.timedelta(
                days=rng.randint(0, 3000), seconds=rng.randint(0, 86_400)
            )
            objects.append(
                Resource(
                    slug=f"bench-{index + 1}",
                    title=title,
                    title_language=lang,
                    summary=summary,
                    summary_language=lang,
                    type=kind,
                    year=year,
                    authors=authors,
                    publisher=publisher,
                    licence="cc-by-4.0",
                    external_url=f"https://example.org/r/{index + 1}",
                    extracted_text=extracted,
                    status=Resource.Status.PUBLISHED,
                    published_at=published,
                    created_at=published,
                    download_count=int(rng.paretovariate(1.5)) - 1,
                    search_document=" ".join(p for p in (part_a, part_b, part_c, part_d) if p),
                    # Built by PostgreSQL in the INSERT, exactly as resource_refresh_search() does.
                    search_vector=(
                        SearchVector(Value(part_a), weight="A", config="simple")
                        + SearchVector(Value(part_b), weight="B", config="simple")
                        + SearchVector(Value(part_c), weight="C", config="simple")
                        + SearchVector(Value(part_d), weight="D", config="simple")
                    ),
                    rank_vector=(
                        SearchVector(Value(part_a), weight="A", config="simple")
                        + SearchVector(Value(part_b), weight="B", config="simple")
                        + SearchVector(Value(part_c), weight="C", config="simple")
                    ),
                )
            )
            extras.append(
                (
                    chosen_topics,
                    [lang] + (["en"] if lang != "en" and rng.random() < 0.2 else []),
                    codes,
                    evidence,
                )
            )
        t1 = time.perf_counter()
        with transaction.atomic():
            created = Resource.objects.bulk_create(objects)
            through = Resource.topics.through
            through.objects.bulk_create(
                [
                    through(resource_id=r.pk, topic_id=t.pk)
                    for r, x in zip(created, extras, strict=True)
                    for t in x[0]
                ]
            )
            ResourceLanguage.objects.bulk_create(
                [
                    ResourceLanguage(resource_id=r.pk, language=lang)
                    for r, x in zip(created, extras, strict=True)
                    for lang in x[1]
                ]
            )
            ResourceCountry.objects.bulk_create(
                [
                    ResourceCountry(resource_id=r.pk, country=c)
                    for r, x in zip(created, extras, strict=True)
                    for c in x[2]
                ]
            )
            studies = [(r, x[3]) for r, x in zip(created, extras, strict=True) if x[3]]
            made = Evidence.objects.bulk_create(
                [Evidence(resource_id=r.pk, method=e[0], direction=e[1]) for r, e in studies]
            )
            EvidenceOutcome.objects.bulk_create(
                [
                    EvidenceOutcome(evidence_id=ev.pk, outcome=o)
                    for ev, (_r, e) in zip(made, studies, strict=True)
                    for o in e[2]
                ]
            )
        t2 = time.perf_counter()
        python_seconds += t1 - t0
        insert_seconds += t2 - t1
        print(f"  seeded {min(start + BATCH, rows):>7,} rows", end="\r", flush=True)
    print()
    timings["build rows in Python (incl. normalise)"] = python_seconds
    timings["bulk_create (rows, vectors, relations)"] = insert_seconds
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for table in (
            "library_resource",
            "library_resource_topics",
            "library_resourcelanguage",
            "library_resourcecountry",
            "library_evidence",
            "library_evidenceoutcome",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    timings["VACUUM ANALYZE"] = time.perf_counter() - t0
    return timings


def check_seed() -> None:
    """The seeded search columns are what the application itself would store."""
    from library import services
    from library.models import Resource

    for resource in Resource.objects.published().order_by("?")[:25]:
        parts = services.search_text(resource)
        expected = " ".join(p for p in parts.values() if p)
        if resource.search_document != expected:
            raise SystemExit(
                f"seeded search_document of {resource.slug} differs from search_text():\n"
                f"  seeded:   {resource.search_document!r}\n  expected: {expected!r}"
            )


def ensure_seeded(rows: int, *, reseed: bool) -> tuple[bool, dict[str, float]]:
    from library.models import Resource
    from library.selectors import library_changed

    published = Resource.objects.published().count()
    if published == rows and not reseed:
        print(f"{rows:,} published resources already seeded: skipping (--reseed to force)")
        return False, {}
    print(f"seeding {rows:,} resources (found {published:,})")
    timings = seed(rows)
    check_seed()
    # The seeder writes around the signals: the search listing is rebuilt as the sweep does.
    from library import services

    t0 = time.perf_counter()
    services.search_listings_rebuild()
    timings["search listing"] = time.perf_counter() - t0
    library_changed()
    return True, timings


# --- Measuring ------------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    rps: float | None = None
    ratio: float | None = None  # rate divided by the trivial view's rate
    p50: float | None = None
    p95: float | None = None
    p95_ratio: float | None = None  # p95 divided by the trivial view's p95
    n: int = 0
    queries: int | None = None
    target: str = ""
    met: bool | None = None


def row_for(label: str, lat: list[float], *, trivial: Row | None, queries: int | None) -> Row:
    rps = len(lat) / sum(lat)
    p95 = percentile(lat, 95) * 1000
    return Row(
        label=label,
        rps=rps,
        ratio=rps / trivial.rps if trivial and trivial.rps else None,
        p50=percentile(lat, 50) * 1000,
        p95=p95,
        p95_ratio=p95 / trivial.p95 if trivial and trivial.p95 else None,
        n=len(lat),
        queries=queries,
    )


def measure(args: argparse.Namespace) -> list[Row]:
    from django.db import connection
    from django.http import QueryDict
    from django.test import Client

    from library.models import Resource
    from library.selectors import library_changed, resource_browse

    client = Client()
    rows: list[Row] = []

    def get(url: str) -> Callable[[], object]:
        return page_fetcher(client, url)

    def selector(query: str) -> Callable[[], object]:
        def call() -> object:
            browse = resource_browse(QueryDict(query), page_number=None)
            return list(browse.page.object_list), browse.page.paginator.count, browse.facets

        return call

    with connection.cursor() as cursor:

        def select_one() -> None:
            cursor.execute("SELECT 1")
            cursor.fetchone()

        lat = run_for(select_one, seconds=1.0, warmup=50, minimum=30)
    rows.append(row_for("baseline: SQL `SELECT 1` round trip", lat, trivial=None, queries=1))
    lat = run_for(get(TRIVIAL), seconds=args.seconds, warmup=100, minimum=30)
    trivial = row_for(
        "baseline: trivial view", lat, trivial=None, queries=count_queries(get(TRIVIAL))[0]
    )
    rows.append(trivial)

    lat = run_for(get(LIBRARY), seconds=args.seconds, warmup=5, minimum=30)
    rows.append(
        row_for(
            "library page, unfiltered, warm cache",
            lat,
            trivial=trivial,
            queries=count_queries(get(LIBRARY))[0],
        )
    )

    expected_rare = Resource.objects.published().filter(extracted_text__contains=RARE_WORD).count()
    for kind, term in SEARCH_TERMS:
        found = selector(f"q={term}")()[1]
        if kind == "rare" and found != expected_rare:
            raise SystemExit(f"q={term} found {found} resources, {expected_rare} were planted")
        if kind == "zero-hit" and found:
            raise SystemExit(f"q={term} found {found} resources, expected none")
        page_fn = get(f"{LIBRARY}?q={term}")

        def cold_page(page_fn: Callable[[], object] = page_fn) -> object:
            library_changed()  # what the first visitor after a change waits for: counts recomputed
            return page_fn()

        for what, fn in (
            ("selector", selector(f"q={term}")),
            ("page", page_fn),
            ("page cold", cold_page),
        ):
            lat = run_for(
                fn, seconds=args.seconds, warmup=3, minimum=10 if what == "page cold" else 30
            )
            row = row_for(
                f"search {what}, {kind} q={term} ({found:,} hits)",
                lat,
                trivial=trivial if what != "selector" else None,
                queries=count_queries(fn)[0],
            )
            if what.startswith("page"):
                row.target = f"p95 <= {TARGET_SEARCH_P95_MS:g} ms"
                row.met = row.p95 is not None and row.p95 <= TARGET_SEARCH_P95_MS
            rows.append(row)
    return rows


# --- Reporting ------------------------------------------------------------------------------------


def table(rows: list[Row]) -> list[list[str]]:
    lines = [
        [
            "measurement",
            "req/s",
            "rate ratio",
            "p50 ms",
            "p95 ms",
            "p95 ratio",
            "n",
            "SQL",
            "target",
            "met",
        ]
    ]
    for r in rows:
        lines.append([
            r.label, fmt(r.rps, ",.0f"), fmt(r.ratio, ".3f"), fmt(r.p50, ".2f"), fmt(r.p95, ".2f"),
            fmt(r.p95_ratio, ".1f"), str(r.n), "" if r.queries is None else str(r.queries), r.target,
            "" if r.met is None else ("met" if r.met else "NOT MET"),
        ])  # fmt: skip
    return lines


def notes(rows: list[Row]) -> list[str]:
    out = []
    for kind, term in SEARCH_TERMS:
        page = next(r for r in rows if r.label.startswith(f"search page, {kind} "))
        cold = next(r for r in rows if r.label.startswith(f"search page cold, {kind} "))
        sel = next(r for r in rows if r.label.startswith(f"search selector, {kind} "))
        out.append(
            f"- q={term} ({kind}): page p95 {page.p95:.1f} ms = {page.p95_ratio:.1f}x the trivial view's p95 "
            f"(rate {page.ratio:.3f} of the trivial view's), with the counts cached; {cold.p95:.1f} ms = "
            f"{cold.p95_ratio:.1f}x when they are recomputed (first visitor after a change); the selector alone "
            f"(counts and page ids from the cache, twenty rows loaded) p95 {sel.p95:.1f} ms. Target page p95 <= {TARGET_SEARCH_P95_MS:g} ms: "
            f"warm **{'met' if page.met else 'not met'}**, cold **{'met' if cold.met else 'not met'}**."
        )
    return out


def write_results(
    *,
    header: str,
    command: str,
    machine: str,
    lines: list[list[str]],
    notes_: list[str],
    seed_note: str,
) -> None:
    start, end = "<!-- bench/library.py: start -->", "<!-- bench/library.py: end -->"
    section = "\n".join([
        start, f"## {header}", "", f"Command: `{command}`", "", f"Machine: {machine}.", "", seed_note, "",
        "Measured in-process with `django.test.Client` (no network, no WSGI server), DEBUG off, manifest "
        "static files, Redis cache. *rate ratio* is a page's requests per second divided by the trivial "
        "view's in the same run; *p95 ratio* is its 95th-percentile latency divided by the trivial view's. "
        "Search is accent-insensitive full text (PostgreSQL `simple` tsvector with a GIN index, prefix "
        "match, ranked) over title, authors, topics, places, summary and the text extracted from files. "
        "Each page also shows six facets counted under the query: they and the total are counted in one "
        "statement over the matched set; the counts and the ranked ids of each page are cached until "
        "the library changes (at most 10 minutes). *page cold* invalidates that cache before every "
        "request: what the first visitor after a change waits for. SQL is the number of queries of "
        "one call. The machine is shared: the p95 column moves with other load, the rate ratios less.",
        "", markdown_table(lines, left=(0, 8, 9)), "", "### Reading", "", *notes_, end,
    ])  # fmt: skip
    write_section(RESULTS, start, end, section)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=50_000, help="published resources to seed")
    parser.add_argument(
        "--reseed", action="store_true", help="seed again even if the rows are there"
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring window per line")
    parser.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    args = parser.parse_args()

    began = time.perf_counter()
    configure_common(database_url=DEFAULT_DATABASE_URL, redis_url=DEFAULT_REDIS_URL)
    create_database_if_missing(os.environ["DATABASE_URL"])
    setup_django(
        static_root=OUT / "static-library", collect="missing", migrate=True, bench_storage=True
    )

    seeded, timings = ensure_seeded(args.rows, reseed=args.reseed)
    for step, seconds in timings.items():
        print(f"  {step}: {seconds:.1f} s")

    rows = measure(args)
    lines = table(rows)
    print()
    print_table(lines)
    notes_ = notes(rows)
    print()
    print("\n".join(notes_))

    total = time.perf_counter() - began
    command = command_line("library.py", urls=True)
    if seeded:
        seed_note = f"Seeded in this run ({', '.join(f'{k} {v:.1f} s' for k, v in timings.items())}); whole run {total:.0f} s."
    else:
        seed_note = f"Seed already in place (re-seeding skipped); whole run {total:.0f} s."
    header = f"Library search at {args.rows:,} resources ({datetime.date.today().isoformat()})"
    if not args.no_write:
        write_results(
            header=header,
            command=command,
            machine=machine_description(),
            lines=lines,
            notes_=notes_,
            seed_note=seed_note,
        )
        print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    print(f"total {total:.0f} s")


if __name__ == "__main__":
    main()
