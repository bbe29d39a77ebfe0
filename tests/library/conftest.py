import pytest

from iapt_platform.accounts import roles
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Each test stores files in a folder of its own, so that it can list what it stored."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def en_member(db):
    return UserFactory(
        email="contributor@example.org", display_name="Carla Contribuye", language="en"
    )


@pytest.fixture
def en_member_client(client, en_member):
    client.force_login(en_member)
    return client


@pytest.fixture
def lib_moderator(db):
    return UserFactory(
        email="lib.moderator@example.org", language="en", roles=[roles.MEMBER, roles.MODERATOR]
    )
