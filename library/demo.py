"""Demo library: topics, 46 resources in three languages with real small PDFs, 12 impact
evaluations for the evidence map, two collections and one proposal waiting for review.

The PDFs are written here by hand (one page, Helvetica, WinAnsi text) and processed synchronously
through the service, so that thumbnails exist and search finds the words inside them.
"""

from __future__ import annotations

import importlib
import textwrap
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from iapt_platform.accounts.models import User
from iapt_platform.lib.taxonomy import seed_topics
from initiatives.models import Sector

from . import services
from .models import Collection, CollectionItem, Evidence, Resource, Topic

# The topics are created by a data migration; the seeder restores them after a database flush.
TOPICS = importlib.import_module("library.migrations.0003_topics").TOPICS

T = Resource.Type
# slug, title, language, type, topics, year, authors, publisher, countries, summary, link
RESOURCES: list[tuple[Any, ...]] = [
    (
        "metodologia-financiamiento-clusteres",
        "Metodología para el financiamiento de iniciativas clúster",
        "es",
        T.METHODOLOGY,
        ["financing", "cluster-management"],
        2023,
        ["Rodríguez, Ana María", "Pérez Soto, Luis"],
        "CEPAL",
        ["CL", "CO", "MX"],
        "Pasos para combinar fondos públicos, cuotas de socios y venta de servicios en el presupuesto de una iniciativa clúster.",
        "",
    ),
    (
        "guia-gerentes-cluster",
        "Guía para gerentes de clúster: los primeros cien días",
        "es",
        T.GUIDE,
        ["training-directors", "cluster-management"],
        2022,
        ["Gómez, Carolina"],
        "Red Latinoamericana de Clústeres",
        ["CO", "PE"],
        "Qué hacer en los primeros cien días al frente de una iniciativa: diagnóstico, agenda y gobernanza.",
        "",
    ),
    (
        "cluster-finance-toolkit",
        "Cluster finance toolkit: blending public and private money",
        "en",
        T.GUIDE,
        ["financing"],
        2021,
        ["Smith, John", "Inter-American Development Bank"],
        "Inter-American Development Bank",
        ["JM", "TT", "BB"],
        "A toolkit with templates to budget a cluster initiative and negotiate co-financing with development banks.",
        "",
    ),
    (
        "manual-formacao-gestores",
        "Manual de formação de gestores de APL",
        "pt",
        T.TRAINING,
        ["training-directors"],
        2020,
        ["Souza, Mariana", "Oliveira, Pedro"],
        "SEBRAE",
        ["BR"],
        "Módulos de formação para gestores de arranjos produtivos locais: liderança, governança e projetos coletivos.",
        "",
    ),
    (
        "caso-cluster-aguacate-michoacan",
        "Caso de estudio: el clúster del aguacate de Michoacán",
        "es",
        T.CASE_STUDY,
        ["internationalisation", "cluster-management"],
        2019,
        ["Hernández, Jorge"],
        "Universidad Michoacana",
        ["MX"],
        "Cómo productores y empacadores organizaron la certificación y la exportación a nuevos mercados.",
        "",
    ),
    (
        "software-cordoba-case",
        "The Córdoba software cluster: a case study",
        "en",
        T.CASE_STUDY,
        ["digital-economy", "innovation"],
        2021,
        ["Fernández, Lucía", "Brown, Emily"],
        "CEPAL",
        ["AR"],
        "How firms, the provincial government and universities built a software cluster in Córdoba.",
        "",
    ),
    (
        "politica-cluster-ecuador",
        "Política nacional de clústeres del Ecuador",
        "es",
        T.POLICY,
        ["productive-policy"],
        2023,
        ["Ministerio de Producción, Comercio Exterior, Inversiones y Pesca"],
        "Gobierno del Ecuador",
        ["EC"],
        "El marco de la política nacional que reconoce y acompaña a las iniciativas clúster del Ecuador.",
        "",
    ),
    (
        "plantilla-plan-accion",
        "Plantilla de plan de acción de una iniciativa clúster",
        "es",
        T.TEMPLATE,
        ["cluster-management"],
        2024,
        ["CEPAL"],
        "CEPAL",
        [],
        "Una plantilla editable para el plan de acción anual: líneas estratégicas, proyectos, indicadores y presupuesto.",
        "",
    ),
    (
        "curso-articulacion-productiva",
        "Curso virtual de articulación productiva territorial",
        "es",
        T.COURSE,
        ["training-directors", "productive-policy"],
        2024,
        ["CEPAL"],
        "CEPAL",
        ["CL", "PE", "EC"],
        "Curso en seis módulos para equipos de programas nacionales y gerentes de iniciativas.",
        "https://www.cepal.org/es",
    ),
    (
        "video-digitalizacao-apls",
        "Vídeo: digitalização de arranjos produtivos",
        "pt",
        T.VIDEO,
        ["digital-economy"],
        2023,
        ["Lima, Rafael"],
        "Rede APL Brasil",
        ["BR"],
        "Entrevistas com gestores de APLs sobre plataformas digitais, comércio eletrônico e dados.",
        "https://www.cepal.org/pt-br",
    ),
    (
        "dataset-iniciativas-cluster",
        "Dataset of cluster initiatives in Latin America",
        "en",
        T.DATASET,
        ["cluster-management"],
        2024,
        ["CEPAL"],
        "CEPAL",
        ["AR", "BR", "CL", "CO", "MX", "PE"],
        "A table of registered initiatives with sector, country, year founded and stage.",
        "",
    ),
    (
        "informe-economia-circular",
        "Informe: economía circular en clústeres agroalimentarios",
        "es",
        T.REPORT,
        ["sustainability", "innovation"],
        2022,
        ["Vargas, Daniela", "Torres, Miguel"],
        "FAO",
        ["CR", "GT", "HN"],
        "Experiencias de aprovechamiento de residuos y ahorro de agua en iniciativas agroalimentarias.",
        "",
    ),
    (
        "guia-internacionalizacao",
        "Guia de internacionalização para clusters",
        "pt",
        T.GUIDE,
        ["internationalisation"],
        2021,
        ["Almeida, Beatriz"],
        "ApexBrasil",
        ["BR", "UY"],
        "Passo a passo para missões comerciais, feiras e consórcios de exportação.",
        "",
    ),
    (
        "training-cluster-governance",
        "Training module: cluster governance and trust",
        "en",
        T.TRAINING,
        ["training-directors", "cluster-management"],
        2023,
        ["Clarke, Richard", "TCI Network"],
        "TCI Network",
        ["BZ", "GY"],
        "Exercises and cases for boards and managers of young cluster initiatives.",
        "https://www.tci-network.org/",
    ),
]

