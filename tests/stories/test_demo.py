import pytest

from iapt_platform.lib.demo import seeders
from iapt_platform.moderation.models import ModerationItem
from initiatives.stories.models import Story
from tests.addresses import address

pytestmark = pytest.mark.django_db


def run_seeders_up_to_stories():
    lines = []
    for seeder in seeders():
        if seeder.order <= 30 and seeder.name in {"accounts", "initiatives", "stories"}:
            seeder.run(lines.append)
    return lines


def test_the_demo_has_stories_of_every_kind_in_three_languages_and_is_idempotent():
    run_seeders_up_to_stories()
    run_seeders_up_to_stories()  # twice: no duplicates
    stories = list(Story.objects.public())
    assert len(stories) >= 8 and Story.objects.count() == len(stories)
    assert {s.kind for s in stories} == {k for k, _label in Story.Kind.choices}
    assert sum(1 for s in stories if s.initiatives.exists()) >= 7
    assert any(s.has_video for s in stories)
    missing_pt = [s for s in stories if "pt-br" not in s.available_languages()]
    assert len(missing_pt) == 1 and missing_pt[0].available_languages() == ["es", "en"]
    assert sum(1 for s in stories if s.available_languages() == ["es", "en", "pt-br"]) >= 7
    assert all(s.hero_image and s.hero_renditions for s in stories)
    assert ModerationItem.objects.filter(kind="story_proposal", status="pending").count() == 1


def test_the_demo_stories_render_and_portuguese_readers_see_the_fallback(client):
    run_seeders_up_to_stories()
    assert client.get("/en/stories/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    for story in Story.objects.public():
        url = address("stories:detail", args=[story.slug], language="pt-br")
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="pt-br")
        assert response.status_code == 200
        html = (
            response.content.decode().split('<header class="story-head">')[1].split("</header>")[0]
        )
        has_notice = 'class="translation-notice" data-story-language="es"' in html
        assert has_notice == ("pt-br" not in story.available_languages())
