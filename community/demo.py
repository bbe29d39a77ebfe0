"""Demo data for the community: members in several countries with profiles, and forum threads with
replies in Spanish, English and Portuguese. Idempotent: threads are found again by category and
title, and their posts are written only when the thread is new."""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from iapt_platform.accounts import roles
from iapt_platform.accounts.models import User

from . import services
from .models import Category, EmailFrequency, MemberProfile, Post, Thread, Topic, Watch
from .taxonomy import seed_taxonomy

DEMO_PASSWORD = "demo-iapt-2026"  # noqa: S105 (the same public password as the demo accounts)

# email, name, organisation, position, country, language, zone, handle, organisation type,
# expertise, interests
EXTRA_MEMBERS = [
    ("ana.mx@demo.iapt.local", "Ana Hernández", "Clúster Automotriz de Nuevo León",
     "Gerente", "MX", "es", "America/Monterrey", "ana-hernandez", "initiative",
     ["financing", "governance"], ["digital-economy"]),
    ("diego.co@demo.iapt.local", "Diego Restrepo", "Cámara de Comercio de Medellín",
     "Coordinador de clústeres", "CO", "es", "America/Bogota", "diego-restrepo", "association",
     ["director-training", "productive-policy"], ["impact-evaluation"]),
    ("sofia.ar@demo.iapt.local", "Sofía Giménez", "Polo TIC Córdoba", "Directora ejecutiva",
     "AR", "es", "America/Argentina/Cordoba", "sofia-gimenez", "initiative",
     ["digital-economy", "innovation"], ["joint-projects", "financing"]),
    ("rafael.pe@demo.iapt.local", "Rafael Quispe", "Red de Turismo de Cusco", "Coordinador",
     "PE", "es", "America/Lima", "rafael-quispe", "initiative",
     ["sustainability"], ["impact-evaluation", "internationalisation"]),
    ("beatriz.br@demo.iapt.local", "Beatriz Souza", "Universidade Federal de Minas Gerais",
     "Pesquisadora", "BR", "pt-br", "America/Sao_Paulo", "beatriz-souza", "academia",
     ["impact-evaluation"], ["productive-policy"]),
    ("kevin.tt@demo.iapt.local", "Kevin Ramdial", "Trinidad and Tobago Energy Cluster",
     "Cluster manager", "TT", "en", "America/Port_of_Spain", "kevin-ramdial", "initiative",
     ["internationalisation"], ["director-training"]),
]  # fmt: skip

# category slug, title, author email, is question, [(author email, body), ...]; the first post opens.
THREADS = [
    (
        "introductions",
        "Hola desde Monterrey",
        "ana.mx@demo.iapt.local",
        False,
        [
            (
                "ana.mx@demo.iapt.local",
                "Soy Ana, gerente del clúster automotriz de Nuevo León. Nos interesa aprender de "
                "**otras experiencias de financiamiento** y de proyectos digitales con proveedores.",
            ),
            (
                "diego.co@demo.iapt.local",
                "¡Bienvenida, Ana! En Medellín trabajamos con 8 clústeres; con gusto compartimos cómo "
                "combinamos recursos públicos y cuotas de las empresas.",
            ),
            (
                "member@demo.iapt.local",
                "Olá Ana! Aqui em Recife o nosso APL de software também está pensando em projetos com "
                "fornecedores. Vamos conversar.",
            ),
        ],
    ),
    (
        "introductions",
        "Greetings from Jamaica",
        "member.en@demo.iapt.local",
        False,
        [
            (
                "member.en@demo.iapt.local",
                "I coordinate the Jamaica Tourism Cluster. We would like to compare notes with "
                "@rafael-quispe and others working on tourism networks.",
            ),
            (
                "rafael.pe@demo.iapt.local",
                "Welcome Andrea! In Cusco our network has 60 firms; happy to share our "
                "experience with community-based tourism.",
            ),
        ],
    ),
    (
        "financing",
        "¿Cómo financian la gerencia del clúster después del apoyo público?",
        "promoter@demo.iapt.local",
        True,
        [
            (
                "promoter@demo.iapt.local",
                "Nuestro programa financia la gerencia de cada clúster por tres años. ¿Qué modelos han "
                "funcionado para que la iniciativa siga después?\n\n- cuotas de socios\n- venta de "
                "servicios\n- proyectos con cooperación internacional",
            ),
            (
                "diego.co@demo.iapt.local",
                "En Medellín la clave fue vender **servicios de valor** (misiones, estudios, formación) "
                "desde el segundo año. Hoy las cuotas cubren cerca del 30 %.",
            ),
            (
                "ana.mx@demo.iapt.local",
                "Coincido con Diego. Agregaría un comité de empresas tractoras que cofinancia proyectos "
                "específicos de desarrollo de proveedores.",
            ),
        ],
    ),
    (
        "impact-evaluation",
        "Avaliação de impacto de APLs: que indicadores usar?",
        "beatriz.br@demo.iapt.local",
        True,
        [
            (
                "beatriz.br@demo.iapt.local",
                "Estamos desenhando uma avaliação de impacto de arranjos produtivos locais em Minas "
                "Gerais. Que indicadores vocês usam além de emprego e faturamento?",
            ),
            (
                "sofia.ar@demo.iapt.local",
                "En el Polo TIC medimos exportaciones de servicios, proyectos colaborativos entre "
                "empresas y formación de talento. Los proyectos colaborativos fueron el mejor "
                "indicador temprano.",
            ),
            (
                "member@demo.iapt.local",
                "Boa pergunta, Beatriz. Nós usamos também o número de empresas que participam em "
                "projetos conjuntos por ano.",
            ),
        ],
    ),
    (
        "digital-economy",
        "Digital marketplace for Caribbean clusters",
        "kevin.tt@demo.iapt.local",
        False,
        [
            (
                "kevin.tt@demo.iapt.local",
                "Is anyone working on a shared digital marketplace for suppliers? We are exploring one "
                "for the energy services firms in Trinidad and Tobago.",
            ),
            (
                "sofia.ar@demo.iapt.local",
                "¡Sí! Desde Córdoba podemos aportar la experiencia de nuestras empresas de software. "
                "Propongo una llamada con @kevin-ramdial y @ana-hernandez.",
            ),
        ],
    ),
    (
        "director-training",
        "Programa de formación de gerentes: contenidos mínimos",
        "diego.co@demo.iapt.local",
        False,
        [
            (
                "diego.co@demo.iapt.local",
                "Estamos actualizando nuestro programa de formación de gerentes de clúster. Los "
                "módulos actuales: estrategia, gobernanza, financiamiento, medición de resultados.",
            ),
            (
                "kevin.tt@demo.iapt.local",
                "We added a module on facilitation and conflict resolution: managers told us it was "
                "what they needed most.",
            ),
        ],
    ),
    (
        "productive-policy",
        "Lecciones del programa nacional de clústeres",
        "moderator@demo.iapt.local",
        False,
        [
            (
                "moderator@demo.iapt.local",
                "Abrimos este hilo para compartir lecciones de los programas nacionales de la región. "
                "¿Qué cambiarían de su programa si empezaran hoy?",
            ),
            (
                "promoter@demo.iapt.local",
                "Empezaríamos con menos iniciativas y más acompañamiento a cada una durante los dos "
                "primeros años.",
            ),
        ],
    ),
]


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


