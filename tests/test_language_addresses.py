"""One address per language for the public pages, hreflang links, robots.txt and sitemap.xml."""

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from iapt_platform.lib import sitemaps
from initiatives.models import Initiative
from initiatives.stories.models import Story
from library.models import Resource
from newsletter.models import Issue
from tests.factories import InitiativeFactory, ProgrammeFactory, UserFactory
from tests.library.factories import ResourceFactory
from tests.meetings.factories import MeetingFactory
from tests.newsletter.factories import IssueFactory
from tests.stories.factories import StoryFactory

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
LINK = re.compile(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">')


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def page_alternates(response) -> dict[str, str]:
    return dict(LINK.findall(response.content.decode()))


def local(url: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "http://testserver"  # absolute, from SITE_URL
    return parts.path + (f"?{parts.query}" if parts.query else "")


def read_sitemap(client) -> dict[str, dict[str, str]]:
    """{address: {hreflang: address}} of every entry of every file the index names."""
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    assert index["Content-Type"] == "application/xml"
    entries = {}
    for loc in ET.fromstring(index.content).findall("s:sitemap/s:loc", NS):  # noqa: S314 (ours)
        part = client.get(local(loc.text))
        assert part.status_code == 200
        for url in ET.fromstring(part.content).findall("s:url", NS):  # noqa: S314 (ours)
            entries[url.find("s:loc", NS).text] = {
                link.get("hreflang"): link.get("href") for link in url.findall("x:link", NS)
            }
    return entries


@pytest.fixture
def public_content(db):
    initiative = InitiativeFactory(slug="cluster-aguacate", programme=ProgrammeFactory(slug="prog"))
    story = StoryFactory(slug="una-historia")
    resource = ResourceFactory(slug="guia")
    meeting = MeetingFactory(slug="encuentro")
    issue = IssueFactory(number=7, languages=["es", "en"])
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SENT, sent_at=timezone.now())
    return initiative, story, resource, meeting, issue


def test_every_sitemap_address_answers_in_its_language_with_the_sitemaps_alternates(
    public_content,
):
    entries = read_sitemap(Client())
    paths = {urlsplit(address).path for address in entries}
    assert {
        "/initiatives/cluster-aguacate/",
        "/en/initiatives/cluster-aguacate/",
        "/pt-br/initiatives/cluster-aguacate/",
        "/initiatives/programmes/prog/",
        "/en/stories/una-historia/",
        "/pt-br/library/guia/",
        "/meetings/encuentro/",
        "/bulletin/issues/7/es/",
        "/en/bulletin/issues/7/en/",
    } <= paths
    # The issue has no Portuguese edition: no Portuguese page is listed.
    assert "/pt-br/bulletin/issues/7/pt-br/" not in paths
    for address, alternates in entries.items():
        expected_language = urlsplit(address).path.split("/")[1]
        expected_language = expected_language if expected_language in ("en", "pt-br") else "es"
        # A fresh visitor without cookie or browser language, as a search engine asks.
        response = Client().get(local(address))
        assert response.status_code == 200, address
        assert html_lang(response) == expected_language, address
        assert page_alternates(response) == alternates, address
        assert alternates["x-default"] == alternates["es"]


def test_the_sitemap_lists_only_what_visitors_can_see(public_content):
    InitiativeFactory(slug="borrador", status=Initiative.Status.DRAFT)
    StoryFactory(slug="programada", published_at=timezone.now() + timezone.timedelta(days=2))
    StoryFactory(slug="sin-publicar", status=Story.Status.DRAFT)
    ResourceFactory(slug="propuesta", status=Resource.Status.DRAFT)
    MeetingFactory(slug="sin-anunciar", published_at=None)
    IssueFactory(number=8)  # a draft issue
    paths = " ".join(read_sitemap(Client()))
    for hidden in (
        "borrador",
        "programada",
        "sin-publicar",
        "propuesta",
        "sin-anunciar",
        "/issues/8/",
    ):
        assert hidden not in paths


def test_a_long_section_is_split_in_files_the_index_names(db, monkeypatch):
    monkeypatch.setattr(sitemaps.PublicSitemap, "limit", 4)
    for n in range(5):
        InitiativeFactory(slug=f"cluster-{n}")
    client = Client()
    index = client.get("/sitemap.xml").content.decode()
    assert "http://testserver/sitemap-initiatives.xml?p=4</loc>" in index  # 15 addresses / 4
    assert "?p=5" not in index
    seen = []
    for page in range(1, 5):
        body = client.get(f"/sitemap-initiatives.xml?p={page}").content
        urls = ET.fromstring(body).findall("s:url/s:loc", NS)  # noqa: S314 (ours)
        assert len(urls) <= 4
        seen += [url.text for url in urls]
    assert len(seen) == len(set(seen)) == 15
    assert client.get("/sitemap-initiatives.xml?p=5").status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_the_sitemap_is_kept_until_the_registry_changes(
    db, django_assert_num_queries, django_capture_on_commit_callbacks
):
    InitiativeFactory(slug="primera")
    client = Client()
    assert b"/primera/" in client.get("/sitemap-initiatives.xml").content
    with django_assert_num_queries(0):
        assert b"/primera/" in client.get("/sitemap-initiatives.xml").content
    with django_capture_on_commit_callbacks(execute=True):
        InitiativeFactory(slug="segunda")
    assert b"/segunda/" in client.get("/sitemap-initiatives.xml").content


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_off_private_paths(db):
    response = Client().get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    for path in (
        "/admin/",
        "/account/",
        "/accounts/",
        "/moderation/",
        "/outbox/",
        "/api/docs/",
        "/*/staff/",
    ):
        assert f"Disallow: {path}" in lines
    # Each disallowed path exists (robots.txt is not a list of guesses).
    assert Client().get("/api/docs/").status_code == 200
    assert Client().get("/stories/staff/").status_code == 302  # to sign in
    assert "Disallow: /" not in lines and "Disallow: /initiatives/" not in lines


def test_an_old_link_sends_an_english_reader_to_the_english_page(db):
    InitiativeFactory(slug="cluster-aguacate", name="Clúster del Aguacate")
    response = Client().get("/initiatives/cluster-aguacate/?tab=x", HTTP_COOKIE="iapt_language=en")
    assert response.status_code == 302
    assert response["Location"] == "/en/initiatives/cluster-aguacate/?tab=x"
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}
    assert "private" in response["Cache-Control"]
    followed = Client().get(response["Location"], HTTP_COOKIE="iapt_language=en")
    assert followed.status_code == 200 and html_lang(followed) == "en"
    # The browser's language counts when there is no cookie; Spanish readers stay.
    by_browser = Client().get("/initiatives/", HTTP_ACCEPT_LANGUAGE="pt-BR,pt;q=0.9")
    assert by_browser["Location"] == "/pt-br/initiatives/"
    spanish = Client().get("/initiatives/cluster-aguacate/", HTTP_ACCEPT_LANGUAGE="es-CL")
    assert spanish.status_code == 200 and html_lang(spanish) == "es"


