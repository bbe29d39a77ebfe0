"""Staff pages (moderators): create, edit, publish and cancel meetings; after a meeting, record
attendance, share material and read the participation statistics."""

from __future__ import annotations

from datetime import UTC

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from iapt_platform.accounts.roles import moderator_required
from iapt_platform.lib import tabular
from iapt_platform.lib.http import AuthenticatedRequest

from .. import selectors, services, stats
from ..certificates.selectors import certificates_of_meeting
from ..forms import (
    AttendanceForm,
    AttendanceImportForm,
    CancelForm,
    MaterialForm,
    MeetingForm,
    PublishForm,
    RecordingForm,
)
from ..models import Material, Meeting, Registration


@require_safe
@moderator_required
def staff_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "meetings/staff/list.html", {"meetings": selectors.meeting_staff_list()})


@require_http_methods(["GET", "POST"])
@moderator_required
def staff_create(request: AuthenticatedRequest) -> HttpResponse:
    # "Create a meeting for this project" on a project's page arrives with ?project=<id>.
    project = request.GET.get("project", "")
    form = MeetingForm(
        request.POST or None,
        user=request.user,
        initial={"project": project} if project.isdigit() else None,
    )
    if request.method == "POST" and form.is_valid():
        meeting = services.meeting_create(
            meeting=form.save(commit=False),
            initiatives=form.cleaned_data["initiatives"],
            resources=form.cleaned_data["resources"],
            created_by=request.user,
        )
        messages.success(
            request, _("The meeting is saved as a draft. Publish it when it is ready.")
        )
        return redirect("meetings:staff_meeting", pk=meeting.pk)
    return render(request, "meetings/staff/form.html", {"form": form, "meeting": None})


@require_http_methods(["GET", "POST"])
@moderator_required
def staff_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    previous = services.MeetingSnapshot.of(meeting)
    form = MeetingForm(request.POST or None, instance=meeting, user=request.user)
    if request.method == "POST" and form.is_valid():
        notified = services.meeting_update(
            meeting=form.save(commit=False),
            previous=previous,
            initiatives=form.cleaned_data["initiatives"],
            resources=form.cleaned_data["resources"],
        )
        if notified:
            messages.success(
                request,
                _("Saved. Registered people get an update with the new time or link."),
            )
        else:
            messages.success(request, _("Saved."))
        return redirect("meetings:staff_meeting", pk=meeting.pk)
    return render(request, "meetings/staff/form.html", {"form": form, "meeting": meeting})


