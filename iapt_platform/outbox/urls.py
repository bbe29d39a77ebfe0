from django.urls import path

from . import views

app_name = "outbox"
urlpatterns = [
    path("", views.failed, name="failed"),
    path("retry/", views.retry, name="retry"),
]
