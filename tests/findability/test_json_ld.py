"""The JSON-LD of each page type: what search engines read, and nothing the public may not see."""

from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from community.meetings.models import Meeting
from library.models import Resource, ResourceLanguage
from tests.addresses import address
from tests.factories import InitiativeFactory, ProgrammeFactory, UserFactory
from tests.library.factories import ResourceFactory
from tests.meetings.factories import MeetingFactory
from tests.stories.factories import StoryFactory

from .head import read_head

pytestmark = pytest.mark.django_db


def _head(url: str, client: Client | None = None):
    response = (client or Client()).get(url)
    assert response.status_code == 200, url
    return read_head(response.text)


def test_an_initiative_is_an_organization_with_its_place_and_links():
    initiative = InitiativeFactory(
        name="Clúster del Cacao",
        acronym="CCA",
        country="EC",
        city="Guayaquil",
        website="https://cacao.example.org",
        linkedin_url="https://www.linkedin.com/company/cacao",
        year_founded=2015,
    )
    data = _head(initiative.get_absolute_url()).data
    url = f"{settings.SITE_URL}{initiative.get_absolute_url()}"
    assert data["@context"] == "https://schema.org" and data["@type"] == "Organization"
    assert (data["name"], data["alternateName"], data["url"]) == ("Clúster del Cacao", "CCA", url)
    assert data["address"] == {
        "@type": "PostalAddress",
        "addressCountry": "EC",
        "addressLocality": "Guayaquil",
    }
    assert data["sameAs"] == ["https://cacao.example.org", "https://www.linkedin.com/company/cacao"]
    assert data["foundingDate"] == "2015"


def test_contact_details_reach_the_json_ld_only_when_public():
    initiative = InitiativeFactory(
        contact_name="Rosa Pérez",
        contact_email="rosa@example.org",
        contact_email_visibility="members",
        contact_phone="+593 2 555 0101",
        contact_phone_visibility="hidden",
    )
    member = UserFactory()
    for client in (Client(), _signed_in(member)):  # the same for visitors and members
        page = client.get(initiative.get_absolute_url()).text
        head = page.split("</head>")[0]
        assert "rosa@example.org" not in head and "555 0101" not in head
        data = read_head(page).data
        assert "email" not in data and "telephone" not in data
    # A manager reads their own hidden phone on the page, never in what search engines read.
    manager = UserFactory()
    initiative.managers.add(manager)
    page = _signed_in(manager).get(initiative.get_absolute_url()).text
    assert "555 0101" in page and "555 0101" not in page.split("</head>")[0]

    initiative.contact_email_visibility = "public"
    initiative.save()
    data = _head(initiative.get_absolute_url()).data
    assert data["email"] == "rosa@example.org" and "telephone" not in data


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_programme_is_an_organization():
    programme = ProgrammeFactory(website="https://programa.example.org")
    data = _head(reverse("initiatives:programme", args=[programme.slug])).data
    assert data["@type"] == "Organization" and data["name"] == programme.name
    assert data["sameAs"] == ["https://programa.example.org"]


def test_a_story_is_an_article_and_news_a_news_article():
    story = StoryFactory(author_credits="Texto: Ana Ruiz")
    head = _head(address("stories:detail", args=[story.slug]))  # the Spanish page
    data = head.data
    assert data["@type"] == "Article"
    assert data["headline"] == story.title_es and data["inLanguage"] == "es"
    assert data["datePublished"] == story.published_at.isoformat(timespec="seconds")
    assert data["dateModified"] == story.updated_at.isoformat(timespec="seconds")
    assert data["author"]["@type"] == data["publisher"]["@type"] == "Organization"
    assert data["publisher"]["logo"] == f"{settings.SITE_URL}/static/img/icon-512.png"
    assert data["creditText"] == "Texto: Ana Ruiz"
    assert data["url"] == head.canonical
    news = StoryFactory(kind="news")
    assert _head(address("stories:detail", args=[news.slug])).data["@type"] == "NewsArticle"


def test_a_report_is_a_report_with_its_language_date_and_licence():
    resource = ResourceFactory(type=Resource.Type.REPORT, licence="cc-by-4.0", year=2021)
    ResourceLanguage.objects.create(resource=resource, language="pt")
    data = _head(resource.get_absolute_url()).data
    assert data["@type"] == "Report" and data["name"] == resource.title
    assert data["inLanguage"] == ["es", "pt"] and data["datePublished"] == "2021"
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["author"] == [{"@type": "Person", "name": "Pérez, Ana"}]
    assert data["publisher"] == {"@type": "Organization", "name": "CEPAL"}


def test_a_guide_is_a_creative_work_and_a_course_names_its_provider():
    guide = ResourceFactory(licence="copyright")
    data = _head(guide.get_absolute_url()).data
    assert data["@type"] == "CreativeWork" and "license" not in data  # no address to give
    course = ResourceFactory(type=Resource.Type.COURSE)
    data = _head(course.get_absolute_url()).data
    assert data["@type"] == "Course" and data["provider"]["name"] == "CEPAL"


def test_a_meeting_is_an_event_in_the_organisers_time():
    meeting = MeetingFactory(
        starts_at=datetime(2027, 3, 4, 14, 0, tzinfo=UTC),
        ends_at=datetime(2027, 3, 4, 16, 0, tzinfo=UTC),
        organiser_time_zone="America/Bogota",
        format=Meeting.Format.HYBRID,
        place="CEPAL, Santiago",
    )
    spanish = address("meetings:detail", args=[meeting.slug])
    data = _head(spanish).data
    url = f"{settings.SITE_URL}{spanish}"
    assert data["@type"] == "Event" and data["name"] == meeting.title_es
    assert (data["startDate"], data["endDate"]) == (
        "2027-03-04T09:00:00-05:00",
        "2027-03-04T11:00:00-05:00",
    )
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert data["location"] == [
        {"@type": "VirtualLocation", "url": url},  # the online link is for participants only
        {"@type": "Place", "name": "CEPAL, Santiago", "address": "CEPAL, Santiago"},
    ]
    assert data["organizer"]["@type"] == "Organization"
    assert "meet.example.org" not in str(data)


def test_a_cancelled_online_meeting_says_so():
    meeting = MeetingFactory(status=Meeting.Status.CANCELLED)
    data = _head(meeting.get_absolute_url()).data
    assert data["eventStatus"] == "https://schema.org/EventCancelled"
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"]["@type"] == "VirtualLocation"


def test_drafts_have_no_page_and_their_own_people_see_no_json_ld(promoter, moderator_with_totp):
    story = StoryFactory(status="draft")
    meeting = MeetingFactory(published_at=None)
    resource = ResourceFactory(status=Resource.Status.DRAFT, contributed_by=promoter)
    for url in (story.get_absolute_url(), meeting.get_absolute_url(), resource.get_absolute_url()):
        assert Client().get(url).status_code == 404, url
    assert _head(resource.get_absolute_url(), _signed_in(promoter)).json_ld == []
    assert _head(meeting.get_absolute_url(), _signed_in(moderator_with_totp)).json_ld == []
