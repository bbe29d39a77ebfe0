"""In Chromium: a member who wrote in the forum asks for their data from their account page, the
email arrives with a link, they follow it signed in, and the ZIP holds their post and profile."""

import json
import re
import zipfile

import pytest
from django.core import mail
from playwright.sync_api import expect

from community import services
from tests.community import factories
from tests.factories import UserFactory

from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_downloads_their_data_and_finds_their_post_and_profile(
    browser, live_server, monkeypatch
):
    monkeypatch.setattr(services, "NEW_MEMBER_POSTS", 0)
    factories.category("financing")
    marta = UserFactory(
        email="marta@example.org", display_name="Marta Núñez", organisation="Clúster del Cacao"
    )
    factories.profile(marta, handle="marta", bio="Gerente del clúster del cacao.")

    context = browser.new_context(locale="en-US", base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(10_000)
    sign_in_as(context, live_server, marta)
    page = context.new_page()
    page.goto("/community/c/financing/new/")
    page.get_by_label("Title").fill("Guarantee funds for cacao growers")
    page.get_by_label("Message").fill("Our guarantee fund halved the interest rate.")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Guarantee funds for cacao growers")

    page.goto("/account/")
    page.get_by_role("link", name="Download your data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Download your data")
    page.get_by_role("button", name="Prepare my archive").click()
    expect(page.get_by_text("We are preparing your archive.")).to_be_visible()
    page.reload()  # built by then (tasks run at once in tests): the page says until when
    expect(
        page.get_by_text(re.compile(r"Ready to download until .* \(America/Guayaquil\)"))
    ).to_be_visible()

    (email,) = [m for m in mail.outbox if m.to == ["marta@example.org"]]
    link = re.search(r"https?://\S+/account/data/download/\S+/", email.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    with page.expect_download() as download:
        page.evaluate("url => { window.location.href = url }", f"{live_server.url}/{path}")
    assert download.value.suggested_filename.startswith("iapt-data-")
    archive = zipfile.ZipFile(download.value.path())

    community = json.loads(archive.read("community.json"))
    assert community["profile"]["bio"] == "Gerente del clúster del cacao."
    assert [post["body"] for post in community["posts"]] == [
        "Our guarantee fund halved the interest rate."
    ]
    account = json.loads(archive.read("account.json"))["account"]
    assert account["display_name"] == "Marta Núñez"
    assert account["organisation"] == "Clúster del Cacao"
    assert "password" not in account
    context.close()
