"""The read-only API of open opportunities, and the demo data."""

import datetime as dt

import pytest
from django.utils import timezone

from initiatives.opportunities.models import Opportunity

from .factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def test_the_api_lists_open_ones_with_the_lists_filters(client, django_assert_max_num_queries):
    OpportunityFactory(title_en="Open", amount=1000, currency="USD")
    OpportunityFactory(title_en="Draft", status=Opportunity.Status.DRAFT)
    OpportunityFactory(
        title_en="Closed",
        opens_at=timezone.now() - dt.timedelta(days=3),
        closes_at=timezone.now() - dt.timedelta(days=1),
    )
    OpportunityFactory(title_en="Peru", countries=["PE"])
    with django_assert_max_num_queries(6):
        response = client.get("/api/opportunities/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    first = data["results"][0]
    assert first["countries"] == ["EC"] and first["amount"] == "1000.00"
    assert first["closes_at"].endswith("Z")
    assert first["url"].endswith(f"/opportunities/{first['slug']}/")
    only_peru = client.get("/api/opportunities/", {"country": "PE"}).json()
    assert [r["countries"] for r in only_peru["results"]] == [["PE"]]
    assert client.get("/api/opportunities/", {"country": "US"}).status_code == 400
    assert client.get("/api/opportunities/", {"sector": "unknown-slug"}).json()["count"] == 0


def test_the_api_gives_one_open_opportunity_and_hides_the_others(client):
    opportunity = OpportunityFactory()
    draft = OpportunityFactory(status=Opportunity.Status.DRAFT)
    assert client.get(f"/api/opportunities/{opportunity.slug}/").status_code == 200
    assert client.get(f"/api/opportunities/{draft.slug}/").status_code == 404


def test_the_schema_documents_the_endpoint(client):
    schema = client.get("/api/schema/?format=json").json()
    parameters = {p["name"] for p in schema["paths"]["/api/opportunities/"]["get"]["parameters"]}
    assert {"when", "country", "sector", "topic", "kind", "within"} <= parameters


def test_the_demo_is_idempotent(db):
    from iapt_platform.moderation.models import ModerationEvent
    from initiatives.opportunities import demo
    from tests.factories import UserFactory

    UserFactory(email="member@demo.iapt.local")
    lines: list[str] = []
    demo.seed(lines.append)
    demo.seed(lines.append)
    assert Opportunity.objects.get(status="pending").slug == demo.PROPOSAL[0]
    assert ModerationEvent.objects.count() == 1  # submitted once, not again
    assert Opportunity.objects.filter(status="published").count() == len(demo.ROWS) == 12
    assert Opportunity.objects.closed().count() == 2
    assert Opportunity.objects.open().exists() and Opportunity.objects.upcoming().exists()
