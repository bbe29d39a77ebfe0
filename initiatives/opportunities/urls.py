from django.urls import path

from . import feeds, views

app_name = "opportunities"
urlpatterns = [
    path("", views.opportunity_list, name="list"),
    path("calendar.ics", views.calendar_ics, name="calendar"),
    path("feed/<str:lang>/rss/", feeds.OpportunityRssFeed(), name="feed_rss"),
    path("propose/", views.propose, name="propose"),
    path("new/", views.new, name="new"),
    path("mine/", views.mine, name="mine"),
    # A page's own paths last: its slug would shadow the fixed paths above.
    path("<slug:slug>/", views.opportunity_detail, name="detail"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/publish/", views.publish, name="publish"),
    path("<slug:slug>/documents/<int:pk>/", views.document_download, name="document"),
]
