"""Every payload of the XSS corpus, through the one sanitiser, parses to allow-listed HTML only.

Fast and server side; tests/browser/test_hostile_input.py renders the same corpus in Chromium
through every place people write text.
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

from iapt_platform.lib.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_SCHEMES,
    ALLOWED_TAGS,
    render_markdown,
)
from tests.corpus import xss_payloads

# Attributes the sanitiser itself adds.
ADDED = {"a": {"rel"}}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "poster"}


class Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.oddities: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_comment(self, data):
        self.oddities.append(f"comment {data!r}")

    def handle_decl(self, decl):
        self.oddities.append(f"declaration {decl!r}")

    def handle_pi(self, data):
        self.oddities.append(f"processing instruction {data!r}")

    def unknown_decl(self, data):
        self.oddities.append(f"unknown declaration {data!r}")


def problems_in(html: str) -> list[str]:
    parser = Elements()
    parser.feed(html)
    parser.close()
    found = list(parser.oddities)
    for tag, attrs in parser.elements:
        if tag not in ALLOWED_TAGS:
            found.append(f"tag <{tag}>")
            continue
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ADDED.get(tag, set())
        for name, value in attrs:
            if name not in allowed:
                found.append(f"attribute {name} on <{tag}>")
            if name in URL_ATTRIBUTES and value:
                # Browsers drop these characters before reading a scheme: so does this check.
                cleaned = "".join(c for c in value if c > " " and c not in "\u200b\ufeff")
                scheme = urlsplit(cleaned).scheme.lower()
                if scheme and scheme not in ALLOWED_SCHEMES:
                    found.append(f"{name}={value!r} on <{tag}>")
    return found


def test_the_corpus_holds_at_least_200_payloads():
    payloads = xss_payloads()
    assert len(payloads) >= 200
    assert len(set(payloads)) == len(payloads)


def test_every_payload_renders_to_allow_listed_html_only():
    failures = {}
    for payload in xss_payloads():
        html = str(render_markdown(payload))
        found = problems_in(html)
        if found:
            failures[payload] = (html, found)
    assert failures == {}


def test_the_sanitised_output_is_stable_when_parsed_again():
    """Mutation XSS lives in the gap between how the sanitiser serialises and how a browser parses
    it again: a second pass must change nothing."""
    unstable = {}
    for payload in xss_payloads():
        html = str(render_markdown(payload))
        again = nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes={**ALLOWED_ATTRIBUTES, "a": ALLOWED_ATTRIBUTES["a"] | {"rel"}},
            url_schemes=ALLOWED_SCHEMES,
            link_rel=None,
            strip_comments=True,
        )
        if again != html:
            unstable[payload] = (html, again)
    assert unstable == {}


def test_the_checker_catches_what_it_should():
    assert problems_in('<p><img src="x" onerror="alert(1)"></p>')
    assert problems_in('<a href="javascript:alert(1)">x</a>')
    assert problems_in('<a href="  java\tscript:alert(1)">x</a>')
    assert problems_in('<a href="data:text/html,x">x</a>')
    assert problems_in("<!-- x -->")
    assert not problems_in('<p><a href="https://ok.org" rel="nofollow">ok</a></p>')
