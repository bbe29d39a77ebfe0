"""Demo registry: the sector taxonomy, a few programmes and initiatives across the region."""

from django.utils import timezone
from django.utils.text import slugify

from iapt_platform.accounts.models import User
from iapt_platform.lib import subdivisions

from . import services
from .models import Initiative, Programme, Sector

# slug, ISIC Rev. 4 anchor, Spanish, English, Portuguese
SECTORS = [
    ("agrifood", "A01, C10-C11", "Agroalimentario", "Agrifood", "Agroalimentar"),
    ("tourism", "I55-I56, N79", "Turismo", "Tourism", "Turismo"),
    (
        "software-it",
        "J62-J63",
        "Software y servicios TI",
        "Software and IT services",
        "Software e serviços de TI",
    ),
    (
        "creative-industries",
        "J58-J60, R90",
        "Industrias creativas",
        "Creative industries",
        "Indústrias criativas",
    ),
    ("logistics", "H49-H53", "Logística", "Logistics", "Logística"),
    ("metalworking", "C24-C25, C28", "Metalmecánica", "Metalworking", "Metalmecânica"),
    ("health", "Q86, C21", "Salud", "Health", "Saúde"),
    ("energy", "D35", "Energía", "Energy", "Energia"),
    ("mining-services", "B09", "Servicios a la minería", "Mining services", "Serviços à mineração"),
    (
        "textiles-apparel",
        "C13-C14",
        "Textil y confección",
        "Textiles and apparel",
        "Têxtil e confecção",
    ),
    ("education", "P85", "Educación", "Education", "Educação"),
    (
        "forestry-wood",
        "A02, C16, C31",
        "Forestal y madera",
        "Forestry and wood",
        "Florestal e madeira",
    ),
    (
        "fisheries-aquaculture",
        "A03",
        "Pesca y acuicultura",
        "Fisheries and aquaculture",
        "Pesca e aquicultura",
    ),
    ("automotive", "C29", "Automotriz", "Automotive", "Automotivo"),
    (
        "chemicals-plastics",
        "C20, C22",
        "Química y plásticos",
        "Chemicals and plastics",
        "Química e plásticos",
    ),
    ("construction", "F41-F43", "Construcción", "Construction", "Construção"),
    ("coffee-cocoa", "A0127, C1073", "Café y cacao", "Coffee and cocoa", "Café e cacau"),
    ("wine", "C1102", "Vitivinícola", "Wine", "Vitivinícola"),
]

PROGRAMMES = [
    ("ec-clusters", "Programa de Clústeres del Ecuador", "PCE", "national", "EC"),
    ("co-rutas", "Rutas Competitivas de Colombia", "", "national", "CO"),
    ("br-apl", "Rede Nacional de Arranjos Produtivos Locais", "RedeAPL", "national", "BR"),
    ("mx-michoacan", "Programa Estatal de Clústeres de Michoacán", "", "regional", "MX"),
    ("ar-cordoba", "Agencia de Desarrollo Económico de Córdoba", "ADEC", "agency", "AR"),
]

