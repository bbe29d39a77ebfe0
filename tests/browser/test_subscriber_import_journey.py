"""A moderator in Chromium imports a list of subscribers: uploads it, reads the dry run, starts
the import, reloads the page while it runs, and reads the final report."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from newsletter import tasks
from newsletter.models import Subscriber, SubscriberImport
from newsletter.services import imports
from tests.newsletter.factories import SubscriberFactory

from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "email,name,language\n"
    "ana@example.org,Ana,es\n"
    "ben@example.org,Ben,en\n"
    "not-an-email,Bad,es\n"
    "carla@example.org,Carla,pt-br\n"
    "left@example.org,Left,es\n"
    "dora@example.org,Dora,en\n"
    "eve@example.org,Eve,en\n"
)


def test_a_moderator_checks_then_imports_a_list_and_follows_it_across_a_reload(
    browser, live_server, moderator_with_totp, settings, tmp_path, monkeypatch
):
    moderator_with_totp.language = "en"
    moderator_with_totp.save()
    SubscriberFactory(email="left@example.org", status=Subscriber.Status.UNSUBSCRIBED)
    # The worker is busy elsewhere: the run waits for this test to play the worker, two lines at
    # a time (the dry run still runs at once, eagerly, as the tests' Celery does).
    queued = []
    monkeypatch.setattr(tasks.run_subscriber_import, "delay", lambda *args: queued.append(args))
    settings.NEWSLETTER_IMPORT_CHUNK_ROWS = 2
    settings.NEWSLETTER_IMPORT_TASK_SECONDS = 0  # one chunk per task
    csv_file = tmp_path / "workshop.csv"
    csv_file.write_text(CSV)

    context = browser.new_context(locale="en-US", base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(10_000)
    sign_in_as(context, live_server, moderator_with_totp)
    page = context.new_page()
    page.goto("/bulletin/staff/subscribers/import/")
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_label("Consent source").fill("Sign-up sheet, October 2024 workshop")
    page.get_by_label("Their consent is documented").check()
    page.get_by_role("button", name="Check the file").click()

    # The dry run: what would happen, line by line; nothing written yet.
    expect(page.get_by_role("heading", name="What the check found")).to_be_visible()
    refused = page.get_by_role("row").filter(has_text="not-an-email")
    expect(refused).to_contain_text("4")
    expect(page.get_by_role("row").filter(has_text="left@example.org")).to_contain_text(
        "an import never adds them back"
    )
    assert Subscriber.objects.count() == 1
    page.get_by_role("button", name="Import 5 subscribers").click()

    job = SubscriberImport.objects.get()
    expect(page.get_by_text("0 of 7 lines imported.")).to_be_visible()
    assert queued == [(job.pk,)]
    imports.subscriber_import_run(import_id=job.pk)  # the worker's first chunk
    page.reload()
    expect(page.get_by_text("2 of 7 lines imported.")).to_be_visible()
    expect(page.get_by_role("progressbar", name="Share of the import done")).to_have_attribute(
        "value", "28"
    )
    expect(page.get_by_role("link", name="Reload")).to_be_visible()
    while SubscriberImport.objects.get().status != SubscriberImport.Status.DONE:
        imports.subscriber_import_run(import_id=job.pk)

    # The page follows on its own (htmx polls) to the report.
    expect(page.get_by_role("heading", name="Result of the import")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Imported")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the refused lines (CSV)").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert [line.split(",")[:2] for line in lines] == [
        ["line", "email"],
        ["4", "not-an-email"],
        ["6", "left@example.org"],
    ]
    assert Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED).count() == 5
    assert Subscriber.objects.get(email="left@example.org").status == "unsubscribed"
    context.close()
