import datetime
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from iapt_platform.moderation.models import ModerationItem
from initiatives.stories.models import Story, StoryProposal
from tests.factories import InitiativeFactory, SectorFactory
from tests.initiatives.helpers import png_upload

from .factories import InterviewBlockFactory, StoryFactory, TopicFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def csp(response) -> str:
    return response.headers.get("Content-Security-Policy", "")


# --- Public pages ---------------------------------------------------------------------------
def test_the_list_shows_public_stories_only(client):
    StoryFactory(title_en="Public one")
    StoryFactory(title_en="Draft one", status=Story.Status.DRAFT)
    StoryFactory(title_en="Later one", published_at=timezone.now() + datetime.timedelta(days=1))
    response = client.get(reverse("stories:list"), **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Public one" in html
    assert "Draft one" not in html and "Later one" not in html


def test_the_list_filters_by_kind_country_sector_and_topic(client):
    sector, topic = SectorFactory(slug="tourism"), TopicFactory(slug="impact")
    StoryFactory(title_en="Match", kind="news", countries=["PE"], sectors=[sector], topics=[topic])
    StoryFactory(
        title_en="Other kind",
        kind="video",
        video_provider="youtube",
        video_id="aqz-KE-bpKQ",
        countries=["PE"],
        sectors=[sector],
        topics=[topic],
    )
    StoryFactory(
        title_en="Other country", kind="news", countries=["PA"], sectors=[sector], topics=[topic]
    )
    StoryFactory(title_en="No sector", kind="news", countries=["PE"], topics=[topic])
    url = reverse("stories:list") + "?kind=news&country=PE&sector=tourism&topic=impact"
    html = client.get(url, **EN).content.decode()
    assert "Match" in html
    for other in ("Other kind", "Other country", "No sector"):
        assert other not in html
    assert "1 story" in html


def test_an_unknown_filter_value_gives_a_message_not_everything(client):
    StoryFactory(title_en="Anything")
    html = client.get(reverse("stories:list") + "?sector=nope", **EN).content.decode()
    assert "a value we do not know" in html and "Anything" not in html


def test_the_list_paginates(client):
    for _ in range(14):
        StoryFactory()
    first = client.get(reverse("stories:list"), **EN).content.decode()
    assert "Page 1 of 2" in first
    second = client.get(reverse("stories:list") + "?page=2", **EN).content.decode()
    assert second.count('class="card story-card"') == 2


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("stories:list"), **EN).status_code == 200
    return len(queries)


def test_the_list_makes_a_fixed_number_of_queries(client):
    sector, topic = SectorFactory(), TopicFactory()
    initiatives = [InitiativeFactory() for _ in range(2)]
    for _ in range(5):
        StoryFactory(initiatives=initiatives, sectors=[sector], topics=[topic], countries=["EC"])
    few = _list_queries(client)
    for _ in range(45):
        StoryFactory(initiatives=initiatives, sectors=[sector], topics=[topic], countries=["EC"])
    many = _list_queries(client)
    assert few == many
    print(f"stories list: {few} queries at 5 stories, {many} at 50")


def test_drafts_and_scheduled_stories_are_404_even_by_address(client, member_client):
    draft = StoryFactory(status=Story.Status.DRAFT)
    scheduled = StoryFactory(published_at=timezone.now() + datetime.timedelta(hours=1))
    for story in (draft, scheduled):
        assert client.get(story.get_absolute_url()).status_code == 404
        assert member_client.get(story.get_absolute_url()).status_code == 404
    assert client.get(reverse("stories:detail", args=["no-such-story"])).status_code == 404


def test_the_story_page_in_the_readers_language(client):
    story = StoryFactory(title_en="Dairy exports", body_en="Ten **dairies** export.")
    html = client.get(story.get_absolute_url(), **EN).content.decode()
    assert '<h1 lang="en">Dairy exports</h1>' in html
    assert "<strong>dairies</strong>" in html
    assert "translation-notice" not in html


def test_a_missing_translation_shows_spanish_with_a_notice(client, english_member):
    story = StoryFactory(title_es="Lácteos que exportan", title_en=None, summary_en=None)
    english_member.save()
    client.force_login(english_member)
    html = client.get(story.get_absolute_url()).content.decode()
    assert '<h1 lang="es">Lácteos que exportan</h1>' in html
    assert re.search(
        r'class="translation-notice" data-story-language="es"[^>]*>Available in Spanish<', html
    )


