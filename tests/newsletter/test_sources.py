"""'Fill from the platform' with the other apps' content: stories, library, meetings."""

from datetime import timedelta

import pytest
from django.utils import timezone

from newsletter import sources

pytestmark = pytest.mark.django_db


def test_stories_published_since_the_last_issue_become_featured_blocks():
    from tests.stories.factories import StoryFactory

    new = StoryFactory(published_at=timezone.now() - timedelta(days=1))
    StoryFactory(published_at=timezone.now() - timedelta(days=40))
    blocks = sources.featured_stories(
        since=timezone.now() - timedelta(days=7), languages=["es", "en"]
    )
    assert [b.source_key for b in blocks] == [f"stories:{new.pk}"]
    assert blocks[0].content["en"]["title"] == new.title_en
    assert blocks[0].content["es"]["title"] == new.title_es
    assert blocks[0].link_url == "http://testserver" + new.get_absolute_url()


def test_new_library_resources_become_one_list_block():
    from tests.library.factories import ResourceFactory

    new = ResourceFactory(title="Guía [financiamiento]", published_at=timezone.now())
    ResourceFactory(published_at=timezone.now() - timedelta(days=60))
    blocks = sources.new_resources(since=timezone.now() - timedelta(days=7), languages=["en"])
    assert len(blocks) == 1
    body = blocks[0].content["en"]["body"]
    assert "Guía \\[financiamiento\\]" in body
    assert body.count("\n- ") == 0 and body.startswith("- ")
    assert "http://testserver" + new.get_absolute_url() in body
    assert blocks[0].content["en"]["title"] == "New in the library"


def test_upcoming_meetings_become_one_block_with_times_in_utc():
    from tests.meetings.factories import MeetingFactory

    meeting = MeetingFactory(starts_at=timezone.now() + timedelta(days=3))
    blocks = sources.upcoming_meetings(since=timezone.now(), languages=["es", "en"])
    assert len(blocks) == 1
    assert meeting.title_en in blocks[0].content["en"]["body"]
    assert meeting.title_es in blocks[0].content["es"]["body"]
    assert "UTC" in blocks[0].content["en"]["body"]
    assert blocks[0].content["en"]["title"] == "Upcoming meetings"
