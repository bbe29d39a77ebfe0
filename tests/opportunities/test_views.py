"""The public list and its filters, a page, documents, RSS, iCalendar, the sitemap and the home."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from initiatives.opportunities.models import Opportunity, OpportunityDocument
from tests.addresses import address
from tests.factories import SectorFactory

from .factories import OpportunityFactory, OpportunityTopicFactory

pytestmark = pytest.mark.django_db

LIST = "/en/opportunities/"


def titles(response) -> list[str]:
    return [o.title_en for o in response.context["page"].object_list]


def test_the_list_shows_open_ones_by_default_and_leaves_out_drafts_closed_and_upcoming(client):
    now = timezone.now()
    OpportunityFactory(title_en="Open")
    OpportunityFactory(title_en="Draft", status=Opportunity.Status.DRAFT)
    OpportunityFactory(title_en="Pending", status=Opportunity.Status.PENDING)
    OpportunityFactory(title_en="Withdrawn", status=Opportunity.Status.WITHDRAWN)
    OpportunityFactory(
        title_en="Closed",
        opens_at=now - dt.timedelta(days=9),
        closes_at=now - dt.timedelta(minutes=1),
    )
    OpportunityFactory(
        title_en="Later", opens_at=now + dt.timedelta(days=2), closes_at=now + dt.timedelta(days=9)
    )
    response = client.get(LIST)
    assert response.status_code == 200
    assert titles(response) == ["Open"]
    assert titles(client.get(LIST, {"when": "upcoming"})) == ["Later"]
    assert titles(client.get(LIST, {"when": "closed"})) == ["Closed"]


def test_an_expired_one_leaves_the_open_list_by_itself(client, time_machine):
    OpportunityFactory(title_en="Soon gone", closes_at=timezone.now() + dt.timedelta(hours=2))
    assert titles(client.get(LIST)) == ["Soon gone"]
    time_machine.move_to(timezone.now() + dt.timedelta(hours=3))
    assert titles(client.get(LIST)) == []
    assert client.get(reverse("api:opportunity-list")).json()["count"] == 0


def test_closing_soon_country_sector_topic_and_kind_filters(client):
    now = timezone.now()
    agrifood, tourism = SectorFactory(slug="agrifood"), SectorFactory(slug="tourism")
    financing = OpportunityTopicFactory(slug="financing")
    OpportunityFactory(
        title_en="Ecuador soon",
        closes_at=now + dt.timedelta(days=3),
        sectors=[agrifood],
        topics=[financing],
    )
    OpportunityFactory(title_en="Ecuador later", closes_at=now + dt.timedelta(days=40))
    OpportunityFactory(
        title_en="Region soon",
        countries=[],
        whole_region=True,
        closes_at=now + dt.timedelta(days=5),
        kind=Opportunity.Kind.TRAINING,
        sectors=[tourism],
    )
    OpportunityFactory(title_en="Peru soon", countries=["PE"], closes_at=now + dt.timedelta(days=2))

    assert titles(client.get(LIST, {"when": "soon"})) == [
        "Peru soon",
        "Ecuador soon",
        "Region soon",
    ]
    assert titles(client.get(LIST, {"when": "soon", "within": 4})) == ["Peru soon", "Ecuador soon"]
    assert titles(client.get(LIST, {"when": "soon", "country": "EC"})) == [
        "Ecuador soon",
        "Region soon",
    ]
    assert titles(client.get(LIST, {"sector": "agrifood"})) == ["Ecuador soon"]
    assert titles(client.get(LIST, {"topic": "financing"})) == ["Ecuador soon"]
    assert titles(client.get(LIST, {"kind": "training"})) == ["Region soon"]
    unknown = client.get(LIST, {"country": "US"})
    assert unknown.status_code == 200 and unknown.context["listing"].invalid
    assert titles(unknown) == []


def test_the_list_reads_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    sectors = [SectorFactory() for _ in range(3)]
    topic = OpportunityTopicFactory()
    for _ in range(3):
        OpportunityFactory(sectors=sectors, topics=[topic])
    client.get(LIST)  # warm: sessions, site caches
    cache.clear()  # visitors get a kept copy: measure the page rendered
    with django_assert_max_num_queries(6) as few:
        client.get(LIST)
    for _ in range(12):
        OpportunityFactory(sectors=sectors, topics=[topic])
    cache.clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert len(response.context["page"].object_list) == 15


def test_a_page_in_the_readers_language_with_its_dates_in_their_zone(client, member):
    opportunity = OpportunityFactory(
        title_en="Cluster fund",
        description_en="Funds for <script>x</script> **clusters**.",
        closes_at=dt.datetime(2030, 3, 1, 23, 0, tzinfo=dt.UTC),
        opens_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    )
    member.time_zone = "America/Sao_Paulo"
    member.save()
    client.force_login(member)
    response = client.get(opportunity.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 lang="en">Cluster fund</h1>' in html
    assert "<strong>clusters</strong>" in html and "<script>x" not in html
    assert "2030-03-01T20:00:00-03:00" in html  # 23:00 UTC is 20:00 in São Paulo
    assert '"@type": "Offer"' in html or '"@type":"Offer"' in html


def test_drafts_and_pending_ones_are_seen_by_their_proposer_and_moderators_only(
    client, member, moderator
):
    opportunity = OpportunityFactory(status=Opportunity.Status.PENDING, proposed_by=member)
    assert client.get(opportunity.get_absolute_url()).status_code == 404
    client.force_login(member)
    assert client.get(opportunity.get_absolute_url()).status_code == 200
    client.force_login(moderator)
    assert client.get(opportunity.get_absolute_url()).status_code == 200


def test_documents_are_downloaded_never_shown_inline(client):
    opportunity = OpportunityFactory()
    document = OpportunityDocument.objects.create(
        opportunity=opportunity,
        file=ContentFile(b"%PDF-1.4 test", name="abc.pdf"),
        original_name="bases.pdf",
        mimetype="application/pdf",
        size=13,
    )
    response = client.get(document.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "bases.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    opportunity.status = Opportunity.Status.WITHDRAWN
    opportunity.save()
    assert client.get(document.get_absolute_url()).status_code == 404


def test_the_rss_feed_lists_open_ones_in_its_language(client):
    OpportunityFactory(title_es="Abierta", title_en="Open one")
    OpportunityFactory(
        title_en="Gone",
        opens_at=timezone.now() - dt.timedelta(days=3),
        closes_at=timezone.now() - dt.timedelta(days=1),
    )
    OpportunityFactory(title_en="Draft", status=Opportunity.Status.DRAFT)
    response = client.get(address("opportunities:feed_rss", args=["en"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    body = response.content.decode()
    assert "<title>Open one</title>" in body
    assert "Gone" not in body and "Draft" not in body
    assert "<language>en</language>" in body
    assert client.get(address("opportunities:feed_rss", args=["xx"])).status_code == 404


def test_the_calendar_has_one_deadline_per_opportunity_of_the_filters(client):
    closes = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    mine = OpportunityFactory(title_en="Ecuador call", closes_at=closes)
    OpportunityFactory(title_en="Peru call", countries=["PE"])
    response = client.get(address("opportunities:calendar", language="en"), {"country": "EC"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"].startswith("attachment;")
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Deadline: Ecuador call"
    assert event.decoded("dtstart") == closes
    assert str(event["uid"]).startswith(f"opportunity-{mine.pk}-deadline@")
    assert "DTEND" not in event


def test_the_sitemap_lists_published_ones_in_three_languages(client):
    published = OpportunityFactory()
    draft = OpportunityFactory(status=Opportunity.Status.DRAFT)
    body = client.get("/sitemap-opportunities.xml").content.decode()
    assert published.slug in body and draft.slug not in body
    assert f"/en/opportunities/{published.slug}/" in body
    assert f"/pt-br/opportunities/{published.slug}/" in body


def test_the_home_page_shows_the_ones_closing_first(client):
    OpportunityFactory(title_en="Closing first", closes_at=timezone.now() + dt.timedelta(days=1))
    response = client.get("/en/")
    assert b"Closing first" in response.content
    assert reverse("opportunities:list").encode() in response.content


def test_visitors_kept_pages_show_an_edit_and_a_closing_at_the_next_request(
    client, django_capture_on_commit_callbacks
):
    opportunity = OpportunityFactory(title_en="Seed fund", sectors=[SectorFactory()])
    page = opportunity.get_absolute_url()
    home = address("home", language="en")
    for url in (reverse("opportunities:list"), page, home):
        assert "Seed fund" in client.get(url).content.decode()  # now kept for visitors

    with django_capture_on_commit_callbacks(execute=True):
        opportunity.title_en = "Growth fund"
        opportunity.save(update_fields=["title_en"])

    for url in (reverse("opportunities:list"), page, home):
        html = client.get(url).content.decode()
        assert "Growth fund" in html and "Seed fund" not in html, url