# Generated resources: (language, type, topics, title pattern, summary pattern, publisher)
PATTERNS = [
    (
        "es",
        T.METHODOLOGY,
        ["cluster-management", "innovation"],
        "Metodología de hoja de ruta para el clúster de {sector}",
        "Una metodología participativa para construir la hoja de ruta del clúster de {sector} en {place}.",
        "Agencia de Desarrollo de {place}",
    ),
    (
        "en",
        T.REPORT,
        ["productive-policy"],
        "Cluster policy review: {sector} in {place}",
        "A review of public support to the {sector} cluster in {place}, with recommendations.",
        "CEPAL",
    ),
    (
        "pt",
        T.CASE_STUDY,
        ["innovation", "cluster-management"],
        "Estudo de caso: o arranjo de {sector} de {place}",
        "Como empresas e universidades de {place} cooperaram no arranjo de {sector}.",
        "Universidade Federal",
    ),
    (
        "es",
        T.TRAINING,
        ["training-directors"],
        "Material de formación: gestión de proyectos colectivos en {sector}",
        "Presentaciones y ejercicios para gerentes de iniciativas de {sector} en {place}.",
        "CEPAL",
    ),
    (
        "en",
        T.GUIDE,
        ["digital-economy"],
        "Digital transformation guide for {sector} clusters",
        "Practical steps for {sector} firms in {place} to adopt e-commerce, data and cloud services.",
        "IDB Lab",
    ),
    (
        "es",
        T.REPORT,
        ["financing", "productive-policy"],
        "Fondos concursables para clústeres de {sector} en {place}",
        "Análisis de los fondos concursables que financian proyectos colectivos de {sector} en {place}.",
        "Corfo",
    ),
]
PLACES = [
    ("Chile", "CL"),
    ("Colombia", "CO"),
    ("Perú", "PE"),
    ("México", "MX"),
    ("Brasil", "BR"),
    ("Uruguay", "UY"),
    ("Costa Rica", "CR"),
    ("Panamá", "PA"),
    ("Paraguay", "PY"),
    ("Ecuador", "EC"),
]
SECTORS = [
    ("turismo", "tourism"),
    ("software", "software-it"),
    ("logística", "logistics"),
    ("agroalimentos", "agrifood"),
    ("metalmecánica", "metalworking"),
    ("salud", "health"),
]
AUTHORS = [
    "Castro, Valentina",
    "Morales, Andrés",
    "Silva, Camila",
    "Ramírez, Diego",
    "Costa, Fernanda",
    "Johnson, Mary",
    "Rojas, Felipe",
    "Santos, Gabriel",
]

