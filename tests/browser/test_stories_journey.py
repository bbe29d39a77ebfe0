"""Stories in Chromium: a member proposes, a moderator writes it up in two languages and schedules
it, a visitor reads it in three languages after the date; video pages load nothing from the video
host before the reader presses play; hostile Markdown stays inert."""

import datetime
import re
import zoneinfo
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from initiatives.stories import services
from initiatives.stories.models import Story, StoryProposal
from tests.addresses import address
from tests.factories import InitiativeFactory
from tests.stories.factories import InterviewBlockFactory, StoryFactory

from ..initiatives.helpers import png_bytes
from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_propose_moderate_write_up_schedule_and_read_in_three_languages(
    browser, live_server, page, member, moderator_with_totp, tmp_path
):
    initiative = InitiativeFactory(name="Clúster Lácteo de Cayambe", slug="lacteos-cayambe")
    member.language = moderator_with_totp.language = "en"
    member.save()
    moderator_with_totp.save()
    picture = tmp_path / "queseria.png"
    picture.write_bytes(png_bytes(size=(1200, 800)))

    # --- The member proposes a story from the initiative's page -----------------------------------
    member_context = browser.new_context(locale="en-US", base_url=live_server.url)
    sign_in_as(member_context, live_server, member)
    proposer = member_context.new_page()
    proposer.goto(initiative.get_absolute_url())
    proposer.get_by_role("link", name="Propose a story about this initiative").click()
    expect(proposer.get_by_label("Initiative the story is about")).to_have_value("lacteos-cayambe")
    proposer.get_by_label("Working title").fill("Queserías que exportan juntas")
    proposer.get_by_role("textbox", name="The story").fill(
        "Diez queserías artesanales de Cayambe exportan juntas."
    )
    proposer.get_by_label("Links").fill("https://example.org/queserias")
    proposer.get_by_label("Images").set_input_files(str(picture))
    proposer.get_by_role("button", name="Send the proposal").click()
    proposer.wait_for_url(re.compile(r"/stories/proposals/\d+/$"))
    expect(proposer.get_by_text("Thank you. Your proposal is with the editors")).to_be_visible()
    proposal = StoryProposal.objects.get()
    assert mail.outbox[-1].to == [member.email]
    assert "Queserías que exportan juntas" in mail.outbox[-1].subject

    # --- The moderator finds it in the queue and approves it into a draft --------------------------
    moderator_context = browser.new_context(locale="en-US", base_url=live_server.url)
    sign_in_as(moderator_context, live_server, moderator_with_totp)
    editor = moderator_context.new_page()
    editor.goto("/moderation/")
    editor.get_by_role("link", name="Queserías que exportan juntas").click()
    editor.get_by_role("link", name="See the full submission").click()
    expect(editor.get_by_text("Diez queserías artesanales")).to_be_visible()
    editor.go_back()
    editor.get_by_role("button", name="Approve").click()
    editor.wait_for_url(re.compile(r"/moderation/"))
    proposal.refresh_from_db()
    assert proposal.status == "accepted"
    assert mail.outbox[-1].to == [member.email] and "Approved" in mail.outbox[-1].subject

    # --- ... writes it up in Spanish and English, and schedules it ---------------------------------
    editor.goto("/stories/staff/?status=draft")
    editor.get_by_role("link", name="Queserías que exportan juntas").click()
    editor.get_by_label("Title in Spanish").fill("Diez queserías de Cayambe exportan juntas")
    editor.get_by_label("Summary in Spanish").fill("Una marca común abrió mercados.")
    editor.get_by_label("Text in Spanish").fill("Las queserías **comparten** una marca.")
    editor.get_by_label("Title in English").fill("Ten Cayambe cheese makers export together")
    editor.get_by_label("Summary in English").fill("A shared brand opened markets.")
    editor.get_by_label("Text in English").fill("The cheese makers **share** a brand.")
    editor.get_by_role("button", name="Save", exact=True).click()
    expect(editor.get_by_text("Saved.")).to_be_visible()

    zone = zoneinfo.ZoneInfo(moderator_with_totp.time_zone)
    at = (
        (timezone.now() + datetime.timedelta(days=3))
        .astimezone(zone)
        .replace(second=0, microsecond=0)
    )
    editor.get_by_label("Publication date and time").fill(at.strftime("%Y-%m-%dT%H:%M"))
    editor.get_by_role("button", name="Publish or schedule").click()
    expect(editor.get_by_text("Scheduled. Readers will see it from that date on.")).to_be_visible()
    story = Story.objects.get(proposal=proposal)
    assert story.is_scheduled and story.published_at == at

    # --- Before the date a visitor cannot reach it, even by its address ----------------------------
    response = page.goto(story.get_absolute_url())
    assert response.status == 404

    # --- After the date: Spanish, then English, then Portuguese (Spanish with a notice) -------------
    with time_machine.travel(at + datetime.timedelta(hours=1), tick=True):
        page.goto("/stories/")
        page.get_by_role("link", name="Diez queserías de Cayambe exportan juntas").click()
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_have_text("Diez queserías de Cayambe exportan juntas")
        expect(page.locator(".story-body strong")).to_have_text("comparten")
        expect(page.locator(".translation-notice")).to_have_count(0)

        page.get_by_role("button", name="EN English").click()
        expect(heading).to_have_text("Ten Cayambe cheese makers export together")
        expect(page.locator(".story-body")).to_contain_text("The cheese makers share a brand.")
        expect(page.locator(".translation-notice")).to_have_count(0)

        page.get_by_role("button", name="PT Português (Brasil)").click()
        expect(page.locator("html")).to_have_attribute("lang", "pt-br")
        expect(heading).to_have_text("Diez queserías de Cayambe exportan juntas")
        notice = page.locator(".translation-notice")
        expect(notice).to_be_visible()
        expect(notice).to_have_attribute("data-story-language", "es")
        expect(notice).to_contain_text("Disponível em")  # the notice, in the Portuguese interface

        # The proposer hears of the publication (the periodic task's run).
        assert services.story_notify_published_due() == 1
    assert mail.outbox[-1].to == [member.email] and "published" in mail.outbox[-1].subject
    for context in (member_context, moderator_context):
        context.close()


