import pytest

from iapt_platform.lib import news


@pytest.fixture
def heard(monkeypatch):
    """What lib/news tells its listeners, in order (the app's kinds stay registered)."""
    told: list[news.Announcement] = []
    monkeypatch.setattr(news, "_listeners", [told.append])
    return told
