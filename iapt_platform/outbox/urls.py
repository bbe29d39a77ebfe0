from django.urls import path, re_path

from . import views

app_name = "outbox"
urlpatterns = [
    path("", views.failed, name="failed"),
    path("retry/", views.retry, name="retry"),
    path("previews/", views.previews, name="previews"),
    # A sample's name is its template's path under emails/ ("newsletter/confirm").
    re_path(
        r"^previews/(?P<name>[a-z0-9_/]+)/(?P<language>[a-z-]+)/$",
        views.preview,
        name="preview",
    ),
    re_path(
        r"^previews/(?P<name>[a-z0-9_/]+)/(?P<language>[a-z-]+)\.html$",
        views.preview_html,
        name="preview_html",
    ),
]