def test_a_video_page_requests_nothing_from_the_video_host_until_play(page, live_server):
    story = StoryFactory(kind="video", video_provider="youtube", video_id="aqz-KE-bpKQ")
    own_host = urlsplit(live_server.url).netloc
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    # Offline: any request to another host is cut short rather than left to time out.
    page.route(lambda url: urlsplit(url).netloc != own_host, lambda route: route.abort())

    page.goto(address("stories:detail", args=[story.slug]))  # the Spanish page
    page.wait_for_load_state("networkidle")
    foreign = [url for url in requests if urlsplit(url).netloc != own_host]
    assert foreign == []
    expect(page.locator("iframe")).to_have_count(0)
    expect(page.get_by_role("link", name="YouTube")).to_have_attribute(
        "href", "https://www.youtube.com/watch?v=aqz-KE-bpKQ"
    )

    page.get_by_role("button", name=re.compile("video", re.IGNORECASE)).click()
    frame = page.locator("iframe")
    expect(frame).to_have_count(1)
    src = frame.get_attribute("src")
    assert src.startswith("https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?")
    assert any(urlsplit(url).netloc == "www.youtube-nocookie.com" for url in requests)
    assert not any(urlsplit(url).netloc.removeprefix("www.") == "youtube.com" for url in requests)


def test_hostile_markdown_renders_inert_in_the_browser(page):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    hostile = (
        "<script>alert('script')</script>\n\n"
        "[click me](javascript:alert('link'))\n\n"
        "<img src=x onerror=\"alert('img')\">\n\n"
        '<a href="#" onmouseover="alert(\'hover\')">hover</a>\n\n'
        "<iframe src=\"javascript:alert('frame')\"></iframe>\n\n"
        "<svg onload=\"alert('svg')\"></svg>\n\n"
        "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"
    )
    story = StoryFactory(
        title_es="<script>alert('title')</script>Título",
        summary_es="<img src=x onerror=alert('summary')>",
        body_es=hostile,
        kind="interview",
    )
    InterviewBlockFactory(story=story, question_es="<b onclick=alert(1)>P</b>", answer_es=hostile)
    page.goto(address("stories:detail", args=[story.slug]))  # the Spanish page
    page.wait_for_load_state("networkidle")
    body = page.locator(".story-body")
    expect(body).to_be_visible()
    body.hover()
    page.get_by_text("click me").first.click()
    page.get_by_text("hover").first.hover()
    assert dialogs == []
    assert (
        page.evaluate("document.querySelectorAll('.story-body script, .interview script').length")
        == 0
    )
    assert (
        page.evaluate(
            "[...document.querySelectorAll('article *')].filter(e => [...e.attributes].some("
            "a => a.name.startsWith('on'))).length"
        )
        == 0
    )
    assert (
        page.evaluate(
            "[...document.querySelectorAll('article a')].filter(a => !/^https?:|^mailto:|^#|^\\//"
            ".test(a.getAttribute('href'))).length"
        )
        == 0
    )
    expect(page.locator("article iframe, article img[src='x'], article svg")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_contain_text("<script>")
