"""Demo matchmaking: offers and needs across countries, connections at every stage, joint projects.

Runs after the registry (order 70); idempotent: every row is found again by its natural key.
"""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.utils import timezone

from iapt_platform.accounts import roles
from iapt_platform.accounts.demo import DEMO_PASSWORD
from iapt_platform.accounts.models import User
from iapt_platform.moderation.services import moderation_submit
from initiatives.models import Initiative, Sector

from .models import (
    CollaborationPost,
    Connection,
    Project,
    ProjectPartner,
    ProjectUpdate,
    Topic,
)
from .suggestions import suggestions_refresh
from .topics import ensure_topics

# email, name, country, language, time zone, initiatives they manage
MANAGERS = [
    ("promoter@demo.iapt.local", "", "EC", "es", "America/Guayaquil", []),  # from accounts' seeder
    (
        "promoter.co@demo.iapt.local",
        "Camilo Restrepo",
        "CO",
        "es",
        "America/Bogota",
        ["ruta-cafe-huila", "cluster-energia-medellin"],
    ),
    (
        "promoter.pe@demo.iapt.local",
        "Rosa Quispe",
        "PE",
        "es",
        "America/Lima",
        ["agenda-textil-gamarra", "red-turismo-cusco"],
    ),
    (
        "promoter.ar@demo.iapt.local",
        "Martín Ferreyra",
        "AR",
        "es",
        "America/Argentina/Cordoba",
        ["cluster-software-cordoba"],
    ),
    (
        "promoter.br@demo.iapt.local",
        "Ana Souza",
        "BR",
        "pt-br",
        "America/Recife",
        ["apl-software-recife"],
    ),
    (
        "promoter.mx@demo.iapt.local",
        "Jorge Ramírez",
        "MX",
        "es",
        "America/Mexico_City",
        ["cluster-aguacate-michoacan"],
    ),
]

# initiative, direction, kind, topics, sectors, countries, days until expiry, language, title, text
POSTS = [
    ("cluster-cacao-esmeraldas", "need", "training", ["cybersecurity"], ["agrifood"], ["AR", "CO", "PE"], 120, "es",
     "Formación en ciberseguridad para exportadores de cacao",
     "Nuestras 40 empresas exportan a Europa y reciben **ataques de phishing** cada semana.\n\n"
     "Buscamos un programa de formación de 3 meses para responsables de sistemas y gerentes."),
    ("cluster-cacao-esmeraldas", "need", "market_access", ["ecommerce"], ["coffee-cocoa"], [], 90, "es",
     "Canales de comercio electrónico para chocolate fino",
     "Queremos vender chocolate de origen en línea en la región. Buscamos socios con experiencia."),
    ("cluster-software-cordoba", "offer", "training", ["cybersecurity", "digital-skills"], [], [], 180, "es",
     "Programa de formación en ciberseguridad para pymes",
     "Ofrecemos un programa probado con 120 pymes: diagnóstico, talleres y simulacros."),
    ("apl-software-recife", "offer", "technology", ["data-ai", "industry-4-0"], ["agrifood"], ["MX", "CO"], 150, "pt-br",
     "Soluções de IA para rastreabilidade agroindustrial",
     "Nossas empresas desenvolvem rastreabilidade com visão computacional e sensores."),
    ("cluster-aguacate-michoacan", "need", "technology", ["data-ai"], ["agrifood"], ["BR"], 100, "es",
     "Trazabilidad con datos e IA para aguacate de exportación",
     "Buscamos tecnología de trazabilidad para cumplir requisitos de importadores."),
    ("ruta-cafe-huila", "need", "technology", ["data-ai"], ["coffee-cocoa"], [], 60, "es",
     "Datos e IA para la calidad del café",
     "Queremos predecir la calidad de taza a partir de datos de finca."),
    ("ruta-cafe-huila", "offer", "market_access", ["ecommerce"], ["coffee-cocoa"], [], 120, "es",
     "Plataforma de comercio electrónico para cafés y cacaos especiales",
     "Compartimos nuestra tienda en línea regional con otros productores de origen."),
    ("cluster-logistica-guayaquil", "offer", "market_access", ["exports"], ["logistics"], ["PE", "CO"], 200, "es",
     "Servicios logísticos para exportar por el Pacífico",
     "Consolidación de carga y acompañamiento aduanero para pymes de la región."),
    ("agenda-textil-gamarra", "need", "market_access", ["ecommerce", "exports"], ["textiles-apparel"], ["EC", "CO"], 90, "es",
     "Tienda en línea colectiva para confección",
     "Buscamos socios para montar una tienda en línea colectiva y exportar por el Pacífico."),
    ("cluster-energia-medellin", "offer", "research_partner", ["industry-4-0"], ["energy"], [], 150, "es",
     "Socio de investigación en eficiencia energética industrial",
     "Laboratorios y universidades del clúster para proyectos de industria 4.0."),
    # Expired yesterday: it shows nowhere public any more.
    ("red-turismo-cusco", "need", "training", ["digital-skills"], ["tourism"], [], -1, "es",
     "Habilidades digitales para guías de turismo",
     "Cursos cortos de marketing digital para guías y agencias."),
]  # fmt: skip

