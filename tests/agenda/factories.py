"""Agenda building blocks: rounds in a chosen phase, proposals published without the queue."""

from datetime import timedelta

from django.utils import timezone

from community.agenda import services
from community.agenda.models import LineOfWork, Proposal, Round
from tests.factories import UserFactory

PHASES = {
    # phase: (proposals open, proposals close, prioritising open, prioritising close), in days
    "proposals": (-2, 5, 6, 12),
    "prioritising": (-12, -6, -1, 5),
    "closed": (-30, -20, -19, -2),
    "upcoming": (2, 5, 6, 12),
}


def line(slug: str = "community-of-practice") -> LineOfWork:
    return LineOfWork.objects.get(slug=slug)


def agenda_round(phase: str = "proposals", *, slug: str = "round", supports: int = 3) -> Round:
    now = timezone.now()
    p_open, p_close, v_open, v_close = (now + timedelta(days=d) for d in PHASES[phase])
    created = Round.objects.create(
        slug=slug,
        title="Agenda",
        title_es="Agenda del semestre",
        title_en="Agenda of the half-year",
        title_pt_br="Agenda do semestre",
        description_es="Proponga.",
        description_en="Propose.",
        proposals_open_at=p_open,
        proposals_close_at=p_close,
        prioritising_open_at=v_open,
        prioritising_close_at=v_close,
        supports_per_member=supports,
    )
    created.lines_of_work.set(LineOfWork.objects.all())
    return created


def proposal(agenda_round: Round, author=None, *, title: str = "A workshop", **kwargs) -> Proposal:
    author = author or UserFactory()
    created = Proposal.objects.create(
        round=agenda_round,
        author=author,
        title=title,
        body=kwargs.pop("body", "Let us meet."),
        language=kwargs.pop("language", author.language),
        line_of_work=kwargs.pop("line_of_work", line()),
        status=Proposal.Status.PENDING,
        **kwargs,
    )
    services._publish(proposal=created)
    return created
