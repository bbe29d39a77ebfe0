"""Members and promoters propose items; they wait in the one moderation queue ("bulletin_item");
accepted ones become blocks of the issue being built."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from iapt_platform.accounts import roles
from iapt_platform.moderation.services import moderation_submit

from ..models import Contribution

MODERATION_KIND = "bulletin_item"


class ContributionError(ValueError):
    """A refused action, with a message for the person who tried it."""


def can_propose(user: Any) -> bool:
    return roles.has_role(user, roles.MEMBER) or roles.has_role(user, roles.PROMOTER)


@transaction.atomic
def contribution_submit(*, user: Any, data: dict[str, Any]) -> Contribution:
    if not can_propose(user):
        raise ContributionError(_("Only members and promoters can propose bulletin items."))
    contribution = Contribution.objects.create(submitted_by=user, **data)
    moderation_submit(obj=contribution, kind=MODERATION_KIND, submitted_by=user)
    return contribution


@transaction.atomic
def contribution_update(
    *, contribution: Contribution, user: Any, data: dict[str, Any]
) -> Contribution:
    """The submitter fixes what staff asked for; the item goes back to the queue."""
    if contribution.submitted_by_id != user.pk:
        raise ContributionError(_("Only the person who proposed this item can change it."))
    if contribution.status not in (
        Contribution.Status.PENDING,
        Contribution.Status.CHANGES_REQUESTED,
    ):
        raise ContributionError(_("This item was already decided and cannot be changed."))
    for name, value in data.items():
        setattr(contribution, name, value)
    contribution.status = Contribution.Status.PENDING
    contribution.save()
    moderation_submit(obj=contribution, kind=MODERATION_KIND, submitted_by=user)
    return contribution


# Moderation callbacks: they run inside the moderation transaction.
def approve(obj: Contribution, *, moderator: Any, comment: str) -> None:
    _decide(obj, Contribution.Status.ACCEPTED, comment)


def request_changes(obj: Contribution, *, moderator: Any, comment: str) -> None:
    _decide(obj, Contribution.Status.CHANGES_REQUESTED, comment)


def reject(obj: Contribution, *, moderator: Any, comment: str) -> None:
    _decide(obj, Contribution.Status.REJECTED, comment)


def _decide(obj: Contribution, status: str, comment: str) -> None:
    obj.status = status
    obj.moderator_comment = comment
    obj.save(update_fields=["status", "moderator_comment", "updated_at"])
