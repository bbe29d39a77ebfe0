from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [
    path("", views.open_list, name="list"),
    path("<int:pk>/", views.answer, name="answer"),
    path("i/<str:token>/", views.answer_invitation, name="invitation"),
    # Staff (moderators)
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/publish/", views.staff_publish, name="staff_publish"),
    path("staff/<int:pk>/results/", views.staff_results, name="staff_results"),
    path("staff/<int:pk>/results.csv", views.staff_results_csv, name="staff_results_csv"),
]
