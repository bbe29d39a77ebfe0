from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("data/", views.data, name="data"),
    path("data/download/<str:token>/", views.data_download, name="data_download"),
]
