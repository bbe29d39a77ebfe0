"""Staff's funnel by country and topic; what the community digest reads; the demo data."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from initiatives.matchmaking import selectors, services
from initiatives.matchmaking.models import Connection, Project, Topic
from tests.addresses import address
from tests.factories import InitiativeFactory, UserFactory

from .conftest import make_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def funnel_data(initiative_a, initiative_b, promoter_a, promoter_b, topics):
    """A (EC) → B (PE) accepted and met, on cybersecurity; C (EC) → A pending, no topic."""
    make_post(initiative_a, direction="need", topics=["cybersecurity"])
    make_post(initiative_b, direction="offer", topics=["cybersecurity"])
    first = services.connection_create(
        user=promoter_a, from_initiative=initiative_a, to_initiative=initiative_b, message="Hi"
    )
    services.connection_decide(connection=first, user=promoter_b, accept=True)
    services.connection_set_stage(connection=first, user=promoter_a, stage="met")
    manager_c = UserFactory()
    other = InitiativeFactory(country="EC")
    other.managers.add(manager_c)
    services.connection_create(
        user=manager_c, from_initiative=other, to_initiative=initiative_a, message="Hola"
    )


def counts(rows):
    return {row.key: row.counts for row in rows}


def test_the_funnel_counts_by_country_each_side_once(funnel_data):
    by_country = counts(selectors.funnel_by_country())
    assert by_country["EC"] == {
        "sent": 2, "accepted": 1, "contacted": 1, "met": 1, "agreement": 0, "joint_project": 0
    }  # fmt: skip
    assert by_country["PE"]["sent"] == 1 and by_country["PE"]["met"] == 1
    assert selectors.funnel_totals()["sent"] == 2


def test_the_funnel_counts_by_topic(funnel_data):
    by_topic = counts(selectors.funnel_by_topic())
    assert by_topic["cybersecurity"]["met"] == 1
    assert by_topic[""]["sent"] == 1  # the connection without a topic


def test_the_funnel_page_is_for_moderators_with_two_factor(
    client, funnel_data, moderator_with_totp, promoter_a
):
    url = reverse("matchmaking:funnel")
    assert client.get(url).status_code == 302
    client.force_login(promoter_a)
    assert client.get(url).status_code == 403
    moderator_with_totp.language = "en"
    moderator_with_totp.save()
    client.force_login(moderator_with_totp)
    body = client.get(url).content.decode()
    assert "Collaboration funnel" in body
    assert "Ecuador" in body and "Peru" in body


def test_a_moderator_without_two_factor_is_sent_to_set_it_up(client, moderator_without_totp):
    client.force_login(moderator_without_totp)
    response = client.get(reverse("matchmaking:funnel"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_the_digest_gets_new_posts_and_projects_on_followed_topics(
    initiative_a, initiative_b, topics
):
    since = timezone.now() - timedelta(days=7)
    cyber = make_post(initiative_b, direction="offer", topics=["cybersecurity"])
    make_post(initiative_b, direction="need", topics=["cloud"])
    make_post(initiative_a, direction="need", topics=["cybersecurity"], days=-1)  # expired
    old = make_post(initiative_a, direction="need", topics=["cybersecurity"])
    old.published_at = since - timedelta(days=1)
    old.save()
    project = Project.objects.create(
        slug="p", title="P", summary="S", status="published", published_at=timezone.now()
    )
    project.topics.set([topics["cybersecurity"]])
    Project.objects.create(slug="q", title="Q", summary="S", status="in_review").topics.set(
        [topics["cybersecurity"]]
    )

    for followed in (["cybersecurity"], [topics["cybersecurity"]], [topics["cybersecurity"].pk]):
        items = selectors.new_for_digest(since=since, topics=followed)
        assert items.posts == [cyber]
        assert items.projects == [project]
    assert not selectors.new_for_digest(since=since, topics=[])
    assert not selectors.new_for_digest(since=since, topics=["fintech"])


def test_the_demo_seeder_is_idempotent(settings):
    from iapt_platform.accounts.demo import seed as seed_accounts
    from initiatives.demo import seed as seed_registry
    from initiatives.matchmaking.demo import seed

    lines: list[str] = []
    seed_accounts(lines.append)
    seed_registry(lines.append)
    seed(lines.append)
    seed(lines.append)

    stages = set(Connection.objects.values_list("stage", flat=True))
    statuses = set(Connection.objects.values_list("status", flat=True))
    assert stages >= {"", "contacted", "met", "agreement", "joint_project"}
    assert statuses == {"pending", "accepted", "declined"}
    assert Connection.objects.count() == 7
    assert Project.objects.published().count() == 3
    assert Topic.objects.filter(digital=True).count() == 8
    promoter = UserFactory._meta.model.objects.get(email="promoter@demo.iapt.local")
    assert selectors.suggestions_for(
        initiative=promoter.managed_initiatives.get(slug="cluster-cacao-esmeraldas")
    )


@pytest.mark.parametrize(
    ("language", "heading"), [("es", "Solicitudes"), ("pt-br", "Solicitações"), ("en", "Requests")]
)
def test_the_funnel_columns_speak_the_moderators_language(
    client, funnel_data, moderator_with_totp, language, heading
):
    moderator_with_totp.language = language
    moderator_with_totp.save()
    client.force_login(moderator_with_totp)
    body = client.get(address("matchmaking:funnel", language=language)).content.decode()
    assert f'<th scope="col">{heading}</th>' in body or f">{heading}<" in body
