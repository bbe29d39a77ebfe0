"""A visitor's kept page answered before the session and the rest of the middleware
(iapt_platform.middleware.KeptPageMiddleware): the same page, the same headers, the same cookie
rules as the answer that goes through them all, with the visitor's own token."""

import re

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import reverse

from iapt_platform.lib.pagecache import early_answer
from initiatives import selectors, services
from tests.addresses import address
from tests.factories import InitiativeFactory, SectorFactory
from tests.library.factories import ResourceFactory
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db

EARLY = "iapt_platform.middleware.KeptPageMiddleware"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PRODUCTION_HSTS = {
    "SECURE_HSTS_SECONDS": 31_536_000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
}


@pytest.fixture
def registry():
    sector = SectorFactory(slug="agroalimentos", name="Agroalimentos")
    initiative = InitiativeFactory(name="Clúster del Cacao de Esmeraldas", country="EC")
    initiative.sectors.add(sector)
    services.initiative_refresh_search(initiative=initiative)
    selectors.registry_changed()
    return initiative


def pages() -> list[tuple[str, dict]]:
    meeting = MeetingFactory(slug="sesion-mensual")
    return [
        ("/", {}),
        (address("initiatives:list"), {}),
        (address("initiatives:list", language="en"), {}),
        (address("initiatives:statistics"), {}),
        (address("initiatives:sector", kwargs={"slug": "agroalimentos"}), {}),
        (reverse("account_login") + "?next=/community/t/14/", {}),
        (reverse("account_login") + "?next=/community/t/14/", {"HTTP_ACCEPT_LANGUAGE": "en"}),
        (address("newsletter:index"), {}),
        (address("meetings:detail", kwargs={"slug": meeting.slug}), {}),
        (address("site_search:index") + "?q=cacao", {}),
        (address("library:detail", kwargs={"slug": ResourceFactory(slug="guia").slug}), {}),
    ]


def answer(url: str, *, early: bool, client: Client | None = None, **extra) -> HttpResponse:
    """The answer with or without the early middleware (the same settings otherwise)."""
    chain = [m for m in settings.MIDDLEWARE if early or m != EARLY]
    with override_settings(MIDDLEWARE=chain, **PRODUCTION_HSTS):
        return (client or Client()).get(url, secure=True, **extra)


def answered_early(response) -> bool:
    # SessionMiddleware, after the early one, gives every request it sees a session.
    return not hasattr(response.wsgi_request, "session")


def without_tokens(response) -> str:
    return TOKEN.sub("TOKEN", response.content.decode())


def test_every_kept_page_answered_early_is_the_one_the_whole_chain_gives(registry):
    for url, extra in pages():
        for _ in range(2):  # kept (words asked twice for the search)
            answer(url, early=False, **extra)
        whole = answer(url, early=False, **extra)
        early = answer(url, early=True, **extra)

        assert whole.status_code == early.status_code == 200, url
        assert not answered_early(whole) and answered_early(early), url
        assert whole.context is None and early.context is None, url  # both from the cache
        # Every header, with its value (the request id is each request's own).
        headers = {k: v for k, v in whole.headers.items() if k != "X-Request-ID"}
        assert {k: v for k, v in early.headers.items() if k != "X-Request-ID"} == headers, url
        for name in (
            "Content-Security-Policy",
            "Strict-Transport-Security",
            "X-Frame-Options",
            "Referrer-Policy",
            "X-Content-Type-Options",
            "Cross-Origin-Opener-Policy",
            "Content-Language",
            "Vary",
        ):
            assert name in early.headers, (url, name)
        # The same cookies with the same flags (the date each expires on is a year after each
        # answer: they may be a second apart); the CSRF secret is each visitor's own.
        assert set(early.cookies) == set(whole.cookies) == {settings.CSRF_COOKIE_NAME}, url
        ours, theirs = early.cookies[settings.CSRF_COOKIE_NAME], whole.cookies["csrftoken"]
        assert ours["max-age"] and ours["expires"] and theirs["expires"], url

        def flags(cookie) -> dict:
            return {k: v for k, v in cookie.items() if k != "expires"}

        assert flags(ours) == flags(theirs), url
        assert ours.value != theirs.value, url
        assert without_tokens(early) == without_tokens(whole), url


