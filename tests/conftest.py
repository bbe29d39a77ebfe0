"""Personas (after healthchecks' hc/test.py) and the browser for Playwright journeys."""

import os

import pytest
from django.core.cache import cache
from django.utils import translation

from iapt_platform.accounts import roles

from .factories import UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth's rate limits live in the cache: every test starts with clean counters.
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _english_outside_requests():
    # Code called directly (services, forms, tasks) speaks English in tests, so that assertions
    # read the source strings; requests still choose their language as in production.
    with translation.override("en"):
        yield


@pytest.fixture
def visitor(client):
    return client


@pytest.fixture
def member(db):
    return UserFactory(email="member@example.org", display_name="Marta Miembro")


@pytest.fixture
def promoter(db):
    return UserFactory(
        email="promoter@example.org",
        display_name="Pedro Promotor",
        roles=[roles.MEMBER, roles.PROMOTER],
    )


@pytest.fixture
def other_promoter(db):
    return UserFactory(
        email="other.promoter@example.org",
        display_name="Olga Otra",
        roles=[roles.MEMBER, roles.PROMOTER],
    )


@pytest.fixture
def moderator(db):
    """A moderator as they work: with an authenticator app, which the role requires."""
    return UserFactory(
        email="moderator@example.org",
        display_name="Mónica Moderadora",
        roles=[roles.MEMBER, roles.MODERATOR],
    )


@pytest.fixture
def moderator_with_totp(moderator):
    return moderator


@pytest.fixture
def moderator_without_totp(db):
    """In the moderators' group but without an authenticator app: a plain member until they
    set one up."""
    return UserFactory(
        email="moderator.without.totp@example.org",
        display_name="Mateo Moderador",
        roles=[roles.MEMBER, roles.MODERATOR],
        totp=False,
    )


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


# --- Broker ----------------------------------------------------------------------------------------
@pytest.fixture
def broker_down(monkeypatch):
    """Redis is away: every task's `delay` (and `apply_async`) fails the way kombu fails."""
    from celery.app.task import Task
    from kombu.exceptions import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(Task, "apply_async", refuse)


# --- Browser ---------------------------------------------------------------------------------------
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
    # body are still synchronous and safe (tests only).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="es-ES", base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """For a test that calls the WSGI application itself (schemathesis, Sentry through the
    handler), which sends Django's request signals; their close_old_connections() would close the test's own connection (its autocommit is off inside
    the test transaction) and break every later query on PostgreSQL. Django's test client
    disconnects it for the same reason."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def totp_step_frozen(time_machine):
    """The clock stopped in the middle of the current 30-second TOTP step: a code computed in the
    test is still the current one when the server checks it (allauth accepts no other step), even
    on a loaded machine where the test would otherwise cross a step boundary now and then."""
    import datetime as dt
    import time

    now = time.time()
    time_machine.move_to(dt.datetime.fromtimestamp(now - now % 30 + 15, tz=dt.UTC), tick=False)
