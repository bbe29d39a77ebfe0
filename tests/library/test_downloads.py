"""Files are served by a view, as attachments, with their real type; counts are daily aggregates."""

import datetime

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.test import Client

from iapt_platform.lib import counters
from library import services
from library.models import Resource, ResourceDailyStat
from tests.factories import UserFactory

from .factories import ResourceFactory, pdf_bytes

pytestmark = pytest.mark.django_db


def with_file(resource: Resource, *, name="Guía práctica (v2).pdf", data=None, mimetype=None):
    data = data or pdf_bytes("Contenido del documento.")
    resource.file.save("0123456789abcdef.pdf", ContentFile(data), save=False)
    resource.file_name = name
    resource.file_mimetype = "application/pdf" if mimetype is None else mimetype
    resource.file_kind = "pdf"
    resource.file_size = len(data)
    resource.save()
    services.resource_process_file(resource_id=resource.pk)
    resource.refresh_from_db()
    return resource


def test_a_download_is_an_attachment_with_the_real_type_and_the_senders_name(client):
    resource = with_file(ResourceFactory(slug="guia"))
    response = client.get("/library/guia/download/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''Gu%C3%ADa%20pr%C3%A1ctica%20%28v2%29.pdf" in disposition
    assert 'filename="Gua prctica (v2).pdf"' in disposition  # the ASCII fallback
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert resource.file.name.startswith("library/files/")
    with pytest.raises(ValueError, match="through a view"):
        resource.file.url  # noqa: B018 (private storage: no address to link to)


def test_the_download_name_takes_the_extension_of_what_the_file_is(client):
    with_file(ResourceFactory(slug="guia"), name="informe.html")
    disposition = client.get("/library/guia/download/")["Content-Disposition"]
    assert "filename*=UTF-8''informe.pdf" in disposition


@pytest.mark.parametrize("stored", ["text/html", "image/svg+xml", "application/xhtml+xml", ""])
def test_a_dangerous_stored_type_is_never_sent_back(client, stored):
    with_file(ResourceFactory(slug="guia"), mimetype=stored)
    response = client.get("/library/guia/download/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_downloads_and_views_are_counted_per_day_without_tracking_people(client):
    resource = with_file(ResourceFactory(slug="guia"))
    member = Client()
    member.force_login(UserFactory())
    with time_machine.travel(datetime.datetime(2026, 3, 1, 23, 50, tzinfo=datetime.UTC)):
        client.get("/library/guia/download/")
        member.get("/en/library/guia/download/")
        client.get("/library/guia/")
    with time_machine.travel(datetime.datetime(2026, 3, 2, 0, 10, tzinfo=datetime.UTC)):
        client.get("/library/guia/download/")
    counters.flush_pending()  # page views wait in Redis for the next flush (test_view_counts.py)

    rows = list(
        ResourceDailyStat.objects.order_by("date").values_list("date", "downloads", "views")
    )
    assert rows == [
        (datetime.date(2026, 3, 1), 2, 1),
        (datetime.date(2026, 3, 2), 1, 0),
    ]
    resource.refresh_from_db()
    assert resource.download_count == 3
    # An aggregate has no column that could say who downloaded.
    columns = {f.name for f in ResourceDailyStat._meta.get_fields()}
    assert columns == {"id", "resource", "date", "downloads", "views"}


def test_the_upsert_survives_a_row_created_in_between(client):
    """Two first downloads of the day at once: the second insert fails and updates instead."""
    resource = ResourceFactory()
    today = datetime.date(2026, 5, 4)
    ResourceDailyStat.objects.create(resource=resource, date=today, downloads=4)
    original = ResourceDailyStat.objects.filter

    calls = {"n": 0}

    class FirstUpdateMisses:
        def __init__(self, qs):
            self.qs = qs

        def update(self, **kwargs):
            calls["n"] += 1
            return 0 if calls["n"] == 1 else self.qs.update(**kwargs)

    def fake_filter(*args, **kwargs):
        return FirstUpdateMisses(original(*args, **kwargs))

    import unittest.mock

    with unittest.mock.patch.object(ResourceDailyStat.objects, "filter", fake_filter):
        services._bump(resource.pk, "downloads", today)
    assert ResourceDailyStat.objects.get(resource=resource, date=today).downloads == 5


def test_visitors_cannot_see_or_download_unpublished_resources(client, lib_moderator):
    contributor = UserFactory()
    for status in (Resource.Status.DRAFT, Resource.Status.IN_REVIEW, Resource.Status.REJECTED):
        resource = with_file(
            ResourceFactory(status=status, contributed_by=contributor, published_at=None)
        )
        for path in ("", "download/", "image/", "cite.ris"):
            assert client.get(f"/library/{resource.slug}/{path}").status_code == 404, path
        stranger = Client()
        stranger.force_login(UserFactory())
        assert stranger.get(f"/en/library/{resource.slug}/download/").status_code == 404
        owner = Client()
        owner.force_login(contributor)
        response = owner.get(f"/en/library/{resource.slug}/download/")
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        moderator = Client()
        moderator.force_login(lib_moderator)
        assert moderator.get(f"/en/library/{resource.slug}/download/").status_code == 200
    assert not ResourceDailyStat.objects.exists()  # the contributor's checks are not counted


def test_the_first_page_picture_is_an_image_we_encoded(client):
    contributor = UserFactory()
    resource = with_file(
        ResourceFactory(slug="guia", status=Resource.Status.IN_REVIEW, contributed_by=contributor)
    )
    # Before publication only the contributor and staff see it, through the view.
    client.force_login(contributor)
    response = client.get("/en/library/guia/image/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\x89PNG")
    from io import BytesIO

    from PIL import Image

    picture = Image.open(BytesIO(body))
    assert picture.width <= 320 and picture.height <= 420
    assert resource.thumbnail.name.startswith("library/thumbnails/")


def test_a_resource_without_a_file_has_no_download(client):
    ResourceFactory(slug="link-only")
    assert client.get("/library/link-only/download/").status_code == 404
    assert client.get("/library/link-only/image/").status_code == 404


def test_a_damaged_pdf_is_recorded_not_raised(client):
    resource = ResourceFactory()
    resource.file.save("x.pdf", ContentFile(b"%PDF-1.4 broken"), save=False)
    resource.file_kind = "pdf"
    resource.save()
    services.resource_process_file(resource_id=resource.pk)
    resource.refresh_from_db()
    assert resource.processing_error.startswith("PDF could not be read")
    assert resource.processed_at is not None and not resource.thumbnail


def test_a_download_counts_once_per_visitor_and_day(client):
    """Repeated GETs must not lift a resource up "most downloaded": one count per person a day."""
    resource = with_file(ResourceFactory(slug="guia"))
    other = with_file(ResourceFactory(slug="otra"))
    member = Client()
    member.force_login(UserFactory())
    phone = Client(HTTP_USER_AGENT="Mozilla/5.0 (Android 14)")  # same address, another browser
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    with time_machine.travel(datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)):
        for _ in range(5):
            assert client.get("/library/guia/download/").status_code == 200
            member.get("/en/library/guia/download/")
        phone.get("/library/guia/download/")
        elsewhere.get("/library/guia/download/")
        client.get("/library/otra/download/")
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)):
        client.get("/library/guia/download/")
        client.get("/library/guia/download/")

    resource.refresh_from_db()
    other.refresh_from_db()
    assert resource.download_count == 5  # visitor, member, phone, elsewhere; visitor again
    assert other.download_count == 1
    rows = list(
        ResourceDailyStat.objects.filter(resource=resource)
        .order_by("date")
        .values_list("date", "downloads")
    )
    assert rows == [(datetime.date(2026, 3, 1), 4), (datetime.date(2026, 3, 2), 1)]


def test_behind_a_proxy_each_visitor_counts_by_their_own_address(settings):
    # Behind a trusted proxy every request comes from the proxy's address: the visitor is the
    # one X-Forwarded-For names, as the rate limits read it (lib/ratelimit.client_ip).
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    resource = with_file(ResourceFactory(slug="guia"))
    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=address).get("/library/guia/download/")
    resource.refresh_from_db()
    assert resource.download_count == 3
