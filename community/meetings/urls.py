from django.urls import path

from .certificates import views as certificates
from .views import public, staff

app_name = "meetings"
urlpatterns = [
    path("", public.calendar, name="calendar"),
    path("mine/", public.mine, name="mine"),
    path("mine/feed/reset/", public.feed_reset, name="feed_reset"),
    path("feed/<str:token>.ics", public.feed, name="feed"),
    path(
        "registration/<str:token>/confirm/",
        public.confirm_registration,
        name="confirm_registration",
    ),
    path(
        "registration/<str:token>/cancel/",
        public.cancel_registration,
        name="cancel_registration",
    ),
    # Staff (moderators)
    path("staff/", staff.staff_list, name="staff_list"),
    path("staff/new/", staff.staff_create, name="staff_create"),
    path("staff/statistics/", staff.staff_statistics, name="staff_statistics"),
    path("staff/statistics.csv", staff.staff_statistics_csv, name="staff_statistics_csv"),
    path("staff/<int:pk>/", staff.staff_meeting, name="staff_meeting"),
    path("staff/<int:pk>/edit/", staff.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/publish/", staff.staff_publish, name="staff_publish"),
    path("staff/<int:pk>/cancel/", staff.staff_cancel, name="staff_cancel"),
    path("staff/<int:pk>/attendance/", staff.staff_attendance, name="staff_attendance"),
    path(
        "staff/<int:pk>/attendance/import/",
        staff.staff_attendance_import,
        name="staff_attendance_import",
    ),
    path("staff/<int:pk>/materials/", staff.staff_material_add, name="staff_material_add"),
    path(
        "staff/materials/<int:pk>/delete/",
        staff.staff_material_delete,
        name="staff_material_delete",
    ),
    path("staff/<int:pk>/recording/", staff.staff_recording, name="staff_recording"),
    path(
        "staff/<int:pk>/statistics/",
        staff.staff_meeting_statistics,
        name="staff_meeting_statistics",
    ),
    # Before the meeting's own addresses: "certificates" is not a meeting.
    path("certificates/<str:code>/", certificates.verify, name="certificate_verify"),
    # A meeting's public page and what a participant does there
    path("materials/<int:pk>/", public.material_download, name="material"),
    path("<slug:slug>/", public.detail, name="detail"),
    path("<slug:slug>/register/", public.register, name="register"),
    path("<slug:slug>/check-your-email/", public.registration_sent, name="registration_sent"),
    path("<slug:slug>/invitation.ics", public.invitation, name="invitation"),
    path("<slug:slug>/certificate/", certificates.download, name="certificate_download"),
]