# Waiting in the moderation queue.
POST_IN_REVIEW: tuple = (
    "agenda-textil-gamarra", "offer", "supplier", ["sustainability"], ["textiles-apparel"], [], 120, "es",
    "Proveedores de algodón orgánico certificado",
    "Talleres de Gamarra ofrecen confección con algodón orgánico peruano.",
)  # fmt: skip

# from, to, status, stage, message
CONNECTIONS = [
    ("cluster-cacao-esmeraldas", "cluster-software-cordoba", "accepted", "joint_project",
     "Vimos su programa de ciberseguridad: es justo lo que nuestras empresas necesitan."),
    ("cluster-aguacate-michoacan", "apl-software-recife", "accepted", "agreement",
     "Nos interesa su solución de trazabilidad para aguacate."),
    ("ruta-cafe-huila", "apl-software-recife", "accepted", "met",
     "¿Podríamos adaptar su solución a la calidad del café?"),
    ("agenda-textil-gamarra", "ruta-cafe-huila", "accepted", "contacted",
     "Nos gustaría sumarnos a su tienda en línea regional."),
    ("cluster-logistica-guayaquil", "agenda-textil-gamarra", "accepted", "",
     "Podemos consolidar su carga hacia Guayaquil y el Pacífico."),
    ("cluster-energia-medellin", "cluster-cacao-esmeraldas", "pending", "",
     "Proponemos medir el consumo energético de sus plantas de proceso."),
    ("red-turismo-cusco", "cluster-logistica-guayaquil", "declined", "",
     "¿Tienen servicios para operadores turísticos?"),
]  # fmt: skip

# slug, title, stage, status, topics, countries, partners (slug, confirmed), call, results, summary
PROJECTS = [
    ("ciberseguridad-agroexportadora-andina", "Ciberseguridad para cadenas agroexportadoras andinas",
     "consortium", "published", ["cybersecurity", "digital-skills"], ["EC", "AR", "PE"],
     [("cluster-cacao-esmeraldas", True), ("cluster-software-cordoba", True),
      ("agenda-textil-gamarra", False)],
     "Buscamos clústeres agroexportadores de **Perú y Colombia** que quieran formar a sus empresas.",
     "",
     "Un programa regional de formación y simulacros de ciberseguridad para pymes exportadoras, "
     "diseñado en Córdoba y adaptado a las cadenas de cacao y café."),
    ("trazabilidad-digital-aguacate-cafe", "Trazabilidad digital del aguacate y el café",
     "funded", "published", ["data-ai", "industry-4-0"], ["MX", "BR", "CO"],
     [("cluster-aguacate-michoacan", True), ("apl-software-recife", True), ("ruta-cafe-huila", True)],
     "", "",
     "Pilotos de trazabilidad con visión computacional en 30 fincas de Michoacán y Huila."),
    ("corredor-logistico-digital-pacifico", "Corredor logístico digital del Pacífico",
     "finished", "published", ["exports", "ecommerce"], ["EC", "PE"],
     [("cluster-logistica-guayaquil", True), ("agenda-textil-gamarra", True)],
     "",
     "- 45 pymes textiles exportaron por primera vez\n- Tiempo de despacho reducido en 30 %",
     "Consolidación de carga y ventanilla digital compartida entre Guayaquil y Lima."),
    ("red-regional-habilidades-digitales", "Red regional de habilidades digitales industriales",
     "idea", "in_review", ["digital-skills", "industry-4-0"], ["CO"],
     [("cluster-energia-medellin", True)],
     "Buscamos universidades y clústeres industriales de la región.", "",
     "Una red de formación en habilidades digitales para la industria."),
]  # fmt: skip


