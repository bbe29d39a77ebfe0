from django.urls import path, register_converter

from . import views


class CitationFormat:
    regex = "bib|ris|json"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CitationFormat, "cite")

app_name = "library"
urlpatterns = [
    path("", views.index, name="index"),
    path("export.<cite:fmt>", views.export, name="export"),
    path("evidence/", views.evidence_map, name="evidence_map"),
    path("collections/", views.collections, name="collections"),
    path("collections/<slug:slug>/", views.collection, name="collection"),
    path("propose/", views.propose, name="propose"),
    path("mine/", views.mine, name="mine"),
    path("broken-links/", views.broken_links, name="broken_links"),
    # Resource pages last: their slug would shadow the fixed paths above.
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/download/", views.download, name="download"),
    path("<slug:slug>/image/", views.image, name="image"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/cite.<cite:fmt>", views.cite, name="cite"),
]
