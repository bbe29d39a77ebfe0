"""The read-only API under /api/: the registry's endpoints, the OpenAPI schema and its docs page."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from iapt_platform.search import api as search_api
from initiatives import api as initiatives_api
from initiatives.opportunities import api as opportunities_api
from library import api as library_api

app_name = "api"
urlpatterns = [
    path("initiatives/", initiatives_api.InitiativeList.as_view(), name="initiative-list"),
    path(
        "initiatives/<slug:slug>/",
        initiatives_api.InitiativeDetail.as_view(),
        name="initiative-detail",
    ),
    path("sectors/", initiatives_api.SectorList.as_view(), name="sector-list"),
    path("programmes/", initiatives_api.ProgrammeList.as_view(), name="programme-list"),
    path(
        "opportunities/",
        opportunities_api.OpportunityList.as_view(),
        name="opportunity-list",
    ),
    path(
        "opportunities/<slug:slug>/",
        opportunities_api.OpportunityDetail.as_view(),
        name="opportunity-detail",
    ),
    path("resources/", library_api.ResourceList.as_view(), name="resource-list"),
    path("resources/<slug:slug>/", library_api.ResourceDetail.as_view(), name="resource-detail"),
    path("topics/", library_api.TopicList.as_view(), name="topic-list"),
    path("search/", search_api.SearchView.as_view(), name="search"),
    path(
        "schema/",
        SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[AllowAny]),
        name="schema",
    ),
    # Swagger UI from vendored files, its start-up script served as a file of its own
    # (?script), so that the site's CSP (script-src 'self', style-src 'self') holds unchanged.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema",
            template_name="api/docs.html",
            authentication_classes=[],
            permission_classes=[AllowAny],
        ),
        name="docs",
    ),
]