# slug, name, kind, country, territory, city, lat, lng, sectors, programme, year, language, description
INITIATIVES = [
    (
        "cluster-aguacate-michoacan",
        "Clúster del Aguacate de Michoacán",
        "cluster",
        "MX",
        "Michoacán",
        "Uruapan",
        19.41,
        -102.06,
        ["agrifood"],
        "mx-michoacan",
        2012,
        "es",
        "Productores, empacadoras y centros de investigación que articulan la cadena del aguacate.",
    ),
    (
        "cluster-software-cordoba",
        "Córdoba Technology Cluster",
        "cluster",
        "AR",
        "Córdoba",
        "Córdoba",
        -31.42,
        -64.18,
        ["software-it"],
        "ar-cordoba",
        2001,
        "es",
        "Empresas de software y servicios informáticos de Córdoba que cooperan en talento y exportación.",
    ),
    (
        "red-turismo-cusco",
        "Red de Turismo Sostenible de Cusco",
        "network",
        "PE",
        "Cusco",
        "Cusco",
        -13.53,
        -71.97,
        ["tourism"],
        None,
        2016,
        "es",
        "Operadores, hoteles y comunidades que impulsan un turismo responsable en el Valle Sagrado.",
    ),
    (
        "cluster-cacao-esmeraldas",
        "Clúster de Cacao Fino de Aroma",
        "cluster",
        "EC",
        "Esmeraldas",
        "Esmeraldas",
        0.96,
        -79.65,
        ["coffee-cocoa", "agrifood"],
        "ec-clusters",
        2019,
        "es",
        "Asociaciones de productores y chocolateros que buscan mercados de especialidad.",
    ),
    (
        "cluster-logistica-guayaquil",
        "Clúster Logístico del Guayas",
        "cluster",
        "EC",
        "Guayas",
        "Guayaquil",
        -2.19,
        -79.89,
        ["logistics"],
        "ec-clusters",
        2018,
        "es",
        "Puertos, transportistas y agentes que mejoran la competitividad logística del Pacífico.",
    ),
    (
        "apl-software-recife",
        "APL de Software do Recife",
        "cluster",
        "BR",
        "Pernambuco",
        "Recife",
        -8.05,
        -34.88,
        ["software-it"],
        "br-apl",
        2000,
        "pt-br",
        "Arranjo produtivo de empresas de tecnologia em torno do Porto Digital.",
    ),
    (
        "apl-moveis-bento",
        "APL Moveleiro da Serra Gaúcha",
        "cluster",
        "BR",
        "Rio Grande do Sul",
        "Bento Gonçalves",
        -29.17,
        -51.52,
        ["forestry-wood"],
        "br-apl",
        1998,
        "pt-br",
        "Fabricantes de móveis, fornecedores e escolas técnicas da Serra Gaúcha.",
    ),
    (
        "ruta-cafe-huila",
        "Ruta Competitiva del Café Especial del Huila",
        "value_chain",
        "CO",
        "Huila",
        "Neiva",
        2.93,
        -75.28,
        ["coffee-cocoa"],
        "co-rutas",
        2015,
        "es",
        "Iniciativa de cadena de valor para cafés especiales de alto valor.",
    ),
    (
        "cluster-energia-medellin",
        "Clúster Energía Sostenible de Medellín",
        "cluster",
        "CO",
        "Antioquia",
        "Medellín",
        6.24,
        -75.58,
        ["energy"],
        "co-rutas",
        2009,
        "es",
        "Empresas y universidades del sector eléctrico y de energías renovables.",
    ),
    (
        "cluster-mineria-antofagasta",
        "Clúster Minero de Antofagasta",
        "cluster",
        "CL",
        "Antofagasta",
        "Antofagasta",
        -23.65,
        -70.40,
        ["mining-services"],
        None,
        2008,
        "es",
        "Proveedores de servicios a la minería que desarrollan innovación abierta.",
    ),
    (
        "jamaica-tourism-cluster",
        "Jamaica Tourism Linkages Network",
        "network",
        "JM",
        "St. James",
        "Montego Bay",
        18.47,
        -77.92,
        ["tourism", "agrifood"],
        None,
        2013,
        "en",
        "Links hotels with local farmers and craft producers to keep tourism spending on the island.",
    ),
    (
        "agenda-textil-gamarra",
        "Agenda de Desarrollo Textil de Gamarra",
        "agenda",
        "PE",
        "Lima",
        "Lima",
        -12.07,
        -77.01,
        ["textiles-apparel"],
        None,
        2020,
        "es",
        "Agenda territorial del emporio textil con confeccionistas, municipio y academia.",
    ),
]


