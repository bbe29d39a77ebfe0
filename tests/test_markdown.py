import pytest

from iapt_platform.lib.markdown import render_markdown


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
    ],
)
def test_hostile_markdown_renders_inert(source):
    html = render_markdown(source)
    lowered = html.lower()
    for needle in ("<script", "javascript:", "onerror", "onclick", "<iframe", "<svg", "data:text"):
        assert needle not in lowered


def test_ordinary_markdown_survives():
    html = render_markdown("# Título\n\n**Fuerte** y [enlace](https://cepal.org)\n\n- uno\n- dos")
    assert "<h2>Título</h2>" in html
    assert "<strong>Fuerte</strong>" in html
    assert 'href="https://cepal.org"' in html and 'rel="nofollow noopener noreferrer"' in html
    assert "<li>uno</li>" in html
