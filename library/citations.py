"""Citation exports that reference managers (Zotero, Mendeley, EndNote) import: BibTeX, RIS and
CSL-JSON, written by hand and escaped for each format.

Authors are stored as "Family, Given" for people and as a bare name for organisations; each format
keeps that difference (BibTeX braces an organisation, CSL-JSON gives it as a literal).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.text import slugify

from .models import Resource

T = Resource.Type
RIS_TYPES: dict[str, str] = {
    T.REPORT: "RPRT",
    T.IMPACT_EVALUATION: "RPRT",
    T.CASE_STUDY: "RPRT",
    T.METHODOLOGY: "RPRT",
    T.POLICY: "GOVDOC",
    T.DATASET: "DATA",
    T.VIDEO: "VIDEO",
}
CSL_TYPES: dict[str, str] = {
    T.REPORT: "report",
    T.IMPACT_EVALUATION: "report",
    T.CASE_STUDY: "report",
    T.METHODOLOGY: "report",
    T.POLICY: "report",
    T.DATASET: "dataset",
    T.VIDEO: "motion_picture",
}
BIBTEX_REPORTS = {T.REPORT, T.IMPACT_EVALUATION, T.CASE_STUDY, T.METHODOLOGY, T.POLICY}

FORMATS = {
    # format: (file extension, MIME type)
    "bib": ("bib", "application/x-bibtex; charset=utf-8"),
    "ris": ("ris", "application/x-research-info-systems; charset=utf-8"),
    "json": ("json", "application/vnd.citationstyles.csl+json; charset=utf-8"),
}


@dataclass(frozen=True)
class Person:
    family: str = ""
    given: str = ""
    literal: str = ""  # an organisation, or a name given without a comma


def parse_author(name: str) -> Person:
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
        if family:
            return Person(family=family, given=given)
    return Person(literal=name.strip())


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def _url(resource: Resource, base_url: str) -> str:
    return resource.external_url or f"{base_url}{resource.get_absolute_url()}"


# --- BibTeX -----------------------------------------------------------------------------------------

_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIBTEX_SPECIAL = re.compile("|".join(re.escape(c) for c in _BIBTEX_ESCAPES))


def bibtex_escape(text: str) -> str:
    """Escape LaTeX's special characters; accents stay as UTF-8 (biber and Zotero read it)."""
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_ESCAPES[m.group(0)], _one_line(text))


def _bibtex_url(url: str) -> str:
    # url fields are read verbatim; only unbalanced braces would break the entry.
    return url.replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")


def _bibtex_name(name: str) -> str:
    person = parse_author(name)
    if person.literal:
        return "{" + bibtex_escape(person.literal) + "}"  # braced: never split into names
    if person.given:
        return f"{bibtex_escape(person.family)}, {bibtex_escape(person.given)}"
    return bibtex_escape(person.family)


def bibtex_key(resource: Resource) -> str:
    stem = slugify(resource.slug).replace("-", "_")[:60] or "resource"
    return f"{stem}_{resource.year}" if resource.year else f"{stem}_{resource.pk}"


def to_bibtex(resources: Iterable[Resource], *, base_url: str) -> str:
    entries = []
    for resource in resources:
        report = resource.type in BIBTEX_REPORTS and bool(resource.publisher)
        fields: list[tuple[str, str]] = [
            ("title", "{" + bibtex_escape(resource.title) + "}"),  # inner braces keep capitals
        ]
        if resource.authors:
            fields.append(("author", " and ".join(_bibtex_name(a) for a in resource.authors)))
        if resource.year:
            fields.append(("year", str(resource.year)))
        if resource.publisher:
            fields.append(
                ("institution" if report else "publisher", bibtex_escape(resource.publisher))
            )
        if not report:
            fields.append(("howpublished", bibtex_escape(resource.get_type_display())))
        if report:
            fields.append(("type", bibtex_escape(resource.get_type_display())))
        fields.append(("url", _bibtex_url(_url(resource, base_url))))
        fields.append(("language", resource.title_language))
        if resource.summary:
            fields.append(("abstract", bibtex_escape(resource.summary)))
        topics = [t.name for t in resource.topics.all()]
        if topics:
            fields.append(("keywords", bibtex_escape(", ".join(topics))))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        kind = "techreport" if report else "misc"
        entries.append(f"@{kind}{{{bibtex_key(resource)},\n{body}\n}}\n")
    return "\n".join(entries)


# --- RIS --------------------------------------------------------------------------------------------


def _ris_line(tag: str, value: str) -> str:
    return f"{tag}  - {_one_line(value)}\r\n"


def _ris_name(name: str) -> str:
    person = parse_author(name)
    if person.literal:
        return person.literal
    return f"{person.family}, {person.given}" if person.given else person.family


def to_ris(resources: Iterable[Resource], *, base_url: str) -> str:
    out = []
    for resource in resources:
        lines = [_ris_line("TY", RIS_TYPES.get(resource.type, "GEN"))]
        lines.append(_ris_line("TI", resource.title))
        lines += [_ris_line("AU", _ris_name(a)) for a in resource.authors or []]
        if resource.year:
            lines.append(_ris_line("PY", str(resource.year)))
        if resource.summary:
            lines.append(_ris_line("AB", resource.summary))
        if resource.publisher:
            lines.append(_ris_line("PB", resource.publisher))
        lines.append(_ris_line("LA", resource.title_language))
        lines += [_ris_line("KW", t.name) for t in resource.topics.all()]
        lines.append(_ris_line("UR", _url(resource, base_url)))
        lines.append("ER  - \r\n")
        out.append("".join(lines))
    return "\r\n".join(out)


# --- CSL-JSON ---------------------------------------------------------------------------------------


def csl_item(resource: Resource, *, base_url: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": resource.slug,
        "type": CSL_TYPES.get(resource.type, "document"),
        "title": _one_line(resource.title),
        "URL": _url(resource, base_url),
        "language": resource.title_language,
        "genre": str(resource.get_type_display()),
    }
    authors = []
    for name in resource.authors or []:
        person = parse_author(name)
        if person.literal:
            authors.append({"literal": person.literal})
        else:
            authors.append(
                {k: v for k, v in (("family", person.family), ("given", person.given)) if v}
            )
    if authors:
        item["author"] = authors
    if resource.year:
        item["issued"] = {"date-parts": [[resource.year]]}
    if resource.publisher:
        item["publisher"] = resource.publisher
    if resource.summary:
        item["abstract"] = resource.summary
    topics = [t.name for t in resource.topics.all()]
    if topics:
        item["keyword"] = ", ".join(topics)
    return item


def to_csl_json(resources: Iterable[Resource], *, base_url: str) -> str:
    return json.dumps(
        [csl_item(r, base_url=base_url) for r in resources], ensure_ascii=False, indent=2
    )


def render(fmt: str, resources: Iterable[Resource], *, base_url: str) -> str:
    if fmt == "bib":
        return to_bibtex(resources, base_url=base_url)
    if fmt == "ris":
        return to_ris(resources, base_url=base_url)
    return to_csl_json(resources, base_url=base_url)
