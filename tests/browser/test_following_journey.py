"""Following in Chromium: a member follows Ecuador and the agrifood sector from their pages, a
moderator publishes a story there, the member finds it in their notifications, opens the following
page and unfollows both; a second story does not reach them."""

import re

import pytest
from playwright.sync_api import expect

from community.following.models import Follow, NewsNotification
from initiatives.stories.models import Story
from tests.community import factories as forum
from tests.factories import SectorFactory
from tests.stories.factories import StoryFactory

from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def draft(title: str, agrifood) -> Story:
    story = StoryFactory(
        status=Story.Status.DRAFT,
        published_at=None,
        countries=["EC"],
        title_es=title,
        title_en=title,
    )
    story.sectors.set([agrifood])
    return story


def test_follow_hear_of_a_story_unfollow_and_hear_no_more(
    browser, live_server, member, moderator_with_totp
):
    agrifood = SectorFactory(slug="agrifood", name_en="Agrifood", name_es="Agroalimentos")
    forum.profile(member, handle="marta", email_frequency="daily")
    first = draft("Cacao fino de aroma en Esmeraldas", agrifood)
    second = draft("Banano orgánico de El Oro", agrifood)

    reader_context = browser.new_context(locale="en-US", base_url=live_server.url)
    sign_in_as(reader_context, live_server, member)
    reader = reader_context.new_page()
    for path in ("/en/initiatives/countries/EC/", "/en/initiatives/sectors/agrifood/"):
        reader.goto(path)
        reader.get_by_role("button", name=re.compile(r"^Follow")).click()
        expect(reader.get_by_role("button", name=re.compile(r"Following"))).to_be_visible()
    assert Follow.objects.filter(user=member).count() == 2

    editor_context = browser.new_context(locale="en-US", base_url=live_server.url)
    sign_in_as(editor_context, live_server, moderator_with_totp)
    editor = editor_context.new_page()

    def publish(story: Story) -> None:
        editor.goto(f"/en/stories/staff/{story.pk}/")
        editor.get_by_role("button", name="Publish or schedule").click()
        expect(editor.get_by_text("Published.")).to_be_visible()

    publish(first)
    reader.goto("/en/")
    expect(reader.locator(".notifications-link .status-badge").first).to_contain_text("1")
    reader.goto("/en/community/notifications/")
    item = reader.get_by_role("link", name=re.compile("Cacao fino de aroma en Esmeraldas"))
    expect(item).to_have_count(1)
    expect(item).to_contain_text("A success story")

    reader.get_by_role("link", name="What you follow").click()
    reader.wait_for_url(re.compile(r"/community/following/$"))
    expect(reader.get_by_role("heading", name="Countries")).to_be_visible()
    for name in ("Ecuador", "Agrifood"):
        reader.get_by_role("listitem").filter(has_text=name).get_by_role(
            "button", name=re.compile(r"Following")
        ).click()
        expect(
            reader.get_by_role("listitem")
            .filter(has_text=name)
            .get_by_role("button", name=re.compile(r"^Follow\b(?!ing)"))
        ).to_be_visible()
    assert not Follow.objects.filter(user=member).exists()

    publish(second)
    reader.goto("/en/community/notifications/")
    expect(reader.get_by_role("link", name=re.compile("Banano orgánico"))).to_have_count(0)
    expect(reader.get_by_role("link", name=re.compile("Cacao fino"))).to_have_count(1)
    assert NewsNotification.objects.filter(recipient=member).count() == 1
