"""Load shedding: past MAX_CONCURRENT_REQUESTS requests at once, a short wait for a slot
(REQUEST_QUEUE_TIMEOUT), then a quick friendly 503."""

import threading
import time
from contextlib import contextmanager

import pytest

from iapt_platform.middleware import request_slots

LIMIT = 2


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.MAX_CONCURRENT_REQUESTS = LIMIT
    settings.REQUEST_QUEUE_TIMEOUT = 20  # ms: the tests below that wait say so


@contextmanager
def busy_process(limit: int = LIMIT):
    """Every request slot of this process taken, as by `limit` slow requests in other threads."""
    slots = request_slots(limit)
    for _ in range(limit):
        assert slots.acquire(blocking=False)
    try:
        yield
    finally:
        for _ in range(limit):
            slots.release()


@pytest.mark.django_db
def test_a_request_past_the_limit_gets_a_friendly_503_with_retry_after(client):
    with busy_process():
        response = client.get("/en/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "no-store" in response["Cache-Control"]
    assert "The platform is busy right now" in response.text
    assert "Please try again in 5 seconds" in response.text
    assert 'href="/"' in response.text


@pytest.mark.django_db
def test_the_busy_page_speaks_the_language_of_the_browser(client):
    with busy_process():
        response = client.get("/initiatives/", HTTP_ACCEPT_LANGUAGE="pt-BR,pt;q=0.9")
    assert response.status_code == 503
    assert '<html lang="pt-br">' in response.text


@pytest.mark.django_db
def test_requests_are_served_again_once_slots_are_free(client):
    with busy_process():
        assert client.get("/en/", HTTP_ACCEPT_LANGUAGE="en").status_code == 503
    response = client.get("/en/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Retry-After" not in response


@pytest.mark.django_db
def test_the_health_check_is_never_refused(client):
    with busy_process():
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_a_refused_form_saves_nothing(client, member):
    client.force_login(member)
    with busy_process():
        response = client.post("/language/", {"language": "pt-br", "next": "/"})
    assert response.status_code == 503
    member.refresh_from_db()
    assert member.language == "en"
    assert "iapt_language" not in response.cookies


@pytest.mark.django_db
def test_zero_turns_the_limit_off(client, settings):
    settings.MAX_CONCURRENT_REQUESTS = 0
    with busy_process(1):  # would refuse everything if a limit of 0 or 1 applied
        assert client.get("/en/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/static/css/site.css", "/media/stories/hero/none.jpg"])
def test_files_are_never_refused(client, path):
    with busy_process():
        response = client.get(path)
    assert response.status_code == 404  # not there in tests; what matters is that it is not 503
    assert "Retry-After" not in response


@pytest.mark.django_db
def test_a_request_waits_a_moment_for_a_slot_that_frees_and_is_served(client, settings):
    """A burst (keep-alive connections piling onto one worker) waits a few ms instead of a 503."""
    settings.REQUEST_QUEUE_TIMEOUT = 2000
    with busy_process():
        freeing = threading.Timer(0.1, request_slots(LIMIT).release)
        freeing.start()
        started = time.monotonic()
        response = client.get("/en/", HTTP_ACCEPT_LANGUAGE="en")
        waited = time.monotonic() - started
        freeing.join()
        assert request_slots(LIMIT).acquire(timeout=1)  # the slot the request gave back
    assert response.status_code == 200
    assert "Retry-After" not in response
    assert 0.09 < waited < 1.9


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "language", "says"),
    [
        ("/initiatives/", "es", "La plataforma está ocupada en este momento"),
        ("/en/initiatives/", "es", "The platform is busy right now"),
        ("/pt-br/initiatives/", "en", "A plataforma está ocupada neste momento"),
    ],
)
def test_a_request_that_waits_past_the_limit_gets_the_quick_busy_page(
    client, settings, path, language, says
):
    settings.REQUEST_QUEUE_TIMEOUT = 150
    with busy_process():
        started = time.monotonic()
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
        waited = time.monotonic() - started
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert says in response.text
    assert 0.14 < waited < 1.0  # the wait, and not much more


@pytest.mark.django_db
def test_no_more_requests_wait_than_there_are_slots(client, settings):
    """Under real overload the waiting room is full: the next request is refused at once, so the
    server's spare threads keep answering quickly instead of all waiting."""
    settings.REQUEST_QUEUE_TIMEOUT = 5000
    slots = request_slots(LIMIT)
    with busy_process():
        waiters = [threading.Thread(target=slots.admit, args=(1.0,)) for _ in range(LIMIT)]
        for waiter in waiters:
            waiter.start()
        deadline = time.monotonic() + 2
        while slots.waiting < LIMIT and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
        response = client.get("/en/", HTTP_ACCEPT_LANGUAGE="en")
        refused_in = time.monotonic() - started
        for waiter in waiters:
            waiter.join()
    assert response.status_code == 503
    assert refused_in < 0.5
    assert slots.waiting == 0


@pytest.mark.django_db
def test_a_zero_wait_refuses_at_once(client, settings):
    settings.REQUEST_QUEUE_TIMEOUT = 0
    with busy_process():
        started = time.monotonic()
        assert client.get("/en/", HTTP_ACCEPT_LANGUAGE="en").status_code == 503
    assert time.monotonic() - started < 0.5


@pytest.mark.django_db
def test_a_refusal_renders_no_template_once_its_language_was_rendered(client):
    """Under overload the refusals are most of the work: each language's page is made once."""
    with busy_process():
        first = client.get("/en/", HTTP_ACCEPT_LANGUAGE="en")
        again = client.get("/en/initiatives/", HTTP_ACCEPT_LANGUAGE="en")
        spanish = client.get("/initiatives/", HTTP_ACCEPT_LANGUAGE="es")
    assert first.status_code == again.status_code == spanish.status_code == 503
    assert again.content == first.content
    assert again.templates == []
    assert "La plataforma está ocupada" in spanish.text
