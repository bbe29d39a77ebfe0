"""What a moderator reads on the queue's item page for a member's first proposal."""

from django.utils.translation import gettext as _

from iapt_platform.moderation.content import Pair, field_pairs

from .models import Proposal


def proposal_content(proposal: Proposal) -> list[Pair]:
    return [
        (_("Round"), proposal.round.title),
        (_("Line of work"), str(proposal.line_of_work)),
        (_("Author"), str(proposal.author) if proposal.author else _("Deleted account")),
        *field_pairs(proposal, ["title", "language", "body"]),
    ]