# Impact evaluations: method, outcomes, direction, sector slug, countries, period, title, language
EVALUATIONS = [
    (
        "rct",
        ["productivity", "sales"],
        "positive",
        "agrifood",
        ["CO"],
        (2015, 2019),
        "Evaluación experimental de un programa de proveedores en Antioquia",
        "es",
    ),
    (
        "did",
        ["exports", "employment"],
        "positive",
        "tourism",
        ["PE"],
        (2012, 2018),
        "Impact of cluster support on exports: evidence from Peru",
        "en",
    ),
    (
        "matching",
        ["productivity", "innovation"],
        "mixed",
        "software-it",
        ["AR"],
        (2010, 2017),
        "Clusters de software e inovação: um estudo por pareamento",
        "pt",
    ),
    (
        "rdd",
        ["employment", "wages"],
        "none",
        "metalworking",
        ["MX"],
        (2014, 2020),
        "Discontinuidad de regresión en subsidios a clústeres de Nuevo León",
        "es",
    ),
    (
        "case_study",
        ["cooperation", "innovation"],
        "positive",
        "agrifood",
        ["CR"],
        (2016, 2021),
        "Cooperation and innovation in the Costa Rican coffee cluster",
        "en",
    ),
    (
        "did",
        ["firm_survival", "employment"],
        "positive",
        "textiles-apparel",
        ["BR"],
        (2008, 2016),
        "Sobrevivência de empresas em APLs têxteis: diferenças em diferenças",
        "pt",
    ),
    (
        "matching",
        ["exports", "sales"],
        "positive",
        "agrifood",
        ["CL"],
        (2011, 2019),
        "Programas territoriales de Corfo y exportaciones: un análisis con emparejamiento",
        "es",
    ),
    (
        "rct",
        ["innovation", "productivity"],
        "none",
        "software-it",
        ["UY"],
        (2017, 2020),
        "A randomised trial of innovation vouchers for cluster firms",
        "en",
    ),
    (
        "other",
        ["wages", "productivity"],
        "mixed",
        "mining-services",
        ["CL", "PE"],
        (2005, 2018),
        "Proveedores mineros y salarios: evidencia de variables instrumentales",
        "es",
    ),
    (
        "did",
        ["productivity", "exports"],
        "negative",
        "logistics",
        ["PA"],
        (2013, 2019),
        "Logistics clusters and export costs in Panama",
        "en",
    ),
    (
        "case_study",
        ["employment", "cooperation"],
        "positive",
        "tourism",
        ["EC"],
        (2018, 2023),
        "Estudio de caso: red de turismo comunitario en Imbabura",
        "es",
    ),
    (
        "matching",
        ["finance", "firm_survival"],
        "positive",
        "health",
        ["BR", "PY"],
        (2012, 2020),
        "Acesso a crédito e sobrevivência em clusters de saúde",
        "pt",
    ),
]

