import pytest


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what an action queued for after its commit (emails, tasks), as a
    real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def english_member(db):
    from tests.factories import UserFactory

    return UserFactory(
        email="member.en@example.org",
        display_name="Andrea Clarke",
        language="en",
        time_zone="America/Jamaica",
        country="JM",
        organisation="Jamaica Tourism Cluster",
    )
