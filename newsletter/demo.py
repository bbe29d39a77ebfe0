"""Demo data: topics, subscribers in three languages, two sent issues in the archive, one draft.

The sent issues send nothing: their delivery rows are written as a send would have left them (one
per demo subscriber, a few a second), so that staff pages show what a real send shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from iapt_platform.lib.taxonomy import seed_topics

from .consent import CONSENT_VERSION
from .models import (
    Block,
    Delivery,
    Edition,
    EditionLink,
    Issue,
    MailEvent,
    Subscriber,
    Topic,
)
from .rendering import freeze_editions

TOPICS = [
    # slug, Spanish, English, Portuguese
    ("financing", "Financiamiento de clústeres", "Financing clusters", "Financiamento de clusters"),
    ("training", "Formación de gerentes", "Training cluster managers", "Formação de gestores"),
    ("evaluation", "Evaluación de impacto", "Impact evaluation", "Avaliação de impacto"),
    ("digital", "Economía digital", "Digital economy", "Economia digital"),
    ("events", "Encuentros y eventos", "Meetings and events", "Encontros e eventos"),
    ("calls", "Convocatorias", "Calls and opportunities", "Chamadas e oportunidades"),
]

SUBSCRIBERS = [
    ("lectora.es@demo.iapt.local", "Ana Torres", "es", "CO", ["financing", "events"]),
    ("lector.mx@demo.iapt.local", "Jorge Medina", "es", "MX", []),
    ("reader.en@demo.iapt.local", "Grace Clarke", "en", "JM", ["digital"]),
    ("reader.tt@demo.iapt.local", "Ravi Persad", "en", "TT", []),
    ("leitora.br@demo.iapt.local", "Beatriz Souza", "pt-br", "BR", ["training", "evaluation"]),
    ("leitor.br@demo.iapt.local", "Paulo Lima", "pt-br", "BR", []),
]

ISSUES = {
    1: {
        "es": (
            "Boletín IAPT n.º 1: la comunidad se presenta",
            "Primer encuentro regional y nuevas iniciativas",
        ),
        "en": (
            "IAPT bulletin no. 1: meet the community",
            "First regional meeting and new initiatives",
        ),
        "pt-br": (
            "Boletim IAPT nº 1: a comunidade se apresenta",
            "Primeiro encontro regional e novas iniciativas",
        ),
    },
    2: {
        "es": (
            "Boletín IAPT n.º 2: financiar un clúster",
            "Metodologías de financiamiento y una convocatoria abierta",
        ),
        "en": (
            "IAPT bulletin no. 2: financing a cluster",
            "Financing methodologies and an open call",
        ),
        "pt-br": (
            "Boletim IAPT nº 2: financiar um cluster",
            "Metodologias de financiamento e uma chamada aberta",
        ),
    },
    3: {
        "es": ("Boletín IAPT n.º 3", ""),
        "en": ("IAPT bulletin no. 3", ""),
        "pt-br": ("Boletim IAPT nº 3", ""),
    },
}

INTROS = {
    1: {
        "es": (
            "Bienvenidos",
            "En enero de 2024 se reunieron **41 personas** de entidades de 10 países. Este boletín cuenta lo que hace la comunidad.",
        ),
        "en": (
            "Welcome",
            "In January 2024, **41 people** from entities in 10 countries met online. This bulletin tells what the community does.",
        ),
        "pt-br": (
            "Boas-vindas",
            "Em janeiro de 2024, **41 pessoas** de entidades de 10 países se reuniram. Este boletim conta o que a comunidade faz.",
        ),
    },
    2: {
        "es": (
            "Cómo se financia un clúster",
            "El taller de octubre reunió a unas **180 personas**. Resumimos las metodologías de financiamiento que se compartieron.",
        ),
        "en": (
            "How a cluster is financed",
            "The October workshop gathered about **180 people**. Here are the financing methodologies they shared.",
        ),
        "pt-br": (
            "Como se financia um cluster",
            "A oficina de outubro reuniu cerca de **180 pessoas**. Resumimos as metodologias de financiamento compartilhadas.",
        ),
    },
    3: {
        "es": ("Borrador", "Texto de introducción del próximo boletín."),
        "en": ("Draft", "Introduction of the next bulletin."),
        "pt-br": ("Rascunho", "Introdução do próximo boletim."),
    },
}


def ensure_topics() -> dict[str, Topic]:
    return seed_topics(Topic, TOPICS)


def _record_deliveries(issue: Issue, started_at) -> None:
    readers = Subscriber.objects.filter(email__in=[row[0] for row in SUBSCRIBERS]).order_by("pk")
    Delivery.objects.bulk_create(
        [
            Delivery(
                issue=issue,
                subscriber=reader,
                status=Delivery.Status.SENT,
                language=reader.language,
                attempts=1,
                sent_at=started_at + timedelta(milliseconds=200 * index),
            )
            for index, reader in enumerate(readers)
        ],
        ignore_conflicts=True,  # seeding again keeps the rows of the first time
    )


# Readers who came and went over the past year, for the subscribers-over-time chart: one every
# nine days, in turn in each language; every fifth left a few weeks later.
HISTORY = 40
LANGUAGE_CYCLE = ["es", "es", "pt-br", "en"]


def _seed_history(now) -> None:
    for n in range(HISTORY):
        confirmed = now - timedelta(days=9 * n + 3)
        left = confirmed + timedelta(days=25) if n % 5 == 4 else None
        gone = left is not None and left < now
        Subscriber.objects.update_or_create(
            email=f"history.{n}@demo.iapt.local",
            defaults={
                "language": LANGUAGE_CYCLE[n % len(LANGUAGE_CYCLE)],
                "status": Subscriber.Status.UNSUBSCRIBED if gone else Subscriber.Status.CONFIRMED,
                "consent_at": confirmed,
                "confirmed_at": confirmed,
                "unsubscribed_at": left if gone else None,
                "consent_text_version": CONSENT_VERSION,
                "consent_source": Subscriber.Source.FORM,
                "consent_source_detail": "demo data",
            },
        )


def _seed_results(issue: Issue) -> None:
    """A sent issue's results: its links counted (as a send does), some clicks, a bounce, a
    complaint and a departure, the same figures every time."""
    freeze_editions(issue)
    for link in EditionLink.objects.filter(edition__issue=issue):
        clicks = (link.position * 7 + issue.number * 5) % 13
        EditionLink.objects.filter(pk=link.pk).update(clicks=clicks)
    Edition.objects.filter(issue=issue, language="es").update(unsubscribes=issue.number - 1)
    readers = {s.email: s for s in Subscriber.objects.filter(email__in=[r[0] for r in SUBSCRIBERS])}
    for kind, email, reason in [
        (MailEvent.Kind.BOUNCED, "reader.tt@demo.iapt.local", "550 5.1.1 Mailbox unavailable"),
        (MailEvent.Kind.COMPLAINED, "leitor.br@demo.iapt.local", ""),
    ][: issue.number]:
        reader = readers[email]
        MailEvent.objects.get_or_create(
            kind=kind,
            subscriber=reader,
            issue=issue,
            defaults={
                "language": reader.language,
                "reason": reason,
                "occurred_at": issue.sent_at or timezone.now(),
            },
        )


def seed(write: Callable[[str], None]) -> None:
    topics = ensure_topics()
    now = timezone.now()
    for email, name, language, country, topic_slugs in SUBSCRIBERS:
        subscriber, _created = Subscriber.objects.update_or_create(
            email=email,
            defaults={
                "name": name,
                "language": language,
                "country": country,
                "status": Subscriber.Status.CONFIRMED,
                "consent_at": now,
                "confirmed_at": now,
                "consent_text_version": CONSENT_VERSION,
                "consent_source": Subscriber.Source.FORM,
                "consent_source_detail": "demo data",
            },
        )
        subscriber.topics.set([topics[s] for s in topic_slugs])
    for number, editions in ISSUES.items():
        sent = number < 3
        sent_at = now - timedelta(days=30 * (3 - number)) if sent else None
        issue, _created = Issue.objects.update_or_create(
            number=number,
            defaults={
                "status": Issue.Status.SENT if sent else Issue.Status.DRAFT,
                "sent_at": sent_at,
                "send_started_at": sent_at,
            },
        )
        for language, (subject, preheader) in editions.items():
            Edition.objects.update_or_create(
                issue=issue,
                language=language,
                defaults={"subject": subject, "preheader": preheader},
            )
        content = {
            language: {"title": title, "body": body, "image_alt": ""}
            for language, (title, body) in INTROS[number].items()
        }
        Block.objects.update_or_create(
            issue=issue,
            source_key="demo:intro",
            defaults={
                "kind": Block.Kind.INTRO,
                "order": 0,
                "content": content,
                "link_url": "https://www.cepal.org/",
            },
        )
        if sent_at is not None:
            _record_deliveries(issue, sent_at)
            _seed_results(issue)
    _seed_history(now)
    write(
        f"Bulletin: {len(SUBSCRIBERS)} subscribers in three languages, "
        "issues #1 and #2 in the archive, #3 as a draft"
    )


def seed_activity(write: Callable[[str], None]) -> None:
    """Readers who subscribed, and readers who left, in each of the last nine months, for the
    community dashboard: ten join each month and five or six of them leave the month after, so
    that no month's figure is small enough to be withheld (`dashboard/figures.py`). Idempotent:
    the same 90 addresses and dates on every run. Like every demo address they are at
    demo.iapt.local, and the demo's email goes to the console and to files."""
    from iapt_platform.lib.demo import months_ago

    countries = ["AR", "BR", "CL", "CO", "EC", "MX", "PE", "UY", "CR", "DO"]
    for back in range(9):
        for k in range(10):
            n = 10 * back + k
            joined = months_ago(back).replace(day=3 + 2 * k)
            # Leaves on the 10th to the 20th of the next month (for last month: this month).
            left = (
                (joined + timedelta(days=35)).replace(day=10 + 2 * k) if k < 5 + back % 2 else None
            )
            Subscriber.objects.update_or_create(
                email=f"reader{n:02d}@demo.iapt.local",
                defaults={
                    "language": "pt-br" if countries[k] == "BR" else "es",
                    "country": countries[k],
                    "status": Subscriber.Status.UNSUBSCRIBED
                    if left
                    else Subscriber.Status.CONFIRMED,
                    "consent_at": joined,
                    "confirmed_at": joined,
                    "unsubscribed_at": left,
                    "consent_text_version": CONSENT_VERSION,
                    "consent_source": Subscriber.Source.FORM,
                    "consent_source_detail": "demo data",
                },
            )
    write("Bulletin: 90 readers who subscribed over the last nine months, half of whom left")
