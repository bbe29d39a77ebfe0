from django.urls import path

from . import feeds, views

app_name = "stories"
urlpatterns = [
    path("", views.story_list, name="list"),
    path("feed/<str:lang>/rss/", feeds.StoryRssFeed(), name="feed_rss"),
    path("feed/<str:lang>/atom/", feeds.StoryAtomFeed(), name="feed_atom"),
    # Members propose
    path("propose/", views.propose, name="propose"),
    path("proposals/", views.my_proposals, name="my_proposals"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("proposals/<int:pk>/edit/", views.proposal_edit, name="proposal_edit"),
    # Staff write, schedule and publish
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/publish/", views.staff_publish, name="staff_publish"),
    path("staff/<int:pk>/preview/", views.staff_preview, name="staff_preview"),
    # Public page last: its slug would shadow the fixed paths above.
    path("<slug:slug>/", views.story_detail, name="detail"),
]
