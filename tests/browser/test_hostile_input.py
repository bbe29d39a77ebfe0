"""The XSS corpus (tests/corpus/) written into every place people write text that a page renders,
then every such page opened in Chromium: no dialog opens, no payload's script runs (window.__xss
stays undefined), no element keeps an event handler or a javascript:/data: address, and the page
asks nothing of another host.

The browser context bypasses the Content Security Policy on purpose: the policy would block
inline scripts anyway, and this test is about what the sanitiser and the templates let through,
as if the policy were missing. (That the pages do carry the policy is checked at the end.)

Payloads are batched: each object holds about 4,800 characters of them (all 350 in four
objects per place), and titles and names take one payload each.
"""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from iapt_platform.accounts import roles
from tests.corpus import xss_payloads
from tests.factories import InitiativeFactory, UserFactory

from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# NUL cannot be stored in PostgreSQL text and forms refuse it: the payloads lose it here.
PAYLOADS = [p.replace("\x00", "") for p in xss_payloads()]
CHUNK_CHARS = 4800

DOM_CHECK = """() => {
  const bad = [];
  const urlAttributes = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster',
                         'background', 'ping', 'srcset', 'codebase', 'dynsrc', 'lowsrc'];
  for (const el of document.body.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    for (const attribute of el.attributes) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith('on')) bad.push(`<${tag} ${name}>`);
      if (name === 'srcdoc' || name.startsWith('hx-on')) bad.push(`<${tag} ${name}>`);
      if (urlAttributes.includes(name)) {
        const value = attribute.value.replace(/[\\u0000-\\u0020\\u200b\\ufeff]/g, '').toLowerCase();
        if (/^(javascript|vbscript|livescript|data):/.test(value)) {
          bad.push(`<${tag} ${name}="${attribute.value.slice(0, 60)}">`);
        }
      }
    }
    if (tag === 'script') {
      const type = (el.getAttribute('type') || '').toLowerCase();
      if (type === 'application/ld+json') continue;
      if (!el.src || new URL(el.src).origin !== location.origin) {
        bad.push(`<script> ${(el.src || el.textContent).slice(0, 60)}`);
      }
    }
    if (tag === 'link') {
      // Our own templates link their stylesheets from the body of some sections.
      const own = el.href && new URL(el.href).origin === location.origin;
      if (!(own && el.rel === 'stylesheet')) bad.push(`<link ${el.outerHTML.slice(0, 80)}>`);
      continue;
    }
    if (['iframe', 'frame', 'object', 'embed', 'base', 'meta', 'portal', 'applet',
         'template', 'noscript', 'xmp', 'plaintext'].includes(tag)) {
      bad.push(`<${tag}> in the body`);
    }
  }
  return bad;
}"""


def chunks() -> list[str]:
    """The corpus as Markdown texts of about CHUNK_CHARS characters, a blank line between
    payloads."""
    texts, current = [], []
    for payload in PAYLOADS:
        if current and sum(len(p) + 2 for p in current) + len(payload) > CHUNK_CHARS:
            texts.append("\n\n".join(current))
            current = []
        current.append(payload)
    texts.append("\n\n".join(current))
    return texts


def title(n: int, length: int = 100) -> str:
    """One payload as a title or a name (the corpus's most title-like ones first)."""
    tag_first = [p for p in PAYLOADS if p.startswith("<")]
    return tag_first[(n * 7) % len(tag_first)][:length]


