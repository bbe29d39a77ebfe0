"""Load shedding: past MAX_CONCURRENT_REQUESTS requests at once, a quick friendly 503."""

from contextlib import contextmanager

import pytest

from iapt_platform.middleware import request_slots

LIMIT = 2


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.MAX_CONCURRENT_REQUESTS = LIMIT


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