def test_a_member_is_sent_by_their_profile_language(client):
    member = UserFactory(language="pt-br")
    client.force_login(member)
    client.cookies["iapt_language"] = "en"
    response = client.get("/library/")
    assert response["Location"] == "/pt-br/library/"


def test_a_prefixed_page_shows_its_language_to_anyone(client):
    InitiativeFactory(slug="cluster-aguacate")
    assert html_lang(Client().get("/en/initiatives/cluster-aguacate/")) == "en"
    response = Client().get("/pt-br/initiatives/", HTTP_COOKIE="iapt_language=en")
    assert response.status_code == 200 and html_lang(response) == "pt-br"
    assert "Cookie" not in response.get("Vary", "") or "Accept-Language" not in response["Vary"]
    # Even to a member whose profile says otherwise.
    client.force_login(UserFactory(language="en"))
    response = client.get("/pt-br/initiatives/cluster-aguacate/")
    assert response.status_code == 200 and html_lang(response) == "pt-br"
    # Its links stay in that language.
    assert 'href="/pt-br/stories/"' in response.content.decode()


def test_pages_with_one_address_keep_the_readers_language(client):
    visitor = Client().get("/accounts/login/", HTTP_COOKIE="iapt_language=en")
    assert visitor.status_code == 200 and html_lang(visitor) == "en"
    client.force_login(UserFactory(language="pt-br"))
    response = client.get("/account/")
    assert response.status_code == 200 and html_lang(response) == "pt-br"
    assert not page_alternates(response)  # one address: no language versions to name


