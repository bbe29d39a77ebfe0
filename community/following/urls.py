from django.urls import path

from . import views

app_name = "following"
urlpatterns = [
    path("", views.following_list, name="list"),
    path("follow/", views.follow, name="follow"),
    path("unfollow/", views.unfollow, name="unfollow"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
]
