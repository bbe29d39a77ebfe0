"""The bulletin's archive in sitemap.xml (registered in apps.py; iapt_platform/lib/sitemaps.py).

An issue's page in a language is its edition in that language (`/en/bulletin/issues/3/en/`), so
an issue is listed in the languages it has editions in, as its page's hreflang links say."""

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils.translation import get_language

from iapt_platform.lib.languages import CODES
from iapt_platform.lib.sitemaps import PublicSitemap

from .models import Edition, Issue


class IssueSitemap(PublicSitemap):
    fields = ("pk", "number", "sent_at")
    lastmod_field = "sent_at"
    languages_vary = True  # a few hundred issues: listed in memory

    def queryset(self) -> QuerySet:
        return Issue.objects.filter(status=Issue.Status.SENT)

    def items(self) -> QuerySet:
        editions = Edition.objects.only("pk", "issue_id", "language")
        return (
            super().items().prefetch_related(Prefetch("editions", queryset=editions, to_attr="eds"))
        )

    def get_languages_for_item(self, item: Issue) -> list[str]:
        present = {edition.language for edition in item.eds}  # type: ignore[attr-defined]
        return [code for code in CODES if code in present]

    def location(self, item: Issue) -> str:  # type: ignore[override]
        return reverse("newsletter:issue", args=[item.number, get_language()])