def test_the_story_page_shows_interview_initiatives_and_related(client):
    initiative = InitiativeFactory(name="Clúster Lácteo")
    hidden = InitiativeFactory(name="Borrador oculto", status="draft")
    story = StoryFactory(kind="interview", initiatives=[initiative, hidden])
    InterviewBlockFactory(story=story, question_en="Why cheese?", answer_en="Because *milk*.")
    StoryFactory(title_en="A related story", initiatives=[initiative])
    html = client.get(story.get_absolute_url(), **EN).content.decode()
    assert "<h2>Why cheese?</h2>" in html and "<em>milk</em>" in html
    assert "Clúster Lácteo" in html and "Borrador oculto" not in html
    assert "A related story" in html


def test_opengraph_and_twitter_tags(client):
    from django.core.files.base import ContentFile

    from tests.initiatives.helpers import png_bytes

    story = StoryFactory(title_en="Dairy exports", summary_en="Ten dairies export.")
    story.hero_image.save("h.png", ContentFile(png_bytes(size=(800, 400))), save=True)
    html = client.get(story.get_absolute_url(), **EN).content.decode()
    head = html.split("</head>")[0]
    assert '<meta property="og:title" content="Dairy exports">' in head
    assert '<meta property="og:description" content="Ten dairies export.">' in head
    assert f'<meta property="og:url" content="http://testserver{story.get_absolute_url()}">' in head
    assert '<meta property="og:image" content="http://testserver/media/stories/hero/' in head
    assert '<meta name="twitter:card" content="summary_large_image">' in head
    assert '<meta name="twitter:title" content="Dairy exports">' in head


def test_markdown_in_a_story_is_inert(client):
    from html.parser import HTMLParser

    story = StoryFactory(
        body_en=(
            "<script>alert(1)</script>\n\n[click](javascript:alert(2))\n\n"
            '<img src=x onerror="alert(3)">\n\n<a href="#" onclick="alert(4)">x</a>\n\n'
            "[ok](https://example.org)"
        )
    )
    html = client.get(story.get_absolute_url(), **EN).content.decode()
    body = html.split('<div class="story-body" lang="en">')[1].split("</div>")[0]

    class Elements(HTMLParser):
        found: list = []

        def handle_starttag(self, tag, attrs):
            self.found.append((tag, dict(attrs)))

    parser = Elements()
    parser.found = []
    parser.feed(body)
    tags = {tag for tag, _attrs in parser.found}
    assert tags <= {"p", "a"}, tags
    for _tag, attrs in parser.found:
        assert not any(name.startswith("on") for name in attrs)
        assert not attrs.get("href", "").lower().startswith("javascript")
    assert [a["href"] for t, a in parser.found if t == "a"] == ["https://example.org"]


# --- Video and its Content-Security-Policy -----------------------------------------------------
def test_the_video_is_a_placeholder_with_a_link_and_no_frame(client):
    story = StoryFactory(kind="video", video_provider="youtube", video_id="aqz-KE-bpKQ")
    html = client.get(story.get_absolute_url(), **EN).content.decode()
    assert "<iframe" not in html
    assert 'data-embed-url="https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?' in html
    assert 'href="https://www.youtube.com/watch?v=aqz-KE-bpKQ"' in html
    assert "Play the video" in html


def test_only_the_story_page_may_frame_the_two_video_hosts(client):
    story = StoryFactory()
    policy = csp(client.get(story.get_absolute_url()))
    frame_src = re.search(r"frame-src ([^;]*)", policy).group(1).split()
    assert sorted(frame_src) == ["https://player.vimeo.com", "https://www.youtube-nocookie.com"]
    for url in (reverse("stories:list"), reverse("home"), "/stories/feed/es/rss/"):
        assert "frame-src 'none'" in csp(client.get(url)), url


# --- Feeds ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "root"), [("rss", "rss"), ("atom", "{http://www.w3.org/2005/Atom}feed")]
)
def test_feeds_per_language_parse_and_list_public_stories(client, kind, root):
    from xml.etree import ElementTree

    StoryFactory(title_es="Hola", title_en="Hello", title_pt_br="Olá")
    StoryFactory(title_es="Sólo español", title_en=None, title_pt_br=None)
    StoryFactory(title_es="Borrador", status=Story.Status.DRAFT)
    for lang, expected in (
        ("es", {"Hola", "Sólo español"}),
        ("en", {"Hello", "Sólo español"}),
        ("pt-br", {"Olá", "Sólo español"}),
    ):
        response = client.get(f"/stories/feed/{lang}/{kind}/")
        assert response.status_code == 200
        tree = ElementTree.fromstring(response.content)  # noqa: S314 (our own feed)
        assert tree.tag == root
        titles = {
            el.text
            for el in tree.iter()
            if el.tag in ("title", "{http://www.w3.org/2005/Atom}title")
        }
        assert expected <= titles and "Borrador" not in titles
        language = tree.find("channel/language") if kind == "rss" else None
        if language is not None:
            assert language.text == lang
    assert client.get("/stories/feed/fr/rss/").status_code == 404