def _managers(write) -> dict[str, User]:
    """Demo managers for initiatives outside Ecuador; returns the first manager per initiative."""
    owners: dict[str, User] = {}
    for email, name, country, language, zone, slugs in MANAGERS:
        user = User.objects.filter(email=email).first()
        if user is None and name:
            user = User.objects.create(
                email=email,
                display_name=name,
                country=country,
                language=language,
                time_zone=zone,
                organisation="",
            )
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if user is None:
            continue
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        roles.grant_role(user, roles.MEMBER)
        roles.grant_role(user, roles.PROMOTER)
        for initiative in Initiative.objects.filter(slug__in=slugs):
            initiative.managers.add(user)
    for initiative in Initiative.objects.filter(revision_of=None).prefetch_related("managers"):
        managers = list(initiative.managers.all())
        if managers:
            owners[initiative.slug] = managers[0]
    return owners


def _post(row, initiatives, topics, sectors, owners, now, status) -> CollaborationPost | None:
    slug, direction, kind, topic_slugs, sector_slugs, countries, days, lang, title, text = row
    initiative = initiatives.get(slug)
    if initiative is None:
        return None
    post, _created = CollaborationPost.objects.update_or_create(
        initiative=initiative,
        title=title,
        defaults={
            "direction": direction,
            "kind": kind,
            "text": text,
            "text_language": lang,
            "countries": countries,
            "expires_at": now + timedelta(days=days),
            "status": status,
            "published_at": now - timedelta(days=10) if status == "published" else None,
            "created_by": owners.get(slug),
        },
    )
    post.topics.set([topics[t] for t in topic_slugs])
    post.sectors.set([sectors[s] for s in sector_slugs if s in sectors])
    return post


