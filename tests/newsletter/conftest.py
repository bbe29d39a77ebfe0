import pytest

from .factories import BlockFactory, IssueFactory


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    # The sending rate limit sleeps between messages; tests that measure it set it themselves.
    settings.NEWSLETTER_RATE_LIMIT = 0


@pytest.fixture
def issue_with_block(db):
    issue = IssueFactory(languages=["es", "en"])
    BlockFactory(issue=issue)
    return issue


@pytest.fixture
def staff_client(client, moderator_with_totp):
    moderator_with_totp.language = "en"
    moderator_with_totp.save()
    client.force_login(moderator_with_totp)
    return client
