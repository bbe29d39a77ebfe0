"""RSS and Atom feeds of the public stories, one per language (/stories/feed/<lang>/rss/)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _

from . import selectors
from .models import Story

FEED_SIZE = 20
LANGUAGES = dict(settings.LANGUAGES)


class StoryRssFeed(Feed):
    feed_type: type = Rss201rev2Feed

    def get_object(self, request: HttpRequest, lang: str) -> str:  # type: ignore[override]
        if lang not in LANGUAGES:
            raise Http404
        return lang

    def __call__(self, request, *args, **kwargs):
        # The feed's own words (title, description) in the feed's language, whatever the reader's.
        lang = kwargs.get("lang", "")
        if lang not in LANGUAGES:
            raise Http404
        with translation.override(lang):
            return super().__call__(request, *args, **kwargs)

    def title(self, lang: str) -> str:
        return _("Stories and news · IAPT Platform")

    def description(self, lang: str) -> str:
        return _(
            "Success stories, interviews, videos and news of the cluster initiatives of "
            "Latin America and the Caribbean."
        )

    def link(self, lang: str) -> str:
        return reverse("stories:list")

    def feed_url(self, lang: str) -> str:
        return reverse(self.url_name, args=[lang])

    url_name = "stories:feed_rss"
    # The feed's language element: Django takes the active language, set to the feed's in __call__.

    def items(self, lang: str) -> list[Story]:
        return list(selectors.story_list_public()[:FEED_SIZE])

    def item_title(self, item: Story) -> str:
        return item.reading(translation.get_language() or "es").title

    def item_description(self, item: Story) -> str:
        return item.reading(translation.get_language() or "es").summary

    def item_link(self, item: Story) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Story) -> str:
        return f"{settings.SITE_URL}{item.get_absolute_url()}"

    item_guid_is_permalink = True

    def item_pubdate(self, item: Story):
        return item.published_at

    def item_updateddate(self, item: Story):
        return item.updated_at

    def item_author_name(self, item: Story) -> str:
        return item.author_credits

    def item_categories(self, item: Story) -> list[str]:
        return [str(item.get_kind_display())]


class StoryAtomFeed(StoryRssFeed):
    feed_type = Atom1Feed
    url_name = "stories:feed_atom"

    def subtitle(self, lang: str) -> str:
        return self.description(lang)