EVALUATION_SUMMARY = {
    "es": "Evaluación del efecto de un programa de apoyo a clústeres entre {start} y {end}, con "
    "datos administrativos de empresas participantes y de un grupo de comparación.",
    "en": "An evaluation of a cluster support programme between {start} and {end}, with "
    "administrative data on participating firms and a comparison group.",
    "pt": "Avaliação do efeito de um programa de apoio a clusters entre {start} e {end}, com "
    "dados administrativos de empresas participantes e de um grupo de comparação.",
}

PDF_BODY = {
    "es": [
        "Documento de la biblioteca de la Plataforma IAPT.",
        "Anexo: indicadores de seguimiento, fuentes de datos y cronograma de trabajo.",
        "Las iniciativas compartieron lecciones sobre gobernanza, confianza y proyectos colectivos.",
    ],
    "en": [
        "A document of the IAPT Platform library.",
        "Annex: monitoring indicators, data sources and work plan.",
        "Initiatives shared lessons on governance, trust and collective projects.",
    ],
    "pt": [
        "Documento da biblioteca da Plataforma IAPT.",
        "Anexo: indicadores de acompanhamento, fontes de dados e cronograma.",
        "As iniciativas compartilharam lições sobre governança, confiança e projetos coletivos.",
    ],
}


