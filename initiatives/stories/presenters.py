"""What search engines read of a story: schema.org Article (NewsArticle for news) as JSON-LD."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from iapt_platform.lib import seo

from .models import Reading, Story


def structured_data(*, story: Story, reading: Reading) -> dict[str, Any]:
    """The story in the language the page shows it in; the platform writes and publishes it
    (the credits name people in free text, kept as such)."""
    publisher = seo.platform_organization()
    data: dict[str, Any] = {
        "@type": "NewsArticle" if story.kind == Story.Kind.NEWS else "Article",
        "headline": reading.title[:110],  # the length search engines show
        "description": reading.summary,
        "inLanguage": reading.language,
        "url": f"{settings.SITE_URL}{story.get_absolute_url()}",
        "mainEntityOfPage": f"{settings.SITE_URL}{story.get_absolute_url()}",
        "datePublished": seo.iso_date(story.published_at),
        "dateModified": seo.iso_date(story.updated_at or story.published_at),
        "author": publisher,
        "publisher": publisher,
    }
    if story.hero_image:
        data["image"] = [seo.absolute(story.hero_image.url)]
    if story.author_credits:
        data["creditText"] = story.author_credits
    return {key: value for key, value in data.items() if value not in (None, "")}
