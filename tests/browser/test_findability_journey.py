"""The time-zone cookie as Chromium keeps it, and the link preview of a page a visitor opens."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _tz_cookie(page) -> dict:
    [cookie] = [c for c in page.context.cookies() if c["name"] == "tz"]
    return cookie


def test_the_time_zone_cookie_is_secure_and_same_site_lax_in_production(page, settings):
    settings.TIME_ZONE_COOKIE_SECURE = True
    # http://localhost is a secure context for Chromium: it keeps Secure cookies written there.
    page.goto("/")
    page.wait_for_function("document.cookie.indexOf('tz=') !== -1")
    cookie = _tz_cookie(page)
    assert cookie["secure"] is True and cookie["sameSite"] == "Lax"
    assert cookie["path"] == "/" and cookie["expires"] > 0


def test_without_secure_cookies_the_time_zone_still_reaches_the_server(page, settings):
    settings.TIME_ZONE_COOKIE_SECURE = False
    page.goto("/")
    page.wait_for_function("document.cookie.indexOf('tz=') !== -1")
    cookie = _tz_cookie(page)
    assert cookie["secure"] is False and cookie["sameSite"] == "Lax"