def test_each_visitor_gets_their_own_token_and_keeps_their_secret(registry):
    url = address("initiatives:list")
    answer(url, early=True)  # kept
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)

    one = answer(url, early=True, client=first)
    two = answer(url, early=True, client=second)
    again = answer(url, early=True, client=first)

    assert answered_early(one) and answered_early(two) and answered_early(again)
    assert TOKEN.findall(one.content.decode()) != TOKEN.findall(two.content.decode())
    # A visitor who has a secret keeps it (a token of it, no new one to set).
    secret = one.cookies[settings.CSRF_COOKIE_NAME].value
    assert again.wsgi_request.META["CSRF_COOKIE"] == secret
    assert first.cookies[settings.CSRF_COOKIE_NAME].value == secret
    token = TOKEN.search(again.content.decode()).group(1)
    switch = {"language": "pt-br", "next": url, "csrfmiddlewaretoken": token}
    assert first.post(reverse("set_language"), switch).status_code == 302
    assert second.post(reverse("set_language"), switch).status_code == 403


def test_a_visitor_with_a_message_or_a_session_goes_through_the_chain(registry):
    url = address("initiatives:list")
    answer(url, early=True)  # kept
    storage = CookieStorage(Client().get("/").wsgi_request)
    storage.add(messages.SUCCESS, "Su suscripción está confirmada.")
    carrier = HttpResponse()
    storage.update(carrier)
    with_message = Client()
    with_message.cookies[CookieStorage.cookie_name] = carrier.cookies["messages"].value
    with_session = Client()
    with_session.cookies[settings.SESSION_COOKIE_NAME] = "a-session-that-ended"

    shown = answer(url, early=True, client=with_message)
    session = answer(url, early=True, client=with_session)

    assert not answered_early(shown)
    assert "Su suscripción está confirmada." in shown.content.decode()
    assert not answered_early(session) and session.status_code == 200


def test_a_change_shows_at_the_next_early_request(registry):
    url = address("initiatives:list")
    answer(url, early=True)
    assert answered_early(answer(url, early=True))

    InitiativeFactory(name="Red Agroalimentaria de Arequipa", country="PE")
    response = answer(url, early=True)

    assert response.context is not None  # rendered again
    assert "Red Agroalimentaria de Arequipa" in response.content.decode()
    assert answered_early(answer(url, early=True))


def test_a_reader_whose_language_has_its_own_address_is_sent_there():
    response = answer(address("initiatives:list"), early=True, HTTP_ACCEPT_LANGUAGE="pt-br")
    assert response.status_code == 302
    assert response["Location"] == address("initiatives:list", language="pt-br")


def test_only_views_under_decorators_that_change_nothing_for_a_get_are_answered_early():
    from community.views.forum import thread_detail
    from iapt_platform.views import home
    from initiatives.stories.views import story_detail
    from initiatives.views.explore import statistics

    assert early_answer(home) is not None  # require_GET
    assert early_answer(statistics) is not None  # require_safe
    assert early_answer(story_detail) is None  # its own frame policy (csp_replace)
    assert early_answer(thread_detail) is None  # members only


def test_a_kept_page_that_counts_its_readings_is_answered_early_and_counts_each(db):
    """A resource's page counts its readings (its `on_hit`): answered early too, each hit still
    counted (the first reading by the view that renders it, the next ones by the early answer)."""
    from django.utils import timezone

    from iapt_platform.lib import counters
    from library.models import ResourceDailyStat

    resource = ResourceFactory(slug="guia-temprana")
    url = address("library:detail", kwargs={"slug": resource.slug})
    assert answer(url, early=True).status_code == 200  # rendered and kept
    hits = [answer(url, early=True) for _ in range(2)]
    assert all(hit.status_code == 200 and answered_early(hit) for hit in hits)
    today = timezone.now().date()
    row = ResourceDailyStat.objects.filter(resource=resource, date=today).first()
    pending = counters.pending(ResourceDailyStat, "views", day=today, resource_id=resource.pk)
    assert (row.views if row else 0) + pending == 3
