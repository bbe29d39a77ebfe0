import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from initiatives.stories.models import Story
from tests.factories import UserFactory
from tests.initiatives.helpers import png_upload

from .factories import InterviewBlockFactory, StoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    staff = UserFactory(is_staff=True, is_superuser=True, language="en")
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)
    return client


def admin_data(story, **overrides):
    data = {
        "kind": story.kind,
        "slug": story.slug,
        "status": story.status,
        "published_at_0": "2030-01-01",
        "published_at_1": "10:00:00",
        "title_es": "Título",
        "title_en": "Title",
        "title_pt_br": "",
        "summary_es": "Resumen",
        "summary_en": "",
        "summary_pt_br": "",
        "body_es": "Cuerpo",
        "body_en": "",
        "body_pt_br": "",
        "hero_alt_es": "",
        "hero_alt_en": "",
        "hero_alt_pt_br": "",
        "video_url": "",
        "author_credits": "",
        "blocks-TOTAL_FORMS": "0",
        "blocks-INITIAL_FORMS": "0",
        "gallery-TOTAL_FORMS": "0",
        "gallery-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_the_admin_shows_each_language_and_the_interview_blocks(admin_client):
    story = StoryFactory(kind="interview")
    InterviewBlockFactory(story=story)
    response = admin_client.get(reverse("admin:stories_story_change", args=[story.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("title_es", "title_en", "title_pt_br", "blocks-0-question_pt_br", "video_url"):
        assert f'name="{name}"' in html


def test_the_admin_refuses_other_video_hosts_and_fake_images(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    story = StoryFactory()
    response = admin_client.post(
        reverse("admin:stories_story_change", args=[story.pk]),
        admin_data(
            story,
            video_url="https://www.dailymotion.com/video/x7tgad0",
            hero_image=SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", "image/png"),
        ),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Only YouTube and Vimeo links are accepted" in html
    # Django's image field refuses it before the platform's validator would.
    assert "Upload a valid image" in html
    assert not Story.objects.get(pk=story.pk).hero_image


def test_the_admin_saves_a_video_and_makes_image_sizes(
    admin_client, django_capture_on_commit_callbacks
):
    story = StoryFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:stories_story_change", args=[story.pk]),
            admin_data(
                story,
                video_url="https://vimeo.com/76979871",
                hero_image=png_upload(size=(1000, 500)),
            ),
        )
    assert response.status_code == 302
    story = Story.objects.get(pk=story.pk)
    assert (story.video_provider, story.video_id, story.title_en) == ("vimeo", "76979871", "Title")
    assert [w for w, _n in story.hero_renditions] == [480, 960]
