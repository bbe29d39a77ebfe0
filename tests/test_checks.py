"""The settings' system checks: with DEBUG off a half-configured server refuses to start."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from iapt_platform import checks

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.REDIS_URL = "redis://cache.internal:6379/0"
    settings.EMAIL_URL_GIVEN = True
    settings.SITE_URL = "https://iapt.example.org"
    settings.ALLOWED_HOSTS = ["iapt.example.org"]
    settings.SECRET_KEY = "a-long-random-string-nobody-has-seen-0123456789abcdef"
    settings.SOURCE_URL = "https://source.example.org/iapt-platform"
    settings.CONTACT_EMAIL = "iapt@example.org"
    return settings


def ids() -> list[str]:
    return [e.id for e in checks.settings_for_production()]


def test_a_complete_production_configuration_passes(production):
    assert ids() == []


def test_it_requires_redis_url(production):
    production.REDIS_URL = ""
    assert ids() == ["iapt.E001"]


def test_it_requires_email_url(production):
    production.EMAIL_URL_GIVEN = False
    assert ids() == ["iapt.E002"]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]"])
def test_it_refuses_the_development_site_url_behind_a_public_name(production, url):
    production.SITE_URL = url
    assert ids() == ["iapt.E003"]


def test_a_loopback_site_url_is_right_for_a_loopback_only_server(production):
    production.SITE_URL = "http://localhost:8000"
    production.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    assert ids() == []


@pytest.mark.parametrize(
    "key",
    [
        "insecure-development-key-only-for-DEBUG-mode",
        "change-me-this-default-is-public-and-fit-only-for-a-local-trial",
        "django-insecure-abc123",
    ],
)
def test_it_refuses_a_known_secret_key(production, key):
    production.SECRET_KEY = key
    assert ids() == ["iapt.E004"]


def test_it_warns_without_a_source_url(production):
    production.SOURCE_URL = ""
    found = checks.settings_for_production()
    assert [e.id for e in found] == ["iapt.W001"]
    assert not found[0].is_serious()  # a warning: the servers still start


def test_it_warns_without_a_contact_address(production):
    production.CONTACT_EMAIL = ""
    found = checks.settings_for_production()
    assert [e.id for e in found] == ["iapt.W002"]
    assert not found[0].is_serious()


def test_every_error_at_once_and_at_error_level(production):
    production.REDIS_URL = ""
    production.EMAIL_URL_GIVEN = False
    production.SITE_URL = "http://127.0.0.1:8000"
    production.SECRET_KEY = "build"
    found = checks.settings_for_production()
    assert [e.id for e in found] == ["iapt.E001", "iapt.E002", "iapt.E003", "iapt.E004"]
    assert all(e.is_serious() for e in found)


def test_with_debug_on_the_embedded_defaults_are_fine(production):
    production.DEBUG = True
    production.REDIS_URL = ""
    production.EMAIL_URL_GIVEN = False
    production.SITE_URL = "http://127.0.0.1:8000"
    assert ids() == []


def test_the_wsgi_entry_point_refuses_to_serve(production):
    production.REDIS_URL = ""
    production.SILENCED_SYSTEM_CHECKS = []
    with pytest.raises(ImproperlyConfigured, match=r"iapt\.E001"):
        checks.refuse_to_serve_when_misconfigured()


def test_manage_py_check_fails_on_a_half_configured_server():
    """The real settings module, as `migrate` and `runserver` load it: the checks are registered."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "iapt_platform.settings",
        "DEBUG": "false",
        "SECRET_KEY": "a-long-random-string-nobody-has-seen-0123456789abcdef",
        "ALLOWED_HOSTS": "iapt.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    for code in ("iapt.E001", "iapt.E002", "iapt.E003"):
        assert code in result.stderr
