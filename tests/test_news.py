"""Announcements: told to listeners after the commit only, with ids a task can carry, and the
audiences and visibility the apps register."""

import pytest
from django.db import transaction

from iapt_platform.lib import news
from iapt_platform.lib.news import Announcement, Subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(news, "_kinds", {})
    monkeypatch.setattr(news, "_audiences", {})
    heard: list[Announcement] = []
    monkeypatch.setattr(news, "_listeners", [heard.append])
    news.register_kind("profile", label="A profile", visible=lambda user, obj: user.pk == obj.pk)
    return heard


def test_listeners_hear_after_the_commit_with_ids_only(
    registry, member, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        news.announce(
            kind="profile",
            obj=member,
            subjects=[Subject("country", "EC"), Subject("country", "EC"), Subject("topic", 7)],
            recipients=[moderator.pk, str(moderator.pk)],
            actor=member,
        )
        assert registry == []

    (heard,) = registry
    assert heard.subjects == (Subject("country", "EC"), Subject("topic", "7"))
    assert heard.recipients == (moderator.pk,)
    assert heard.actor_id == member.pk
    assert Announcement.from_dict(heard.as_dict()) == heard
    assert heard.object() == member


def test_nothing_is_heard_of_a_write_that_rolled_back(registry, member):
    with pytest.raises(RuntimeError), transaction.atomic():
        news.announce(kind="profile", obj=member)
        raise RuntimeError

    assert registry == []


def test_an_unregistered_kind_is_refused(registry, member):
    with pytest.raises(ValueError, match="not registered"):
        news.announce(kind="nonsense", obj=member)


def test_a_failing_listener_does_not_stop_the_others(
    registry, member, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(announcement):
        raise RuntimeError("down")

    monkeypatch.setattr(news, "_listeners", [broken, registry.append])
    with django_capture_on_commit_callbacks(execute=True):
        news.announce(kind="profile", obj=member)

    assert len(registry) == 1


def test_audiences_and_visibility_come_from_the_apps(registry, member, moderator):
    news.register_audience("initiative", lambda key: {int(key), moderator.pk})
    news.register_audience("initiative", lambda key: {member.pk})

    assert news.audience(Subject("initiative", "5")) == {5, moderator.pk, member.pk}
    assert news.audience(Subject("country", "EC")) == set()
    assert news.can_see("profile", member, member)
    assert not news.can_see("profile", moderator, member)
    assert not news.can_see("unknown", member, member)
    assert not news.can_see("profile", member, None)
