from unittest import mock

import pytest
from django.db.utils import OperationalError


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
