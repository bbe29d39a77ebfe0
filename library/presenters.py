"""What search engines read of a library resource: schema.org CreativeWork (or the subtype its
type names: Report, Course, Dataset, VideoObject) as JSON-LD."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.html import strip_tags

from iapt_platform.lib import seo
from iapt_platform.lib.markdown import render_markdown

from .models import Resource

T = Resource.Type
SCHEMA_TYPES = {
    T.REPORT: "Report",
    T.IMPACT_EVALUATION: "Report",
    T.COURSE: "Course",
    T.TRAINING: "LearningResource",
    T.DATASET: "Dataset",
    T.VIDEO: "VideoObject",
}
LICENCE_URLS = {
    "cc-by-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "cc-by-sa-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "cc-by-nc-4.0": "https://creativecommons.org/licenses/by-nc/4.0/",
    "cc-by-nc-sa-4.0": "https://creativecommons.org/licenses/by-nc-sa/4.0/",
    "cc-by-nd-4.0": "https://creativecommons.org/licenses/by-nd/4.0/",
    "cc-by-nc-nd-4.0": "https://creativecommons.org/licenses/by-nc-nd/4.0/",
    "cc0": "https://creativecommons.org/publicdomain/zero/1.0/",
}


def schema_type(resource: Resource) -> str:
    return SCHEMA_TYPES.get(T(resource.type), "CreativeWork")


def structured_data(*, resource: Resource) -> dict[str, Any] | None:
    """The published resource; None for a draft or one in review (only its contributor and staff
    see that page). It reads only what the page already loaded (no query)."""
    if not resource.is_published:
        return None
    url = f"{settings.SITE_URL}{resource.get_absolute_url()}"
    kind = schema_type(resource)
    publisher = (
        {"@type": "Organization", "name": resource.publisher} if resource.publisher else None
    )
    languages = [code for code in resource.languages if code != "other"]
    data: dict[str, Any] = {
        "@type": kind,
        "name": resource.title,
        "url": url,
        "description": strip_tags(render_markdown(resource.summary)).strip()[:500],
        "inLanguage": languages[0] if len(languages) == 1 else languages,
        # The work's own year when known; else the day it came into the library.
        "datePublished": str(resource.year)
        if resource.year
        else seo.iso_date(resource.published_at),
        "author": [{"@type": "Person", "name": name} for name in resource.authors or []],
        "publisher": publisher,
        "license": LICENCE_URLS.get(resource.licence, ""),
        "keywords": [topic.name for topic in resource.topics.all()],
        "image": seo.absolute(resource.picture.url) if resource.picture else "",
    }
    if kind == "Course":
        data["provider"] = publisher or seo.platform_organization()
    if kind == "VideoObject":
        data["uploadDate"] = seo.iso_date(resource.published_at)
        data["thumbnailUrl"] = data["image"]
        if resource.external_url:
            data["contentUrl"] = resource.external_url
    return {key: value for key, value in data.items() if value not in ("", [], None)}
