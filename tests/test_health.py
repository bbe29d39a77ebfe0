import time
from unittest import mock

import pytest
import redis
from django.db.utils import OperationalError

from iapt_platform import views


@pytest.fixture(autouse=True)
def _fresh_answers():
    """Each test asks anew: no answer kept from an earlier test (HEALTH_CHECK_KEEP)."""
    views.forget_health_answers()
    yield
    views.forget_health_answers()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/healthz/ready"])
def test_healthz_reports_database_and_cache(client, settings, path):
    response = client.get(path)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["cache"]["ok"] is True
    assert ("broker" in body["checks"]) is bool(settings.REDIS_URL)
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/healthz/ready"])
def test_healthz_answers_503_when_the_database_is_down(client, path):
    with mock.patch("iapt_platform.views._database", side_effect=OperationalError("down")):
        response = client.get(path)
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["checks"]["database"] == {"ok": False, "error": "OperationalError"}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_broker_is_down(client, settings):
    # A real broker address where nothing listens.
    settings.REDIS_URL = settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


def test_liveness_answers_without_asking_any_dependency(client):
    with mock.patch("iapt_platform.views._database") as database:
        response = client.get("/healthz/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    database.assert_not_called()


@pytest.mark.django_db
def test_readiness_reports_a_redis_outage_but_stays_ready(client, settings):
    """Pages survive Redis being away: a load balancer must not take the server out for it."""
    settings.REDIS_URL = settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    with mock.patch("iapt_platform.views._cache", side_effect=ConnectionError("refused")):
        response = client.get("/healthz/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["cache"] == {"ok": False, "error": "ConnectionError"}


def test_the_health_probes_are_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    for path in ("/healthz/live", "/healthz/ready"):
        with mock.patch("iapt_platform.views._database"):
            assert client.get(path).status_code != 301, path
    assert client.get("/initiatives/").status_code == 301


@pytest.mark.django_db
def test_healthz_answers_503_when_redis_is_down(client):
    down = redis.exceptions.ConnectionError("Connection refused")
    with mock.patch("iapt_platform.views._cache", side_effect=down):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == {"ok": False, "error": "ConnectionError"}


@pytest.mark.django_db
def test_healthz_keeps_its_answer_a_moment_so_a_busy_prober_costs_one_check(client, settings):
    settings.HEALTH_CHECK_KEEP = 30
    with mock.patch("iapt_platform.views._database") as database:
        for _ in range(5):
            assert client.get("/healthz").status_code == 200
    assert database.call_count == 1


@pytest.mark.django_db
@pytest.mark.parametrize("probe", ["_database", "_cache"])
def test_healthz_reports_a_failure_once_the_kept_answer_is_older_than_allowed(
    client, settings, probe
):
    settings.HEALTH_CHECK_KEEP = 0.2
    assert client.get("/healthz").status_code == 200
    with mock.patch(f"iapt_platform.views.{probe}", side_effect=OperationalError("down")):
        assert client.get("/healthz").status_code == 200  # the answer of a moment ago
        time.sleep(0.25)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    time.sleep(0.25)
    assert client.get("/healthz").status_code == 200  # and back once it answers again


@pytest.mark.django_db
def test_liveness_and_readiness_keep_answers_of_their_own(client, settings):
    settings.HEALTH_CHECK_KEEP = 30
    with mock.patch("iapt_platform.views._cache", side_effect=ConnectionError("refused")):
        assert client.get("/healthz/ready").status_code == 200  # the cache is not fatal there
    assert client.get("/healthz").status_code == 200  # asked anew, not the readiness answer
