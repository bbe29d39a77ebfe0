"""Every email of the platform, as a person opens it: rendered through the one email helper in
es, en and pt-BR, loaded in Chromium, and checked for what a reader meets.

- Text below WCAG AA contrast (4.5:1, or 3:1 for large text) against the background it is painted
  on. The background is computed by walking up the ancestors (CSS background-color, then the
  `bgcolor` attribute that email tables use and that axe leaves undecided), compositing
  translucent layers over white.
- Images without alt text, links without an accessible name.
- Subjects and text parts that show HTML escapes (`&#x27;`, `&amp;`...): the contexts carry
  apostrophes, ampersands and angle brackets on purpose.

The registry below has one entry per email template (discovered from the `*_subject.txt` files): a
new email without an entry fails the test, so that it is looked at before it goes out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import timezone

from iapt_platform.lib import emails
from tests.factories import InitiativeFactory, UserFactory

LANGUAGES = ["es", "en", "pt-br"]
TEMPLATES = Path(settings.BASE_DIR) / "templates" / "emails"
# Names with what breaks escaping and layout: an apostrophe, an ampersand, angle brackets.
HOSTILE = "Michoacán's Avocado & Co <Norte>"
TEXT_ESCAPES = ("&#x27;", "&#39;", "&amp;", "&lt;", "&gt;", "&quot;")

Render = Callable[[str], emails.RenderedEmail]


def _user(language: str, **extra):
    return UserFactory(language=language, display_name="María José O'Neill", **extra)


def _render(template: str, *, to, context: dict, **kwargs) -> emails.RenderedEmail:
    return emails.render(template=template, to=to, context=context, **kwargs)


def _address(language: str) -> str:
    """An address with no account: the sender's choice of language applies."""
    return f"no-account-{language}@example.net"


# --- Context factories, one per template --------------------------------------------------------
def welcome(language):
    return _render("welcome", to=_user(language), context={})


def accounts_closed(language):
    # The account is gone when it is rendered: a bare address, in the language read beforehand.
    return _render(
        "accounts/closed",
        to=_address(language),
        language=language,
        context={"by_moderator": True, "removed_posts": False},
    )


def moderation_decision(language):
    return _render(
        "moderation_decision",
        to=_user(language),
        context={
            "title": HOSTILE,
            "kind_label": "Story",
            "decision": "changes_requested",
            "comment": "Add the year & the city, please.\nThanks!",
            "link": f"{settings.SITE_URL}/stories/proposals/1/",
        },
    )


def moderation_queue_reminder(language):
    oldest = SimpleNamespace(
        title=HOSTILE, waiting_since=timezone.now() - dt.timedelta(days=4, hours=3)
    )
    return _render(
        "moderation_queue_reminder",
        to=_user(language),
        context={
            "by_kind": [("Initiative", 3), ("Story proposal", 1)],
            "total": 4,
            "oldest": oldest,
            "queue_url": f"{settings.SITE_URL}/moderation/",
        },
    )


def _post_item(author: str, thread_title: str) -> dict:
    return {
        "post": SimpleNamespace(thread=SimpleNamespace(title=thread_title)),
        "author": author,
        "excerpt": "We tried the financing model of the Cauca cluster & it worked <really>.",
        "url": f"{settings.SITE_URL}/community/posts/1/",
    }


def community_notification(language):
    return _render(
        "community/notification",
        to=_user(language),
        context={
            "kind": "mention",
            "actor_name": "Jorge D'Alessandro",
            "thread_title": HOSTILE,
            "category": SimpleNamespace(name="Financing & funds"),
            "body": "Hello @maria, see [the guide](https://example.org/guide) & tell me.\n\n"
            "- one\n- two\n\n> quoted",
            "excerpt": "Hello @maria, see the guide & tell me.",
            "post_url": f"{settings.SITE_URL}/community/posts/1/",
            "frequency_url": f"{settings.SITE_URL}/community/email/token/",
        },
    )


