import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from initiatives.stories import video
from initiatives.stories.models import Story

from .factories import InterviewBlockFactory, StoryFactory

pytestmark = pytest.mark.django_db


def test_a_reader_gets_their_language_when_it_is_written():
    story = StoryFactory(title_es="Hola", title_en="Hello")
    reading = story.reading("en")
    assert (reading.language, reading.title, reading.is_fallback) == ("en", "Hello", False)


def test_a_missing_translation_falls_back_to_spanish_and_says_so():
    story = StoryFactory(title_es="Hola", title_en="Hello", title_pt_br=None)
    reading = story.reading("pt-br")
    assert reading.language == "es"
    assert reading.title == "Hola"
    assert reading.body == "Texto en **español**."
    assert reading.is_fallback


def test_without_spanish_the_first_written_language_is_shown():
    story = StoryFactory(title_es="", summary_es="", body_es="", title_en="", title_pt_br="Olá")
    assert story.available_languages() == ["pt-br"]
    assert story.reading("en").language == "pt-br"


def test_all_fields_come_from_one_language_never_mixed():
    # A title in Portuguese without a body would otherwise mix languages on one page.
    story = StoryFactory(title_pt_br="Olá", body_pt_br="")
    reading = story.reading("pt-br")
    assert (reading.language, reading.title, reading.body) == ("pt-br", "Olá", "")


def test_public_means_published_and_due():
    now = timezone.now()
    public = StoryFactory(published_at=now - datetime.timedelta(minutes=1))
    scheduled = StoryFactory(published_at=now + datetime.timedelta(days=1))
    draft = StoryFactory(status=Story.Status.DRAFT)
    assert list(Story.objects.public()) == [public]
    assert list(Story.objects.scheduled()) == [scheduled]
    assert public.is_public and not public.is_scheduled
    assert scheduled.is_scheduled and not scheduled.is_public
    assert not draft.is_public and not draft.is_scheduled


def test_interview_blocks_follow_the_story_language():
    block = InterviewBlockFactory(question_pt_br=None)
    assert block.reading("en") == ("Question?", "Answer.")
    assert block.reading("pt-br") == ("¿Pregunta?", "Respuesta.")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.youtube.com/watch?v=aqz-KE-bpKQ", ("youtube", "aqz-KE-bpKQ")),
        ("https://youtube.com/watch?feature=share&v=aqz-KE-bpKQ&t=10", ("youtube", "aqz-KE-bpKQ")),
        ("http://m.youtube.com/watch?v=aqz-KE-bpKQ", ("youtube", "aqz-KE-bpKQ")),
        ("https://youtu.be/aqz-KE-bpKQ?si=abc", ("youtube", "aqz-KE-bpKQ")),
        ("https://www.youtube.com/shorts/aqz-KE-bpKQ", ("youtube", "aqz-KE-bpKQ")),
        ("https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ", ("youtube", "aqz-KE-bpKQ")),
        ("https://vimeo.com/76979871", ("vimeo", "76979871")),
        ("https://player.vimeo.com/video/76979871?h=1", ("vimeo", "76979871")),
    ],
)
def test_youtube_and_vimeo_links_become_provider_and_id(url, expected):
    assert video.parse_video_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://www.dailymotion.com/video/x7tgad0",
        "https://www.youtube.com.evil.example/watch?v=aqz-KE-bpKQ",
        "https://evil.example/?u=https://www.youtube.com/watch?v=aqz-KE-bpKQ",
        'https://www.youtube.com/watch?v=aqz-KE-bpKQ"><script>alert(1)</script>',
        "javascript:alert(1)//https://youtu.be/aqz-KE-bpKQ",
        "https://vimeo.com.evil.example/76979871",
        "https://youtu.be/short",
        "ftp://youtu.be/aqz-KE-bpKQ",
        "https://www.facebook.com/watch/?v=123456789",
    ],
)
def test_other_hosts_and_malformed_links_are_refused(url):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        video.parse_video_url(url)
    assert "Only YouTube and Vimeo links are accepted" in str(error.value)


def test_embeds_use_the_privacy_enhanced_hosts():
    assert video.embed_url("youtube", "aqz-KE-bpKQ").startswith(
        "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?"
    )
    assert video.embed_url("vimeo", "76979871").startswith(
        "https://player.vimeo.com/video/76979871?dnt=1"
    )
    assert video.embed_url("youtube", "../../evil") == ""


def test_a_video_story_needs_a_valid_video():
    story = StoryFactory.build(kind=Story.Kind.VIDEO)
    with pytest.raises(ValidationError) as error:
        story.clean()
    assert "video_id" in error.value.error_dict
    story.video_provider, story.video_id = "youtube", "not valid!"
    with pytest.raises(ValidationError):
        story.clean()
    story.video_id = "aqz-KE-bpKQ"
    story.clean()
