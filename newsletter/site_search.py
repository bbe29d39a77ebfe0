"""The bulletin's archive in the one search (iapt_platform/lib/site_search.py): sent issues only,
found by the words of any edition as it was sent, shown in the reader's language when the issue
has an edition in it (else Spanish, else the first it has)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from iapt_platform.lib import search, site_search
from iapt_platform.lib.site_search import Ask, Found, Hit
from iapt_platform.lib.translated import LANGUAGE_CODES, SOURCE_LANGUAGE

from . import selectors
from .models import Edition, Issue


def edition_refresh_search(*, edition: Edition) -> None:
    """Its words: A the subject, B the preheader, C the text as sent (frozen with the send)."""
    parts = {
        "A": search.normalise(edition.rendered_subject or edition.subject),
        "B": search.normalise(edition.preheader),
        "C": search.normalise(site_search.plain(edition.rendered_text)),
    }
    Edition.objects.filter(pk=edition.pk).update(**search.document_updates(parts))


def _hit(edition: Edition, ask: Ask) -> Hit:
    return Hit(
        kind="bulletin",
        title=f"#{edition.issue.number} · {edition.rendered_subject or edition.subject}",
        url=edition.get_absolute_url(),
        text=site_search.plain(edition.rendered_text),
        date=edition.issue.sent_at,
        language=site_search.other_language(edition.language, ask.language),
    )


def _reader_edition(editions: list[Edition], language: str) -> Edition:
    by_language = {e.language: e for e in editions}
    for code in [language, SOURCE_LANGUAGE, *LANGUAGE_CODES]:
        if code in by_language:
            return by_language[code]
    return editions[0]


def find(ask: Ask) -> Found:
    editions = site_search.matching(Edition.objects.filter(issue__status=Issue.Status.SENT), ask)
    count = editions.order_by().values("issue_id").distinct().count()
    if not count or ask.limit <= 0:
        return Found(count)
    ranked = "rank" in editions.query.annotations
    order = ["-rank", "-issue__number"] if ranked else ["-issue__number"]
    issues: list[int] = []
    for issue_id in editions.order_by(*order).values_list("issue_id", flat=True):
        if issue_id not in issues:
            issues.append(issue_id)
        if len(issues) >= ask.offset + ask.limit:
            break
    issues = issues[ask.offset :]
    grouped: dict[int, list[Edition]] = {}
    for edition in (
        Edition.objects.filter(issue_id__in=issues)
        .select_related("issue")
        .defer("rendered_html", "search_document", "search_vector")
    ):
        grouped.setdefault(edition.issue_id, []).append(edition)
    return Found(
        count,
        [_hit(_reader_edition(grouped[pk], ask.language), ask) for pk in issues if pk in grouped],
    )


def _saved(sender: Any, instance: Edition, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        edition_refresh_search(edition=instance)


def register_kinds() -> None:
    site_search.register(
        "bulletin",
        label=_("Bulletin"),
        find=find,
        list_url=lambda query: reverse("newsletter:archive_current"),
        order=80,
        version=selectors.bulletin_version,  # the archive's
        rebuild=lambda: site_search.each_refreshed(
            Edition.objects.all(), lambda edition: edition_refresh_search(edition=edition)
        ),
    )
    # The search document is derived from the edition like a cache: rewritten on every save
    # (the send's freezing of the edition included).
    post_save.connect(_saved, sender=Edition, dispatch_uid="newsletter-search")