@transaction.atomic
def seed(write) -> None:
    seed_taxonomy(Topic, Category)
    topics = {t.slug: t for t in Topic.objects.all()}
    for (email, name, organisation, position, country, language, zone, handle, kind, knows,
         wants) in EXTRA_MEMBERS:  # fmt: skip
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "display_name": name,
                "organisation": organisation,
                "position": position,
                "country": country,
                "language": language,
                "time_zone": zone,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        roles.grant_role(user, roles.MEMBER)
        profile, _created = MemberProfile.objects.update_or_create(
            user=user,
            defaults={
                "handle": handle,
                "organisation_type": kind,
                "languages": ["es", "en"] if language != "pt-br" else ["pt", "es"],
                "email_visibility": "members",
                "email_frequency": EmailFrequency.DAILY,
            },
        )
        profile.expertise.set([topics[s] for s in knows])
        profile.interests.set([topics[s] for s in wants])
        services.profile_refresh_search(profile=profile)
    for email in (
        "moderator@demo.iapt.local",
        "promoter@demo.iapt.local",
        "member@demo.iapt.local",
        "member.en@demo.iapt.local",
    ):
        user = _user(email)
        if user is not None:
            services.profile_for(user=user)

    categories = {c.slug: c for c in Category.objects.all()}
    start = timezone.now() - dt.timedelta(days=20)
    created_threads = 0
    for index, (slug, title, opener, question, posts) in enumerate(THREADS):
        author = _user(opener)
        if author is None:
            continue
        thread, created = Thread.objects.get_or_create(
            category=categories[slug],
            title=title,
            defaults={"author": author, "is_question": question, "last_posted_at": start},
        )
        if not created:
            continue
        created_threads += 1
        for order, (email, body) in enumerate(posts):
            writer = _user(email)
            when = start + dt.timedelta(days=index * 2, hours=order * 5)
            post = Post.objects.create(
                thread=thread,
                author=writer,
                body=body,
                language=writer.language if writer else "es",
                is_opening=order == 0,
                status=Post.Status.PUBLISHED,
            )
            Post.objects.filter(pk=post.pk).update(created_at=when, published_at=when)
            services.post_refresh_search(post=post)
            if writer is not None:
                Watch.objects.get_or_create(user=writer, thread=thread)
        services.thread_refresh(thread=thread)
    write(
        f"Community: {len(EXTRA_MEMBERS)} more members, {created_threads} new threads "
        f"(password {DEMO_PASSWORD})."
    )


def seed_activity(write) -> None:
    """Dates spread over the last months, for the community dashboard: when members joined, when
    threads and replies were written, and an accepted answer for each question. Idempotent:
    the dates depend only on the order of the rows."""
    from iapt_platform.lib.demo import month_indices, months_ago

    for i, pk in enumerate(User.objects.order_by("pk").values_list("pk", flat=True)):
        User.objects.filter(pk=pk).update(date_joined=months_ago(i))
    threads = list(Thread.objects.order_by("pk"))
    # Questions (and their answers) in both the last quarter and the quarter before.
    indices = month_indices([t.is_question for t in threads])
    for i, thread in zip(indices, threads, strict=True):
        when = months_ago(i)
        Thread.objects.filter(pk=thread.pk).update(created_at=when)
        posts = list(thread.posts.order_by("pk").values_list("pk", flat=True))
        for order, pk in enumerate(posts):
            moment = when + dt.timedelta(days=order * 2, hours=order)
            Post.objects.filter(pk=pk).update(created_at=moment, published_at=moment)
        if thread.is_question and len(posts) > 1 and not thread.accepted_answer_id:
            Thread.objects.filter(pk=thread.pk).update(accepted_answer_id=posts[1])
    write("community: joining, thread and reply dates spread over the last months")
