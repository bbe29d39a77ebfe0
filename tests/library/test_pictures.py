"""Public pictures of the library (covers, first pages) are files in the public storage, written
when a resource is published: a page of covers makes no request per picture to a Django view."""

import re
from io import BytesIO

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from PIL import Image

from iapt_platform.moderation.models import ModerationItem
from iapt_platform.moderation.services import moderation_decide, moderation_submit
from library import services
from library.models import Resource
from tests.initiatives.helpers import png_bytes

from .factories import ResourceFactory, pdf_bytes

pytestmark = pytest.mark.django_db


def with_cover(resource: Resource, n: int = 0) -> Resource:
    resource.cover.save(f"{n:032x}.png", ContentFile(png_bytes(size=(600, 800))), save=True)
    return resource


def image_sources(html: str) -> list[str]:
    return re.findall(r'<img class="resource-(?:thumb|cover)" src="([^"]+)"', html)


def test_a_library_page_of_18_covers_links_every_cover_as_a_media_file(client):
    for n in range(18):
        with_cover(ResourceFactory(), n)
    call_command("library_write_pictures")

    response = client.get("/library/?sort=newest")

    sources = image_sources(response.content.decode())
    assert len(sources) == 18
    assert all(src.startswith(f"{settings.MEDIA_URL}library/pictures/") for src in sources)
    # Each is a file served before the sessions and the limiter, small, re-encoded by us.
    picture = client.get(sources[0])
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/jpeg"
    assert picture["X-Content-Type-Options"] == "nosniff"
    image = Image.open(BytesIO(b"".join(picture.streaming_content)))
    assert image.format == "JPEG" and image.width <= 128 and image.height <= 168


def test_the_page_of_a_published_resource_shows_its_first_page_as_a_file(client):
    resource = ResourceFactory(slug="guia")
    resource.file.save("0123456789abcdef.pdf", ContentFile(pdf_bytes("Texto.")), save=False)
    resource.file_kind = "pdf"
    resource.save()
    services.resource_process_file(resource_id=resource.pk)
    resource.refresh_from_db()

    [src] = image_sources(client.get("/library/guia/").content.decode())
    assert src == resource.picture.url and src.startswith(settings.MEDIA_URL)
    assert client.get(src).status_code == 200
    # The old address of the picture now points at the file.
    response = client.get("/library/guia/image/")
    assert response.status_code == 302 and response["Location"] == resource.picture.url


def test_pictures_become_public_on_approval_and_go_when_withdrawn(
    en_member, lib_moderator, settings, django_capture_on_commit_callbacks
):
    resource = with_cover(
        ResourceFactory(
            status=Resource.Status.IN_REVIEW, published_at=None, contributed_by=en_member
        )
    )
    services.resource_write_pictures(resource=resource)
    assert not resource.picture  # in review: nothing public
    item = moderation_submit(obj=resource, kind="resource", submitted_by=en_member)
    contributor = Client()
    contributor.force_login(en_member)
    [src] = image_sources(contributor.get(f"/en/library/{resource.slug}/").content.decode())
    assert (
        src == f"/en/library/{resource.slug}/image/"
    )  # the private copy, through the access check

    moderation_decide(item=item, moderator=lib_moderator, action="approve", comment="")
    resource.refresh_from_db()
    public = resource.picture.path
    assert resource.picture.name.startswith("library/pictures/")
    assert Client().get(resource.picture.url).status_code == 200

    moderation_submit(obj=resource, kind="resource", submitted_by=en_member)
    item = ModerationItem.objects.filter(kind="resource").latest("pk")
    with django_capture_on_commit_callbacks(execute=True):  # the files go once it is committed
        moderation_decide(item=item, moderator=lib_moderator, action="reject", comment="Duplicado.")
    resource.refresh_from_db()
    assert not resource.picture and not resource.picture_small
    assert not (settings.MEDIA_ROOT / public).exists()


def test_the_command_writes_pictures_for_resources_published_before(client):
    resource = with_cover(ResourceFactory())
    assert not resource.picture

    call_command("library_write_pictures")

    resource.refresh_from_db()
    assert resource.picture.name.startswith("library/pictures/")
    assert resource.picture_small.name.startswith("library/pictures/")
    names = (resource.picture.name, resource.picture_small.name)
    call_command("library_write_pictures")  # nothing missing: nothing rewritten
    resource.refresh_from_db()
    assert (resource.picture.name, resource.picture_small.name) == names


def test_a_decision_rolled_back_keeps_the_pictures_the_page_links_to(
    django_capture_on_commit_callbacks,
):
    from django.db import transaction

    resource = with_cover(ResourceFactory())
    services.resource_write_pictures(resource=resource)
    resource.refresh_from_db()
    storage = resource.picture.storage
    kept = resource.picture.name

    class Failed(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Failed),
        transaction.atomic(),
    ):
        services.resource_write_pictures(resource=resource)
        raise Failed  # e.g. a later step of the moderation decision
    resource.refresh_from_db()
    assert resource.picture.name == kept and storage.exists(kept)