# --- Home page and initiative page ---------------------------------------------------------------
def test_the_home_page_shows_the_latest_stories(client):
    StoryFactory(title_en="Newest story")
    html = client.get(reverse("home"), **EN).content.decode()
    assert "Latest stories" in html and "Newest story" in html


def test_the_initiative_page_lists_its_stories(client):
    initiative = InitiativeFactory()
    StoryFactory(title_en="About this cluster", initiatives=[initiative])
    StoryFactory(title_en="Not yet", initiatives=[initiative], status=Story.Status.DRAFT)
    html = client.get(initiative.get_absolute_url(), **EN).content.decode()
    assert "Stories about this initiative" in html
    assert "About this cluster" in html and "Not yet" not in html


# --- Proposals ----------------------------------------------------------------------------------
def test_visitors_are_sent_to_sign_in_to_propose(client):
    response = client.get(reverse("stories:propose"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_member_proposes_through_the_form(
    member_client, member, django_capture_on_commit_callbacks
):
    initiative = InitiativeFactory(slug="lacteos")
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            reverse("stories:propose"),
            {
                "initiative": "lacteos",
                "title": "Queserías que exportan",
                "text": "Diez queserías exportan juntas.",
                "links": "https://example.org/a\nhttps://example.org/b",
                "images": [png_upload("a.png"), png_upload("b.png")],
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
    proposal = StoryProposal.objects.get()
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()
    assert proposal.initiative == initiative and proposal.images.count() == 2
    assert proposal.link_list == ["https://example.org/a", "https://example.org/b"]
    assert ModerationItem.objects.filter(kind="story_proposal", object_id=proposal.pk).exists()
    assert mail.outbox[-1].to == [member.email]


def test_bad_proposal_input_gets_clear_messages_and_keeps_the_text(member_client):
    InitiativeFactory(slug="lacteos")
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.png", b"<svg onload=alert(1)></svg>", content_type="image/png")
    response = member_client.post(
        reverse("stories:propose"),
        {
            "initiative": "lacteos",
            "title": "Mi historia",
            "text": "Texto que no se pierde.",
            "links": "javascript:alert(1)",
            "images": [fake],
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "is not a web address" in html
    assert "This file is not an image we accept" in html
    assert "Texto que no se pierde." in html
    assert not StoryProposal.objects.exists()


def test_more_than_three_images_are_refused(member_client):
    InitiativeFactory(slug="lacteos")
    response = member_client.post(
        reverse("stories:propose"),
        {
            "initiative": "lacteos",
            "title": "t",
            "text": "x",
            "images": [png_upload(f"{n}.png") for n in range(4)],
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Send at most 3 images." in response.content.decode()


def test_a_proposal_is_visible_to_its_author_and_moderators_only(
    client, member, moderator, other_promoter
):
    from .test_services import propose

    proposal = propose(member, InitiativeFactory(), images=[])
    client.force_login(other_promoter)
    assert client.get(proposal.get_absolute_url()).status_code == 403
    client.force_login(member)
    assert client.get(proposal.get_absolute_url()).status_code == 200
    client.force_login(moderator)
    assert client.get(proposal.get_absolute_url()).status_code == 200


# --- Staff ------------------------------------------------------------------------------------
def test_staff_pages_are_for_moderators(client, member):
    story = StoryFactory(status=Story.Status.DRAFT)
    urls = [
        reverse("stories:staff_list"),
        reverse("stories:staff_edit", args=[story.pk]),
        reverse("stories:staff_preview", args=[story.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302
    client.force_login(member)
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.post(reverse("stories:staff_publish", args=[story.pk])).status_code == 403


def edit_data(**overrides):
    data = {
        "kind": "success",
        "title_es": "Título",
        "title_en": "Title",
        "title_pt_br": "",
        "summary_es": "Resumen",
        "summary_en": "Summary",
        "summary_pt_br": "",
        "body_es": "Cuerpo",
        "body_en": "Body",
        "body_pt_br": "",
        "hero_alt_es": "",
        "hero_alt_en": "",
        "hero_alt_pt_br": "",
        "video_url": "",
        "author_credits": "",
        "blocks-TOTAL_FORMS": "0",
        "blocks-INITIAL_FORMS": "0",
        "blocks-MIN_NUM_FORMS": "0",
        "blocks-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_a_moderator_writes_a_story_in_two_languages(
    client, english_moderator, django_capture_on_commit_callbacks
):
    initiative = InitiativeFactory()
    story = StoryFactory(status=Story.Status.DRAFT, title_es="Borrador", title_en=None)
    client.force_login(english_moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("stories:staff_edit", args=[story.pk]),
            edit_data(
                initiatives=[initiative.pk],
                countries=["EC", "PE"],
                hero_image=png_upload(size=(1200, 600)),
                hero_alt_es="Una foto",
                video_url="https://youtu.be/aqz-KE-bpKQ",
            ),
        )
    assert response.status_code == 302
    story.refresh_from_db()
    assert (story.title_es, story.title_en, story.body_en) == ("Título", "Title", "Body")
    assert (story.video_provider, story.video_id) == ("youtube", "aqz-KE-bpKQ")
    assert [c.code for c in story.countries] == ["EC", "PE"]
    assert list(story.initiatives.all()) == [initiative]
    assert story.hero_image.name.startswith("stories/hero/") and len(story.hero_renditions) == 2
    assert (story.hero_width, story.hero_height) == (1200, 600)
    assert story.status == Story.Status.DRAFT


def test_a_new_image_saved_while_the_broker_is_away_gets_its_sizes_at_once(
    client, english_moderator, broker_down, django_capture_on_commit_callbacks
):
    # Nothing would make them later: the copies are made in the request (a fraction of a second
    # for the largest image an upload may be).
    story = StoryFactory(status=Story.Status.DRAFT, title_es="Borrador", title_en=None)
    client.force_login(english_moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("stories:staff_edit", args=[story.pk]),
            edit_data(hero_image=png_upload(size=(1200, 600)), hero_alt_es="Una foto"),
        )

    assert response.status_code == 302
    story.refresh_from_db()
    assert story.hero_image and [w for w, _n in story.hero_renditions] == [480, 960]


def test_a_video_link_to_another_host_is_refused_and_nothing_is_lost(client, english_moderator):
    story = StoryFactory(status=Story.Status.DRAFT)
    client.force_login(english_moderator)
    response = client.post(
        reverse("stories:staff_edit", args=[story.pk]),
        edit_data(
            kind="video",
            video_url="https://www.dailymotion.com/video/x7tgad0",
            body_en="My long text",
        ),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Only YouTube and Vimeo links are accepted" in html
    assert "My long text" in html and "https://www.dailymotion.com/video/x7tgad0" in html
    story.refresh_from_db()
    assert story.body_en != "My long text"


def test_interview_blocks_are_edited_on_the_staff_page(client, english_moderator):
    story = StoryFactory(status=Story.Status.DRAFT, kind="interview")
    client.force_login(english_moderator)
    data = edit_data(kind="interview")
    data.update(
        {
            "blocks-TOTAL_FORMS": "1",
            "blocks-0-order": "1",
            "blocks-0-question_es": "¿Por qué?",
            "blocks-0-answer_es": "Porque sí.",
            "blocks-0-question_en": "Why?",
            "blocks-0-answer_en": "Because.",
        }
    )
    assert client.post(reverse("stories:staff_edit", args=[story.pk]), data).status_code == 302
    assert [b.reading("en") for b in story.blocks.all()] == [("Why?", "Because.")]


def test_a_moderator_schedules_then_it_appears_on_its_date(client, english_moderator):
    import time_machine

    story = StoryFactory(status=Story.Status.DRAFT)
    client.force_login(english_moderator)
    response = client.post(
        reverse("stories:staff_publish", args=[story.pk]),
        {"action": "publish", "published_at": "2031-03-10T09:30"},
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.is_scheduled
    # Entered in the moderator's zone (Guayaquil, UTC-5), stored in UTC.
    assert story.published_at == datetime.datetime(2031, 3, 10, 14, 30, tzinfo=datetime.UTC)
    client.logout()
    assert client.get(story.get_absolute_url()).status_code == 404
    with time_machine.travel(datetime.datetime(2031, 3, 10, 14, 31, tzinfo=datetime.UTC)):
        assert client.get(story.get_absolute_url()).status_code == 200


def test_the_staff_preview_shows_drafts(client, english_moderator):
    story = StoryFactory(status=Story.Status.DRAFT, title_en="Secret draft")
    client.force_login(english_moderator)
    html = client.get(reverse("stories:staff_preview", args=[story.pk])).content.decode()
    assert "Secret draft" in html and "this story is a draft" in html
