"""Demo registry: the sector taxonomy, a few programmes and initiatives across the region."""

from django.utils import timezone

from iapt_platform.accounts.models import User

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
    for row in INITIATIVES:
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
        ) = row
        initiative, _created = Initiative.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "country": country,
                "territory": territory,
                "city": city,
                "latitude": lat,
                "longitude": lng,
                "programme": programmes.get(prog) if prog else None,
                "year_founded": year,
                "description": desc,
                "description_language": lang,
                "status": Initiative.Status.PUBLISHED,
            },
        )
        if initiative.published_at is None:
            initiative.published_at = now
            initiative.last_verified_at = now
            initiative.save(update_fields=["published_at", "last_verified_at"])
        initiative.sectors.set([sectors[s] for s in sector_slugs])
        if promoter and country == "EC":
            initiative.managers.add(promoter)
    write(
        f"Registry: {len(SECTORS)} sectors, {len(PROGRAMMES)} programmes, {len(INITIATIVES)} initiatives."
    )
