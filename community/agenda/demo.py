"""Demo data: a past round with its supports, answers and agenda items, and a round receiving
proposals now. Idempotent: rounds are keyed by slug, proposals by (round, title); the dates move
with the clock so that one round stays past and the other open."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from community.models import Category
from iapt_platform.accounts.models import User

from . import lines, services
from .models import AgendaItem, AgendaUpdate, Answer, Ballot, LineOfWork, Proposal, Round, Support

PAST = {
    "slug": "agenda-primer-semestre",
    "title": (
        "Agenda del primer semestre",
        "Agenda for the first half of the year",
        "Agenda do primeiro semestre",
    ),
    "description": (
        "Como se acordó en la reunión de la comunidad, identificamos y priorizamos las "
        "actividades del primer semestre.",
        "As agreed at the community meeting, we identify and prioritise the activities of the "
        "first half of the year.",
        "Como acordado na reunião da comunidade, identificamos e priorizamos as atividades do "
        "primeiro semestre.",
    ),
}
OPEN = {
    "slug": "agenda-segundo-semestre",
    "title": (
        "Agenda del segundo semestre",
        "Agenda for the second half of the year",
        "Agenda do segundo semestre",
    ),
    "description": (
        "Proponga lo que la comunidad debería hacer en el segundo semestre.",
        "Propose what the community should do in the second half of the year.",
        "Proponha o que a comunidade deveria fazer no segundo semestre.",
    ),
}
# (author email, language, line, title, body, supporters, answer, reasons es/en/pt)
PAST_PROPOSALS = [
    (
        "promoter@demo.iapt.local",
        "es",
        "community-of-practice",
        "Taller sobre metodologías de financiamiento de clústeres",
        "Un taller de la comunidad de práctica donde dos programas nacionales cuenten cómo "
        "financian la gerencia de sus clústeres.",
        9,
        Answer.ACCEPTED,
        (
            "Es el tema que más miembros pidieron; lo organizamos en el semestre.",
            "It is the topic most members asked for; we organise it this half-year.",
            "É o tema que mais membros pediram; organizamos no semestre.",
        ),
    ),
    (
        "member@demo.iapt.local",
        "pt-br",
        "information-strategy",
        "Série de entrevistas em vídeo com gestores de clusters",
        "Entrevistas curtas, com legendas nas três línguas, sobre casos de sucesso.",
        7,
        Answer.ACCEPTED,
        (
            "Se suma a la estrategia de información; empezamos por tres entrevistas.",
            "It adds to the information strategy; we start with three interviews.",
            "Soma-se à estratégia de informação; começamos por três entrevistas.",
        ),
    ),
    (
        "member.en@demo.iapt.local",
        "en",
        "joint-projects",
        "A matchmaking day for digital-economy projects",
        "An online day where initiatives present digital projects looking for partners.",
        5,
        Answer.EVALUATING,
        (
            "Lo estamos evaluando con los programas nacionales.",
            "We are evaluating it with the national programmes.",
            "Estamos avaliando com os programas nacionais.",
        ),
    ),
    (
        "member@demo.iapt.local",
        "pt-br",
        "community-of-practice",
        "Grupo de leitura sobre avaliação de impacto",
        "Um encontro mensal para ler e discutir avaliações de impacto de iniciativas.",
        2,
        Answer.NOT_ACCEPTED,
        (
            "El taller de evaluación de impacto ya previsto cubre este interés.",
            "The impact-evaluation workshop already planned covers this interest.",
            "A oficina de avaliação de impacto já prevista cobre este interesse.",
        ),
    ),
]
# The agenda items the accepted proposals became, titled by staff in three languages.
ITEM_TITLES = {
    0: (
        "Taller sobre metodologías de financiamiento de clústeres",
        "Workshop on financing methodologies for clusters",
        "Oficina sobre metodologias de financiamento de clusters",
    ),
    1: (
        "Serie de entrevistas en video con gerentes de clústeres",
        "Video interviews with cluster managers",
        "Série de entrevistas em vídeo com gestores de clusters",
    ),
}
OPEN_PROPOSALS = [
    (
        "promoter@demo.iapt.local",
        "es",
        "information-strategy",
        "Boletín con secciones escritas por los miembros",
        "Que cada número del boletín tenga una sección escrita por una iniciativa distinta.",
    ),
    (
        "member.en@demo.iapt.local",
        "en",
        "community-of-practice",
        "Peer mentoring for new cluster managers",
        "Pair each new cluster manager with an experienced one for three months.",
    ),
]


def _round(spec: dict, **dates) -> Round:
    (t_es, t_en, t_pt), (d_es, d_en, d_pt) = spec["title"], spec["description"]
    agenda_round, _created = Round.objects.update_or_create(
        slug=spec["slug"],
        defaults={
            "title": t_es,
            "title_es": t_es,
            "title_en": t_en,
            "title_pt_br": t_pt,
            "description": d_es,
            "description_es": d_es,
            "description_en": d_en,
            "description_pt_br": d_pt,
            "supports_per_member": 5,
            "created_by": User.objects.filter(email="moderator@demo.iapt.local").first(),
            **dates,
        },
    )
    agenda_round.lines_of_work.set(LineOfWork.objects.all())
    return agenda_round


def _proposal(agenda_round: Round, author: User | None, language, line, title, body, at):
    proposal, created = Proposal.objects.get_or_create(
        round=agenda_round,
        title=title,
        defaults={
            "author": author,
            "body": body,
            "language": language,
            "line_of_work": LineOfWork.objects.get(slug=line),
            "status": Proposal.Status.PUBLISHED,
            "created_at": at,
        },
    )
    if created or proposal.discussion_id is None:
        services._publish(proposal=proposal)
        Proposal.objects.filter(pk=proposal.pk).update(published_at=at)
    return proposal


@transaction.atomic
def seed(write) -> None:
    lines.seed_lines(LineOfWork, Category)
    now = timezone.now()
    moderator = User.objects.filter(email="moderator@demo.iapt.local").first()
    past = _round(
        PAST,
        proposals_open_at=now - timedelta(days=150),
        proposals_close_at=now - timedelta(days=130),
        prioritising_open_at=now - timedelta(days=129),
        prioritising_close_at=now - timedelta(days=115),
    )
    current = _round(
        OPEN,
        proposals_open_at=now - timedelta(days=5),
        proposals_close_at=now + timedelta(days=20),
        prioritising_open_at=now + timedelta(days=21),
        prioritising_close_at=now + timedelta(days=35),
    )
    people = list(
        User.objects.filter(is_active=True, groups__name="member")
        .exclude(country="")
        .order_by("pk")[:12]
    )
    from community.meetings.models import Meeting

    # The latest meeting the meetings seeder made (None when it did not run).
    first_meeting = Meeting.objects.published().order_by("-starts_at").first()
    for index, (email, language, line, title, body, supports, answer, reasons) in enumerate(
        PAST_PROPOSALS
    ):
        author = User.objects.filter(email=email).first()
        proposal = _proposal(
            past, author, language, line, title, body, now - timedelta(days=145 - index)
        )
        for person in people[:supports]:
            ballot, _created = Ballot.objects.get_or_create(
                round=past, user=person, defaults={"country": person.country.code}
            )
            Support.objects.get_or_create(ballot=ballot, proposal=proposal)
        if not proposal.answer:
            proposal.answer = answer
            proposal.answer_reason_es, proposal.answer_reason_en, proposal.answer_reason_pt_br = (
                reasons
            )
            proposal.answer_reason = reasons[0]
            proposal.answered_at = now - timedelta(days=110)
            proposal.answered_by = moderator
            proposal.save()
        if answer == Answer.ACCEPTED:
            t_es, t_en, t_pt = ITEM_TITLES[index]
            item, created = AgendaItem.objects.get_or_create(
                proposal=proposal,
                defaults={
                    "title_es": t_es,
                    "title_en": t_en,
                    "title_pt_br": t_pt,
                    "year": timezone.localdate().year,
                    "responsible": moderator,
                    "target_date": (now + timedelta(days=30 + 30 * index)).date(),
                    "status": AgendaItem.Status.IN_PROGRESS,
                    "progress": 60 if index == 0 else 25,
                },
            )
            if created:
                if index == 0 and first_meeting is not None:
                    item.meetings.add(first_meeting)
                AgendaUpdate.objects.create(
                    item=item,
                    status=item.status,
                    progress=item.progress,
                    author=moderator,
                    body="Invitamos a los dos programas y fijamos la fecha.",
                    body_es="Invitamos a los dos programas y fijamos la fecha.",
                    body_en="We invited the two programmes and set the date.",
                    body_pt_br="Convidamos os dois programas e fixamos a data.",
                    created_at=now - timedelta(days=20),
                )
    for index, (email, language, line, title, body) in enumerate(OPEN_PROPOSALS):
        author = User.objects.filter(email=email).first()
        _proposal(current, author, language, line, title, body, now - timedelta(days=4 - index))
    write(
        f"agenda: rounds {past.slug} (closed) and {current.slug} (open), "
        f"{AgendaItem.objects.count()} agenda items"
    )
