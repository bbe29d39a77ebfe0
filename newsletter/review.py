"""What a moderator reads on the queue's item page for a proposed bulletin item."""

from iapt_platform.moderation.content import Pair, field_pairs

from .models import Contribution


def contribution_content(contribution: Contribution) -> list[Pair]:
    return field_pairs(
        contribution,
        ["kind", "title", "language", "body", "link_url", "event_date", "initiative"],
    )
