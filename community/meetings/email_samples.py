"""Sample emails of meetings, with an unsaved meeting and registration."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from iapt_platform.lib import email_samples as samples
from iapt_platform.lib import emails

from .models import Meeting, Registration


def sample_meeting() -> Meeting:
    starts = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    description = "Agenda: *financing* & [guide](https://example.org/g)."
    return Meeting(
        slug="financing-clusters",
        title_es=samples.HOSTILE,
        title_en=samples.HOSTILE,
        title_pt_br=samples.HOSTILE,
        description_es=description,
        description_en=description,
        description_pt_br=description,
        kind=Meeting.Kind.COMMUNITY,
        format=Meeting.Format.ONLINE,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        organiser_time_zone="America/Santiago",
        online_link="https://meet.example.org/abc-defg-hij",
        place="Sala d'Orient",
        status=Meeting.Status.SCHEDULED,
        published_at=timezone.now(),
    )


def _meeting_email(template: str, *, note: bool = False, **extra: Any) -> samples.Render:
    def render(language: str) -> emails.RenderedEmail:
        meeting = sample_meeting()
        if note:  # the organisers' note of a cancellation, in its own box
            meeting.cancellation_note = "Nos vemos en marzo.\nGracias por su interés."
            meeting.cancellation_note_language = "es"
        registration = Registration(
            meeting=meeting,
            name="Ana O'Brien",
            email=f"ana.{language}@example.net",
            organisation="Clúster de Prueba",
            country="EC",
            language=language,
            time_zone="America/Guayaquil",
            status=Registration.Status.REGISTERED,
        )
        return samples.render(
            f"meetings/{template}",
            to=registration.email,
            language=language,
            time_zone=registration.time_zone,
            context={
                "meeting": meeting,
                "registration": registration,
                "show_link": True,
                "promoted": False,
                "rank": None,
                "cancel_url": samples.link("/meetings/cancel/token/"),
                "meeting_url": samples.link(meeting.get_absolute_url()),
                **extra,
            },
        )

    return render


def announcement(language: str) -> emails.RenderedEmail:
    meeting = sample_meeting()
    return samples.render(
        "meetings/announcement",
        to=samples.person(language),
        context={"meeting": meeting, "meeting_url": samples.link(meeting.get_absolute_url())},
    )


def certificate_ready(language: str) -> emails.RenderedEmail:
    meeting = sample_meeting()
    meeting.is_training = True
    return samples.render(
        "meetings/certificate_ready",
        to=samples.person(language),
        context={
            "meeting": meeting,
            "meeting_url": samples.link(meeting.get_absolute_url()),
            "download_url": samples.link(f"/meetings/{meeting.slug}/certificate/"),
        },
    )


def register() -> None:
    samples.register("meetings/certificate_ready", certificate_ready)
    samples.register("meetings/announcement", announcement)
    samples.register("meetings/registered", _meeting_email("registered"))
    samples.register("meetings/reminder", _meeting_email("reminder", kind="reminder_1h"))
    samples.register("meetings/updated", _meeting_email("updated"))
    samples.register("meetings/cancelled", _meeting_email("cancelled", note=True))
    samples.register(
        "meetings/confirm_registration",
        _meeting_email(
            "confirm_registration",
            confirm_url=samples.link("/meetings/confirm/token/"),
            max_days=3,
            full=True,
        ),
    )
    samples.register("meetings/already_registered", _meeting_email("already_registered"))
    samples.register("meetings/left", _meeting_email("left", removes_event=True))
