"""Demo survey: the first community-of-practice workshop (a past demo meeting) has a survey that
went to its attendees, with answers; the demo members attended, and have not answered yet.

Idempotent: the survey is keyed by meeting and Spanish title; questions and answers are written
only when there are none.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from community.meetings.models import Meeting, Registration
from iapt_platform.accounts.models import User

from .models import Answer, Choice, Invitation, Question, Response, Survey

MEETING_SLUG = "primer-taller-de-la-comunidad-de-practica-2024-10-17"
TITLE_ES = "¿Cómo te fue en el primer taller?"

QUESTIONS = [
    (
        Question.Kind.SCALE,
        (
            "¿Qué tan útil fue el taller?",
            "How useful was the workshop?",
            "Quão útil foi a oficina?",
        ),
        True,
        [],
    ),
    (
        Question.Kind.SINGLE,
        (
            "¿Participarías en el próximo taller?",
            "Would you take part in the next workshop?",
            "Você participaria da próxima oficina?",
        ),
        True,
        [("Sí", "Yes", "Sim"), ("Tal vez", "Maybe", "Talvez"), ("No", "No", "Não")],
    ),
    (
        Question.Kind.MULTIPLE,
        (
            "¿Qué temas quieres para el próximo taller?",
            "Which topics do you want for the next workshop?",
            "Quais temas você quer para a próxima oficina?",
        ),
        False,
        [
            ("Financiamiento de clústeres", "Financing clusters", "Financiamento de clusters"),
            ("Formación de gerentes", "Training cluster directors", "Formação de gestores"),
            ("Evaluación de impacto", "Impact evaluation", "Avaliação de impacto"),
            ("Economía digital", "Digital economy", "Economia digital"),
        ],
    ),
    (
        Question.Kind.TEXT,
        ("¿Qué mejorarías?", "What would you improve?", "O que você melhoraria?"),
        False,
        [],
    ),
]
TEXTS = [
    "Más tiempo para las preguntas del público.",
    "Compartir las presentaciones antes del taller.",
    "More examples from the Caribbean, please.",
    "Grupos menores para conversar.",
    "Mais casos do Brasil.",
]


def _survey(meeting: Meeting, moderator: User | None) -> Survey:
    now = timezone.now()
    survey, _created = Survey.objects.get_or_create(
        meeting=meeting,
        title_es=TITLE_ES,
        defaults={
            "title_en": "How was the first workshop?",
            "title_pt_br": "Como foi a primeira oficina?",
            "intro_es": "Cuatro preguntas, dos minutos. Tus respuestas ayudan a preparar el próximo taller.",
            "intro_en": "Four questions, two minutes. Your answers help prepare the next workshop.",
            "intro_pt_br": "Quatro perguntas, dois minutos. Suas respostas ajudam a preparar a próxima oficina.",
            "audience": Survey.Audience.ATTENDEES,
            "published_at": meeting.ends_at,
            "created_by": moderator,
        },
    )
    # Open for another month from each seeding, so the demo members can still answer it.
    if survey.closes_at is None or survey.closes_at < now + timedelta(days=7):
        survey.closes_at = now + timedelta(days=30)
        survey.save(update_fields=["closes_at", "updated_at"])
    if not survey.questions.exists():
        for position, (kind, texts, required, choices) in enumerate(QUESTIONS, start=1):
            question = Question.objects.create(
                survey=survey,
                position=position,
                kind=kind,
                text_es=texts[0],
                text_en=texts[1],
                text_pt_br=texts[2],
                required=required,
            )
            for number, labels in enumerate(choices, start=1):
                Choice.objects.create(
                    question=question,
                    position=number,
                    label_es=labels[0],
                    label_en=labels[1],
                    label_pt_br=labels[2],
                )
    return survey


def _attend(meeting: Meeting, member: User) -> None:
    Registration.objects.update_or_create(
        meeting=meeting,
        email=member.email,
        defaults={
            "user": member,
            "name": member.get_full_name(),
            "organisation": member.organisation,
            "country": member.country,
            "language": member.language,
            "time_zone": member.time_zone,
            "status": Registration.Status.REGISTERED,
            "attended": True,
            "created_at": meeting.starts_at - timedelta(days=7),
        },
    )


@transaction.atomic
def seed(write) -> None:
    meeting = Meeting.objects.filter(slug=MEETING_SLUG).first()
    if meeting is None:
        return
    moderator = User.objects.filter(email="moderator@demo.iapt.local").first()
    for email in ("member@demo.iapt.local", "member.en@demo.iapt.local"):
        member = User.objects.filter(email=email).first()
        if member is not None:
            _attend(meeting, member)
    survey = _survey(meeting, moderator)
    # The invitations went out when the workshop ended (recorded here, not emailed again).
    attendees = list(meeting.registrations.filter(attended=True).order_by("pk"))
    sent = set(survey.invitations.values_list("registration_id", flat=True))
    Invitation.objects.bulk_create(
        [
            Invitation(
                survey=survey,
                registration=r,
                language=r.recipient_language,
                sent_at=meeting.ends_at + timedelta(minutes=10),
            )
            for r in attendees
            if r.pk not in sent
        ]
    )
    if not survey.responses.exists():
        _answers(survey, meeting)
    write(f"surveys: {TITLE_ES} ({survey.responses.count()} answers)")


def _answers(survey: Survey, meeting: Meeting) -> None:
    rng = random.Random(2024)  # noqa: S311 (demo data: the same answers on every run)
    questions = list(survey.questions.prefetch_related("choices").order_by("position"))
    invitations = list(
        survey.invitations.filter(registration__user__isnull=True)
        .select_related("registration")
        .order_by("pk")[:48]
    )
    for index, invitation in enumerate(invitations):
        response = Response.objects.create(
            survey=survey,
            invitation=invitation,
            language=invitation.language,
            submitted_at=meeting.ends_at + timedelta(hours=2 + index * 3),
        )
        rows = []
        for question in questions:
            choices = list(question.choices.all())
            if question.kind == Question.Kind.SCALE:
                value = rng.choices([2, 3, 4, 5], weights=[1, 3, 6, 5])[0]
                rows.append(Answer(response=response, question=question, value=value))
            elif question.kind == Question.Kind.SINGLE:
                chosen = rng.choices(choices, weights=[7, 3, 1])[0]
                rows.append(Answer(response=response, question=question, choice=chosen))
            elif question.kind == Question.Kind.MULTIPLE:
                picked = [c for c in choices if rng.random() < 0.45]
                rows += [Answer(response=response, question=question, choice=c) for c in picked]
            elif index % 4 == 0:
                rows.append(
                    Answer(
                        response=response, question=question, text=TEXTS[index // 4 % len(TEXTS)]
                    )
                )
        Answer.objects.bulk_create(rows)
