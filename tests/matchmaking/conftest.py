"""Fixtures for matchmaking: the seeded topics, two promoters with an initiative each, posts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from iapt_platform.accounts import roles
from iapt_platform.moderation.models import ModerationItem
from iapt_platform.moderation.services import moderation_decide
from initiatives.matchmaking import services
from initiatives.matchmaking.models import CollaborationPost, Topic
from initiatives.matchmaking.topics import ensure_topics
from initiatives.models import Visibility
from tests.factories import InitiativeFactory, SectorFactory, UserFactory


@pytest.fixture(autouse=True)
def topics(db):
    # Transactional tests (browser journeys) flush the migration's rows: seed them again.
    ensure_topics(Topic)
    return {t.slug: t for t in Topic.objects.all()}


@pytest.fixture
def sectors(db):
    return {
        "agrifood": SectorFactory(
            slug="agrifood",
            name_es="Agroalimentario",
            name_en="Agrifood",
            name_pt_br="Agroalimentar",
        ),
        "software": SectorFactory(
            slug="software-it",
            name_es="Software y servicios TI",
            name_en="Software and IT services",
            name_pt_br="Software e serviços de TI",
        ),
    }


@pytest.fixture
def promoter_a(db):
    return UserFactory(
        email="ana.a@example.org",
        display_name="Ana Andrade",
        language="en",
        roles=[roles.MEMBER, roles.PROMOTER],
    )


@pytest.fixture
def promoter_b(db):
    return UserFactory(
        email="bruno.b@example.org",
        display_name="Bruno Bravo",
        language="en",
        country="PE",
        time_zone="America/Lima",
        roles=[roles.MEMBER, roles.PROMOTER],
    )


SECRET_CONTACT_B = "hidden.contact@cluster-b.example.org"
SECRET_CONTACT_A = "hidden.contact@cluster-a.example.org"


@pytest.fixture
def initiative_a(promoter_a, sectors):
    initiative = InitiativeFactory(
        slug="cacao-esmeraldas",
        name="Clúster del Cacao de Esmeraldas",
        country="EC",
        sectors=[sectors["agrifood"]],
        contact_name="Carla Cacao",
        contact_email=SECRET_CONTACT_A,
        contact_email_visibility=Visibility.HIDDEN,
    )
    initiative.managers.add(promoter_a)
    return initiative


@pytest.fixture
def initiative_b(promoter_b, sectors):
    initiative = InitiativeFactory(
        slug="ciber-lima",
        name="Clúster Ciberseguro de Lima",
        country="PE",
        city="Lima",
        sectors=[sectors["agrifood"], sectors["software"]],
        contact_name="Beatriz Bits",
        contact_email=SECRET_CONTACT_B,
        contact_email_visibility=Visibility.HIDDEN,
        contact_phone="+51 1 555 0000",
        contact_phone_visibility=Visibility.HIDDEN,
    )
    initiative.managers.add(promoter_b)
    return initiative


def make_post(
    initiative,
    *,
    direction="offer",
    kind="training",
    topics=("cybersecurity",),
    countries=(),
    days=30,
    status=CollaborationPost.Status.PUBLISHED,
    title="",
):
    post = CollaborationPost.objects.create(
        initiative=initiative,
        direction=direction,
        kind=kind,
        title=title or f"{direction} {kind} {' '.join(topics)}",
        text="Details.",
        countries=list(countries),
        expires_at=timezone.now() + timedelta(days=days),
        status=status,
        published_at=timezone.now() if status == CollaborationPost.Status.PUBLISHED else None,
    )
    post.topics.set(Topic.objects.filter(slug__in=topics))
    return post


def approve_all(moderator) -> None:
    """Approve every open item through the moderation service, as staff would."""
    for item in ModerationItem.objects.filter(status__in=ModerationItem.OPEN_STATUSES):
        moderation_decide(item=item, moderator=moderator, action="approve", comment="")


@pytest.fixture
def post_data(topics, sectors):
    return {
        "direction": "need",
        "kind": "training",
        "title": "Training in cybersecurity",
        "text": "We need **training**.",
        "text_language": "en",
        "countries": ["PE"],
        "expires_at": timezone.now() + timedelta(days=60),
        "topics": [topics["cybersecurity"]],
        "sectors": [sectors["agrifood"]],
    }


@pytest.fixture
def connected(initiative_a, initiative_b, promoter_a, promoter_b):
    """A wrote to B and B accepted."""
    connection = services.connection_create(
        user=promoter_a,
        from_initiative=initiative_a,
        to_initiative=initiative_b,
        message="Let us work together.",
    )
    return services.connection_decide(connection=connection, user=promoter_b, accept=True)


@pytest.fixture
def project_data(topics):
    return {
        "title": "Cybersecurity for Andean agrifood exporters",
        "summary": "A regional **training** programme.",
        "text_language": "en",
        "topics": [topics["cybersecurity"]],
        "countries": ["EC", "PE"],
        "stage": "consortium",
        "call_to_join": "We look for clusters in Colombia.",
    }


@pytest.fixture
def project(promoter_a, initiative_a, initiative_b, project_data, moderator):
    """Published, led by A; B is invited and has not confirmed yet."""
    project = services.project_create(
        user=promoter_a, lead=initiative_a, data=project_data, partners=[initiative_b]
    )
    approve_all(moderator)
    project.refresh_from_db()
    return project
