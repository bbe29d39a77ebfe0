from django.urls import path

from . import views

app_name = "matchmaking"
urlpatterns = [
    path("", views.post_list, name="list"),
    path("mine/", views.mine, name="mine"),
    path("posts/<int:pk>/", views.post_detail, name="post"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:pk>/withdraw/", views.post_withdraw, name="post_withdraw"),
    path("initiatives/<slug:slug>/", views.initiative_page, name="initiative"),
    path("initiatives/<slug:slug>/new/<str:direction>/", views.post_create, name="post_create"),
    path("initiatives/<slug:slug>/interest/", views.interest, name="interest"),
    path("connections/<int:pk>/", views.connection_detail, name="connection"),
    path("projects/", views.project_list, name="projects"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<slug:slug>/", views.project_detail, name="project"),
    path("projects/<slug:slug>/edit/", views.project_edit, name="project_edit"),
    path("staff/funnel/", views.funnel, name="funnel"),
]
