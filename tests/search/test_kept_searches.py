"""Searches kept whole for visitors (lib/pagecache.py, `words=True`): the registry's, the library's
and the one search's pages are kept once their words are asked again, and a change to what they
find shows on the next request, with the right count ("More than 1000 results" past the cap), in
each language. Also the single flight: readers asking a page being rendered wait for it.

A page served from the cache renders none of its own templates (`rendered`): that is how these
tests tell a kept copy from a rendering."""

import re
import threading
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import Client, RequestFactory

from iapt_platform.lib import pagecache, search
from initiatives import selectors as registry_selectors
from initiatives import services as registry_services
from library import services as library_services
from tests.addresses import address
from tests.factories import InitiativeFactory, SectorFactory, UserFactory
from tests.library.factories import ResourceFactory

LANGUAGES = ["es", "en", "pt-br"]

# "<n> initiatives", "<n> resources", "<n> results for “cluster”" in each language.
COUNTED = {
    "initiatives:list": {
        "es": "{n} iniciativas",
        "en": "{n} initiatives",
        "pt-br": "{n} iniciativas",
    },
    "library:index": {"es": "{n} recursos", "en": "{n} resources", "pt-br": "{n} recursos"},
    "site_search:index": {
        "es": "{n} resultados para «cluster»",
        "en": "{n} results for “cluster”",
        "pt-br": "{n} resultados para “cluster”",
    },
}
MORE_THAN = {
    "es": "Más de {n} resultados para «cluster»",
    "en": "More than {n} results for “cluster”",
    "pt-br": "Mais de {n} resultados para “cluster”",
}
PAGES = list(COUNTED)


@pytest.fixture
def found(db, django_capture_on_commit_callbacks):
    """Two initiatives and two resources that "cluster" finds, and one of each it does not."""
    sector = SectorFactory(slug="cocoa", name_en="Cocoa")
    made = {}
    with django_capture_on_commit_callbacks(execute=True):
        for slug, name in [
            ("alpha", "Cluster Alpha"),
            ("beta", "Clúster Beta"),
            ("other", "Red Sur"),
        ]:
            made[slug] = InitiativeFactory(slug=slug, name=name, country="EC", sectors=[sector])
            registry_services.initiative_refresh_search(initiative=made[slug])
        for slug, title in [("r-alpha", "Cluster Guide Alpha"), ("r-beta", "Clúster Atlas Beta")]:
            made[slug] = ResourceFactory(slug=slug, title=title)
            library_services.resource_refresh_search(resource=made[slug])
        made["r-other"] = ResourceFactory(slug="r-other", title="Water Atlas")
        library_services.resource_refresh_search(resource=made["r-other"])
    registry_selectors.registry_changed()
    return made


def get(client: Client, name: str, language: str, **params):
    response = client.get(address(name, language=language), params)
    assert response.status_code == 200, (name, language, response.status_code)
    return response


def words(response) -> str:
    """The page's text without its tags (the one search marks the words found)."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def rendered(response) -> bool:
    """Whether the page's own template was rendered (not served from the kept copy; a member's
    kept copy still renders the member's frame into it)."""
    return any(
        (template.name or "").split("/")[0] in ("initiatives", "library", "search")
        for template in response.templates
    )


def kept_copy(client: Client, name: str, language: str, **params):
    """Ask until the page comes from the visitors' cache (the third time at most)."""
    for _ in range(3):
        response = get(client, name, language, **params)
        if not rendered(response):
            return response
    raise AssertionError(f"{name} ?{params} in {language} was never kept whole")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", PAGES)
