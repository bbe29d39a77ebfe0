import pytest

from iapt_platform.accounts import roles
from tests.factories import UserFactory


@pytest.fixture
def english_member(db):
    return UserFactory(email="reader@example.org", display_name="Rita Reader", language="en")


@pytest.fixture
def english_moderator(db):

    editor = UserFactory(
        email="editor@example.org",
        display_name="Elena Editora",
        language="en",
        roles=[roles.MEMBER, roles.MODERATOR],
    )
    return editor