def community_digest(language):
    from community.digests import DigestContent

    initiative = InitiativeFactory(name=HOSTILE)
    meeting = _meeting()
    content = DigestContent(
        threads=[
            {
                "thread": SimpleNamespace(title=HOSTILE),
                "url": f"{settings.SITE_URL}/community/threads/1/",
                "posts": [_post_item("Ana O'Brien", HOSTILE), _post_item("Luis", HOSTILE)],
            }
        ],
        mentions=[_post_item("Ana O'Brien", "Financing & funds")],
        initiatives=[initiative],
        resources=[SimpleNamespace(title=HOSTILE, get_absolute_url="/library/r/1/")],
        meetings=[meeting],
        more_posts=3,
    )
    start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    return _render(
        "community/digest",
        to=_user(language),
        context={
            "kind": "weekly",
            "period_start": start,
            "period_last_day": start + dt.timedelta(days=6),
            "content": content,
            "forum_url": f"{settings.SITE_URL}/community/",
            "frequency_url": f"{settings.SITE_URL}/community/email/token/",
        },
    )


def initiatives_invitation(language):
    inviter = _user("es")
    return _render(
        "initiatives/invitation",
        to=_address(language),
        language=language,
        context={
            "initiative": SimpleNamespace(name=HOSTILE),
            "inviter": inviter,
            "accept_url": "/initiatives/invitations/token/",
        },
    )


def initiatives_freshness(language):
    return _render(
        "initiatives/freshness",
        to=_user(language),
        context={
            "initiative": SimpleNamespace(name=HOSTILE),
            "confirm_url": "/initiatives/fresh/token/",
            "edit_url": "/initiatives/mine/",
        },
    )


def matchmaking_connection_request(language):
    return _render(
        "matchmaking/connection_request",
        to=_user(language),
        context={
            "from_name": HOSTILE,
            "to_name": "Clúster TIC d'Orient",
            "message": "We'd like to work with you & share <data>.\n\nRegards",
            "link": "/matchmaking/connections/1/",
        },
    )


def matchmaking_connection_answer(language):
    return _render(
        "matchmaking/connection_answer",
        to=_user(language),
        context={
            "accepted": True,
            "from_name": HOSTILE,
            "to_name": "Clúster TIC d'Orient",
            "link": "/matchmaking/connections/1/",
        },
    )


def matchmaking_project_invitation(language):
    return _render(
        "matchmaking/project_invitation",
        to=_user(language),
        context={
            "project_title": "Cyber Andes & Co",
            "initiative_name": HOSTILE,
            "message": "Join us, it's <fun>.",
            "link": "/matchmaking/projects/cyber-andes/",
        },
    )


def matchmaking_project_join_request(language):
    return _render(
        "matchmaking/project_join_request",
        to=_user(language),
        context={
            "project_title": "Cyber Andes & Co",
            "initiative_name": HOSTILE,
            "message": "We'd like to join & help.",
            "link": "/matchmaking/projects/cyber-andes/",
        },
    )


def _meeting():
    from tests.meetings.factories import MeetingFactory

    return MeetingFactory(
        title_es=HOSTILE,
        title_en=HOSTILE,
        title_pt_br=HOSTILE,
        description_es="Agenda: *financing* & [guide](https://example.org/g).",
        description_en="Agenda: *financing* & [guide](https://example.org/g).",
        description_pt_br="Agenda: *financing* & [guide](https://example.org/g).",
        place="Sala d'Orient",
    )


