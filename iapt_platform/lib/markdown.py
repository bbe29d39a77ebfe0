"""The one sanitiser: Markdown written by people becomes safe HTML here and nowhere else.

markdown-it-py renders with raw HTML disabled (the "js-default" preset escapes it), then nh3 keeps
only an allow-list of tags, attributes and URL schemes, and adds rel="nofollow noopener" to links.
So `<script>`, event handlers, `javascript:` and `data:` URLs, and SVG never reach a page.
"""

import re
from collections.abc import Mapping

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

# `@handle` in a member's text: not inside a word, an address or a path (x@y, /@y, .@y).
MENTION = re.compile(r"(?<![\w@/.+-])@([a-z0-9][a-z0-9_-]{1,39})", re.IGNORECASE)


def mentioned_handles(text: str) -> set[str]:
    if not text or "@" not in text:  # most texts: a scan in C rather than the pattern's
        return set()
    return {m.group(1).lower().rstrip("-_") for m in MENTION.finditer(text)}


def _link_mentions(state: StateCore) -> None:
    """Turn `@handle` in plain text into a link, for the handles the caller resolved.

    Runs on markdown-it's tokens, so code spans, code blocks and existing links stay as written.
    """
    links: Mapping[str, str] | None = state.env.get("mention_links")
    if not links:
        return
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        in_link = 0
        for token in block.children:
            in_link += {"link_open": 1, "link_close": -1}.get(token.type, 0)
            if token.type != "text" or in_link or "@" not in token.content:
                children.append(token)
                continue
            children.extend(_split_mentions(token.content, links))
        block.children = children


def _split_mentions(text: str, links: Mapping[str, str]) -> list[Token]:
    tokens: list[Token] = []
    start = 0
    for match in MENTION.finditer(text):
        url = links.get(match.group(1).lower().rstrip("-_"))
        if url is None:
            continue
        end = match.start() + 1 + len(match.group(1).rstrip("-_"))
        if match.start() > start:
            tokens.append(_text(text[start : match.start()]))
        tokens.append(Token("link_open", "a", 1, attrs={"href": url}))
        tokens.append(_text(text[match.start() : end]))
        tokens.append(Token("link_close", "a", -1))
        start = end
    if start < len(text):
        tokens.append(_text(text[start:]))
    return tokens


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


_markdown = MarkdownIt("js-default", {"linkify": False, "typographer": False}).enable("table")
_markdown.core.ruler.push("mentions", _link_mentions)

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "a", "table", "thead", "tbody", "tr", "th", "td", "del",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str, *, mention_links: Mapping[str, str] | None = None) -> SafeString:
    """Markdown from a person to HTML that is safe to place in a page or an email.

    `mention_links` maps handles to the profile addresses this reader may open: those mentions
    become links; any other `@handle` stays text.
    """
    html = _markdown.render(text or "", {"mention_links": mention_links or {}})
    # Headings from users start at h2: the page owns its h1.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 (sanitised by nh3 just above)
