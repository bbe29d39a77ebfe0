"""Private files on S3-style storage leave through a short-lived signed address of the bucket, after
the same permission check, never through the web worker; local storage keeps streaming them.

The storage is django-storages' own S3Storage with made-up keys: boto3 signs the address on this
machine, so nothing reaches the network."""

from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from storages.backends.s3 import S3Storage

from community.meetings.models import Material
from community.models import Attachment
from iapt_platform.lib.downloads import SIGNED_URL_SECONDS
from library.models import Resource
from tests.community import factories as forum
from tests.factories import UserFactory
from tests.library.factories import ResourceFactory, pdf_bytes
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 acta"


@pytest.fixture
def bucket(settings, monkeypatch):
    """`bucket()`, once the rows and their files exist: MEDIA_STORAGE=s3, the private file fields
    on a bucket configured as settings.py does, and the spy on boto3's address signer."""
    spies = []

    def switch():
        settings.MEDIA_STORAGE = "s3"
        storage = S3Storage(
            bucket_name="iapt-media",
            endpoint_url="https://objects.example.net",
            region_name="us-east-1",
            access_key="AKIDEXAMPLE",
            secret_key="made-up-secret",
            location="private",
            default_acl=None,
            querystring_auth=True,
            signature_version="s3v4",
            custom_domain=None,
        )
        for model in (Attachment, Material, Resource):
            monkeypatch.setattr(model._meta.get_field("file"), "storage", storage)
        client = storage.connection.meta.client
        spy = mock.patch.object(
            client, "generate_presigned_url", wraps=client.generate_presigned_url
        )
        spies.append(spy)
        return spy.start()

    yield switch
    for spy in spies:
        spy.stop()


def _signed(client, bucket, path: str, *, disposition: str, content_type: str) -> None:
    """GET `path` once the files are on the bucket: a redirect to a signed address."""
    signer = bucket()
    response = client.get(path)
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    assert not hasattr(response, "streaming_content")
    signer.assert_called_once()
    params = signer.call_args.kwargs["Params"]
    assert signer.call_args.kwargs["ExpiresIn"] == SIGNED_URL_SECONDS == 60
    assert params["Bucket"] == "iapt-media" and params["Key"].startswith("private/")
    assert params["ResponseContentDisposition"] == disposition
    assert params["ResponseContentType"] == content_type
    url = urlsplit(response["Location"])
    assert url.scheme == "https" and url.netloc == "objects.example.net"
    query = parse_qs(url.query)
    assert query["X-Amz-Expires"] == ["60"] and "X-Amz-Signature" in query
    assert query["response-content-disposition"] == [params["ResponseContentDisposition"]]
    assert query["response-content-type"] == [content_type]


def _material(**meeting):
    return Material.objects.create(
        meeting=MeetingFactory(**meeting),
        title="Acta",
        file=ContentFile(PDF, "x.pdf"),
        original_name="acta final.exe",
        mimetype="application/pdf",
    )


def _attachment(*, private=False):
    author = UserFactory()
    category = forum.category("grupo-privado", is_private=True) if private else None
    post = forum.thread(author, cat=category).posts.get()
    return Attachment.objects.create(
        post=post,
        file=ContentFile(PDF, "a.pdf"),
        kind="pdf",
        mimetype="text/html",  # a type we never serve as such: it leaves as a binary
        original_name="adjunto.html",
    )


def test_a_meeting_material_is_a_signed_download(client, bucket):
    material = _material()
    _signed(
        client,
        bucket,
        reverse("meetings:material", args=[material.pk]),
        disposition="attachment; filename=\"acta final.pdf\"; filename*=UTF-8''acta%20final.pdf",
        content_type="application/pdf",
    )


def test_a_forum_attachment_is_a_signed_download_of_a_safe_type(client, bucket):
    attachment = _attachment()
    client.force_login(UserFactory())
    _signed(
        client,
        bucket,
        reverse("community:attachment", args=[attachment.pk]),
        disposition="attachment; filename=\"adjunto.bin\"; filename*=UTF-8''adjunto.bin",
        content_type="application/octet-stream",
    )


def test_a_library_file_is_a_signed_download_and_counts(client, bucket):
    resource = ResourceFactory(
        file=ContentFile(pdf_bytes(), "g.pdf"),
        file_name="guía.pdf",
        file_mimetype="application/pdf",
    )
    _signed(
        client,
        bucket,
        reverse("library:download", args=[resource.slug]),
        disposition="attachment; filename=\"gua.pdf\"; filename*=UTF-8''gu%C3%ADa.pdf",
        content_type="application/pdf",
    )
    resource.refresh_from_db()
    assert resource.download_count == 1


def test_the_permission_check_comes_first(client, bucket):
    """Who may not read the file gets the same answer as with local storage, and no address."""
    hidden_material = _material(published_at=None)
    private_attachment = _attachment(private=True)
    draft = ResourceFactory(
        status=Resource.Status.DRAFT,
        file=ContentFile(pdf_bytes(), "g.pdf"),
        file_mimetype="application/pdf",
    )
    signer = bucket()
    assert client.get(reverse("meetings:material", args=[hidden_material.pk])).status_code == 404
    assert client.get(reverse("library:download", args=[draft.slug])).status_code == 404
    login = client.get(reverse("community:attachment", args=[private_attachment.pk]))
    assert login.status_code == 302 and "/accounts/login/" in login["Location"]
    client.force_login(UserFactory())
    response = client.get(reverse("community:attachment", args=[private_attachment.pk]))
    assert response.status_code == 404
    signer.assert_not_called()


def test_local_storage_keeps_streaming(client, settings):
    assert settings.MEDIA_STORAGE == "local"
    material = _material()
    response = client.get(reverse("meetings:material", args=[material.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith('attachment; filename="acta final.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"
