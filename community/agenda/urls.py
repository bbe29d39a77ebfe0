from django.urls import path

from .views import public, staff

app_name = "agenda"
urlpatterns = [
    path("", public.agenda, name="index"),
    path("rounds/<slug:slug>/", public.round_detail, name="round"),
    path("rounds/<slug:slug>/propose/", public.propose, name="propose"),
    path("proposals/<int:pk>/", public.proposal_detail, name="proposal"),
    path("proposals/<int:pk>/support/", public.support, name="support"),
    path("proposals/<int:pk>/withdraw/", public.withdraw, name="withdraw"),
    path("proposals/<int:pk>/comment/", public.comment, name="comment"),
    path("items/<int:pk>/", public.item_detail, name="item"),
    # Staff (moderators)
    path("staff/", staff.staff_list, name="staff_list"),
    path("staff/rounds/new/", staff.round_create, name="round_create"),
    path("staff/rounds/<int:pk>/edit/", staff.round_edit, name="round_edit"),
    path("staff/proposals/<int:pk>/answer/", staff.answer, name="answer"),
    path("staff/items/<int:pk>/edit/", staff.item_edit, name="item_edit"),
    path("staff/items/<int:pk>/report/", staff.item_report, name="item_report"),
]
