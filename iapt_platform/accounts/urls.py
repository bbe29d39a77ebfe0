from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("data/", views.data, name="data"),
    path("data/download/<str:token>/", views.data_download, name="data_download"),
    path("close/", views.close, name="close"),
    path("close/done/", views.close_done, name="close_done"),
    path("close/member/<int:pk>/", views.close_member, name="close_member"),
]
