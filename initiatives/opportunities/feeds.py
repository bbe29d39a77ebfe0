"""RSS of the opportunities still open (or opening later), one feed per language."""

from __future__ import annotations

from datetime import UTC

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.translation import gettext as _

from iapt_platform.lib.markdown import render_markdown

from . import selectors
from .models import Opportunity

LANGUAGES = dict(settings.LANGUAGES)


class OpportunityRssFeed(Feed):
    feed_type = Rss201rev2Feed

    def __call__(self, request, *args, **kwargs):
        # The feed's words in the feed's language, whatever the reader's.
        lang = kwargs.get("lang", "")
        if lang not in LANGUAGES:
            raise Http404
        with translation.override(lang):
            return super().__call__(request, *args, **kwargs)

    def get_object(self, request: HttpRequest, lang: str) -> str:  # type: ignore[override]
        return lang

    def title(self, lang: str) -> str:
        return _("Open opportunities · IAPT Platform")

    def description(self, lang: str) -> str:
        return _(
            "Funding calls, grants, tenders, training programmes and events for the cluster "
            "initiatives of Latin America and the Caribbean, while they are open."
        )

    def link(self, lang: str) -> str:
        return reverse("opportunities:list")

    def feed_url(self, lang: str) -> str:
        return reverse("opportunities:feed_rss", args=[lang])

    def items(self, lang: str) -> list[Opportunity]:
        return list(
            selectors.opportunity_current().order_by("-published_at", "-id")[: selectors.FEED_SIZE]
        )

    def item_title(self, item: Opportunity) -> str:
        return item.reading(translation.get_language() or "es")[0]

    def item_description(self, item: Opportunity) -> str:
        _title, description, _language = item.reading(translation.get_language() or "es")
        with timezone.override(UTC):
            closes = date_filter(item.closes_at, "DATETIME_FORMAT")
        heading = _("%(organiser)s · closes %(date)s (UTC)") % {
            "organiser": item.organiser,
            "date": closes,
        }
        return f"<p>{heading}</p>{render_markdown(description)}"

    def item_link(self, item: Opportunity) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Opportunity) -> str:
        return f"{settings.SITE_URL}{item.get_absolute_url()}"

    item_guid_is_permalink = True

    def item_pubdate(self, item: Opportunity):
        return item.published_at

    def item_updateddate(self, item: Opportunity):
        return item.updated_at

    def item_categories(self, item: Opportunity) -> list[str]:
        return [str(item.get_kind_display())]
