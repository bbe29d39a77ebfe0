"""Registry benchmark: the directory and its search at N published initiatives, on PostgreSQL and Redis.

    .venv/bin/python bench/registry.py [--rows 100000] [--reseed] [--explain] [--profile URL]

Seeds a dedicated database (created when missing; re-seeding is skipped when it already holds N
published initiatives), then measures in-process with django.test.Client, so no network or server
is involved. Every page figure is a ratio to a trivial view measured in the same run, through the
same middleware. Prints a table and writes it to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import gc
import os
import pstats
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
    member_client,
    page_fetcher,
    paired,
    percentile,
    print_table,
    rate,
    run_for,
    setup_django,
    write_section,
)
from common import configure_environment as configure_common

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "RESULTS.md"
OUT = BENCH / "out"  # ignored by git: collected static files
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/iapt_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
BATCH = 5_000
SEED = 20261126

TRIVIAL = "/bench/trivial/"
FRAME = "/bench/frame/"
DIRECTORY = "/initiatives/"
FILTERED = "/initiatives/?country=EC&sector=logistics"
SEARCH_TERMS = [("common", "cluster"), ("rare", "xilofono"), ("zero-hit", "qwertyzz")]
RARE_WORDS = ["xilófono", "ñandutí", "zampoña"]  # each planted in exactly RARE_ROWS descriptions
RARE_ROWS = 5

# Targets of the brief: a warm unfiltered directory at a quarter of the trivial view's rate at
# least, and a search answered in 15 ms at the 95th percentile.
TARGET_UNFILTERED_RATIO = 0.25
TARGET_SEARCH_P95_MS = 15.0


# --- Seeding ----------------------------------------------------------------------------------------

# country: (weight, language, [(territory, city), ...])
PLACES: dict[str, tuple[float, str, list[tuple[str, str]]]] = {
    "AR": (
        8,
        "es",
        [
            ("Buenos Aires", "La Plata"),
            ("Córdoba", "Córdoba"),
            ("Santa Fe", "Rosario"),
            ("Mendoza", "Mendoza"),
            ("Tucumán", "San Miguel de Tucumán"),
            ("Neuquén", "Neuquén"),
        ],
    ),
    "BO": (
        2,
        "es",
        [
            ("La Paz", "El Alto"),
            ("Santa Cruz", "Santa Cruz de la Sierra"),
            ("Cochabamba", "Cochabamba"),
        ],
    ),
    "BR": (
        18,
        "pt-br",
        [
            ("São Paulo", "Campinas"),
            ("Minas Gerais", "Belo Horizonte"),
            ("Santa Catarina", "Joinville"),
            ("Pernambuco", "Recife"),
            ("Ceará", "Fortaleza"),
            ("Rio Grande do Sul", "Caxias do Sul"),
            ("Amazonas", "Manaus"),
            ("Paraná", "Curitiba"),
            ("Bahia", "Salvador"),
            ("Goiás", "Goiânia"),
        ],
    ),
    "CL": (
        7,
        "es",
        [
            ("Antofagasta", "Antofagasta"),
            ("Biobío", "Concepción"),
            ("Los Lagos", "Puerto Montt"),
            ("Valparaíso", "Valparaíso"),
            ("Maule", "Talca"),
            ("Metropolitana", "Santiago"),
        ],
    ),
    "CO": (
        10,
        "es",
        [
            ("Antioquia", "Medellín"),
            ("Valle del Cauca", "Cali"),
            ("Atlántico", "Barranquilla"),
            ("Huila", "Neiva"),
            ("Santander", "Bucaramanga"),
            ("Caldas", "Manizales"),
            ("Bogotá", "Bogotá"),
        ],
    ),
    "CR": (
        2,
        "es",
        [("San José", "San José"), ("Alajuela", "Alajuela"), ("Guanacaste", "Liberia")],
    ),
    "CU": (1, "es", [("La Habana", "La Habana"), ("Santiago de Cuba", "Santiago de Cuba")]),
    "DO": (
        2,
        "es",
        [
            ("Santiago", "Santiago de los Caballeros"),
            ("Distrito Nacional", "Santo Domingo"),
            ("La Altagracia", "Higüey"),
        ],
    ),
    "EC": (
        5,
        "es",
        [
            ("Guayas", "Guayaquil"),
            ("Pichincha", "Quito"),
            ("Azuay", "Cuenca"),
            ("Manabí", "Manta"),
            ("Esmeraldas", "Esmeraldas"),
            ("Loja", "Loja"),
        ],
    ),
    "SV": (1.5, "es", [("San Salvador", "San Salvador"), ("Santa Ana", "Santa Ana")]),
    "GT": (2, "es", [("Guatemala", "Ciudad de Guatemala"), ("Quetzaltenango", "Quetzaltenango")]),
    "HN": (1.5, "es", [("Cortés", "San Pedro Sula"), ("Francisco Morazán", "Tegucigalpa")]),
    "MX": (
        15,
        "es",
        [
            ("Jalisco", "Guadalajara"),
            ("Nuevo León", "Monterrey"),
            ("Querétaro", "Querétaro"),
            ("Michoacán", "Uruapan"),
            ("Puebla", "Puebla"),
            ("Yucatán", "Mérida"),
            ("Chihuahua", "Ciudad Juárez"),
            ("Guanajuato", "León"),
        ],
    ),
    "NI": (1, "es", [("Managua", "Managua"), ("León", "León")]),
    "PA": (1.5, "es", [("Panamá", "Ciudad de Panamá"), ("Colón", "Colón")]),
    "PY": (2, "es", [("Central", "Asunción"), ("Alto Paraná", "Ciudad del Este")]),
    "PE": (
        7,
        "es",
        [
            ("Lima", "Lima"),
            ("Arequipa", "Arequipa"),
            ("La Libertad", "Trujillo"),
            ("Cusco", "Cusco"),
            ("Piura", "Piura"),
        ],
    ),
    "UY": (
        2,
        "es",
        [("Montevideo", "Montevideo"), ("Canelones", "Las Piedras"), ("Paysandú", "Paysandú")],
    ),
    "VE": (
        2,
        "es",
        [("Zulia", "Maracaibo"), ("Carabobo", "Valencia"), ("Distrito Capital", "Caracas")],
    ),
    "AG": (0.4, "en", [("Saint John", "St. John's")]),
    "BS": (0.4, "en", [("New Providence", "Nassau")]),
    "BB": (0.5, "en", [("Saint Michael", "Bridgetown")]),
    "BZ": (0.4, "en", [("Belize", "Belize City")]),
    "DM": (0.3, "en", [("Saint George", "Roseau")]),
    "GD": (0.3, "en", [("Saint George", "St. George's")]),
    "GY": (0.4, "en", [("Demerara-Mahaica", "Georgetown")]),
    "HT": (0.5, "en", [("Ouest", "Port-au-Prince")]),
    "JM": (1, "en", [("St. James", "Montego Bay"), ("Kingston", "Kingston")]),
    "KN": (0.3, "en", [("Saint George Basseterre", "Basseterre")]),
    "LC": (0.3, "en", [("Castries", "Castries")]),
    "VC": (0.3, "en", [("Saint George", "Kingstown")]),
    "SR": (0.4, "en", [("Paramaribo", "Paramaribo")]),
    "TT": (1, "en", [("Port of Spain", "Port of Spain"), ("San Fernando", "San Fernando")]),
}

# sector slug: (Spanish, Portuguese, English) words for names
SECTOR_WORDS = {
    "agrifood": ("Agroalimentario", "Agroalimentar", "Agrifood"),
    "tourism": ("de Turismo", "de Turismo", "Tourism"),
    "software-it": ("de Software", "de Software", "Software"),
    "creative-industries": ("de Industrias Creativas", "de Economia Criativa", "Creative"),
    "logistics": ("Logístico", "Logístico", "Logistics"),
    "metalworking": ("Metalmecánico", "Metalmecânico", "Metalworking"),
    "health": ("de Salud", "da Saúde", "Health"),
    "energy": ("Energético", "de Energia", "Energy"),
    "mining-services": ("Minero", "de Mineração", "Mining"),
    "textiles-apparel": ("Textil", "Têxtil", "Apparel"),
    "education": ("Educativo", "de Educação", "Education"),
    "forestry-wood": ("Forestal y de la Madera", "Moveleiro", "Forestry"),
    "fisheries-aquaculture": ("Acuícola", "Aquícola", "Aquaculture"),
    "automotive": ("Automotriz", "Automotivo", "Automotive"),
    "chemicals-plastics": ("Químico", "Químico", "Chemicals"),
    "construction": ("de la Construcción", "da Construção", "Construction"),
    "coffee-cocoa": ("del Café", "do Café", "Coffee"),
    "wine": ("Vitivinícola", "Vitivinícola", "Wine"),
}
KINDS = {  # kind: (weight, {language: prefixes})
    "cluster": (
        50,
        {
            "es": ["Clúster", "Cluster", "Conglomerado"],
            "pt-br": ["Cluster", "APL", "Arranjo Produtivo"],
            "en": ["Cluster"],
        },
    ),
    "network": (
        15,
        {
            "es": ["Red", "Alianza", "Mesa"],
            "pt-br": ["Rede", "Aliança"],
            "en": ["Network", "Alliance"],
        },
    ),
    "value_chain": (
        12,
        {
            "es": ["Ruta Competitiva", "Cadena de Valor", "Programa de Proveedores"],
            "pt-br": ["Cadeia de Valor", "Programa de Fornecedores"],
            "en": ["Value Chain", "Supplier Programme"],
        },
    ),
    "agenda": (
        8,
        {
            "es": ["Agenda Territorial", "Agenda de Desarrollo"],
            "pt-br": ["Agenda Territorial"],
            "en": ["Development Agenda"],
        },
    ),
    "park": (
        7,
        {
            "es": ["Parque Tecnológico", "Polo de Innovación"],
            "pt-br": ["Parque Tecnológico", "Polo de Inovação"],
            "en": ["Technology Park", "Innovation Hub"],
        },
    ),
    "other": (
        8,
        {
            "es": ["Iniciativa", "Consorcio", "Plataforma"],
            "pt-br": ["Iniciativa", "Consórcio"],
            "en": ["Initiative", "Consortium"],
        },
    ),
}
QUALIFIERS = {
    "es": [
        "",
        "",
        "",
        "Sostenible",
        "Innovador",
        "del Pacífico",
        "Andino",
        "Caribeño",
        "Amazónico",
        "Exportador",
    ],
    "pt-br": ["", "", "", "Sustentável", "Inovador", "do Nordeste", "Amazônico", "Exportador"],
    "en": ["", "", "", "Sustainable", "Innovation", "Export"],
}
SENTENCES = {
    "es": [
        "Articula a {n} empresas, universidades y gobierno local en torno a {topic}.",
        "Impulsa la innovación, la exportación y la formación de talento en {territory}.",
        "Trabaja en sostenibilidad, economía circular y transformación digital.",
        "Coordina proyectos de mejora competitiva con apoyo de la cooperación internacional.",
        "Promueve encadenamientos productivos con proveedores locales y compras públicas.",
        "Nació como una mesa de trabajo entre cámaras empresariales y la alcaldía de {city}.",
        "El clúster ofrece diagnósticos, misiones comerciales y capacitación técnica.",
    ],
    "pt-br": [
        "Articula {n} empresas, universidades e governo local em torno de {topic}.",
        "Promove inovação, exportação e formação de talentos em {territory}.",
        "Atua em sustentabilidade, economia circular e transformação digital.",
        "Coordena projetos de melhoria competitiva com apoio da cooperação internacional.",
        "O arranjo produtivo oferece consultorias, missões comerciais e capacitação técnica.",
    ],
    "en": [
        "Brings together {n} firms, universities and local government around {topic}.",
        "Supports innovation, exports and skills in {territory}.",
        "Works on sustainability, the circular economy and digital transformation.",
        "The cluster offers diagnostics, trade missions and technical training.",
    ],
}
SERVICES = [
    "Capacitación",
    "Misiones comerciales",
    "Vigilancia tecnológica",
    "Compras conjuntas",
    "Certificación",
    "Consultoría",
    "Acceso a financiamiento",
    "Ferias",
]
LINES = [
    "Innovación",
    "Internacionalización",
    "Talento humano",
    "Sostenibilidad",
    "Transformación digital",
    "Encadenamientos",
]
ORGANISATIONS = [
    "Cámara de Comercio de {city}",
    "Fundación {city} Competitiva",
    "Associação Comercial de {city}",
    "Agencia de Desarrollo de {territory}",
    "Universidad de {city}",
]
CONTACTS = [
    "Ana Pérez",
    "João Silva",
    "María Fernández",
    "Luis Gómez",
    "Camila Rojas",
    "Pedro Araújo",
    "Sofía Martínez",
]
VECTOR_SQL = (
    "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')"
    " || setweight(to_tsvector('simple', %s), 'C')"
)
RARE_SENTENCE = {
    "xilófono": "Cada año organiza un festival de xilófono.",
    "ñandutí": "Apoya a las tejedoras de ñandutí.",
    "zampoña": "Fabrica zampoña y otros instrumentos andinos.",
}


def seed(rows: int, *, append: bool = False) -> dict[str, float]:
    """Insert `rows` published initiatives in batches, with their sectors and search columns.

    With `append` (bench/scale.py, on top of seed_demo), nothing is truncated: the taxonomy's
    sectors and the programmes already there are reused and the new slugs end in "-b<n>"."""
    from django.contrib.postgres.search import SearchVectorField
    from django.db import connection, transaction
    from django.db.models.expressions import RawSQL
    from django.utils import timezone, translation
    from django.utils.text import slugify
    from django_countries import countries

    from iapt_platform.lib import search
    from iapt_platform.lib.regions import COUNTRIES
    from initiatives import demo
    from initiatives.models import Initiative, Programme, Sector

    timings: dict[str, float] = {}
    rng = random.Random(SEED)
    started = time.perf_counter()
    if not append:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE initiatives_initiative_sectors, initiatives_initiative,"
                " initiatives_programme, initiatives_sector, initiatives_historicalinitiative"
                " RESTART IDENTITY CASCADE"
            )
    sectors = [
        Sector(
            slug=slug, isic_code=isic, name=es, name_es=es, name_en=en, name_pt_br=pt, order=order
        )
        for order, (slug, isic, es, en, pt) in enumerate(demo.SECTORS)
    ]
    if append:
        Sector.objects.bulk_create(sectors, ignore_conflicts=True)
        wanted = [s.slug for s in sectors]
        sectors = sorted(Sector.objects.filter(slug__in=wanted), key=lambda s: wanted.index(s.slug))
    else:
        sectors = Sector.objects.bulk_create(sectors)
    # What search_text() reads: the sector names in three languages, in the taxonomy's order.
    sector_names = {s.pk: " ".join([s.name_es, s.name_en, s.name_pt_br]) for s in sectors}
    sector_order = {s.pk: (s.order, s.name) for s in sectors}
    country_names = {}
    for code in COUNTRIES:
        names = []
        for language in ("es", "en", "pt-br"):
            with translation.override(language):
                names.append(str(countries.name(code)))
        country_names[code] = " ".join(names)

    programmes = []
    for code, (weight, _language, places) in PLACES.items():
        if weight < 1.5:
            continue
        name = str(countries.name(code))
        programmes.append(
            Programme(
                slug=f"pn-{code.lower()}",
                name=f"Programa Nacional de Clústeres de {name}",
                acronym=f"PNC{code}",
                kind="national",
                country=code,
            )
        )
        for territory, city in places[:3]:
            programmes.append(
                Programme(
                    slug=slugify(f"ad-{code}-{city}"),
                    name=f"Agencia de Desarrollo de {territory}",
                    kind="agency",
                    country=code,
                )
            )
    if append:
        Programme.objects.bulk_create(programmes, ignore_conflicts=True)
        programmes = list(Programme.objects.filter(slug__in=[p.slug for p in programmes]))
    else:
        programmes = Programme.objects.bulk_create(programmes)
    suffix = "b" if append else ""
    programmes_by_country: dict[str, list] = {}
    for programme in programmes:
        programmes_by_country.setdefault(programme.country.code, []).append(programme)

    codes = [c for c in PLACES if c in COUNTRIES]
    weights = [PLACES[c][0] for c in codes]
    kinds = list(KINDS)
    kind_weights = [KINDS[k][0] for k in kinds]
    stages = [s for s, _ in Initiative.Stage.choices] + [""]
    legal_forms = [f for f, _ in Initiative.LegalForm.choices] + ["", ""]
    funding = [f for f, _ in Initiative.FUNDING_SOURCES]
    topics = [t for t, _ in Initiative.DIGITAL_TOPICS]
    rare_rows = {}
    for word in RARE_WORDS:
        for index in rng.sample(range(rows), RARE_ROWS):
            rare_rows.setdefault(index, []).append(word)
    now = timezone.now()
    through = Initiative.sectors.through
    timings["setup"] = time.perf_counter() - started
    python_seconds = insert_seconds = 0.0

    # Hundreds of thousands of short-lived objects per batch: the cyclic collector would rescan
    # them again and again for nothing.
    gc.disable()
    with transaction.atomic():
        for start in range(0, rows, BATCH):
            t0 = time.perf_counter()
            objects, object_sectors = [], []
            for index in range(start, min(start + BATCH, rows)):
                code = rng.choices(codes, weights)[0]
                _weight, language, places = PLACES[code]
                territory, city = rng.choice(places)
                kind = rng.choices(kinds, kind_weights)[0]
                chosen = rng.sample(sectors, rng.choice((1, 1, 2, 2, 3)))
                main = chosen[0]
                word = SECTOR_WORDS.get(main.slug, (main.name_es, main.name_pt_br, main.name_en))
                prefix = rng.choice(KINDS[kind][1][language])
                qualifier = rng.choice(QUALIFIERS[language])
                if language == "en":
                    name = " ".join(p for p in (city, word[2], qualifier, prefix) if p)
                else:
                    sector_word = word[0] if language == "es" else word[1]
                    name = " ".join(p for p in (prefix, sector_word, qualifier, "de", city) if p)
                topic = (
                    main.name_es
                    if language == "es"
                    else main.name_pt_br
                    if language == "pt-br"
                    else main.name_en
                ).lower()
                sentences = rng.sample(SENTENCES[language], 3)
                description = " ".join(sentences).format(
                    n=rng.randint(8, 400), topic=topic, territory=territory, city=city
                )
                for rare in rare_rows.get(index, []):
                    description += " " + RARE_SENTENCE[rare]
                acronym = (
                    "".join(w[0] for w in name.split() if w[0].isupper())[:6]
                    if rng.random() < 0.3
                    else ""
                )
                programme = None
                if rng.random() < 0.35 and code in programmes_by_country:
                    programme = rng.choice(programmes_by_country[code])
                digital = rng.random() < 0.2
                published = now - datetime.timedelta(
                    days=rng.randint(0, 2000), seconds=rng.randint(0, 86_400)
                )
                value_chain = f"{topic} de {territory}" if rng.random() < 0.4 else ""
                organisation = rng.choice(ORGANISATIONS).format(city=city, territory=territory)
                services = ", ".join(rng.sample(SERVICES, 3))
                lines = ", ".join(rng.sample(LINES, 2))
                # The same three weighted parts as services.search_text() and initiative_refresh_search().
                ordered = sorted(chosen, key=lambda s: sector_order[s.pk])
                part_a = search.normalise(f"{name} {acronym}")
                part_b = search.normalise(
                    " ".join(
                        [
                            city,
                            territory,
                            country_names[code],
                            *(sector_names[s.pk] for s in ordered),
                            value_chain,
                        ]
                    )
                )
                part_c = search.normalise(
                    " ".join(
                        [
                            description,
                            organisation,
                            programme.name if programme else "",
                            programme.acronym if programme else "",
                            services,
                            lines,
                        ]
                    )
                )
                objects.append(
                    Initiative(
                        slug=f"{slugify(name)[:140]}-{suffix}{index + 1}",
                        name=name,
                        acronym=acronym,
                        kind=kind,
                        website=f"https://{slugify(city)}-{index + 1}.example.org"
                        if rng.random() < 0.6
                        else "",
                        country=code,
                        territory=territory,
                        city=city,
                        value_chain=value_chain,
                        year_founded=rng.randint(1990, 2025) if rng.random() < 0.85 else None,
                        stage=rng.choice(stages),
                        programme=programme,
                        digital_focus=digital,
                        digital_topics=rng.sample(topics, rng.randint(1, 3)) if digital else [],
                        managing_organisation=organisation,
                        legal_form=rng.choice(legal_forms),
                        members_micro_small_firms=rng.randint(5, 300)
                        if rng.random() < 0.7
                        else None,
                        members_medium_firms=rng.randint(0, 60) if rng.random() < 0.6 else None,
                        members_large_firms=rng.randint(0, 20) if rng.random() < 0.6 else None,
                        funding_sources=rng.sample(funding, rng.randint(1, 3)),
                        services_offered=services,
                        strategic_lines=lines,
                        description=description,
                        description_language=language,
                        contact_name=rng.choice(CONTACTS),
                        contact_email=f"contacto{index + 1}@example.org",
                        status=Initiative.Status.PUBLISHED,
                        created_at=published - datetime.timedelta(days=rng.randint(1, 90)),
                        published_at=published,
                        last_verified_at=published,
                        search_document=" ".join([part_a, part_b, part_c]),
                        # The INSERT builds the vector; RawSQL costs Django far less per row than
                        # the SearchVector expressions initiative_refresh_search() uses (measured:
                        # 2.0 s against 9 s per batch), for the same value (see check_seed()).
                        search_vector=RawSQL(  # noqa: S611 (a constant SQL template, values as params)
                            VECTOR_SQL, (part_a, part_b, part_c), output_field=SearchVectorField()
                        ),
                    )
                )
                object_sectors.append(chosen)
            t1 = time.perf_counter()
            created = Initiative.objects.bulk_create(objects)
            through.objects.bulk_create(
                [
                    through(initiative_id=obj.pk, sector_id=sector.pk)
                    for obj, chosen in zip(created, object_sectors, strict=True)
                    for sector in chosen
                ]
            )
            t2 = time.perf_counter()
            python_seconds += t1 - t0
            insert_seconds += t2 - t1
            print(f"  seeded {min(start + BATCH, rows):>7,} rows", end="\r", flush=True)
    gc.enable()
    print()
    timings["build rows in Python (incl. normalise)"] = python_seconds
    timings["bulk_create (rows, vectors, sectors)"] = insert_seconds
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for table in (
            "initiatives_initiative",
            "initiatives_initiative_sectors",
            "initiatives_sector",
            "initiatives_programme",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    timings["VACUUM ANALYZE"] = time.perf_counter() - t0
    return timings


def check_seed(rows: int) -> None:
    """The seeded search columns are what the application itself would store."""
    from django.contrib.postgres.search import SearchVector
    from django.db.models import Value

    from initiatives import services
    from initiatives.models import Initiative

    sample = Initiative.objects.published().order_by("?")[:25]
    for initiative in sample:
        parts = services.search_text(initiative)
        expected = " ".join(parts.values())
        if initiative.search_document != expected:
            raise SystemExit(
                f"seeded search_document of {initiative.slug} differs from search_text():\n"
                f"  seeded:   {initiative.search_document!r}\n  expected: {expected!r}"
            )
        # The vector initiative_refresh_search() would store, computed by PostgreSQL.
        vector = (
            SearchVector(Value(parts["A"]), weight="A", config="simple")
            + SearchVector(Value(parts["B"]), weight="B", config="simple")
            + SearchVector(Value(parts["C"]), weight="C", config="simple")
        )
        seeded, wanted = (
            Initiative.objects.filter(pk=initiative.pk)
            .annotate(expected=vector)
            .values_list("search_vector", "expected")
            .get()
        )
        if seeded != wanted:
            raise SystemExit(
                f"seeded search_vector of {initiative.slug} differs from the application's"
            )


def ensure_seeded(rows: int, *, reseed: bool) -> tuple[bool, dict[str, float]]:
    from initiatives.models import Initiative, Sector
    from initiatives.selectors import registry_changed

    published = Initiative.objects.published().count()
    if published == rows and Sector.objects.exists() and not reseed:
        print(f"{rows:,} published initiatives already seeded: skipping (--reseed to force)")
        return False, {}
    print(f"seeding {rows:,} initiatives (found {published:,})")
    timings = seed(rows)
    check_seed(rows)
    # The seeder writes around the signals: the derived listings are rebuilt as the sweep does.
    from initiatives import services

    t0 = time.perf_counter()
    services.sector_listings_rebuild()
    services.search_listings_rebuild()
    timings["listings (related, search)"] = time.perf_counter() - t0
    registry_changed()  # the application's own invalidation of the cached counts
    return True, timings


# --- Measuring ------------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    rps: float | None = None
    ratio: float | None = None
    p50: float | None = None
    p95: float | None = None
    n: int = 0
    queries: int | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""


def latency_row(label: str, latencies: list[float], **extra) -> Row:
    return Row(
        label=label,
        p50=percentile(latencies, 50) * 1000,
        p95=percentile(latencies, 95) * 1000,
        n=len(latencies),
        **extra,
    )


def explain(label: str, captured: list[dict], *, top: int = 3) -> None:
    """Every query of one measured call with its duration, then EXPLAIN ANALYZE of the slowest."""
    from django.db import connection

    total = sum(q["seconds"] for q in captured) * 1000
    print(f"\n=== {label}: {len(captured)} queries, {total:.1f} ms in the database ===")
    for q in captured:
        print(f"  {q['seconds'] * 1000:8.2f} ms  {' '.join(q['sql'].split())[:150]}")
    for query in sorted(captured, key=lambda q: q["seconds"], reverse=True)[:top]:
        if query["seconds"] < 0.002 or not query["sql"].lstrip().upper().startswith("SELECT"):
            continue
        params = tuple(str(p) for p in query["params"] or ())
        print(f"\n--- {query['seconds'] * 1000:.1f} ms\n{query['sql']}\n{params}\n")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"], query["params"])
            print("\n".join(r[0] for r in cursor.fetchall()))


def measure(args: argparse.Namespace) -> tuple[list[Row], dict[str, list[dict]]]:
    """Every row of the table, and the queries of one uncached call of each page (for --explain)."""
    from django.db import connection
    from django.http import QueryDict
    from django.test import Client

    from initiatives.models import Initiative
    from initiatives.selectors import initiative_directory, registry_changed

    client = Client()
    rows: list[Row] = []
    plans: dict[str, list[dict]] = {}

    def get(url: str) -> Callable[[], object]:
        return page_fetcher(client, url)

    def selector(query: str) -> Callable[[], object]:
        def call():
            directory = initiative_directory(QueryDict(query), page_number=None)
            found = list(directory.page.object_list)
            return found, directory.page.paginator.count, directory.facets

        return call

    def uncached(fn: Callable[[], object]) -> Callable[[], object]:
        # The application's own invalidation (as after an approval): every cached count, page
        # of ids and facet set of the directory is recomputed by the next call.
        def call():
            registry_changed()
            return fn()

        return call

    trivial = get(TRIVIAL)

    signed_in = member_client()

    def member_get(url: str) -> Callable[[], object]:
        return page_fetcher(signed_in, url)

    def page_row(
        label: str, fetch: Callable[[], object], *, seconds: float, minimum: int = 1
    ) -> Row:
        lat, base = paired(fetch, trivial, seconds=seconds, minimum=minimum)
        baseline = rate(base)
        return latency_row(
            label,
            lat,
            rps=rate(lat),
            ratio=rate(lat) / baseline,
            queries=count_queries(fetch)[0],
            note=f"paired baseline {baseline:,.0f} req/s",
        )

    # Context: one database round trip.
    with connection.cursor() as cursor:

        def select_one():
            cursor.execute("SELECT 1")
            cursor.fetchone()

        lat = run_for(select_one, seconds=1.0, warmup=50)
    rows.append(latency_row("SQL `SELECT 1` round trip", lat, rps=rate(lat)))

    cpu0, wall0 = time.process_time(), time.perf_counter()
    lat = run_for(trivial, seconds=args.seconds, warmup=100)
    cpu_share = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    # The trivial view needs no database: below ~90 % of a core, other processes were competing.
    rows.append(
        latency_row(
            "baseline: trivial view",
            lat,
            rps=rate(lat),
            ratio=1.0,
            queries=count_queries(trivial)[0],
            note=f"this process had {cpu_share:.0%} of a core",
        )
    )
    frame = get(FRAME)
    for _ in range(20):
        frame()
    row = page_row("site frame: base.html, no content", frame, seconds=args.seconds)
    row.note += "; context only"
    rows.append(row)

    for label, url, cold_minimum in (
        ("directory, unfiltered", DIRECTORY, 5),
        ("directory, ?country=EC&sector=logistics", FILTERED, 10),
    ):
        fetch = get(url)
        for _ in range(5):
            fetch()  # fills the cache: the common case is a warm cache
        row = page_row(f"{label}, warm cache", fetch, seconds=args.seconds)
        if url == DIRECTORY:
            row.target = f"ratio >= {TARGET_UNFILTERED_RATIO:g}"
            row.met = row.ratio >= TARGET_UNFILTERED_RATIO
        rows.append(row)
        if url == DIRECTORY:
            rows.append(
                page_row(f"{label}, signed in, warm", member_get(url), seconds=args.seconds)
            )
        # Right after a change to the registry, the first visitor computes what is cached.
        lat = run_for(uncached(fetch), seconds=1.0, minimum=cold_minimum, cap=20.0)
        n, plans[f"{label}, uncached"] = count_queries(uncached(fetch))
        rows.append(latency_row(f"{label}, uncached (after a change)", lat, queries=n))

    expected_rare = Initiative.objects.published().filter(description__contains="xilófono").count()
    for kind, term in SEARCH_TERMS:
        call = selector(f"q={term}")
        found = call()[1]
        if kind == "rare" and found != expected_rare:
            raise SystemExit(f"q={term} found {found} initiatives, {expected_rare} were planted")
        if kind == "zero-hit" and found:
            raise SystemExit(f"q={term} found {found} initiatives, expected none")
        fetch = get(f"{DIRECTORY}?q={term}")
        for _ in range(3):
            fetch()
        search_rows = [
            latency_row(
                f"search selector, {kind} q={term} ({found:,} hits), warm",
                run_for(call, seconds=args.search_seconds, warmup=3, minimum=30),
                queries=count_queries(call)[0],
            ),
            page_row(
                f"search page, {kind} q={term}, warm",
                fetch,
                seconds=args.search_seconds,
                minimum=30,
            ),
        ]
        lat = run_for(uncached(call), seconds=args.search_seconds, warmup=1, minimum=10, cap=20.0)
        n, plans[f"search, {kind} q={term}, uncached"] = count_queries(uncached(call))
        search_rows.append(
            latency_row(f"search selector, {kind} q={term}, uncached", lat, queries=n)
        )
        lat = run_for(uncached(fetch), seconds=args.search_seconds, minimum=10, cap=20.0)
        search_rows.append(
            latency_row(
                f"search page, {kind} q={term}, uncached",
                lat,
                queries=count_queries(uncached(fetch))[0],
            )
        )
        for row in search_rows:
            row.target = f"p95 <= {TARGET_SEARCH_P95_MS:g} ms"
            row.met = row.p95 <= TARGET_SEARCH_P95_MS
        rows += search_rows
    return rows, plans


def profile(url: str, repeat: int = 30) -> None:
    from django.test import Client

    client = Client()
    client.get(url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        client.get(url)
    profiler.disable()
    print(f"\n=== cProfile of {repeat} x GET {url} (warm cache) ===")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(40)
    print("=== by own time ===")
    stats.sort_stats("tottime").print_stats(25)


# --- Reporting ------------------------------------------------------------------------------------


def table(rows: list[Row]) -> list[list[str]]:
    header = [
        "measurement",
        "req/s",
        "ratio",
        "p50 ms",
        "p95 ms",
        "n",
        "SQL",
        "target",
        "met",
        "note",
    ]
    lines = [header]
    for r in rows:
        lines.append(
            [
                r.label,
                fmt(r.rps, ",.0f"),
                fmt(r.ratio, ".3f"),
                fmt(r.p50, ".2f"),
                fmt(r.p95, ".2f"),
                str(r.n),
                "" if r.queries is None else str(r.queries),
                r.target,
                "" if r.met is None else ("met" if r.met else "NOT MET"),
                r.note,
            ]
        )
    return lines


def interpretation(rows: list[Row]) -> list[str]:
    def find(prefix: str) -> Row:
        return next(r for r in rows if r.label.startswith(prefix))

    unfiltered = find("directory, unfiltered, warm")
    frame = find("site frame")
    notes = [
        f"- Unfiltered directory, warm cache: {unfiltered.ratio:.3f} of the trivial view's rate "
        f"(target >= {TARGET_UNFILTERED_RATIO:g}): **{'met' if unfiltered.met else 'not met'}**. "
        f"For scale, the site frame alone (base.html with no content) runs at {frame.ratio:.3f}.",
    ]
    for kind, term in SEARCH_TERMS:
        cold = find(f"search selector, {kind} q={term}, uncached")
        warm = find(f"search selector, {kind} q={term} ")
        cold_page = find(f"search page, {kind} q={term}, uncached")
        warm_page = find(f"search page, {kind} q={term}, warm")
        notes.append(
            f"- Search q={term} ({kind}), judged on the selector call without the cache (the "
            f"first time a query is asked after any change to the registry): p95 "
            f"{cold.p95:.1f} ms: **{'met' if cold.met else 'not met'}**. Cached: selector "
            f"{warm.p95:.1f} ms ({'met' if warm.met else 'not met'}); full page "
            f"{warm_page.p95:.1f} ms cached, {cold_page.p95:.1f} ms uncached."
        )
    return notes


START = "<!-- bench/registry.py: start -->"
END = "<!-- bench/registry.py: end -->"


def write_results(
    *,
    header: str,
    command: str,
    machine_text: str,
    lines: list[list[str]],
    notes: list[str],
    seed_note: str,
) -> None:
    """Replace this script's section of RESULTS.md (the other scripts' sections stay)."""
    section = "\n".join(
        [
            START,
            f"## {header}",
            "",
            f"Command: `{command}`",
            "",
            f"Machine: {machine_text}.",
            "",
            seed_note,
            "",
            "Measured in-process with `django.test.Client` (no network, no WSGI server), DEBUG off, "
            "manifest static files, Redis cache. *req/s* is the mean over the measuring window; "
            "*ratio* is a page's rate divided by the trivial view's rate measured in alternating "
            "windows of the same run (*paired baseline*; the trivial view runs the same middleware). "
            "*Warm* repeats one request whose counts, page of ids and facets are cached; for a "
            "visitor who is not signed in, a directory page without free text is kept whole too "
            "(one copy per address, language and time zone, with the visitor's own CSRF token put "
            "in on each hit), while search pages are always rendered; *signed in* is a member, "
            "whose page is always rendered (counts, ids and facets still cached). "
            "*uncached* invalidates the cache before each call as a change to the registry does. "
            "*SQL* is the number of queries of one such request.",
            "",
            markdown_table(lines, left=(0, 7, 8, 9)),
            "",
            "### Targets",
            "",
            *notes,
            END,
        ]
    )
    write_section(RESULTS, START, END, section)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000, help="published initiatives to seed")
    parser.add_argument("--reseed", action="store_true", help="seed even if the rows are there")
    parser.add_argument("--seed-only", action="store_true", help="seed (if needed) and stop")
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring window per page")
    parser.add_argument("--search-seconds", type=float, default=2.0, help="window per search")
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE the slowest uncached queries"
    )
    parser.add_argument(
        "--profile",
        metavar="URL",
        help="cProfile 30 requests to URL (e.g. /initiatives/?q=cluster)",
    )
    parser.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    args = parser.parse_args()

    began = time.perf_counter()
    configure_common(database_url=DEFAULT_DATABASE_URL, redis_url=DEFAULT_REDIS_URL)
    create_database_if_missing(os.environ["DATABASE_URL"])
    setup_django(static_root=OUT / "static", migrate=True)

    seeded, timings = ensure_seeded(args.rows, reseed=args.reseed)
    for step, seconds in timings.items():
        print(f"  {step}: {seconds:.1f} s")
    if args.seed_only:
        return
    if args.profile:
        profile(args.profile)
        return

    load_before = os.getloadavg()[0]
    rows, plans = measure(args)
    load_after = os.getloadavg()[0]
    load_text = (
        f"Load average (1 min) {load_before:.1f} before measuring and {load_after:.1f} after, "
        f"on {os.cpu_count()} cores"
    )
    lines = table(rows)
    notes = interpretation(rows)
    print()
    print_table(lines, left=(0, 9))
    print()
    print(load_text)
    print("\n".join(notes))
    if args.explain:
        for label, captured in plans.items():
            explain(label, captured)

    total = time.perf_counter() - began
    command = command_line("registry.py", urls=True)
    if seeded:
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
        seed_note = f"Seeded in this run ({steps}); whole run {total:.0f} s."
    else:
        seed_note = f"Seed already in place (re-seeding skipped); whole run {total:.0f} s."
    if not args.no_write:
        write_results(
            header=f"Registry at {args.rows:,} initiatives ({datetime.date.today().isoformat()})",
            command=command,
            machine_text=f"{machine_description()}. {load_text}",
            lines=lines,
            notes=notes,
            seed_note=seed_note,
        )
        print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    print(f"total {total:.0f} s")


if __name__ == "__main__":
    main()
