"""Stories in the one search (iapt_platform/lib/site_search.py): public ones only (published and
their date come), found by their words in any language, shown in the reader's (else Spanish)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_save
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from iapt_platform.lib import search, site_search
from iapt_platform.lib.site_search import Ask, Found, Hit, Listing
from initiatives.selectors import registry_version

from . import selectors
from .models import InterviewBlock, Story


def story_refresh_search(*, story: Story) -> None:
    """Its words by weight: A the title, B the summary, credits, topics, sectors and places,
    C the text and the interview (every language it is written in)."""
    labels = [site_search.translations(t, "name") for t in story.topics.all()]
    labels += [site_search.translations(s, "name") for s in story.sectors.all()]
    interview = [
        f"{site_search.translations(b, 'question')} {site_search.translations(b, 'answer')}"
        for b in story.blocks.all()
    ]
    parts = {
        "A": search.normalise(site_search.translations(story, "title")),
        "B": search.normalise(
            " ".join(
                [
                    site_search.translations(story, "summary"),
                    story.author_credits,
                    *labels,
                    site_search.country_names(story.countries),
                ]
            )
        ),
        "C": search.normalise(
            site_search.plain(" ".join([site_search.translations(story, "body"), *interview]))
        ),
    }
    Story.objects.filter(pk=story.pk).update(**search.document_updates(parts))


def _hit(story: Story, ask: Ask) -> Hit:
    reading = story.reading(ask.language)
    return Hit(
        kind="stories",
        title=reading.title,
        url=story.get_absolute_url(),
        text=site_search.plain(f"{reading.summary} {reading.body}"),
        date=story.published_at,
        language=reading.language if reading.is_fallback else "",
        detail=str(story.get_kind_display()),
    )


def find(ask: Ask) -> Found | Listing:
    qs = site_search.matching(Story.objects.public(), ask)
    return site_search.found(
        qs,
        ask,
        order=site_search.ordered_by_rank(qs, "-published_at", "-pk"),
        broad_order=["-published_at", "-pk"],
        load=lambda ids: Story.objects.filter(pk__in=ids).defer("search_document", "search_vector"),
        to_hit=lambda story: _hit(story, ask),
    )


def _saved(sender: Any, instance: Story, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        story_refresh_search(story=instance)


def _block_saved(sender: Any, instance: InterviewBlock, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        story_refresh_search(story=instance.story)


def _labels_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear") and isinstance(instance, Story):
        story_refresh_search(story=instance)


def register_kinds() -> None:
    site_search.register(
        "stories",
        label=_("Stories"),
        find=find,
        list_url=lambda query: reverse("stories:list"),
        order=20,
        # Those of its pages (the story names its initiative; scheduled stories appear in time).
        version=site_search.versions(selectors.stories_version, registry_version),
        rebuild=lambda: site_search.each_refreshed(
            Story.objects.all(), lambda story: story_refresh_search(story=story)
        ),
    )
    # The search document is derived from the story like a cache: rewritten on every save.
    post_save.connect(_saved, sender=Story, dispatch_uid="stories-search")
    post_save.connect(_block_saved, sender=InterviewBlock, dispatch_uid="stories-search-blocks")
    for through in (Story.topics.through, Story.sectors.through):
        m2m_changed.connect(
            _labels_changed, sender=through, dispatch_uid=f"stories-search-{through}"
        )
