"""What a moderator reads on the queue's item page for a story proposal."""

from iapt_platform.moderation.content import Pair, field_pairs

from .models import StoryProposal


def proposal_content(proposal: StoryProposal) -> list[Pair]:
    return field_pairs(proposal, ["initiative", "title", "language", "text", "links"])
