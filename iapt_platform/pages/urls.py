from django.urls import path

from . import views

app_name = "pages"
urlpatterns = [
    # Moderators edit and publish
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/<slug:slug>/", views.staff_edit, name="staff_edit"),
    path("staff/<slug:slug>/preview/", views.staff_preview, name="staff_preview"),
    path("staff/<slug:slug>/publish/", views.staff_publish, name="staff_publish"),
    # Readers: the newest version, and each older one at its own address
    path("<slug:slug>/", views.page_detail, name="page"),
    path("<slug:slug>/v<int:number>/", views.version_detail, name="version"),
]
