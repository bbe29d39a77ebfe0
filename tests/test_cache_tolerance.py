"""The Redis cache with Redis away: misses instead of errors, pages still served, rate limits
failing closed for sign-in and open for the bulletin form, and a warning per outage, not per call.

Redis is "away" by pointing the backend at a port where nothing listens."""

import logging
import time

import pytest
import redis
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.test import override_settings
from django.urls import reverse

from iapt_platform.lib import cache as tolerant
from initiatives import selectors as initiative_selectors
from initiatives import services as initiative_services
from newsletter.models import Subscriber
from tests.factories import PASSWORD, InitiativeFactory
from tests.library.factories import ResourceFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
AWAY = {
    "default": {
        "BACKEND": "iapt_platform.lib.cache.TolerantRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "KEY_PREFIX": "iapt-test-away",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.fixture(autouse=True)
def _no_known_outage():
    tolerant.reset_outages()
    yield
    tolerant.reset_outages()


@pytest.fixture
def redis_away():
    # override_settings(CACHES=...) makes Django drop its cache connections on entry and on exit,
    # so `cache` is the unreachable backend inside and the test settings' cache after.
    with override_settings(CACHES=AWAY):
        away = caches["default"]
        assert isinstance(away, tolerant.TolerantRedisCache)
        assert away._servers == [AWAY["default"]["LOCATION"]]
        yield
    assert caches["default"] is not away


def test_every_operation_is_a_quick_miss(redis_away):
    began = time.monotonic()
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is False  # never a false "stored": add serves as a lock
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]  # Django's contract: keys not stored
    assert cache.has_key("k") is False
    assert cache.touch("k") is False
    assert cache.delete("k") is False
    cache.delete_many(["a", "b"])
    with pytest.raises(ValueError):
        cache.incr("k")
    assert cache.get_or_set("k", lambda: "computed") == "computed"
    assert time.monotonic() - began < 1.0


def test_a_redis_that_accepts_and_never_answers_costs_one_timeout_then_is_skipped():
    # A listening socket that never replies: only socket_timeout ends the wait.
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        settings = {"default": {**AWAY["default"], "LOCATION": f"redis://127.0.0.1:{port}/0"}}
        with override_settings(CACHES=settings):
            began = time.monotonic()
            assert cache.get("k", "fallback") == "fallback"
            first = time.monotonic() - began
            for _ in range(20):
                assert cache.get("k") is None
            total = time.monotonic() - began
    assert 0.4 <= first < 1.5  # the half-second timeout, not the system's TCP timeouts
    assert total < first + 0.2  # the twenty calls after it did not wait


def test_an_outage_is_logged_once_and_its_end_once(monkeypatch, caplog):
    backend = tolerant.TolerantRedisCache("redis://127.0.0.1:1/0", {"KEY_PREFIX": "t"})
    answers: list = [redis.exceptions.ConnectionError("refused")] * 30 + ["back"] * 2

    def fake_get(self, key, default=None, version=None):
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(RedisCache, "get", fake_get)
    monkeypatch.setattr(tolerant, "RETRY_AFTER", 0.0)  # every call reaches the (fake) server
    with caplog.at_level(logging.WARNING, logger="iapt_platform.lib.cache"):
        misses = [backend.get("k", "miss") for _ in range(30)]
        assert backend.get("k") == "back"
        assert backend.get("k") == "back"
    assert misses == ["miss"] * 30
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert "unavailable" in messages[0] and "ConnectionError" in messages[0]
    assert "answers again" in messages[1] and "30 calls missed" in messages[1]


def test_after_a_failure_the_process_leaves_redis_alone_for_a_moment(monkeypatch):
    backend = tolerant.TolerantRedisCache("redis://127.0.0.1:1/0", {"KEY_PREFIX": "t"})
    calls = []

    def fake_get(self, key, default=None, version=None):
        calls.append(key)
        raise redis.exceptions.TimeoutError("timed out")

    monkeypatch.setattr(RedisCache, "get", fake_get)
    for _ in range(10):
        assert backend.get("k", "miss") == "miss"
    assert calls == ["k"]  # one attempt, nine skipped within RETRY_AFTER


def test_the_directory_and_library_pages_render_without_redis(client, redis_away):
    initiative = InitiativeFactory(name="Clúster del Cacao de Esmeraldas")
    initiative_services.initiative_refresh_search(initiative=initiative)
    initiative_selectors.registry_changed()  # a lost version bump must not fail the request
    resource = ResourceFactory(title="Guía de evaluación de impacto")
    for url in (
        reverse("initiatives:list"),
        reverse("initiatives:list") + "?q=cacao",
        reverse("library:index"),
        reverse("home"),
    ):
        response = client.get(url, **EN)
        assert response.status_code == 200, url
    assert initiative.name in client.get(reverse("initiatives:list") + "?q=cacao", **EN).text
    assert resource.title in client.get(reverse("library:index"), **EN).text


def test_signing_in_fails_closed_with_a_friendly_page_while_redis_is_away(
    client, member, redis_away
):
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": PASSWORD}, **EN
    )
    assert response.status_code == 429
    assert "Please wait a moment before trying again" in response.text
    assert "_auth_user_id" not in client.session


def test_the_bulletin_form_fails_open_while_redis_is_away(
    client, redis_away, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("newsletter:subscribe"),
            {"email": "ana@example.org", "language": "es", "source": "/"},
            **EN,
        )
    assert response.status_code == 302
    assert Subscriber.objects.get().email == "ana@example.org"


def test_a_counter_is_made_and_counted_in_one_round_trip_and_fails_open_when_away(
    monkeypatch, client, settings
):
    from iapt_platform.lib.ratelimit import within_limit

    pipelines = []
    execute = redis.client.Pipeline.execute

    def counted(self, *args, **kwargs):
        pipelines.append([command[0][0] for command in self.command_stack])
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", counted)
    cache.delete("tests:counter")
    assert [tolerant.count("tests:counter", 60) for _ in range(3)] == [1, 2, 3]
    assert pipelines == [["SET", "INCRBY"]] * 3  # one round trip each
    assert cache.get("tests:counter") == 3
    assert 0 < cache._cache.get_client().ttl(cache.make_and_validate_key("tests:counter")) <= 60
    with override_settings(CACHES=AWAY):
        with pytest.raises(ValueError):
            tolerant.count("tests:counter", 60)
        assert within_limit("tests:limit", limit=1, seconds=60)  # a brake on floods: open
    # The search's brake counts the same way.
    settings.SITE_SEARCH_RATE = 1
    assert client.get("/en/search/", {"q": "uno"}).status_code == 200
    assert client.get("/en/search/", {"q": "dos"}).status_code == 429