@pytest.fixture
def hostile(promoter, member, moderator_with_totp):
    """Every place people write, filled with the corpus. Returns {persona: [urls]}."""
    from community import services as forum_services
    from community.meetings.models import Meeting
    from initiatives.matchmaking.models import Topic
    from initiatives.matchmaking.topics import ensure_topics
    from initiatives.stories import services as stories
    from newsletter.models import Edition, Issue
    from tests.community import factories as forum
    from tests.library.factories import ResourceFactory
    from tests.matchmaking.conftest import make_post
    from tests.meetings.factories import MeetingFactory
    from tests.newsletter.factories import BlockFactory, ContributionFactory, IssueFactory
    from tests.stories.factories import StoryFactory

    texts = chunks()
    assert all(any(payload in text for text in texts) for payload in PAYLOADS)
    public, members, owner, staff = ["/"], [], [], []

    # Initiative descriptions and names (the registry)
    initiatives = []
    for n, text in enumerate(texts):
        initiative = InitiativeFactory(
            name=title(n), description=text, city=title(n + 10), services_offered=text
        )
        initiative.managers.add(promoter)
        initiatives.append(initiative)
        public.append(initiative.get_absolute_url())
    public += [reverse("initiatives:list"), reverse("initiatives:list") + "?q=script"]

    # Forum posts, thread titles, member profiles (bio, names, organisation, position)
    forum_services.profile_for(user=member)
    thread = forum.thread(promoter, title=title(1), body=texts[0])
    for text in texts[1:]:
        forum.post(thread, member, body=text)
    for n in range(2, 6):
        forum.thread(member, title=title(n), body="x")
    members += [thread.get_absolute_url(), reverse("community:index")]
    members.append(reverse("community:category", args=[thread.category.slug]))
    for n, text in enumerate(texts):
        user = UserFactory(
            display_name=title(n + 20, 120),
            organisation=title(n + 21),
            position=title(n + 22, 120),
        )
        profile = forum.profile(user, handle=f"hostil-{n}", bio=text)
        members.append(profile.get_absolute_url())
    members.append(reverse("community:directory"))

    # Success stories written by staff, and story proposals from a promoter
    for n, text in enumerate(texts):
        story = StoryFactory(
            title_es=title(n + 30), summary_es=title(n + 31, 300), body_es=text, body_en=text
        )
        public.append(story.get_absolute_url())
        staff.append(reverse("stories:staff_preview", args=[story.pk]))
        proposal = stories.story_proposal_submit(
            user=promoter,
            initiative=initiatives[n],
            title=title(n + 32),
            text=text,
            links=[],
            images=[],
        )
        owner.append(reverse("stories:proposal", args=[proposal.pk]))
    public.append(reverse("stories:list"))
    staff += [reverse("moderation:queue"), reverse("stories:staff_list")]

    # Library resources (title, summary)
    for n, text in enumerate(texts):
        resource = ResourceFactory(title=title(n + 40, 300), summary=text)
        public.append(resource.get_absolute_url())
    public.append(reverse("library:index"))

    # Bulletin blocks (title, body, image description) and a member's proposed item
    issue = IssueFactory(languages=["es"])
    Edition.objects.filter(issue=issue).update(subject=title(50), preheader=title(51))
    for n, text in enumerate(texts):
        BlockFactory(
            issue=issue,
            content={"es": {"title": title(n + 52), "body": text, "image_alt": title(n + 53)}},
        )
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SENT)
    public += [
        reverse("newsletter:issue", args=[issue.number, "es"]),
        reverse("newsletter:archive", args=["es"]),
    ]
    staff.append(reverse("newsletter:staff_preview", args=[issue.pk, "es", "html"]))
    contribution = ContributionFactory(submitted_by=promoter, title=title(60), body=texts[1])
    owner.append(reverse("newsletter:contribution", args=[contribution.pk]))

    # Collaboration posts (title, text)
    ensure_topics(Topic)
    for n, text in enumerate(texts):
        post = make_post(initiatives[n], title=title(n + 70, 160))
        type(post).objects.filter(pk=post.pk).update(text=text)
        public.append(reverse("matchmaking:post", args=[post.pk]))
    public.append(reverse("matchmaking:list"))
    owner.append(reverse("matchmaking:initiative", args=[initiatives[0].slug]))

    # Meetings (title, description, agenda)
    for n, text in enumerate(texts):
        meeting = MeetingFactory(
            title_es=title(n + 80),
            description_es=text,
            agenda=text,
            status=Meeting.Status.SCHEDULED,
        )
        public.append(meeting.get_absolute_url())
    public.append(reverse("meetings:calendar"))

    assert roles.has_role(promoter, roles.PROMOTER)
    return {"visitor": public, "member": members, "promoter": owner, "moderator": staff}


def test_no_payload_runs_anywhere_it_is_shown(
    browser, live_server, hostile, member, promoter, moderator_with_totp
):
    origin = urlsplit(live_server.url)
    users = {"member": member, "promoter": promoter, "moderator": moderator_with_totp}
    problems: list[str] = []
    visited = shown = 0
    for persona, urls in hostile.items():
        context = browser.new_context(locale="es-ES", base_url=live_server.url, bypass_csp=True)
        context.set_default_timeout(15_000)
        if persona in users:
            sign_in_as(context, live_server, users[persona])
        foreign: list[str] = []

        def guard(route, foreign=foreign):
            parts = urlsplit(route.request.url)
            if parts.scheme in ("http", "https") and (parts.hostname, parts.port) != (
                origin.hostname,
                origin.port,
            ):
                foreign.append(route.request.url)
                route.abort()
            else:
                route.continue_()

        context.route("**/*", guard)
        page = context.new_page()
        dialogs: list[str] = []
        page.on(
            "dialog",
            lambda dialog, dialogs=dialogs: (dialogs.append(dialog.message), dialog.dismiss()),
        )
        page.on(
            "request",
            lambda request, foreign=foreign: (
                foreign.append(request.url)
                if urlsplit(request.url).scheme in ("http", "https")
                and urlsplit(request.url).netloc != origin.netloc
                else None
            ),
        )
        for url in urls:
            response = page.goto(url, wait_until="load")
            visited += 1
            if response is None or response.status != 200:
                problems.append(f"{persona} {url}: status {response and response.status}")
                continue
            page.wait_for_timeout(30)  # let timers and animations that a payload set fire
            if "alert(" in page.content():
                shown += 1
            for item in page.evaluate(DOM_CHECK):
                problems.append(f"{persona} {url}: {item}")
            if page.evaluate("typeof window.__xss") != "undefined":
                problems.append(f"{persona} {url}: window.__xss was set")
            if dialogs:
                problems.append(f"{persona} {url}: dialogs {dialogs[:3]}")
                dialogs.clear()
            if foreign:
                problems.append(f"{persona} {url}: requests to {sorted(set(foreign))[:3]}")
                foreign.clear()
        context.close()
    assert visited >= 40
    assert shown >= 0.8 * visited  # the payloads are on the pages, as text
    assert problems == []


def test_the_detectors_catch_a_live_payload(browser, live_server):
    """The checks above would see a payload that got through (in a page of our own making)."""
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("/healthz")
    page.set_content(
        '<body><img src=x onerror="alert(1)"><a href=" java\tscript:x">a</a>'
        "<script>window.__xss=1</script><iframe src=about:blank></iframe></body>"
    )
    page.wait_for_timeout(100)
    found = page.evaluate(DOM_CHECK)
    assert any("onerror" in f for f in found)
    assert any("href" in f for f in found)
    assert any("<script>" in f for f in found)
    assert any("<iframe>" in f for f in found)
    assert page.evaluate("typeof window.__xss") != "undefined"
    assert dialogs == ["1"]
    context.close()


def test_the_hostile_pages_carry_the_content_security_policy(client, hostile):
    for url in hostile["visitor"][:3]:
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self'" in policy or "default-src 'self'" in policy
        assert "unsafe-inline" not in policy.split("script-src", 1)[-1].split(";")[0]
