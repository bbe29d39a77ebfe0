"""Every email of the platform, as a person opens it: rendered through the one email helper in
es, en and pt-BR, loaded in Chromium, and checked for what a reader meets.

- Text below WCAG AA contrast (4.5:1, or 3:1 for large text) against the background it is painted
  on. The background is computed by walking up the ancestors (CSS background-color, then the
  `bgcolor` attribute that email tables use and that axe leaves undecided), compositing
  translucent layers over white.
- Images without alt text, links without an accessible name.
- Subjects and text parts that show HTML escapes (`&#x27;`, `&amp;`...): the contexts carry
  apostrophes, ampersands and angle brackets on purpose.

The registry (`iapt_platform.lib.email_samples`, filled by each app) has one entry per email
template (discovered from the `*_subject.txt` files): a new email without an entry fails the test,
so that it is looked at before it goes out, here and on the staff preview page.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings

from iapt_platform.lib import email_samples, emails
from tests.factories import UserFactory

LANGUAGES = ["es", "en", "pt-br"]
TEMPLATES = Path(settings.BASE_DIR) / "templates" / "emails"
# Names with what breaks escaping and layout: an apostrophe, an ampersand, angle brackets.
HOSTILE = email_samples.HOSTILE
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
# The sample contexts live with their apps, in `<app>/email_samples.py` (registered in the app's
# `AppConfig.ready()` with `iapt_platform.lib.email_samples`), because the staff preview page
# (/outbox/previews/) shows the same samples. A new email needs one entry there. An entry added
# here in the old way (a function of the language, with the helpers above) is still checked
# below, but the preview page lacks it until it moves: see
# `test_every_email_template_has_a_sample_on_the_preview_page`.
EMAILS: dict[str, Render] = {
    **email_samples.renderers(triple=True),
}
# Frames that are not a template triple (allauth's messages in the platform's frame): checked too.
OTHER_EMAILS: dict[str, Render] = {**email_samples.renderers(triple=False)}


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


def test_every_email_template_has_a_sample_on_the_preview_page():
    assert discovered_templates() == set(email_samples.renderers(triple=True))


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