def _pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsi (cp1252), with ( ) and \\ escaped."""
    out = bytearray()
    for byte in text.encode("cp1252", "replace"):
        if byte in (0x28, 0x29, 0x5C):
            out += b"\\" + bytes([byte])
        elif byte < 32 or byte > 126:
            out += b"\\%03o" % byte
        else:
            out.append(byte)
    return bytes(out)


def minimal_pdf(lines: list[str]) -> bytes:
    """A valid one-page PDF showing `lines` in Helvetica, with a correct cross-reference table."""
    content = bytearray(b"BT\n/F1 11 Tf\n15 TL\n56 780 Td\n")
    for line in lines[:48]:
        content += b"(" + _pdf_string(line) + b") Tj T*\n"
    content += b"ET\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + bytes(content) + b"endstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _pdf_for(title: str, authors: list[str], summary: str, language: str) -> bytes:
    lines = [*textwrap.wrap(title, 80), "", "; ".join(authors), ""]
    lines += textwrap.wrap(summary, 90)
    lines.append("")
    for paragraph in PDF_BODY.get(language, PDF_BODY["en"]):
        lines += textwrap.wrap(paragraph, 90)
    return minimal_pdf(lines)


def _rows() -> list[dict[str, Any]]:
    rows = []
    for (
        slug,
        title,
        lang,
        kind,
        topics,
        year,
        authors,
        publisher,
        codes,
        summary,
        link,
    ) in RESOURCES:
        rows.append(
            dict(
                slug=slug, title=title, lang=lang, type=kind, topics=topics, year=year,
                authors=authors, publisher=publisher, countries=codes, summary=summary, link=link,
            )
        )  # fmt: skip
    number = 0
    for p_index, (lang, kind, topics, title, summary, publisher) in enumerate(PATTERNS):
        for s_index in range(3):
            sector, _slug = SECTORS[(p_index + s_index) % len(SECTORS)]
            place, code = PLACES[(p_index * 3 + s_index) % len(PLACES)]
            number += 1
            rows.append(
                dict(
                    slug=f"demo-resource-{number}",
                    title=title.format(sector=sector, place=place),
                    lang=lang,
                    type=kind,
                    topics=topics,
                    year=2014 + (number % 11),
                    authors=[AUTHORS[number % len(AUTHORS)], AUTHORS[(number + 3) % len(AUTHORS)]],
                    publisher=publisher.format(place=place),
                    countries=[code],
                    summary=summary.format(sector=sector, place=place),
                    link="",
                )
            )
    for index, (method, outcomes, direction, sector, codes, period, title, lang) in enumerate(
        EVALUATIONS
    ):
        rows.append(
            dict(
                slug=f"demo-evaluation-{index + 1}",
                title=title,
                lang=lang,
                type=T.IMPACT_EVALUATION,
                topics=["impact-evaluation"],
                year=period[1] + 1,
                authors=[AUTHORS[index % len(AUTHORS)], AUTHORS[(index + 5) % len(AUTHORS)]],
                publisher="CEPAL" if index % 2 else "Banco Interamericano de Desarrollo",
                countries=codes,
                summary=EVALUATION_SUMMARY[lang].format(start=period[0], end=period[1]),
                link="",
                evidence=dict(
                    method=method,
                    outcomes=outcomes,
                    direction=direction,
                    sector=sector,
                    period_start=period[0],
                    period_end=period[1],
                ),
            )
        )
    return rows


def seed(write) -> None:
    seed_topics(Topic, TOPICS)
    topics = {t.slug: t for t in Topic.objects.all()}
    sectors = {s.slug: s for s in Sector.objects.all()}
    contributor = User.objects.filter(email="member@demo.iapt.local").first()
    now = timezone.now()
    rows = _rows()
    for index, row in enumerate(rows):
        resource, _created = Resource.objects.update_or_create(
            slug=row["slug"],
            defaults={
                "title": row["title"],
                "title_language": row["lang"],
                "summary": row["summary"],
                "summary_language": row["lang"],
                "type": row["type"],
                "year": row["year"],
                "authors": row["authors"],
                "publisher": row["publisher"],
                "licence": "cc-by-4.0" if index % 3 else "cc-by-nc-sa-4.0",
                "external_url": row["link"],
                "status": Resource.Status.PUBLISHED,
                "contributed_by": contributor,
            },
        )
        if resource.published_at is None:
            resource.published_at = now - timedelta(days=3 * index + 1)
            resource.save(update_fields=["published_at"])
        resource.topics.set([topics[t] for t in row["topics"]])
        languages = [row["lang"]] + (["es"] if row["lang"] != "es" and index % 4 == 0 else [])
        data = services.ResourceData(fields={}, languages=languages, countries=row["countries"])
        services._set_rows(resource, data)
        if "evidence" in row:
            evidence = dict(row["evidence"])
            evidence["sector"] = sectors.get(evidence["sector"])
            services.evidence_save(resource=resource, **evidence)
        else:
            Evidence.objects.filter(resource=resource).delete()
        if not resource.file and not (row["link"] and row["type"] in (T.VIDEO, T.COURSE)):
            pdf = _pdf_for(row["title"], row["authors"], row["summary"], row["lang"])
            resource.file.save(f"demo-{resource.slug}.pdf", ContentFile(pdf), save=False)
            resource.file_name = f"{resource.slug}.pdf"
            resource.file_mimetype = "application/pdf"
            resource.file_kind = "pdf"
            resource.file_size = len(pdf)
            resource.save(
                update_fields=["file", "file_name", "file_mimetype", "file_kind", "file_size"]
            )
        if resource.file and resource.processed_at is None:
            services.resource_process_file(resource_id=resource.pk)
        else:
            services.resource_refresh_search(resource=resource)
            if not resource.picture:
                services.resource_write_pictures(resource=resource)
    write(f"library: {len(rows)} resources, {len(EVALUATIONS)} impact evaluations")

    _seed_collections(write)
    _seed_proposal(contributor, topics)


def _seed_collections(write) -> None:
    starter, _created = Collection.objects.update_or_create(
        slug="starter-kit-cluster-directors",
        defaults={
            "title_es": "Kit de inicio para gerentes de clúster",
            "title_en": "A starter kit for cluster directors",
            "title_pt_br": "Kit inicial para gestores de cluster",
            "description_es": "Lo esencial para quien empieza a dirigir una iniciativa.",
            "description_en": "The essentials for someone who starts to run an initiative.",
            "description_pt_br": "O essencial para quem começa a dirigir uma iniciativa.",
            "order": 0,
            "is_published": True,
        },
    )
    evidence, _created = Collection.objects.update_or_create(
        slug="what-works-evidence",
        defaults={
            "title_es": "Qué funciona: evaluaciones de impacto",
            "title_en": "What works: impact evaluations",
            "title_pt_br": "O que funciona: avaliações de impacto",
            "description_es": "Estudios rigurosos sobre los efectos de las políticas de clústeres.",
            "description_en": "Rigorous studies of the effects of cluster policies.",
            "description_pt_br": "Estudos rigorosos sobre os efeitos das políticas de clusters.",
            "order": 1,
            "is_published": True,
        },
    )
    for collection, slugs in (
        (
            starter,
            [
                "guia-gerentes-cluster",
                "plantilla-plan-accion",
                "metodologia-financiamiento-clusteres",
                "training-cluster-governance",
                "manual-formacao-gestores",
            ],
        ),
        (evidence, [f"demo-evaluation-{n}" for n in (1, 2, 3, 5, 7)]),
    ):
        for order, slug in enumerate(slugs):
            resource = Resource.objects.get(slug=slug)
            CollectionItem.objects.update_or_create(
                collection=collection, resource=resource, defaults={"order": order}
            )
    write("library: 2 collections")


def _seed_proposal(contributor, topics) -> None:
    """One proposal waiting in the moderation queue, so that the queue shows the kind."""
    title = "Guía de mentoría entre clústeres"
    if contributor is None or Resource.objects.filter(title=title).exists():
        return
    pdf = _pdf_for(
        title,
        ["Miembro, Demo"],
        "Una propuesta de guía para que iniciativas con experiencia acompañen a las nuevas.",
        "es",
    )
    from iapt_platform.lib.uploads import CleanFile

    data = services.ResourceData(
        fields={
            "title": title,
            "title_language": "es",
            "summary": "Una propuesta de guía para que iniciativas con experiencia acompañen "
            "a las nuevas.",
            "summary_language": "es",
            "type": T.GUIDE,
            "year": timezone.now().year,
            "authors": ["Miembro, Demo"],
        },
        topics=[topics["training-directors"]],
        languages=["es"],
        countries=["EC"],
        file=CleanFile(
            content=ContentFile(pdf, name="propuesta-guia-mentoria.pdf"),
            kind="pdf",
            mimetype="application/pdf",
            original_name="guia-mentoria.pdf",
        ),
    )
    services.resource_propose(user=contributor, data=data)


# resource slug -> joint project slugs (the projects come from matchmaking's seeder, which runs
# after this app's: see apps.py)
PROJECT_LINKS = {
    "software-cordoba-case": ["ciberseguridad-agroexportadora-andina"],
    "caso-cluster-aguacate-michoacan": ["trazabilidad-digital-aguacate-cafe"],
    "video-digitalizacao-apls": ["trazabilidad-digital-aguacate-cafe"],
}


def seed_project_links(write) -> None:
    """Link demo resources to demo joint projects; a missing resource or project is skipped."""
    from initiatives.matchmaking.models import Project

    wanted = {slug for slugs in PROJECT_LINKS.values() for slug in slugs}
    projects = {p.slug: p for p in Project.objects.filter(slug__in=wanted)}
    resources = {r.slug: r for r in Resource.objects.filter(slug__in=PROJECT_LINKS)}
    linked = 0
    for resource_slug, project_slugs in PROJECT_LINKS.items():
        resource = resources.get(resource_slug)
        found = [projects[s] for s in project_slugs if s in projects]
        if resource is None or not found:
            write(f"library: {resource_slug} left without a joint project (not seeded)")
            continue
        resource.projects.add(*found)  # add() is idempotent
        linked += 1
    write(f"library: {linked} resources linked to joint projects")


def seed_activity(write) -> None:
    """Publication dates and daily download counts over the last months, for the community
    dashboard (idempotent: the figures depend only on the order of the resources)."""
    from iapt_platform.lib.demo import months_ago

    from .models import ResourceDailyStat

    published = list(
        Resource.objects.filter(status=Resource.Status.PUBLISHED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for i, pk in enumerate(published):
        when = months_ago(i)
        Resource.objects.filter(pk=pk).update(published_at=when, created_at=when)
        for month in range(9):
            ResourceDailyStat.objects.update_or_create(
                resource_id=pk,
                date=months_ago(i + month).date(),
                defaults={"downloads": 2 + (i * 3 + month) % 7},
            )
    write("library: publication dates and downloads spread over the last months")
