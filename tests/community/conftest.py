import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from community import services
from tests.factories import UserFactory

from . import factories


@pytest.fixture
def established(monkeypatch):
    """Members whose posts need no approval (the first-posts rule has tests of its own)."""
    monkeypatch.setattr(services, "NEW_MEMBER_POSTS", 0)


@pytest.fixture
def no_rate_limit(monkeypatch):
    monkeypatch.setattr(services, "RATE_LIMITS", ((60, 10_000), (3600, 10_000)))


@pytest.fixture
def alice(db):
    user = UserFactory(
        email="alice@example.org", display_name="Alicia Núñez", language="en", country="MX"
    )
    factories.profile(user, handle="alicia")
    return user


@pytest.fixture
def bruno(db):
    user = UserFactory(
        email="bruno@example.org", display_name="Bruno Costa", language="en", country="BR"
    )
    factories.profile(user, handle="bruno")
    return user


@pytest.fixture
def carla(db):
    user = UserFactory(
        email="carla@example.org", display_name="Carla Pérez", language="en", country="CL"
    )
    factories.profile(user, handle="carla")
    return user


@pytest.fixture
def client_for(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def png_upload(name="chart.png", size=(40, 30)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 80, 90)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def pdf_bytes() -> bytes:
    import pypdfium2

    document = pypdfium2.PdfDocument.new()
    document.new_page(200, 200)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture
def written_posts(monkeypatch) -> list[int]:
    """The ids of the posts a thread page writes from now on (those it found kept are not)."""
    from community.views import posts as post_views

    written: list[int] = []
    write = post_views._Page.post

    def counting(self, post, body_html):
        written.append(post.pk)
        return write(self, post, body_html)

    monkeypatch.setattr(post_views._Page, "post", counting)
    return written