def _meeting_email(template: str, language: str, *, note: bool = False, **extra):
    from community.meetings.models import Registration
    from tests.meetings.factories import RegistrationFactory

    meeting = _meeting()
    if note:  # the organisers' note of a cancellation, in its own box
        meeting.cancellation_note = "Nos vemos en marzo.\nGracias por su interés."
        meeting.cancellation_note_language = "es"
    registration = RegistrationFactory(
        meeting=meeting,
        name="Ana O'Brien",
        language=language,
        status=Registration.Status.REGISTERED,
    )
    return _render(
        f"meetings/{template}",
        to=registration.email,
        language=language,
        time_zone=registration.time_zone,
        context={
            "meeting": meeting,
            "registration": registration,
            "show_link": True,
            "promoted": False,
            "rank": None,
            "cancel_url": f"{settings.SITE_URL}/meetings/cancel/token/",
            "meeting_url": settings.SITE_URL + meeting.get_absolute_url(),
            **extra,
        },
    )


def meetings_announcement(language):
    meeting = _meeting()
    return _render(
        "meetings/announcement",
        to=_user(language),
        context={"meeting": meeting, "meeting_url": settings.SITE_URL + meeting.get_absolute_url()},
    )


def newsletter_confirm(language):
    return _render(
        "newsletter/confirm",
        to=_address(language),
        language=language,
        context={
            "subscriber": SimpleNamespace(name="Ana O'Brien"),
            "confirm_url": f"{settings.SITE_URL}/bulletin/confirm/token/",
            "max_days": 7,
        },
    )


def newsletter_already_subscribed(language):
    return _render(
        "newsletter/already_subscribed",
        to=_address(language),
        language=language,
        context={
            "subscriber": SimpleNamespace(name="Ana O'Brien"),
            "preferences_url": f"{settings.SITE_URL}/bulletin/preferences/token/",
        },
    )


def newsletter_meeting_announcement(language):
    meeting = _meeting()
    return _render(
        "newsletter/meeting_announcement",
        to=_address(language),
        language=language,
        time_zone="UTC",
        context={
            "meeting": meeting,
            "meeting_url": settings.SITE_URL + meeting.get_absolute_url(),
            "unsubscribe_url": f"{settings.SITE_URL}/bulletin/unsubscribe/1-abc/",
        },
    )


def newsletter_issue(language):
    """An edition with a block of every kind, each with a title, Markdown, an image and a link."""
    from newsletter.models import Block
    from newsletter.rendering import render_edition
    from tests.newsletter.factories import BlockFactory, IssueFactory

    issue = IssueFactory(languages=[language])
    edition = issue.editions.get()
    edition.subject = HOSTILE
    edition.preheader = "Financing & training"
    edition.save()
    for order, kind in enumerate(Block.Kind.values):
        text = {
            "title": f"{HOSTILE} ({kind})",
            "body": "A paragraph with **bold**, a [link](https://example.org/a) & a list:\n\n"
            "- first item\n- second item\n\n> A quote from the field.",
            "image_alt": "Farmers packing avocados",
        }
        BlockFactory(
            issue=issue,
            kind=kind,
            order=order,
            content={language: text},
            link_url="https://example.org/more",
            image_url="/media/bulletin/avocados.jpg",
            original_language="es" if language != "es" and kind == Block.Kind.CONTRIBUTION else "",
        )
    rendered = render_edition(edition)
    return emails.RenderedEmail(
        to=[], subject=rendered.subject, text=rendered.text, html=rendered.html, language=language
    )


def stories_proposal_received(language):
    from initiatives.stories.models import StoryProposal

    initiative = InitiativeFactory(name=HOSTILE)
    user = _user(language)
    proposal = StoryProposal.objects.create(
        initiative=initiative, proposed_by=user, title=HOSTILE, text="Text", language=language
    )
    return _render(
        "stories/proposal_received",
        to=user,
        context={"proposal": proposal, "initiative_name": initiative.name},
    )


def stories_story_published(language):
    return _render(
        "stories/story_published",
        to=_user(language),
        context={"story_title": HOSTILE, "path": "/stories/avocado/"},
    )


