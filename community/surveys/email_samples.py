"""The survey invitation, with unsaved sample objects."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from community.meetings.email_samples import sample_meeting
from iapt_platform.lib import email_samples as samples
from iapt_platform.lib import emails

from .models import Survey


def invitation(language: str) -> emails.RenderedEmail:
    meeting = sample_meeting()
    meeting.starts_at -= timedelta(days=5)
    meeting.ends_at -= timedelta(days=5)
    survey = Survey(
        title_es="¿Qué te pareció el encuentro? & <más>",
        title_en="How was the meeting? & <more>",
        title_pt_br="O que você achou do encontro? & <mais>",
        intro_es="Cinco preguntas, dos minutos.",
        intro_en="Five questions, two minutes.",
        intro_pt_br="Cinco perguntas, dois minutos.",
        audience=Survey.Audience.ATTENDEES,
        meeting=meeting,
        closes_at=timezone.now() + timedelta(days=14),
        published_at=timezone.now(),
    )
    return samples.render(
        "surveys/invitation",
        to=samples.address(language),
        language=language,
        context={
            "survey": survey,
            "meeting": meeting,
            "name": "Ana O'Brien",
            "answer_url": samples.link("/surveys/i/token/"),
            "questions": 5,
        },
    )


def register() -> None:
    samples.register("surveys/invitation", invitation)
