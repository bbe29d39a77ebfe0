"""A dozen opportunities of the region's usual organisers, dated around today: some open, some
closing within days, some opening later, two closed, and one proposal waiting in the queue.
Idempotent: rows are found by slug and refreshed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from iapt_platform.lib.taxonomy import seed_topics
from initiatives.models import Sector

from .models import Opportunity, Topic
from .topics import TOPICS

D = Decimal
# slug, kind, organiser, (opens, closes) in days from today, countries ("*" the region), sectors,
# topics, amount, currency, link, (es title, en title, pt title), (es, en, pt) description
ROWS = [
    (
        "caf-fondo-clusteres-2027",
        "funding_call",
        "CAF · Banco de Desarrollo de América Latina y el Caribe",
        (-20, 25),
        "*",
        ["agrifood", "tourism"],
        ["financing", "cluster-management"],
        D("150000"),
        "USD",
        "https://www.caf.com/es/convocatorias/",
        (
            "Convocatoria CAF para agendas de competitividad de clústeres 2027",
            "CAF call for cluster competitiveness agendas 2027",
            "Chamada CAF para agendas de competitividade de clusters 2027",
        ),
        (
            "Cofinanciamiento no reembolsable para **iniciativas clúster** que ejecuten proyectos "
            "de mejora competitiva con al menos diez empresas.\n\n- Hasta USD 150 000 por "
            "proyecto\n- Contrapartida mínima del 30 %",
            "Non-reimbursable co-financing for **cluster initiatives** carrying out "
            "competitiveness projects with at least ten firms.\n\n- Up to USD 150,000 per "
            "project\n- Minimum 30% counterpart",
            "Cofinanciamento não reembolsável para **iniciativas de cluster** com projetos de "
            "competitividade com pelo menos dez empresas.\n\n- Até USD 150.000 por projeto\n"
            "- Contrapartida mínima de 30%",
        ),
    ),
    (
        "bid-lab-economia-digital",
        "grant",
        "BID Lab",
        (-30, 5),
        "*",
        ["software-it", "creative-industries"],
        ["digital-economy", "innovation"],
        D("500000"),
        "USD",
        "https://bidlab.org/es/convocatorias",
        (
            "BID Lab: soluciones digitales para cadenas de valor",
            "IDB Lab: digital solutions for value chains",
            "BID Lab: soluções digitais para cadeias de valor",
        ),
        (
            "Donaciones para pilotos de adopción digital en pymes de una cadena de valor, "
            "presentados por un clúster o una red empresarial.",
            "Grants for pilots of digital adoption by the small firms of a value chain, "
            "submitted by a cluster or a business network.",
            "Doações para pilotos de adoção digital por pequenas empresas de uma cadeia de "
            "valor, apresentados por um cluster ou uma rede empresarial.",
        ),
    ),
    (
        "cepal-curso-gerentes-cluster",
        "training",
        "CEPAL · Comisión Económica para América Latina y el Caribe",
        (-10, 12),
        "*",
        [],
        ["training-directors", "cluster-management"],
        None,
        "",
        "https://www.cepal.org/es/cursos",
        (
            "Curso CEPAL en línea: gestión de iniciativas clúster",
            "ECLAC online course: managing cluster initiatives",
            "Curso CEPAL online: gestão de iniciativas de cluster",
        ),
        (
            "Seis semanas, en español, para gerentes y equipos técnicos de iniciativas clúster "
            "y de programas nacionales. Sin costo.",
            "Six weeks, in Spanish, for managers and technical teams of cluster initiatives and "
            "national programmes. Free of charge.",
            "Seis semanas, em espanhol, para gestores e equipes técnicas de iniciativas de "
            "cluster e de programas nacionais. Gratuito.",
        ),
    ),
    (
        "corfo-programas-territoriales",
        "funding_call",
        "CORFO",
        (-15, 3),
        ["CL"],
        ["agrifood", "mining-services"],
        ["financing"],
        D("120000000"),
        "CLP",
        "https://www.corfo.cl/sites/cpp/convocatorias",
        (
            "CORFO: Programas Territoriales Integrados 2027",
            "CORFO: Integrated Territorial Programmes 2027",
            "CORFO: Programas Territoriais Integrados 2027",
        ),
        (
            "Cofinanciamiento para articular empresas y actores de un territorio de Chile en torno "
            "a una brecha de competitividad común.",
            "Co-financing to bring the firms and bodies of a Chilean territory together around a "
            "shared competitiveness gap.",
            "Cofinanciamento para articular empresas e atores de um território do Chile em torno "
            "de uma lacuna de competitividade comum.",
        ),
    ),
    (
        "sebrae-encadeamento-produtivo",
        "funding_call",
        "SEBRAE",
        (-5, 40),
        ["BR"],
        ["agrifood", "textiles-apparel"],
        ["cluster-management"],
        D("300000"),
        "BRL",
        "https://sebrae.com.br/sites/PortalSebrae/editais",
        (
            "SEBRAE: Encadenamiento productivo 2027",
            "SEBRAE: Productive linkages 2027",
            "SEBRAE: Encadeamento Produtivo 2027",
        ),
        (
            "Apoyo a proyectos de encadenamiento entre grandes empresas y proveedores de micro y "
            "pequeña escala en Brasil.",
            "Support for linkage projects between large firms and micro and small suppliers in "
            "Brazil.",
            "Apoio a projetos de encadeamento entre grandes empresas e fornecedores de micro e "
            "pequeno porte no Brasil.",
        ),
    ),
    (
        "innpulsa-rutas-competitivas",
        "funding_call",
        "iNNpulsa Colombia",
        (10, 50),
        ["CO"],
        ["coffee-cocoa", "tourism"],
        ["innovation", "financing"],
        D("800000000"),
        "COP",
        "https://www.innpulsacolombia.com/convocatorias",
        (
            "iNNpulsa: Rutas Competitivas para clústeres regionales",
            "iNNpulsa: Competitive Routes for regional clusters",
            "iNNpulsa: Rotas Competitivas para clusters regionais",
        ),
        (
            "Convocatoria para iniciativas clúster de las regiones de Colombia que definan una "
            "estrategia y un plan de acción.",
            "Call for cluster initiatives in Colombia's regions that set a strategy and an action "
            "plan.",
            "Chamada para iniciativas de cluster das regiões da Colômbia que definam uma "
            "estratégia e um plano de ação.",
        ),
    ),
    (
        "proecuador-feria-exportadora",
        "event",
        "Pro Ecuador",
        (-40, 9),
        ["EC"],
        ["agrifood", "coffee-cocoa"],
        ["internationalisation"],
        None,
        "",
        "https://www.proecuador.gob.ec/eventos/",
        (
            "Pro Ecuador: rueda de negocios de exportadores del agro",
            "Pro Ecuador: agrifood exporters' business roundtable",
            "Pro Ecuador: rodada de negócios de exportadores do agro",
        ),
        (
            "Inscripción de asociaciones y clústeres para citas con compradores internacionales "
            "de cacao, banano y camarón.",
            "Registration of associations and clusters for meetings with international buyers of "
            "cocoa, bananas and shrimp.",
            "Inscrição de associações e clusters para reuniões com compradores internacionais de "
            "cacau, banana e camarão.",
        ),
    ),
    (
        "mipymes-mexico-proveedores",
        "tender",
        "Secretaría de Economía de México",
        (-8, 18),
        ["MX"],
        ["metalworking", "logistics"],
        ["cluster-management"],
        D("2500000"),
        "MXN",
        "https://www.gob.mx/se/",
        (
            "Licitación: consultoría para desarrollo de proveedores automotrices",
            "Tender: consultancy for automotive supplier development",
            "Licitação: consultoria para desenvolvimento de fornecedores automotivos",
        ),
        (
            "Contratación de una firma consultora para acompañar a 40 proveedores de los clústeres "
            "automotrices del Bajío.",
            "Hiring of a consulting firm to support 40 suppliers of the Bajío automotive clusters.",
            "Contratação de uma consultoria para acompanhar 40 fornecedores dos clusters "
            "automotivos do Bajío.",
        ),
    ),
    (
        "tci-conferencia-global",
        "event",
        "TCI Network",
        (20, 120),
        "*",
        [],
        ["cluster-management", "innovation"],
        None,
        "",
        "https://www.tci-network.org/",
        (
            "Conferencia global TCI: llamado a ponencias",
            "TCI Global Conference: call for papers",
            "Conferência global TCI: chamada de trabalhos",
        ),
        (
            "Envío de resúmenes sobre políticas de clústeres y desarrollo territorial.",
            "Abstracts on cluster policy and territorial development.",
            "Envio de resumos sobre políticas de clusters e desenvolvimento territorial.",
        ),
    ),
    (
        "caf-sostenibilidad-pymes",
        "grant",
        "CAF · Banco de Desarrollo de América Latina y el Caribe",
        (-60, 30),
        ["PE", "BO", "EC", "CO"],
        ["agrifood", "energy"],
        ["sustainability", "financing"],
        D("75000"),
        "USD",
        "https://www.caf.com/es/convocatorias/",
        (
            "CAF: transición verde de pymes en cadenas andinas",
            "CAF: green transition of small firms in Andean value chains",
            "CAF: transição verde de PMEs em cadeias andinas",
        ),
        (
            "Donaciones para diagnósticos de huella de carbono y eficiencia energética en grupos "
            "de pymes.",
            "Grants for carbon-footprint and energy-efficiency assessments in groups of small "
            "firms.",
            "Doações para diagnósticos de pegada de carbono e eficiência energética em grupos de "
            "PMEs.",
        ),
    ),
    (
        "cepal-taller-evaluacion-impacto",
        "training",
        "CEPAL · Comisión Económica para América Latina y el Caribe",
        (-45, -3),
        "*",
        [],
        ["training-directors"],
        None,
        "",
        "https://www.cepal.org/es/cursos",
        (
            "Taller CEPAL: evaluación de impacto de políticas de clústeres",
            "ECLAC workshop: impact evaluation of cluster policies",
            "Oficina CEPAL: avaliação de impacto de políticas de clusters",
        ),
        (
            "Taller práctico en línea (cerrado).",
            "Hands-on online workshop (closed).",
            "Oficina prática online (encerrada).",
        ),
    ),
    (
        "anii-innovacion-sectorial",
        "funding_call",
        "ANII Uruguay",
        (-90, -10),
        ["UY"],
        ["software-it"],
        ["innovation"],
        D("5000000"),
        "UYU",
        "https://www.anii.org.uy/",
        (
            "ANII: innovación sectorial en red",
            "ANII: networked sectoral innovation",
            "ANII: inovação setorial em rede",
        ),
        (
            "Fondos para proyectos de innovación de grupos de empresas uruguayas (cerrada).",
            "Funds for innovation projects of groups of Uruguayan firms (closed).",
            "Fundos para projetos de inovação de grupos de empresas uruguaias (encerrada).",
        ),
    ),
]

PROPOSAL = (
    "sercotec-redes-mercado",
    "funding_call",
    "SERCOTEC",
    (-2, 21),
    ["CL"],
    ["agrifood"],
    ["financing"],
    D("30000000"),
    "CLP",
    "https://www.sercotec.cl/",
    ("SERCOTEC: Redes de mercado para cooperativas", "", ""),
    ("Fondos para redes de pymes y cooperativas que vendan juntas.", "", ""),
)


def _save(row, *, now, sectors, topics, status, by) -> Opportunity:
    slug, kind, organiser, (opens, closes), countries, sector_slugs, topic_slugs = row[:7]
    amount, currency, link, titles, descriptions = row[7:]
    opportunity = Opportunity.objects.filter(slug=slug).first() or Opportunity(slug=slug)
    opportunity.kind = kind
    opportunity.organiser = organiser
    # Whole hours in UTC, late afternoon in the region: closing time is part of the deadline.
    base = now.replace(hour=23, minute=0, second=0, microsecond=0)
    opportunity.opens_at = base + dt.timedelta(days=opens) - dt.timedelta(hours=10)
    opportunity.closes_at = base + dt.timedelta(days=closes)
    opportunity.whole_region = countries == "*"
    opportunity.countries = [] if countries == "*" else countries
    opportunity.amount, opportunity.currency, opportunity.link = amount, currency, link
    for code, title, description in zip(("es", "en", "pt_br"), titles, descriptions, strict=True):
        setattr(opportunity, f"title_{code}", title)
        setattr(opportunity, f"description_{code}", description)
    opportunity.title = titles[0]
    opportunity.language = "es"
    opportunity.status = status
    opportunity.proposed_by = by
    if status == Opportunity.Status.PUBLISHED:
        opportunity.published_at = opportunity.published_at or min(now, opportunity.opens_at)
        # Demo rows are no news: nobody is told of them (the following app would otherwise).
        opportunity.announced_at = opportunity.announced_at or now
    opportunity.save()
    opportunity.sectors.set([sectors[s] for s in sector_slugs if s in sectors])
    opportunity.topics.set([topics[t] for t in topic_slugs if t in topics])
    return opportunity


def seed(write) -> None:
    from iapt_platform.moderation.services import moderation_submit

    topics = seed_topics(Topic, TOPICS)
    sectors = {s.slug: s for s in Sector.objects.all()}
    users = get_user_model().objects
    moderator = users.filter(email="moderator@demo.iapt.local").first()
    member = users.filter(email="member@demo.iapt.local").first()
    now = timezone.now()
    for row in ROWS:
        _save(row, now=now, sectors=sectors, topics=topics, status="published", by=moderator)
    # Once: a second run leaves the proposal (and its place in the queue) as it is.
    if member is not None and not Opportunity.objects.filter(slug=PROPOSAL[0]).exists():
        proposal = _save(
            PROPOSAL, now=now, sectors=sectors, topics=topics, status="pending", by=member
        )
        moderation_submit(obj=proposal, kind="opportunity", submitted_by=member)
    write(f"Opportunities: {len(ROWS)} published (some closed), one proposal in the queue.")
