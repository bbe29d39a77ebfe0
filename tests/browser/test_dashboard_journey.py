"""A moderator (with their authenticator app) opens the community dashboard for the last quarter,
filters one country, downloads the headline figures as CSV, and the CSV says what the page says."""

import csv
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from iapt_platform.dashboard import periods
from tests.factories import InitiativeFactory

from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_moderator_filters_the_dashboard_by_country_and_downloads_matching_figures(
    browser, live_server, moderator_with_totp
):
    quarter = periods.preset(periods.LAST_QUARTER, timezone.localdate())
    for i, country in enumerate(["EC", "EC", "EC", "AR"]):
        day = quarter.first.replace(day=10 + i)
        InitiativeFactory(
            country=country,
            created_at=timezone.make_aware(
                timezone.datetime.combine(day, timezone.datetime.min.time())
            ),
            published_at=timezone.make_aware(
                timezone.datetime.combine(day, timezone.datetime.min.time())
            ),
        )

    context = browser.new_context(locale="en-US", base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(10_000)
    sign_in_as(context, live_server, moderator_with_totp)
    page = context.new_page()

    page.goto("/account/")
    page.get_by_role("link", name="Community dashboard").click()
    expect(page.get_by_role("heading", name="Community dashboard", level=1)).to_be_visible()
    expect(page.get_by_label("Period", exact=True)).to_have_value("last_quarter")
    published = page.locator('#dashboard-summary tr[data-metric="initiatives_published"] td')
    expect(published.first).to_have_text("4")

    page.get_by_label("Country", exact=True).select_option("EC")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("Country: Ecuador.")).to_be_visible()
    expect(published.first).to_have_text("3")
    shown = {
        row.get_attribute("data-metric"): row.locator("td").all_inner_texts()
        for row in page.locator("#dashboard-summary tbody tr").all()
    }

    with page.expect_download() as download:
        page.get_by_role("link", name="Headline figures as CSV").click()
    assert download.value.suggested_filename.endswith("-EC.csv")
    with open(download.value.path(), encoding="utf-8-sig") as saved:
        rows = list(csv.reader(io.StringIO(saved.read())))
    assert rows[0] == ["Figure", "This period", "Period before", "Change"]
    assert [row[1:] for row in rows[1:]] == list(shown.values())
    assert ["Initiatives published", "3", "0", "new"] in rows
    context.close()
