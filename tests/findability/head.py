"""Reads what search engines and link previews read: the <head>'s links, metas and JSON-LD."""

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Head:
    links: dict[str, list[str]] = field(default_factory=dict)  # rel -> hrefs
    meta: dict[str, list[str]] = field(default_factory=dict)  # property or name -> contents
    json_ld: list[str] = field(default_factory=list)  # the raw text of each element

    def one(self, key: str) -> str:
        [value] = self.meta[key]
        return value

    @property
    def canonical(self) -> str:
        [href] = self.links["canonical"]
        return href

    @property
    def data(self) -> dict:
        [text] = self.json_ld
        return json.loads(text)


class _HeadParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.head = Head()
        self.in_head = False
        self.in_json_ld = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "head":
            self.in_head = True
        elif not self.in_head:
            return
        elif tag == "link":
            self.head.links.setdefault(a.get("rel", ""), []).append(a.get("href", ""))
        elif tag == "meta" and ("property" in a or "name" in a):
            key = a.get("property") or a.get("name")
            self.head.meta.setdefault(key, []).append(a.get("content", ""))
        elif tag == "script" and a.get("type") == "application/ld+json":
            self.in_json_ld = True
            self.head.json_ld.append("")

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False
        elif tag == "script":
            self.in_json_ld = False

    def handle_data(self, data):
        if self.in_json_ld:
            self.head.json_ld[-1] += data


def read_head(html: str) -> Head:
    parser = _HeadParser()
    parser.feed(html)
    return parser.head
