import pytest

from iapt_platform.accounts import roles
from tests.factories import UserFactory


@pytest.fixture
def english_member(db):
    return UserFactory(email="reader@example.org", display_name="Rita Reader", language="en")


@pytest.fixture
def english_moderator(db):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    editor = UserFactory(
        email="editor@example.org",
        display_name="Elena Editora",
        language="en",
        roles=[roles.MEMBER, roles.MODERATOR],
    )
    TOTP.activate(editor, generate_totp_secret())  # the staff pages ask for it
    return editor
