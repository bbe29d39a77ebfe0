"""Every payload of the corpus, posted through the reply form, comes out of the thread page inert.
The same corpus runs in Chromium in tests/browser/test_forum_journey.py."""

from html.parser import HTMLParser

import pytest

from community.models import Post
from iapt_platform.lib.markdown import ALLOWED_TAGS

from . import factories
from .xss_corpus import XSS_CORPUS

pytestmark = pytest.mark.django_db


class PostBodies(HTMLParser):
    """The elements found inside each <div class="post-body"> of a page."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.bodies = 0
        self.elements: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.elements.append((tag, attrs))
            if tag == "div":
                self.depth += 1
        elif tag == "div" and ("class", "post-body") in attrs:
            self.depth = 1
            self.bodies += 1

    def handle_endtag(self, tag):
        if self.depth and tag == "div":
            self.depth -= 1


def test_the_corpus_is_big_enough():
    assert len(XSS_CORPUS) >= 30


def test_every_payload_renders_inert(client_for, alice, established, no_rate_limit):
    thread = factories.thread(alice, title="Pruebas")
    client = client_for(alice)
    for payload in XSS_CORPUS:
        assert client.post(thread.get_absolute_url(), {"body": payload}).status_code == 302
    assert Post.objects.filter(thread=thread, is_opening=False).count() == len(XSS_CORPUS)
    parser = PostBodies()
    parser.feed(client.get(thread.get_absolute_url()).content.decode())
    assert parser.bodies == len(XSS_CORPUS) + 1
    for tag, attrs in parser.elements:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert name in ("href", "title", "rel", "align", "start"), (tag, name)
            assert (
                not (value or "").strip().lower().startswith(("javascript:", "data:", "vbscript:"))
            ), value