def accounts_data_export_ready(language):
    return _render(
        "accounts/data_export_ready",
        to=_user(language),
        context={
            "url": f"{settings.SITE_URL}/account/data/download/eyJlIjoxLCJ1IjoxfQ:abc:def/",
            "expires_at": timezone.now() + dt.timedelta(hours=24),
            "size": 2_345_678,
        },
    )


def text_as_html(language):
    """allauth's emails (address confirmation, password reset): their text in the platform's frame."""
    return emails.render_rendered(
        to=_address(language),
        subject="[IAPT] Confirm your email & sign in",
        text=f"Hello from the IAPT Platform!\n\nConfirm it's you:\n{settings.SITE_URL}/account/"
        "confirm-email/abc/\n\nThanks & see you soon <team>.",
        language=language,
    )


EMAILS: dict[str, Render] = {
    "welcome": welcome,
    "accounts/data_export_ready": accounts_data_export_ready,
    "accounts/closed": accounts_closed,
    "moderation_decision": moderation_decision,
    "moderation_queue_reminder": moderation_queue_reminder,
    "community/notification": community_notification,
    "community/digest": community_digest,
    "initiatives/invitation": initiatives_invitation,
    "initiatives/freshness": initiatives_freshness,
    "matchmaking/connection_request": matchmaking_connection_request,
    "matchmaking/connection_answer": matchmaking_connection_answer,
    "matchmaking/project_invitation": matchmaking_project_invitation,
    "matchmaking/project_join_request": matchmaking_project_join_request,
    "meetings/announcement": meetings_announcement,
    "meetings/registered": lambda language: _meeting_email("registered", language),
    "meetings/reminder": lambda language: _meeting_email("reminder", language, kind="reminder_1h"),
    "meetings/updated": lambda language: _meeting_email("updated", language),
    "meetings/cancelled": lambda language: _meeting_email("cancelled", language, note=True),
    "meetings/confirm_registration": lambda language: _meeting_email(
        "confirm_registration",
        language,
        confirm_url=f"{settings.SITE_URL}/meetings/confirm/token/",
        max_days=3,
        full=True,
    ),
    "meetings/already_registered": lambda language: _meeting_email("already_registered", language),
    "meetings/left": lambda language: _meeting_email("left", language, removes_event=True),
    "newsletter/confirm": newsletter_confirm,
    "newsletter/already_subscribed": newsletter_already_subscribed,
    "newsletter/meeting_announcement": newsletter_meeting_announcement,
    "newsletter/issue": newsletter_issue,
    "stories/proposal_received": stories_proposal_received,
    "stories/story_published": stories_story_published,
}
# Frames that are not a template triple: checked too.
OTHER_EMAILS: dict[str, Render] = {"text_as_html": text_as_html}


def discovered_templates() -> set[str]:
    return {
        str(path.relative_to(TEMPLATES)).removesuffix("_subject.txt")
        for path in TEMPLATES.rglob("*_subject.txt")
    }