# More initiatives, generated from places and sectors so that every facet has something to show.
# country, territory, city, lat, lng, language
PLACES = [
    ("MX", "Jalisco", "Guadalajara", 20.67, -103.35, "es"),
    ("MX", "Nuevo León", "Monterrey", 25.69, -100.32, "es"),
    ("MX", "Querétaro", "Querétaro", 20.59, -100.39, "es"),
    ("GT", "Guatemala", "Ciudad de Guatemala", 14.63, -90.51, "es"),
    ("CR", "San José", "San José", 9.93, -84.08, "es"),
    ("PA", "Panamá", "Ciudad de Panamá", 8.98, -79.52, "es"),
    ("DO", "Santiago", "Santiago de los Caballeros", 19.45, -70.69, "es"),
    ("CO", "Valle del Cauca", "Cali", 3.45, -76.53, "es"),
    ("CO", "Atlántico", "Barranquilla", 10.96, -74.80, "es"),
    ("EC", "Azuay", "Cuenca", -2.90, -79.00, "es"),
    ("EC", "Pichincha", "Quito", -0.18, -78.47, "es"),
    ("PE", "Arequipa", "Arequipa", -16.41, -71.54, "es"),
    ("PE", "La Libertad", "Trujillo", -8.11, -79.03, "es"),
    ("CL", "Biobío", "Concepción", -36.83, -73.05, "es"),
    ("CL", "Los Lagos", "Puerto Montt", -41.47, -72.94, "es"),
    ("AR", "Mendoza", "Mendoza", -32.89, -68.83, "es"),
    ("AR", "Santa Fe", "Rosario", -32.95, -60.66, "es"),
    ("UY", "Montevideo", "Montevideo", -34.90, -56.16, "es"),
    ("PY", "Central", "Asunción", -25.26, -57.58, "es"),
    ("BO", "Santa Cruz", "Santa Cruz de la Sierra", -17.78, -63.18, "es"),
    ("BR", "Minas Gerais", "Belo Horizonte", -19.92, -43.94, "pt-br"),
    ("BR", "Santa Catarina", "Joinville", -26.30, -48.85, "pt-br"),
    ("BR", "Ceará", "Fortaleza", -3.73, -38.52, "pt-br"),
    ("BR", "Amazonas", "Manaus", -3.12, -60.02, "pt-br"),
    ("TT", "Port of Spain", "Port of Spain", 10.66, -61.51, "en"),
    ("BB", "Saint Michael", "Bridgetown", 13.10, -59.61, "en"),
]
# sector slug, kind, stage, Spanish name, Portuguese name, English name, digital
PATTERNS = [
    (
        "software-it",
        "cluster",
        "developing",
        "Clúster TIC de {city}",
        "Cluster de TI de {city}",
        "{city} ICT Cluster",
        True,
    ),
    (
        "agrifood",
        "value_chain",
        "consolidated",
        "Cadena Agroalimentaria de {territory}",
        "Cadeia Agroalimentar de {territory}",
        "{territory} Agrifood Chain",
        False,
    ),
    (
        "tourism",
        "network",
        "emerging",
        "Red de Turismo de {city}",
        "Rede de Turismo de {city}",
        "{city} Tourism Network",
        False,
    ),
    (
        "logistics",
        "cluster",
        "mature",
        "Clúster Logístico de {city}",
        "Cluster Logístico de {city}",
        "{city} Logistics Cluster",
        True,
    ),
    (
        "health",
        "cluster",
        "developing",
        "Clúster de Salud de {city}",
        "Cluster da Saúde de {city}",
        "{city} Health Cluster",
        True,
    ),
    (
        "creative-industries",
        "network",
        "emerging",
        "Red de Industrias Creativas de {city}",
        "Rede de Economia Criativa de {city}",
        "{city} Creative Network",
        True,
    ),
    (
        "energy",
        "agenda",
        "developing",
        "Agenda de Energías Renovables de {territory}",
        "Agenda de Energias Renováveis de {territory}",
        "{territory} Renewable Energy Agenda",
        False,
    ),
    (
        "metalworking",
        "cluster",
        "consolidated",
        "Clúster Metalmecánico de {city}",
        "Cluster Metalmecânico de {city}",
        "{city} Metalworking Cluster",
        False,
    ),
    (
        "textiles-apparel",
        "cluster",
        "developing",
        "Clúster Textil de {city}",
        "Polo Têxtil de {city}",
        "{city} Apparel Cluster",
        False,
    ),
    (
        "education",
        "park",
        "emerging",
        "Parque Científico y Tecnológico de {city}",
        "Parque Tecnológico de {city}",
        "{city} Science Park",
        True,
    ),
    (
        "automotive",
        "value_chain",
        "mature",
        "Programa de Proveedores Automotrices de {territory}",
        "Programa de Fornecedores Automotivos de {territory}",
        "{territory} Automotive Supplier Programme",
        False,
    ),
    (
        "fisheries-aquaculture",
        "cluster",
        "developing",
        "Clúster Acuícola de {territory}",
        "Cluster Aquícola de {territory}",
        "{territory} Aquaculture Cluster",
        False,
    ),
]


def generated_initiatives():
    """(slug, name, kind, country, territory, city, lat, lng, sectors, programme, year, language,
    description, stage, digital) for the generated demo initiatives."""
    rows = []
    for index, (country, territory, city, lat, lng, language) in enumerate(PLACES):
        for offset in (0, 7):
            sector, kind, stage, es, pt, en, digital = PATTERNS[(index + offset) % len(PATTERNS)]
            template = {"es": es, "pt-br": pt, "en": en}[language]
            name = template.format(city=city, territory=territory)
            description = {
                "es": f"Iniciativa que articula empresas, universidades y gobierno local en {city}.",
                "pt-br": f"Iniciativa que articula empresas, universidades e governo local em {city}.",
                "en": f"An initiative that brings together firms, universities and local government in {city}.",
            }[language]
            rows.append(
                (
                    slugify(name)[:120],
                    name,
                    kind,
                    country,
                    territory,
                    city,
                    round(lat + 0.03 * offset / 7, 4),
                    round(lng - 0.03 * offset / 7, 4),
                    [sector],
                    None,
                    1995 + (index * 3 + offset) % 29,
                    language,
                    description,
                    stage,
                    digital,
                )
            )
    return rows


