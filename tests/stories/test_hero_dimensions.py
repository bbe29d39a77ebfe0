"""The main image's size is stored with the story: pages never open the image file to render."""

import importlib
import re

import pytest
from django.apps import apps as global_apps
from django.core.files.base import ContentFile

from initiatives.stories.models import Story
from tests.initiatives.helpers import png_bytes

from .factories import StoryFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def story_with_hero(size=(800, 400)) -> Story:
    story = StoryFactory(title_en="Dairy exports")
    story.hero_image.save("h.png", ContentFile(png_bytes(size=size)), save=True)
    return story


def hero_tag(html: str) -> str:
    figure = html.split('<figure class="story-hero">', 1)[1]
    return re.search(r"<img [^>]*>", figure).group(0)


def test_saving_the_image_stores_its_size():
    story = story_with_hero(size=(800, 400))
    story.refresh_from_db()
    assert (story.hero_width, story.hero_height) == (800, 400)


def test_the_story_page_does_not_open_the_image_file(client, monkeypatch):
    story = story_with_hero(size=(800, 400))
    storage = Story._meta.get_field("hero_image").storage

    def refuse(*args, **kwargs):
        raise AssertionError("the page opened the image file")

    monkeypatch.setattr(storage, "open", refuse)
    response = client.get(story.get_absolute_url(), **EN)
    assert response.status_code == 200
    tag = hero_tag(response.content.decode())
    assert 'width="800" height="400"' in tag
    assert "800w" in tag


def test_a_story_whose_image_file_is_gone_still_renders(client):
    story = story_with_hero()
    story.hero_image.storage.delete(story.hero_image.name)
    # As a story stored before sizes were kept would be: no size known.
    Story.objects.filter(pk=story.pk).update(hero_width=None, hero_height=None)
    response = client.get(story.get_absolute_url(), **EN)
    assert response.status_code == 200
    tag = hero_tag(response.content.decode())
    assert f'src="{story.hero_image.url}"' in tag
    assert "width=" not in tag and "height=" not in tag
    assert Story.objects.get(pk=story.pk).hero_width is None


def test_the_migration_fills_sizes_and_leaves_missing_files_alone():
    kept = story_with_hero(size=(640, 320))
    gone = story_with_hero()
    gone.hero_image.storage.delete(gone.hero_image.name)
    StoryFactory()  # no image
    Story.objects.update(hero_width=None, hero_height=None)

    migration = importlib.import_module("initiatives.stories.migrations.0004_hero_dimensions")
    migration.fill_hero_dimensions(global_apps, None)

    sizes = dict(Story.objects.values_list("pk", "hero_width"))
    assert sizes[kept.pk] == 640 and Story.objects.get(pk=kept.pk).hero_height == 320
    assert sizes[gone.pk] is None
