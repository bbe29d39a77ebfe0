from datetime import UTC, datetime, timedelta

import pytest

from community.meetings.models import Meeting, Registration
from community.surveys.models import Choice, Question, Survey
from tests.factories import UserFactory
from tests.meetings.factories import MeetingFactory, RegistrationFactory

STARTS = datetime(2030, 3, 10, 15, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=2)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def make_survey(*, meeting=None, audience=None, closes_at=None, published=True, **extra) -> Survey:
    """A published survey with one question of each kind, in three languages."""
    fields = {
        "title_es": "¿Cómo estuvo?",
        "title_en": "How was it?",
        "title_pt_br": "Como foi?",
        "intro_en": "Four questions.",
        "audience": audience or (Survey.Audience.ATTENDEES if meeting else Survey.Audience.MEMBERS),
        "meeting": meeting,
        "closes_at": closes_at,
        "published_at": datetime(2025, 1, 1, tzinfo=UTC) if published else None,
        **extra,
    }
    survey = Survey.objects.create(**fields)
    Question.objects.create(
        survey=survey, position=1, kind="scale", text_es="Utilidad", text_en="Usefulness"
    )
    single = Question.objects.create(
        survey=survey, position=2, kind="single", text_es="¿Volverías?", text_en="Come back?"
    )
    for n, (es, en, pt) in enumerate([("Sí", "Yes", "Sim"), ("No", "No", "Não")], start=1):
        Choice.objects.create(question=single, position=n, label_es=es, label_en=en, label_pt_br=pt)
    multiple = Question.objects.create(
        survey=survey,
        position=3,
        kind="multiple",
        text_es="Temas",
        text_en="Topics",
        required=False,
    )
    for n, (es, en) in enumerate(
        [("Financiamiento", "Financing"), ("Impacto", "Impact"), ("Digital", "Digital")], start=1
    ):
        Choice.objects.create(question=multiple, position=n, label_es=es, label_en=en)
    Question.objects.create(
        survey=survey,
        position=4,
        kind="text",
        text_es="¿Qué mejorarías?",
        text_en="What would you improve?",
        required=False,
    )
    return survey


@pytest.fixture
def ended_meeting(db):
    return MeetingFactory(
        slug="taller-pasado", starts_at=STARTS, ends_at=ENDS, status=Meeting.Status.HELD
    )


@pytest.fixture
def attendees(ended_meeting):
    """Three attendees (a Spanish visitor, an English member, a Brazilian visitor), one no-show."""
    english = UserFactory(email="andrea@example.org", display_name="Andrea Clarke", language="en")
    return [
        RegistrationFactory(
            meeting=ended_meeting,
            email="rosa@example.net",
            name="Rosa",
            language="es",
            attended=True,
        ),
        RegistrationFactory(
            meeting=ended_meeting,
            email=english.email,
            name="Andrea Clarke",
            user=english,
            language="es",  # the account's language wins
            attended=True,
        ),
        RegistrationFactory(
            meeting=ended_meeting,
            email="joao@example.net",
            name="João",
            language="pt-br",
            attended=True,
        ),
        RegistrationFactory(
            meeting=ended_meeting, email="noshow@example.net", name="Nadie", attended=False
        ),
        RegistrationFactory(
            meeting=ended_meeting,
            email="cancelled@example.net",
            status=Registration.Status.CANCELLED,
            attended=True,
        ),
    ]