def seed(write) -> None:
    for order, (slug, isic, es, en, pt) in enumerate(SECTORS):
        Sector.objects.update_or_create(
            slug=slug,
            defaults={
                "isic_code": isic,
                "name_es": es,
                "name_en": en,
                "name_pt_br": pt,
                "order": order,
            },
        )
    for slug, name, acronym, kind, country in PROGRAMMES:
        Programme.objects.update_or_create(
            slug=slug, defaults={"name": name, "acronym": acronym, "kind": kind, "country": country}
        )
    promoter = User.objects.filter(email="promoter@demo.iapt.local").first()
    sectors = {s.slug: s for s in Sector.objects.all()}
    programmes = {p.slug: p for p in Programme.objects.all()}
    now = timezone.now()
    rows = [(*row, "", False) for row in INITIATIVES] + generated_initiatives()
    for row in rows:
        (
            slug,
            name,
            kind,
            country,
            territory,
            city,
            lat,
            lng,
            sector_slugs,
            prog,
            year,
            lang,
            desc,
            stage,
            digital,
        ) = row
        # The places are written as people write them; each names its state or province.
        subdivision = subdivisions.match(country, territory)
        initiative, _created = Initiative.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "country": country,
                "subdivision": subdivision,
                "territory": "" if subdivision else territory,
                "city": city,
                "latitude": lat,
                "longitude": lng,
                "programme": programmes.get(prog) if prog else None,
                "year_founded": year,
                "description": desc,
                "description_language": lang,
                "status": Initiative.Status.PUBLISHED,
                "stage": stage or "developing",
                "digital_focus": digital,
                "contact_name": "Equipo de coordinación" if lang == "es" else "Coordination team",
                "contact_email": f"contacto@{slug[:30]}.example.org",
                "contact_email_visibility": "members",
            },
        )
        if initiative.published_at is None:
            initiative.published_at = now
            initiative.last_verified_at = now
            initiative.save(update_fields=["published_at", "last_verified_at"])
        initiative.sectors.set([sectors[s] for s in sector_slugs])
        if promoter and country == "EC":
            initiative.managers.add(promoter)
        services.initiative_refresh_search(initiative=initiative)
    _seed_submission(promoter, sectors)
    write(
        f"Registry: {len(SECTORS)} sectors, {len(PROGRAMMES)} programmes, {len(rows)} published initiatives."
    )


def _seed_submission(promoter, sectors) -> None:
    """One registration waiting in the moderation queue, so that moderators see the workflow."""
    if promoter is None or Initiative.objects.filter(slug="cluster-banano-el-oro").exists():
        return
    initiative = services.initiative_start(
        user=promoter, name="Clúster del Banano de El Oro", country="EC", kind="cluster"
    )
    initiative.slug = "cluster-banano-el-oro"
    initiative.city, initiative.subdivision = "Machala", "EC-O"
    initiative.latitude, initiative.longitude = -3.26, -79.96
    initiative.description = "Productores y exportadores de banano que mejoran su competitividad."
    initiative.contact_name = "Lucía Andrade"
    initiative.draft_step = 6
    initiative.save()
    initiative.sectors.set([sectors["agrifood"]])
    services.initiative_submit(initiative=initiative, user=promoter)


def seed_activity(write) -> None:
    """Dates spread over the last months, for the community dashboard: registrations and
    publications, approved edits (merged revisions) and initiatives that went stale (their
    moderation items, already decided). Idempotent: the dates depend only on the order."""
    from datetime import timedelta

    from django.contrib.contenttypes.models import ContentType

    from iapt_platform.lib.demo import months_ago
    from iapt_platform.moderation.models import ModerationItem

    from .services import CONTENT_FIELDS

    published = list(Initiative.objects.published().order_by("pk"))
    for i, initiative in enumerate(published):
        when = months_ago(i)
        Initiative.objects.filter(pk=initiative.pk).update(
            created_at=when - timedelta(days=2), published_at=when
        )
    for i, initiative in enumerate(published[:16]):
        revision, _created = Initiative.objects.get_or_create(
            slug=f"{initiative.slug}-demo-edit",
            defaults={
                "revision_of": initiative,
                "status": Initiative.Status.MERGED,
                "created_by": initiative.created_by,
                **{f: getattr(initiative, f) for f in CONTENT_FIELDS},
            },
        )
        Initiative.objects.filter(pk=revision.pk).update(updated_at=months_ago(i + 3))
    content_type = ContentType.objects.get_for_model(Initiative)
    for i, initiative in enumerate(published[-12:]):
        item, _created = ModerationItem.objects.get_or_create(
            kind="stale_initiative",
            content_type=content_type,
            object_id=initiative.pk,
            defaults={
                "title": initiative.name,
                "country": initiative.country.code,
                "status": ModerationItem.Status.APPROVED,
            },
        )
        ModerationItem.objects.filter(pk=item.pk).update(
            created_at=months_ago(i), decided_at=months_ago(i)
        )
    write("initiatives: publication, edit and staleness dates spread over the last months")
