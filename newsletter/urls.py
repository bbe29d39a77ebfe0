from django.conf import settings
from django.urls import include, path, re_path

from .views import imports, members, public, results, staff

app_name = "newsletter"
urlpatterns = [
    path("", public.index, name="index"),
    path("subscribe/", public.subscribe, name="subscribe"),
    path("subscribe/sent/", public.subscribe_sent, name="subscribe_sent"),
    path("confirm/<str:token>/", public.confirm, name="confirm"),
    path("preferences/new-link/", public.request_link, name="request_link"),
    path("preferences/<str:token>/", public.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", public.unsubscribe, name="unsubscribe"),
    path("archive/", public.archive_current, name="archive_current"),
    path("archive/<str:language>/", public.archive, name="archive"),
    path("feed/<str:language>/", public.ArchiveFeed(), name="feed"),
    path("issues/<int:number>/<str:language>/", public.issue, name="issue"),
    path("r/<str:token>/", results.follow, name="follow"),
    # Members
    path("account/", members.account, name="account"),
    path("proposals/", members.proposals, name="proposals"),
    path("proposals/new/", members.proposal_new, name="proposal_new"),
    path("proposals/<int:pk>/", members.contribution, name="contribution"),
    path("proposals/<int:pk>/edit/", members.proposal_edit, name="proposal_edit"),
    # Staff
    path("staff/", staff.issue_list, name="staff_issues"),
    path("staff/issues/<int:pk>/", staff.issue_detail, name="staff_issue"),
    path("staff/issues/<int:pk>/fill/", staff.issue_fill, name="staff_fill"),
    path("staff/issues/<int:pk>/blocks/add/", staff.block_add, name="staff_block_add"),
    path(
        "staff/issues/<int:pk>/contributions/<int:contribution_pk>/add/",
        staff.contribution_add,
        name="staff_contribution_add",
    ),
    re_path(
        r"^staff/issues/(?P<pk>\d+)/preview/(?P<language>[a-z-]+)\.(?P<fmt>html|txt)$",
        staff.preview,
        name="staff_preview",
    ),
    path("staff/issues/<int:pk>/test/", staff.send_test, name="staff_test"),
    path("staff/issues/<int:pk>/schedule/", staff.schedule, name="staff_schedule"),
    path("staff/issues/<int:pk>/cancel/", staff.cancel, name="staff_cancel"),
    path("staff/issues/<int:pk>/reopen/", staff.reopen, name="staff_reopen"),
    path("staff/issues/<int:pk>/send/", staff.send_now, name="staff_send"),
    path("staff/issues/<int:pk>/progress/", staff.progress, name="staff_progress"),
    path("staff/issues/<int:pk>/results/", results.issue_results, name="staff_results"),
    path("staff/issues/<int:pk>/results.csv", results.issue_results_csv, name="staff_results_csv"),
    path("staff/subscribers/over-time/", results.subscribers_over_time, name="staff_growth"),
    path("staff/blocks/<int:pk>/", staff.block_edit, name="staff_block_edit"),
    path("staff/blocks/<int:pk>/move/", staff.block_move, name="staff_block_move"),
    path("staff/blocks/<int:pk>/delete/", staff.block_delete, name="staff_block_delete"),
    path("staff/subscribers/", staff.subscribers, name="staff_subscribers"),
    path("staff/subscribers/import/", imports.subscribers_import, name="staff_import"),
    path("staff/subscribers/import/<int:pk>/", imports.import_job, name="staff_import_job"),
    path(
        "staff/subscribers/import/<int:pk>/start/", imports.import_start, name="staff_import_start"
    ),
    path(
        "staff/subscribers/import/<int:pk>/refused.csv",
        imports.import_refused,
        name="staff_import_refused",
    ),
    path("staff/subscribers/export.csv", staff.subscribers_export, name="staff_export"),
    # Bounces, complaints and unsubscribe mail from the provider (see newsletter/signals.py):
    # /bulletin/anymail/<provider>/tracking/ and .../inbound/. Mounted only with a webhook secret:
    # without one anymail would take any POST, and a forged bounce suppresses an address.
    *(
        [path("anymail/", include("anymail.urls"))]
        if settings.ANYMAIL.get("WEBHOOK_SECRET")
        else []
    ),
]
