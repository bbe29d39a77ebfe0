"""Who may see what the agenda announces (iapt_platform/lib/news.py)."""

from typing import Any

from .models import AgendaUpdate, Proposal, Round


def round_visible(user: Any, obj: Round) -> bool:
    return True  # rounds are public from the moment a moderator opens them


def answer_visible(user: Any, obj: Proposal) -> bool:
    return obj.status in (Proposal.Status.PUBLISHED, Proposal.Status.WITHDRAWN)


def update_visible(user: Any, obj: AgendaUpdate) -> bool:
    return True  # the agenda is public