def test_the_api_keeps_its_addresses(db):
    InitiativeFactory(slug="cluster-aguacate")
    response = Client().get("/api/initiatives/", HTTP_COOKIE="iapt_language=en")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    first = response.json()["results"][0]
    assert first["slug"] == "cluster-aguacate"
    # Its page link is the unprefixed address, which sends each reader to their language.
    assert first["url"] == "http://testserver/initiatives/cluster-aguacate/"
    assert Client().get("/en/api/initiatives/").status_code == 404


def test_a_form_posted_to_an_old_address_is_answered_not_redirected(db):
    response = Client().post(
        "/bulletin/subscribe/", {"email": "not an address"}, HTTP_COOKIE="iapt_language=en"
    )
    assert response.status_code == 400  # the form, with its errors, in the reader's language
    assert html_lang(response) == "en"


def test_the_switcher_lands_on_the_same_page_in_the_chosen_language(client):
    InitiativeFactory(slug="cluster-aguacate")
    response = client.post(
        "/language/", {"language": "pt-br", "next": "/en/initiatives/cluster-aguacate/?page=2"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/pt-br/initiatives/cluster-aguacate/?page=2"
    assert response.cookies["iapt_language"].value == "pt-br"
    response = client.post(
        "/language/", {"language": "es", "next": "/pt-br/initiatives/cluster-aguacate/"}
    )
    assert response["Location"] == "/initiatives/cluster-aguacate/"
    assert client.get(response["Location"]).status_code == 200  # the cookie says es now
    # A page with one address stays where it is; the member's profile follows the choice.
    member = UserFactory(language="es")
    client.force_login(member)
    response = client.post("/language/", {"language": "en", "next": "/account/"})
    assert response["Location"] == "/account/"
    member.refresh_from_db()
    assert member.language == "en"
    # A bulletin edition leads to the edition in the chosen language.
    response = client.post("/language/", {"language": "en", "next": "/bulletin/issues/7/es/"})
    assert response["Location"] == "/en/bulletin/issues/7/en/"


def test_the_visitors_page_cache_keeps_each_language_and_never_the_redirect(db):
    InitiativeFactory(name="Clúster del Aguacate")
    spanish = Client().get("/initiatives/")
    assert spanish.status_code == 200 and html_lang(spanish) == "es"
    for _ in range(2):  # the Spanish copy is cached now: an English reader is still sent on
        response = Client().get("/initiatives/", HTTP_COOKIE="iapt_language=en")
        assert response.status_code == 302
    for language in ("en", "pt-br", "en"):
        page = Client().get(f"/{language}/initiatives/")
        assert page.status_code == 200 and html_lang(page) == language
        assert page_alternates(page)["x-default"] == "http://testserver/initiatives/"
    assert html_lang(Client().get("/initiatives/")) == "es"


def test_an_issue_page_names_only_the_languages_it_has(db):
    issue = IssueFactory(number=3, languages=["es", "en"])
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SENT, sent_at=timezone.now())
    response = Client().get("/en/bulletin/issues/3/en/")
    assert response.status_code == 200
    assert page_alternates(response) == {
        "es": "http://testserver/bulletin/issues/3/es/",
        "en": "http://testserver/en/bulletin/issues/3/en/",
        "x-default": "http://testserver/bulletin/issues/3/es/",
    }


def test_reverse_gives_each_languages_address(db):
    with translation.override("pt-br"):
        assert reverse("initiatives:list") == "/pt-br/initiatives/"
        assert reverse("api:initiative-list") == "/api/initiatives/"
        assert reverse("accounts:home") == "/account/"
    with translation.override("es"):
        assert reverse("home") == "/"
