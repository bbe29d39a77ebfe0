"""Whole pages kept for visitors: who gets them, what changes them, and that their forms still post."""

import re

import pytest
from django.contrib import messages
from django.test import Client
from django.urls import reverse

from initiatives import selectors, services
from tests.addresses import address
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db

URL = address("initiatives:list")  # the Spanish page
URL_EN = address("initiatives:list", language="en")  # the English page: members' language
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def registry():
    initiative = InitiativeFactory(name="Clúster del Cacao de Esmeraldas", country="EC")
    services.initiative_refresh_search(initiative=initiative)
    selectors.registry_changed()
    return initiative


def tokens(response) -> set[str]:
    return set(TOKEN.findall(response.content.decode()))


def from_cache(response) -> bool:
    """A page from the cache rendered no template."""
    return response.status_code == 200 and response.context is None


def test_a_visitor_gets_the_second_view_from_the_cache_with_a_token_of_their_own(registry):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)

    miss = first.get(URL)
    hit = second.get(URL)

    assert not from_cache(miss)
    assert from_cache(hit)
    assert "Clúster del Cacao de Esmeraldas" in hit.content.decode()
    assert "csrf-" not in miss.content.decode() and "csrf-" not in hit.content.decode()
    assert len(tokens(hit)) == 1 and tokens(hit) != tokens(miss)
    assert "csrftoken" in hit.cookies  # a new visitor's secret, set on the hit itself
    # The language switcher of the cached page posts with the visitor's own token...
    switched = second.post(
        reverse("set_language"),
        {"language": "pt-br", "next": URL, "csrfmiddlewaretoken": tokens(hit).pop()},
    )
    assert switched.status_code == 302
    # ...and that token is no good with the other visitor's cookie.
    refused = first.post(
        reverse("set_language"),
        {"language": "pt-br", "next": URL, "csrfmiddlewaretoken": tokens(hit).pop()},
    )
    assert refused.status_code == 403


def test_a_change_to_the_registry_shows_at_the_next_request(client, registry):
    client.get(URL)
    assert from_cache(client.get(URL))

    # Its save changes the registry's version (at once, and again after the commit).
    InitiativeFactory(name="Red Agroalimentaria de Arequipa", country="PE")
    response = client.get(URL)

    assert not from_cache(response)
    assert "Red Agroalimentaria de Arequipa" in response.content.decode()


def test_each_language_and_address_has_its_own_copy(client, registry):
    spanish = client.get(URL, headers={"accept-language": "es"})
    english = client.get(URL_EN, headers={"accept-language": "en"})
    filtered = client.get(URL_EN, {"country": "PE"}, headers={"accept-language": "en"})
    # The Spanish address sends an English reader on, and that answer is never kept as a page.
    assert client.get(URL, headers={"accept-language": "en"}).status_code == 302

    assert not any(from_cache(r) for r in (spanish, english, filtered))
    assert 'lang="es"' in spanish.content.decode()
    assert 'lang="en"' in english.content.decode()
    assert "Clúster del Cacao" not in filtered.content.decode()


def test_signed_in_members_always_get_their_own_page(client, member, registry):
    Client().get(URL)  # a visitor fills the cache
    client.force_login(member)

    response = client.get(URL_EN)

    assert not from_cache(response)
    assert "Sign out" in response.content.decode()
    assert "Join" not in response.content.decode()


def test_a_page_with_a_message_to_show_is_not_taken_from_the_cache(rf, registry):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    from initiatives.views.public import directory

    Client().get(URL)  # a visitor fills the cache
    request = rf.get(URL)
    request.user = AnonymousUser()
    request.session = SessionStore()
    request.htmx = False
    request._messages = FallbackStorage(request)
    messages.success(request, "Your subscription is confirmed.")

    response = directory(request)

    assert "Your subscription is confirmed." in response.content.decode()


@pytest.mark.parametrize(
    "query", [{"q": "cacao"}, {"utm_source": "bulletin"}, {"country": "EC", "ref": "x"}]
)
def test_free_text_and_unknown_parameters_are_never_kept_whole(client, registry, query):
    client.get(URL, query)

    response = client.get(URL, query)

    assert not from_cache(response)
    assert response.status_code == 200


def test_the_rendered_results_are_kept_for_everyone_until_the_registry_changes(
    client, member, registry
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(member)
    client.get(URL_EN, {"q": "cacao"})

    with CaptureQueriesContext(connection) as queries:
        again = client.get(URL_EN, {"q": "cacao"})

    assert "Clúster del Cacao de Esmeraldas" in again.content.decode()
    assert "Sign out" in again.content.decode()  # the frame is still the member's own
    assert not [q for q in queries if "initiatives_initiative_sectors" in q["sql"]]

    registry.name = "Clúster del Cacao Fino de Esmeraldas"
    registry.save()
    services.initiative_refresh_search(initiative=registry)
    selectors.registry_changed()  # what the registry's signals do after each commit
    assert "Cacao Fino" in client.get(URL_EN, {"q": "cacao"}).content.decode()


@pytest.mark.parametrize(
    "page",
    [
        address("home"),  # seven sections, each with its version
        address("library:index"),
        address("initiatives:list"),
    ],
)
def test_a_kept_page_is_read_with_all_its_versions_in_one_cache_call(registry, page):
    """Each cache call is a round trip to Redis: a hit asks for its versions and for the page
    kept under the versions read last time in one MGET (a second call only after a change)."""
    from tests.cache_calls import cache_calls

    visitor = Client()
    visitor.get(page)
    with cache_calls() as calls:
        hit = visitor.get(page)
    assert from_cache(hit)
    assert [name for name, _ in calls] == ["get_many"]
