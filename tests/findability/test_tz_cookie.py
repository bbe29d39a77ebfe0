"""The time-zone cookie gets the flags of the server's own cookies.

static/js/tz.js writes it in the browser (the server cannot see a cookie's flags, and setting it
from the server on every page would keep the visitors' page cache from storing any page), so the
page hands the script the name and flags from the settings. The browser journey
(tests/browser/test_findability_journey.py) checks the cookie Chromium keeps.
"""

import pytest
from django.conf import settings as django_settings
from django.test import Client

pytestmark = pytest.mark.django_db


def _script_tag(page: str) -> str:
    return next(line for line in page.splitlines() if "js/tz.js" in line)


def test_the_page_gives_the_script_secure_and_samesite_in_production(settings):
    settings.TIME_ZONE_COOKIE_SECURE = True
    tag = _script_tag(Client().get("/").text)
    assert 'data-cookie="tz"' in tag
    assert 'data-secure="true"' in tag and 'data-samesite="Lax"' in tag


def test_a_plain_http_deployment_writes_it_without_secure(settings):
    settings.TIME_ZONE_COOKIE_SECURE = False
    tag = _script_tag(Client().get("/").text)
    assert 'data-secure="false"' in tag and 'data-samesite="Lax"' in tag


def test_the_flags_follow_the_other_cookies():
    assert django_settings.TIME_ZONE_COOKIE_SAMESITE == django_settings.LANGUAGE_COOKIE_SAMESITE
    assert django_settings.TIME_ZONE_COOKIE_NAME == "tz"


def test_the_script_writes_the_flags_it_is_given():
    script = (django_settings.BASE_DIR / "static" / "js" / "tz.js").read_text()
    assert ";secure" in script and "samesite=" in script and "dataset" in script
