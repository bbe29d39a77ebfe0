"""The forum in Chromium: a member starts a thread with an attachment and mentions another member,
who sees the notification in the header and gets an email; a third member flags a reply, a moderator
hides it from the queue, and the reply disappears for members. Then the XSS corpus, rendered."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from community import services
from community.models import Post, Thread
from tests.community import factories
from tests.community.xss_corpus import XSS_CORPUS
from tests.factories import UserFactory

from ..initiatives.helpers import png_bytes
from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def established(monkeypatch):
    # The live server runs in this process: its posts need no approval either.
    monkeypatch.setattr(services, "NEW_MEMBER_POSTS", 0)


def member(email, name, handle, country):
    user = UserFactory(email=email, display_name=name, language="en", country=country)
    factories.profile(user, handle=handle)
    return user


def open_as(browser, live_server, user):
    context = browser.new_context(locale="en-US", base_url=live_server.url)
    context.set_default_timeout(10_000)
    # A page's answer, on a machine busy with the rest of the suite, may take longer than an
    # element takes to appear once it is there: navigations wait for the server on their own.
    context.set_default_navigation_timeout(30_000)
    sign_in_as(context, live_server, user)
    return context, context.new_page()


def test_thread_mention_flag_and_moderation(
    browser, live_server, moderator_with_totp, established, tmp_path
):
    factories.category("financing")
    alice = member("alice@example.org", "Alicia Núñez", "alicia", "MX")
    bruno = member("bruno@example.org", "Bruno Costa", "bruno", "BR")
    carla = member("carla@example.org", "Carla Pérez", "carla", "CL")
    moderator_with_totp.language = "en"
    moderator_with_totp.save()
    chart = tmp_path / "chart.png"
    chart.write_bytes(png_bytes(size=(120, 80)))

    # --- Alicia starts a thread with a picture and mentions Bruno ----------------------------
    alice_context, page = open_as(browser, live_server, alice)
    page.goto("/community/")
    page.get_by_role("link", name="Financing methodologies for clusters").click()
    page.get_by_role("link", name="Start a thread").click()
    page.get_by_label("Title").fill("Funding the cluster manager")
    page.get_by_label("Message").fill("How do you pay for it after year three? @bruno knows.")
    page.get_by_label("Attachments").set_input_files(str(chart))
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Funding the cluster manager")
    expect(page.get_by_role("img", name="chart.png")).to_be_visible()
    thread = Thread.objects.get(title="Funding the cluster manager")

    # --- Bruno sees the count in the header, has an email, and replies --------------------------
    assert [m.to for m in mail.outbox] == [[bruno.email]]
    assert "mentioned you" in mail.outbox[0].subject
    bruno_context, bruno_page = open_as(browser, live_server, bruno)
    bruno_page.goto("/")
    badge = bruno_page.locator(".notifications-link .status-badge")
    expect(badge).to_contain_text("1")
    bruno_page.get_by_role("link", name=re.compile("^Notifications")).click()
    bruno_page.get_by_role("link", name=re.compile("mentioned you")).click()
    expect(bruno_page.get_by_role("heading", level=1)).to_have_text("Funding the cluster manager")
    expect(bruno_page.locator(".notifications-link .status-badge")).to_have_count(0)
    bruno_page.get_by_label("Your reply").fill("Buy our miracle software at https://spam.example")
    bruno_page.get_by_role("button", name="Send the reply").click()
    expect(bruno_page.get_by_text("Buy our miracle software")).to_be_visible()
    reply = Post.objects.get(thread=thread, is_opening=False)

    # --- Carla flags the reply ---------------------------------------------------------------------
    carla_context, carla_page = open_as(browser, live_server, carla)
    carla_page.goto(thread.get_absolute_url())
    carla_page.locator(f"#post-{reply.pk}").get_by_role("link", name="Flag").click()
    carla_page.wait_for_url(re.compile(rf"/community/p/{reply.pk}/flag/$"))  # the flag's page
    carla_page.get_by_label("Spam or advertising").check()
    carla_page.get_by_label("Details for the moderators").fill("Advertising")
    carla_page.get_by_role("button", name="Send the flag").click()
    expect(carla_page.get_by_text("the moderators will look at this post")).to_be_visible()

    # --- The moderator hides it from the queue -----------------------------------------------------
    mod_context, mod = open_as(browser, live_server, moderator_with_totp)
    mod.goto("/moderation/")
    mod.get_by_role("link", name=re.compile("Funding the cluster manager")).click()
    mod.get_by_role("link", name="See the full submission").click()
    expect(mod.get_by_text("Advertising")).to_be_visible()
    mod.go_back()
    mod.get_by_label("Comment for the submitter").fill("Advertising, hidden.")
    mod.get_by_role("button", name="Approve").click()
    mod.wait_for_url(re.compile(r"/moderation/$"))
    reply.refresh_from_db()
    assert reply.hidden

    # --- The reply is gone for members ------------------------------------------------------------
    carla_page.goto(thread.get_absolute_url())
    expect(carla_page.get_by_text("How do you pay for it")).to_be_visible()
    expect(carla_page.get_by_text("Buy our miracle software")).to_have_count(0)
    page.goto(thread.get_absolute_url())
    expect(page.get_by_text("Buy our miracle software")).to_have_count(0)
    for context in (alice_context, bruno_context, carla_context, mod_context):
        context.close()


def test_the_xss_corpus_is_inert_in_chromium(browser, live_server, established, monkeypatch):
    monkeypatch.setattr(services, "RATE_LIMITS", ((60, 10_000), (3600, 10_000)))
    factories.category("financing")
    alice = member("alice@example.org", "Alicia Núñez", "alicia", "MX")
    thread = factories.thread(alice, title="Hostile input")
    context, page = open_as(browser, live_server, alice)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    # A few through the real form, the rest through the same service the form calls.
    for payload in XSS_CORPUS[:5]:
        page.goto(thread.get_absolute_url())
        page.get_by_label("Your reply").fill(payload)
        page.get_by_role("button", name="Send the reply").click()
        page.wait_for_url(re.compile(r"/community/t/\d+/"))
    for payload in XSS_CORPUS[5:]:
        services.post_reply(user=alice, thread=thread, body=payload)
    assert Post.objects.filter(thread=thread).count() == len(XSS_CORPUS) + 1

    page.goto(thread.get_absolute_url())
    expect(page.locator("article.post")).to_have_count(len(XSS_CORPUS) + 1)
    page.mouse.move(200, 300)
    page.keyboard.press("Tab")
    for link in page.locator(".post-body a").all():
        link.hover()
    page.wait_for_timeout(500)  # let any onload / onerror / ontoggle fire
    assert dialogs == []
    found = page.evaluate(
        """() => {
        const bodies = [...document.querySelectorAll('.post-body')];
        const elements = bodies.flatMap(b => [...b.querySelectorAll('*')]);
        return {
          scripts: bodies.reduce((n, b) => n + b.querySelectorAll('script').length, 0),
          foreign: elements.filter(e => ['svg', 'math', 'iframe', 'object', 'embed', 'img',
                                         'form', 'input', 'style', 'meta', 'base']
                                        .includes(e.localName)).length,
          handlers: elements.filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
          badLinks: elements.filter(e => /^\\s*(javascript|data|vbscript):/i.test(
              e.getAttribute('href') || e.getAttribute('src') || '')).length,
        };
      }"""
    )
    assert found == {"scripts": 0, "foreign": 0, "handlers": 0, "badLinks": 0}
    assert page.evaluate("() => window.__xss === undefined")
    context.close()
