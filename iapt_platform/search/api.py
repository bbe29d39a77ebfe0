"""`/api/search/`: the one search, read-only, as a visitor sees it (the API takes no credentials,
so it lists nothing a visitor could not open: no forum thread, no draft)."""

from __future__ import annotations

import html
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from iapt_platform.lib import site_search
from iapt_platform.lib.api import OpenDataView


class KindCountSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    more = serializers.BooleanField(
        help_text=_("The count is a lower bound: counting stops at 1000 matches of a kind.")
    )


class HitSerializer(serializers.Serializer):
    kind = serializers.CharField()
    title = serializers.CharField()
    url = serializers.URLField(help_text=_("The page of the result."))
    snippet = serializers.CharField(help_text=_("Plain text around the first word found."))
    detail = serializers.CharField()
    date = serializers.DateTimeField(allow_null=True)
    language = serializers.CharField(
        help_text=_("The language of the text when it is not the one asked for; empty otherwise.")
    )


class SearchAnswerSerializer(serializers.Serializer):
    query = serializers.CharField()
    kind = serializers.CharField(help_text=_("The kind asked for; empty for every kind."))
    count = serializers.IntegerField(help_text=_("Results of the kind asked for (or of all)."))
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    kinds = KindCountSerializer(many=True)
    results = HitSerializer(many=True)


class AskSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    kind = serializers.CharField(required=False, allow_blank=True, default="")
    page = serializers.IntegerField(required=False, min_value=1, default=1)

    def validate_kind(self, value: str) -> str:
        if value and site_search.kind(value) is None:
            raise ValidationError(_("Unknown kind."))
        return value


def _kinds() -> list[str]:
    return [kind.key for kind in site_search.kinds()]


@extend_schema(
    summary=_("Search everything public"),
    description=_(
        "Initiatives, stories, open opportunities, library resources (with the words inside their "
        "files), meetings, offers and needs, joint projects and sent bulletins, ranked together, "
        "with the count of each kind. Accents and capitals do not matter; each word also finds "
        "longer words that start with it."
    ),
    parameters=[
        OpenApiParameter("q", OpenApiTypes.STR, description=str(_("The words to find."))),
        OpenApiParameter(
            "kind", OpenApiTypes.STR, enum=_kinds(), description=str(_("Only this kind."))
        ),
        OpenApiParameter("page", OpenApiTypes.INT, description=str(_("Page of results, from 1."))),
    ],
    responses=SearchAnswerSerializer,
)
class SearchView(OpenDataView):
    def get(self, request: Request) -> Response:
        ask = AskSerializer(data=request.query_params)
        ask.is_valid(raise_exception=True)
        language = translation.get_language() or settings.LANGUAGE_CODE
        results = site_search.run(
            " ".join(ask.validated_data["q"].split()),
            user=AnonymousUser(),  # the API takes no credentials: a visitor's view
            language=language,
            kind=ask.validated_data["kind"],
            page=ask.validated_data["page"],
        )
        answer: dict[str, Any] = {
            "query": results.query,
            "kind": results.kind,
            "count": results.count,
            "page": results.page,
            "pages": results.pages,
            "kinds": [
                {"kind": f.key, "label": str(f.label), "count": f.count, "more": f.more}
                for f in results.facets
            ],
            "results": [
                {
                    "kind": item.hit.kind,
                    "title": item.hit.title,
                    "url": request.build_absolute_uri(item.hit.url),
                    "snippet": html.unescape(strip_tags(item.snippet)),
                    "detail": item.hit.detail,
                    "date": item.hit.date,
                    "language": item.hit.language,
                }
                for item in results.items
            ],
        }
        return Response(SearchAnswerSerializer(answer).data)
