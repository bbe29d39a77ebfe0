from django.urls import path

from . import views

app_name = "community"
urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("c/<slug:slug>/", views.category_detail, name="category"),
    path("c/<slug:slug>/new/", views.thread_new, name="thread_new"),
    path("c/<slug:slug>/watch/", views.category_watch, name="category_watch"),
    path("t/<int:pk>/", views.thread_detail, name="thread"),
    path("t/<int:pk>/watch/", views.thread_watch, name="thread_watch"),
    path("t/<int:pk>/moderate/", views.thread_moderate, name="thread_moderate"),
    path("t/<int:pk>/split/", views.thread_split, name="thread_split"),
    path("p/<int:pk>/", views.post_redirect, name="post"),
    path("p/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("p/<int:pk>/useful/", views.post_useful, name="post_useful"),
    path("p/<int:pk>/accept/", views.post_accept, name="post_accept"),
    path("p/<int:pk>/flag/", views.post_flag, name="post_flag"),
    path("p/<int:pk>/moderate/", views.post_moderate, name="post_moderate"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("members/", views.directory, name="directory"),
    path("members/<slug:handle>/", views.member_detail, name="member"),
    path("profile/", views.profile_edit, name="profile_edit"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path("email/stop/<str:token>/", views.email_stop, name="email_stop"),
    path("email/<str:token>/", views.email_frequency, name="email_frequency"),
    path("moderation-log/", views.moderation_log, name="moderation_log"),
]