def seed(write) -> None:
    ensure_topics(Topic)
    owners = _managers(write)
    now = timezone.now()
    initiatives = {i.slug: i for i in Initiative.objects.published()}
    topics = {t.slug: t for t in Topic.objects.all()}
    sectors = {s.slug: s for s in Sector.objects.all()}
    for row in POSTS:
        _post(row, initiatives, topics, sectors, owners, now, "published")
    waiting = _post(POST_IN_REVIEW, initiatives, topics, sectors, owners, now, "in_review")
    if waiting is not None and owners.get(POST_IN_REVIEW[0]):
        moderation_submit(
            obj=waiting, kind="collaboration_post", submitted_by=owners[POST_IN_REVIEW[0]]
        )

    connections = {}
    for index, (source, target, status, stage, message) in enumerate(CONNECTIONS):
        if source not in initiatives or target not in initiatives:
            continue
        created = now - timedelta(days=60 - index * 5)
        connection, _created = Connection.objects.update_or_create(
            from_initiative=initiatives[source],
            to_initiative=initiatives[target],
            defaults={
                "status": status,
                "message": message,
                "sent_by": owners.get(source),
                "created_at": created,
                "decided_at": created + timedelta(days=2) if status != "pending" else None,
                "decided_by": owners.get(target) if status != "pending" else None,
                "stage": stage,
                **{
                    f"{step}_at": created + timedelta(days=5 + 7 * n)
                    for n, step in enumerate(Connection.STAGE_ORDER[1:])
                    if stage
                    and Connection.STAGE_ORDER.index(step) <= Connection.STAGE_ORDER.index(stage)
                },
            },
        )
        shared = set(
            CollaborationPost.objects.filter(
                initiative__in=[connection.from_initiative, connection.to_initiative]
            ).values_list("topics", flat=True)
        )
        connection.topics.set([t for t in shared if t])
        connections[(source, target)] = connection

    for (
        slug,
        title,
        stage,
        status,
        topic_slugs,
        countries,
        partners,
        call,
        results,
        summary,
    ) in PROJECTS:
        if partners[0][0] not in initiatives:
            continue
        project, _created = Project.objects.update_or_create(
            slug=slug,
            defaults={
                "title": title,
                "stage": stage,
                "status": status,
                "countries": countries,
                "call_to_join": call,
                "results": results,
                "summary": summary,
                "text_language": "es",
                "created_by": owners.get(partners[0][0]),
                "published_at": now - timedelta(days=20) if status == "published" else None,
            },
        )
        project.topics.set([topics[t] for t in topic_slugs])
        for partner_slug, confirmed in partners:
            if partner_slug in initiatives:
                ProjectPartner.objects.update_or_create(
                    project=project,
                    initiative=initiatives[partner_slug],
                    defaults={
                        "confirmed": confirmed,
                        "accepted": True,
                        "confirmed_at": now if confirmed else None,
                        "confirmed_by": owners.get(partner_slug) if confirmed else None,
                        "added_by": owners.get(partners[0][0]),
                    },
                )
        if status == "in_review" and owners.get(partners[0][0]):
            moderation_submit(
                obj=project, kind="joint_project", submitted_by=owners[partners[0][0]]
            )
    first = Project.objects.filter(slug=PROJECTS[0][0]).first()
    if first is not None and "cluster-software-cordoba" in initiatives:
        ProjectUpdate.objects.update_or_create(
            project=first,
            initiative=initiatives["cluster-software-cordoba"],
            text="Primer taller en Esmeraldas: 28 empresas, 3 simulacros de phishing.",
            defaults={
                "status": ProjectUpdate.Status.PUBLISHED,
                "author": owners.get("cluster-software-cordoba"),
            },
        )
        first.connection = connections.get(("cluster-cacao-esmeraldas", "cluster-software-cordoba"))
        first.save(update_fields=["connection"])
    run = suggestions_refresh(full=True)
    write(
        f"Matchmaking: {len(POSTS) + 1} offers and needs, {len(CONNECTIONS)} connections, "
        f"{len(PROJECTS)} joint projects, suggestions for {run.initiatives} initiatives; "
        "demo managers promoter.{co,pe,ar,br,mx}@demo.iapt.local."
    )


def seed_activity(write) -> None:
    """Dates spread over the last months, for the community dashboard: offers and needs
    published, connections asked for and the outcomes they reached (idempotent)."""
    from iapt_platform.lib.demo import month_indices, months_ago

    posts = CollaborationPost.objects.filter(published_at__isnull=False).order_by("pk")
    for i, pk in enumerate(posts.values_list("pk", flat=True)):
        CollaborationPost.objects.filter(pk=pk).update(published_at=months_ago(i))
    connections = list(Connection.objects.order_by("pk"))
    # Connections that reached an outcome early in a month (its first step the same month), in
    # both the last quarter and the quarter before.
    indices = month_indices([bool(c.stage) for c in connections])
    for i, connection in zip(indices, connections, strict=True):
        created = months_ago(i).replace(day=3 + i % 4)
        steps = {
            f"{step}_at": created + timedelta(days=5 + 7 * n)
            for n, step in enumerate(Connection.STAGE_ORDER[1:])
            if connection.stage
            and Connection.STAGE_ORDER.index(step) <= Connection.STAGE_ORDER.index(connection.stage)
        }
        Connection.objects.filter(pk=connection.pk).update(
            created_at=created,
            decided_at=created + timedelta(days=2) if connection.decided_at else None,
            **steps,
        )
    write("matchmaking: post, connection and outcome dates spread over the last months")