def _meeting_page(
    request: HttpRequest,
    meeting: Meeting,
    *,
    attendance_form: AttendanceForm | None = None,
    import_form: AttendanceImportForm | None = None,
    import_report: services.AttendanceImport | None = None,
    material_form: MaterialForm | None = None,
    recording_form: RecordingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    registrations = list(selectors.meeting_registrations(meeting=meeting))
    started = meeting.has_started()
    return render(
        request,
        "meetings/staff/meeting.html",
        {
            "meeting": meeting,
            "registered": [r for r in registrations if r.status == Registration.Status.REGISTERED],
            "waitlisted": [r for r in registrations if r.status == Registration.Status.WAITLISTED],
            "started": started,
            "publish_form": PublishForm(),
            "attendance_form": attendance_form or AttendanceForm(registrations=registrations),
            "import_form": import_form or AttendanceImportForm(),
            "import_report": import_report,
            "material_form": material_form or MaterialForm(),
            "recording_form": recording_form or RecordingForm(instance=meeting),
            "materials": meeting.materials.all(),
            "certificates": certificates_of_meeting(meeting=meeting) if meeting.is_training else (),
        },
        status=status,
    )


@require_safe
@moderator_required
def staff_meeting(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _meeting_page(request, get_object_or_404(Meeting, pk=pk))


@require_POST
@moderator_required
def staff_publish(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    form = PublishForm(request.POST)
    form.is_valid()
    if meeting.is_published:
        messages.info(request, _("This meeting was already published."))
    else:
        services.meeting_publish(
            meeting=meeting,
            notify_subscribers=form.cleaned_data.get("notify_subscribers", False),
        )
        messages.success(request, _("Published. Members are being told about it."))
    return redirect("meetings:staff_meeting", pk=meeting.pk)


@require_http_methods(["GET", "POST"])
@moderator_required
def staff_cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    form = CancelForm(request.POST or None, initial={"note_language": translation.get_language()})
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_cancel(
                meeting=meeting,
                note=form.cleaned_data["note"],
                note_language=form.cleaned_data["note_language"],
            )
        except services.RegistrationRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request, _("The meeting is cancelled. Registered people are being told.")
            )
        return redirect("meetings:staff_meeting", pk=meeting.pk)
    return render(
        request,
        "meetings/staff/cancel.html",
        {"meeting": meeting, "form": form},
        status=400 if form.errors else 200,
    )


def _after_start_or_refuse(request: HttpRequest, meeting: Meeting) -> HttpResponse | None:
    if not meeting.has_started():
        messages.error(request, _("Attendance can be recorded once the meeting has started."))
        return redirect("meetings:staff_meeting", pk=meeting.pk)
    if meeting.status == Meeting.Status.CANCELLED:
        messages.error(request, _("This meeting was cancelled."))
        return redirect("meetings:staff_meeting", pk=meeting.pk)
    return None


@require_POST
@moderator_required
def staff_attendance(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    refused = _after_start_or_refuse(request, meeting)
    if refused:
        return refused
    registrations = list(selectors.meeting_registrations(meeting=meeting))
    form = AttendanceForm(request.POST, registrations=registrations)
    if not form.is_valid():
        return _meeting_page(request, meeting, attendance_form=form, status=400)
    count = services.attendance_set(meeting=meeting, attended_ids=form.attended_ids())
    messages.success(request, _("Attendance saved: %(count)s attended.") % {"count": count})
    return redirect("meetings:staff_meeting", pk=meeting.pk)


@require_POST
@moderator_required
def staff_attendance_import(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    refused = _after_start_or_refuse(request, meeting)
    if refused:
        return refused
    form = AttendanceImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _meeting_page(request, meeting, import_form=form, status=400)
    report = services.attendance_import(meeting=meeting, text=form.cleaned_data["file"])
    meeting.refresh_from_db()
    return _meeting_page(request, meeting, import_report=report, status=200 if report.ok else 400)


@require_POST
@moderator_required
def staff_material_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    form = MaterialForm(request.POST, request.FILES)
    if not form.is_valid():
        return _meeting_page(request, meeting, material_form=form, status=400)
    services.material_add(
        meeting=meeting,
        upload=form.cleaned_data["file"],
        kind=form.cleaned_data["kind"],
        title=form.cleaned_data["title"],
    )
    messages.success(request, _("The document is attached; the meeting page shows it."))
    return redirect("meetings:staff_meeting", pk=meeting.pk)


@require_POST
@moderator_required
def staff_material_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    material = get_object_or_404(Material, pk=pk)
    meeting_pk = material.meeting_id
    services.material_delete(material=material)
    messages.success(request, _("The document is removed."))
    return redirect("meetings:staff_meeting", pk=meeting_pk)


@require_POST
@moderator_required
def staff_recording(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    form = RecordingForm(request.POST, instance=meeting)
    if not form.is_valid():
        meeting.refresh_from_db()
        return _meeting_page(request, meeting, recording_form=form, status=400)
    services.meeting_set_recording(
        meeting=meeting, recording_url=form.cleaned_data["recording_url"]
    )
    messages.success(request, _("The recording link is saved."))
    return redirect("meetings:staff_meeting", pk=meeting.pk)


# --- Statistics ----------------------------------------------------------------------------------
@require_safe
@moderator_required
def staff_meeting_statistics(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    figures = stats.meeting_participation(meeting)
    return render(
        request,
        "meetings/staff/statistics_meeting.html",
        {
            "meeting": meeting,
            "figures": figures,
            "summary": stats.summary_line(figures) if figures.participants else "",
            "charts": stats.meeting_chart_sections(figures),
        },
    )


@require_safe
@moderator_required
def staff_statistics(request: AuthenticatedRequest) -> HttpResponse:
    history = stats.participation_over_time()
    return render(
        request,
        "meetings/staff/statistics.html",
        {"history": history, "charts": stats.history_chart_sections(history)},
    )


CSV_COLUMNS = [
    "meeting",
    "starts_at_utc",
    "kind",
    "status",
    "participants",
    "stated_gender",
    "women",
    "men",
    "other_gender",
    "women_percent",
    "countries",
    "organisations",
    "first_time_participants",
]


@require_safe
@moderator_required
def staff_statistics_csv(request: AuthenticatedRequest) -> StreamingHttpResponse:
    history = stats.participation_over_time()
    rows = (
        [
            meeting.title,
            meeting.starts_at.astimezone(UTC).isoformat(),
            meeting.kind,
            meeting.status,
            f.participants,
            f.stated,
            f.women,
            f.men,
            f.other,
            "" if f.women_percent is None else f.women_percent,
            f.countries,
            f.organisations,
            f.first_time,
        ]
        for meeting, f in history
    )
    response = StreamingHttpResponse(
        tabular.csv_chunks(CSV_COLUMNS, rows), content_type="text/csv; charset=utf-8"
    )
    filename = f"iapt-meeting-participation-{timezone.now():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