def test_a_search_asked_once_is_rendered_and_kept_only_when_asked_again(found, name, language):
    client = Client()
    assert rendered(get(client, name, language, q="cluster"))
    # The same words again (case and accents do not matter): rendered once more, and kept.
    assert rendered(get(client, name, language, q="Clúster"))
    third = get(client, name, language, q="Clúster")
    assert not rendered(third)
    assert "Cluster Alpha" in words(third) or "Cluster Guide Alpha" in words(third)
    # Other words, asked once, are not kept.
    assert rendered(get(client, name, language, q="alpha"))
    assert rendered(get(client, name, language, q="alpha"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_edited_initiative_shows_in_kept_searches_at_the_next_request(
    found, language, django_capture_on_commit_callbacks
):
    visitor = Client()
    member = Client()
    member.force_login(UserFactory(email="reader@example.org", language=language))
    pages = ["initiatives:list", "site_search:index"]
    for name in pages:
        assert "Cluster Alpha" in words(kept_copy(visitor, name, language, q="cluster"))
    assert "Cluster Alpha" in words(kept_copy(member, "initiatives:list", language, q="cluster"))

    with django_capture_on_commit_callbacks(execute=True):
        initiative = found["alpha"]
        initiative.name = "Cluster Omega"
        initiative.save()
        registry_services.initiative_refresh_search(initiative=initiative)

    for client, name in [(visitor, p) for p in pages] + [(member, "initiatives:list")]:
        text = words(get(client, name, language, q="cluster"))
        assert "Cluster Omega" in text, (name, language)
        assert "Cluster Alpha" not in text, (name, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_edited_resource_shows_in_kept_searches_at_the_next_request(
    found, language, django_capture_on_commit_callbacks
):
    visitor = Client()
    pages = ["library:index", "site_search:index"]
    for name in pages:
        assert "Cluster Guide Alpha" in words(kept_copy(visitor, name, language, q="cluster"))

    with django_capture_on_commit_callbacks(execute=True):
        resource = found["r-alpha"]
        resource.title = "Cluster Guide Omega"
        resource.save()
        library_services.resource_refresh_search(resource=resource)

    for name in pages:
        text = words(get(visitor, name, language, q="cluster"))
        assert "Cluster Guide Omega" in text, (name, language)
        assert "Cluster Guide Alpha" not in text, (name, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_kept_searches_count_right_and_say_more_than_the_cap_once_past_it(
    found, language, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(search, "COUNT_CAP", 2)
    visitor = Client()
    for name in PAGES:
        # Two initiatives, two resources: four for the one search (each kind at its cap).
        n = 4 if name == "site_search:index" else 2
        text = words(kept_copy(visitor, name, language, q="cluster"))
        assert COUNTED[name][language].format(n=n) in text, (name, language)

    with django_capture_on_commit_callbacks(execute=True):  # a third match of each kind
        gamma = InitiativeFactory(slug="gamma", name="Cluster Gamma", country="PE")
        registry_services.initiative_refresh_search(initiative=gamma)
        resource = ResourceFactory(slug="r-gamma", title="Cluster Gamma Notes")
        library_services.resource_refresh_search(resource=resource)

    for name in PAGES:
        text = words(get(visitor, name, language, q="cluster"))
        # Past the cap of each kind: "more than" the capped count, never an exact figure.
        assert MORE_THAN[language].format(n=4 if name == "site_search:index" else 2) in text, (
            name,
            language,
        )


# --- The single flight ---------------------------------------------------------------------------


def _concurrently(view, n: int = 6, path: str = "/page/") -> list[HttpResponse]:
    factory = RequestFactory()
    responses: list[HttpResponse] = []
    start = threading.Barrier(n)

    def ask() -> None:
        request = factory.get(path)
        request.user = AnonymousUser()
        start.wait()
        responses.append(view(request))

    threads = [threading.Thread(target=ask) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def _version() -> str:
    return "v1"


def test_readers_asking_a_page_being_rendered_wait_for_it_instead_of_rendering_it(settings):
    rendered = []

    @pagecache.cache_page_for_visitors(f"test:flight:{time.time()}", version=_version)
    def slow(request):
        rendered.append(1)
        time.sleep(0.3)
        return HttpResponse("the page")

    responses = _concurrently(slow)

    assert [r.status_code for r in responses] == [200] * 6
    assert {r.content for r in responses} == {b"the page"}
    assert len(rendered) == 1


def test_a_search_asked_by_several_at_once_is_rendered_once_and_kept(settings):
    rendered = []

    @pagecache.cache_page_for_visitors(
        f"test:flight-words:{time.time()}", version=_version, words=True
    )
    def slow(request):
        rendered.append(1)
        time.sleep(0.3)
        return HttpResponse(f"found {request.GET['q']}")

    responses = _concurrently(slow, path="/page/?q=cluster")
    assert {r.content for r in responses} == {b"found cluster"}
    assert len(rendered) == 1
    # The others asked meanwhile: the words count as asked again, and the page was kept.
    _concurrently(slow, n=2, path="/page/?q=cluster")
    assert len(rendered) == 1


def test_readers_waiting_for_a_page_not_kept_render_it_themselves_without_waiting_long(settings):
    rendered = []

    @pagecache.cache_page_for_visitors(f"test:flight-404:{time.time()}", version=_version)
    def missing(request):
        rendered.append(1)
        time.sleep(0.1)
        return HttpResponse("not here", status=404)

    started = time.monotonic()
    responses = _concurrently(missing, n=4)

    assert [r.status_code for r in responses] == [404] * 4
    assert len(rendered) == 4
    assert time.monotonic() - started < pagecache.WAIT_SECONDS
