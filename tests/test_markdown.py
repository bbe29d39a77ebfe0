from html.parser import HTMLParser

import pytest

from iapt_platform.lib.markdown import ALLOWED_TAGS, render_markdown


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '<img src=x onerror="alert(1)">',
        "<svg><script>alert(1)</script></svg>",
        '<a href="https://ok.org" onclick="alert(1)">x</a>',
        "![x](javascript:alert(1))",
        "<iframe src=https://evil.example></iframe>",
        "<<script>script>alert(1)<</script>/script>",
        '[ok](https://ok.org "title" onmouseover=alert(1))',
        "<https://ok.org/?q=<script>>",
    ],
)
def test_hostile_markdown_renders_inert(source):
    """Whatever survives is text: only allowed tags, no handlers, no dangerous URLs."""
    parser = _Elements()
    parser.feed(render_markdown(source))
    for tag, attrs in parser.elements:
        assert tag in ALLOWED_TAGS
        for name, value in attrs:
            assert not name.startswith("on")
            assert (
                not (value or "").strip().lower().startswith(("javascript:", "data:", "vbscript:"))
            )


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))


def test_ordinary_markdown_survives():
    html = render_markdown("# Título\n\n**Fuerte** y [enlace](https://cepal.org)\n\n- uno\n- dos")
    assert "<h2>Título</h2>" in html
    assert "<strong>Fuerte</strong>" in html
    assert 'href="https://cepal.org"' in html and 'rel="nofollow noopener noreferrer"' in html
    assert "<li>uno</li>" in html
