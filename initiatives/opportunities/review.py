"""What a moderator reads on the queue's item page for a proposed opportunity."""

from django.utils.translation import gettext as _

from iapt_platform.moderation.content import Pair, field_pairs, label_of

from .models import Opportunity


def proposal_content(opportunity: Opportunity) -> list[Pair]:
    # The texts in the language the proposer wrote them in, whatever the moderator reads in.
    title, description, _language = opportunity.reading(opportunity.language)
    pairs = field_pairs(opportunity, ["kind", "language"])
    pairs += [
        (label_of(Opportunity, "title"), title),
        (label_of(Opportunity, "description"), description),
    ]
    pairs += field_pairs(
        opportunity,
        [
            "organiser",
            "whole_region",
            "countries",
            "sectors",
            "topics",
        ],
    )
    if opportunity.amount is not None:
        pairs.append((label_of(Opportunity, "amount"), opportunity.amount_display))
    pairs += field_pairs(
        opportunity,
        [
            "opens_at",
            "closes_at",
            "link",
        ],
    )
    names = [document.original_name for document in opportunity.documents.all()]
    if names:
        pairs.append((_("Documents"), "\n".join(names)))
    return pairs