# --- What the browser measures --------------------------------------------------------------------
CHECK = """
() => {
  const probe = document.createElement('span');
  document.body.appendChild(probe);
  const parse = (value) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(value || '');
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const attrColour = (value) => {  // bgcolor="#0b5563" or a colour name, as a browser reads it
    probe.style.color = '';
    probe.style.color = value.trim();
    return probe.style.color ? parse(getComputedStyle(probe).color) : null;
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const background = (element) => {
    const layers = [];
    for (let e = element; e && e.nodeType === 1; e = e.parentElement) {
      let colour = parse(getComputedStyle(e).backgroundColor);
      if ((!colour || colour.a === 0) && e.hasAttribute('bgcolor')) {
        colour = attrColour(e.getAttribute('bgcolor'));
      }
      if (colour && colour.a > 0) {
        layers.push(colour);
        if (colour.a >= 1) break;
      }
    }
    let painted = {r: 255, g: 255, b: 255, a: 1};  // the mail program's canvas
    for (let i = layers.length - 1; i >= 0; i--) painted = over(layers[i], painted);
    return painted;
  };
  const channel = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const hex = (c) => '#' + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  const problems = [];
  let checked = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const element = node.parentElement;
    if (!text || !element || element === probe) continue;
    if (!element.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) continue;
    checked += 1;
    const style = getComputedStyle(element);
    const bg = background(element);
    const fg = over(parse(style.color), bg);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const needed = large ? 3 : 4.5;
    const measured = ratio(fg, bg);
    if (measured < needed) {
      problems.push(`contrast ${measured.toFixed(2)} < ${needed}: "${text.slice(0, 40)}" ${hex(fg)} on ${hex(bg)}`);
    }
  }
  for (const img of document.images) {
    if (!img.hasAttribute('alt')) problems.push(`image without alt: ${img.getAttribute('src')}`);
  }
  for (const a of document.querySelectorAll('a[href]')) {
    const name = (a.getAttribute('aria-label') || a.innerText || a.title || '').trim()
      || [...a.querySelectorAll('img[alt]')].map((i) => i.alt.trim()).join('');
    if (!name) problems.push(`link without a name: ${a.getAttribute('href')}`);
  }
  probe.remove();
  return {checked, problems};
}
"""


def test_every_email_template_has_an_entry_in_the_registry():
    assert discovered_templates() == set(EMAILS)


@pytest.mark.browser
@pytest.mark.django_db
def test_every_email_reads_well_in_chromium_in_every_language(browser, settings):
    settings.SITE_URL = "https://iapt.example.org"
    context = browser.new_context()
    # Nothing leaves the machine: images and links answer nothing, which is what a reader with
    # images off sees (the alt text).
    context.route("**/*", lambda route: route.abort())
    page = context.new_page()
    problems = []
    checked = 0
    try:
        for name, render in {**EMAILS, **OTHER_EMAILS}.items():
            for language in LANGUAGES:
                email = render(language)
                where = f"{name} [{language}]"
                assert email.language == language, where
                for part, value in (("subject", email.subject), ("text", email.text)):
                    problems += [f"{where}: {part} shows {e}" for e in TEXT_ESCAPES if e in value]
                page.set_content(email.html, wait_until="load")
                result = page.evaluate(CHECK)
                assert result["checked"] > 3, where  # the page rendered text at all
                checked += result["checked"]
                problems += [f"{where}: {problem}" for problem in result["problems"]]
    finally:
        context.close()
    assert problems == []
    assert checked > 500


@pytest.mark.browser
def test_the_check_finds_hidden_text_missing_alt_and_nameless_links(browser):
    """The measure itself: a table cell painted by `bgcolor` only, a translucent layer, an image
    without alt and a link with nothing to read."""
    page = browser.new_page()
    try:
        page.set_content(
            '<body style="margin:0"><table><tr><td bgcolor="#0b5563">'
            '<a href="#a" style="color:#0b5563">Read more</a>'
            '<span style="color:#ffffff">White on teal reads well</span></td></tr></table>'
            '<p style="color:#999999">Grey on white</p>'
            '<p style="font-size:24px;color:#888888">Large grey on white</p>'
            '<div style="background:rgba(0,0,0,0.5)"><span style="color:#555555">Dim</span></div>'
            '<img src="x.png" width="10" height="10"><a href="#b"><img src="y.png" alt=""></a>'
            '<a href="#c"><img src="z.png" alt="Avocados"></a><p>Some more text</p></body>'
        )
        problems = page.evaluate(CHECK)["problems"]
    finally:
        page.close()
    assert problems == [
        'contrast 1.00 < 4.5: "Read more" #0b5563 on #0b5563',
        'contrast 2.85 < 4.5: "Grey on white" #999999 on #ffffff',
        'contrast 1.87 < 4.5: "Dim" #555555 on #808080',
        "image without alt: x.png",
        "link without a name: #b",
    ]
