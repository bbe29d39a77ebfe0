"""What the apps' read-only APIs share: the open view (no credentials, throttled per address),
the pagination and a link to an object's public page."""

from typing import Any

from django.conf import settings
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.throttling import AnonRateThrottle


class OpenDataView(generics.GenericAPIView):
    # No credentials: everyone reads the same published data, and the API offers no way around
    # the site's sign-in (rate limits, two-factor authentication). Throttled per address.
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


@extend_schema_field(OpenApiTypes.URI)
class PageField(serializers.Field):
    """The absolute address of the object's public page (its get_absolute_url): the unprefixed
    one, whatever language the API answers in, which sends each reader to their own language
    (iapt_platform/lib/languages.py)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str:
        with translation.override(settings.LANGUAGE_CODE):
            path = value.get_absolute_url()
        return self.context["request"].build_absolute_uri(path)
