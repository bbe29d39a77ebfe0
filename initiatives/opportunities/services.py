"""Writes to opportunities: moderators post them, members propose them through the one moderation
queue, publication is announced once (lib/news.py), and so is each closing date coming near."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from iapt_platform.accounts import roles
from iapt_platform.accounts.personal_data import Closing
from iapt_platform.lib import emails, news
from iapt_platform.lib.news import Subject
from iapt_platform.lib.uploads import CleanFile

from .models import Opportunity, OpportunityDocument

PROPOSAL_KIND = "opportunity"
NEWS_PUBLISHED = "opportunity"
NEWS_CLOSING = "opportunity_closing"
MAX_DOCUMENTS = 5
# Fixed paths under /opportunities/ that a slug must not take.
RESERVED_SLUGS = {"feed", "calendar", "propose", "mine", "new", "api"}
# Many-to-many and file values of a form, set after the row is saved.
RELATED = ("sectors", "topics")


class OpportunityError(ValueError):
    """A refused action, with a message for the person who tried it."""


def can_propose(user: Any) -> bool:
    return roles.has_role(user, roles.MEMBER) or roles.has_role(user, roles.PROMOTER)


def can_edit(user: Any, opportunity: Opportunity) -> bool:
    """Moderators edit any; a proposer edits their own while it is sent back to them."""
    if roles.is_moderator(user):
        return True
    return (
        user.is_authenticated
        and opportunity.proposed_by_id == user.pk
        and opportunity.status == Opportunity.Status.DRAFT
    )


def can_see(user: Any, opportunity: Opportunity) -> bool:
    """Published ones are public; the others, their proposer and moderators only."""
    if opportunity.is_public:
        return True
    if not user.is_authenticated:
        return False
    return opportunity.proposed_by_id == user.pk or roles.is_moderator(user)


def closing_days() -> int:
    return settings.OPPORTUNITIES_CLOSING_SOON_DAYS


def unique_slug(title: str) -> str:
    base = slugify(title)[:140] or "opportunity"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Opportunity.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _apply(opportunity: Opportunity, values: Mapping[str, Any]) -> dict[str, Any]:
    """Set the plain fields from `values`; return the related ones, to set after saving."""
    related = {}
    for name, value in values.items():
        if name in RELATED:
            related[name] = value
        else:
            setattr(opportunity, name, value)
    return related


def _documents_add(opportunity: Opportunity, files: Iterable[CleanFile]) -> None:
    files = list(files)
    kept = opportunity.documents.count()
    if kept + len(files) > MAX_DOCUMENTS:
        raise OpportunityError(_("Attach at most five documents."))
    for order, clean in enumerate(files, start=kept):
        OpportunityDocument.objects.create(
            opportunity=opportunity,
            file=clean.content,
            original_name=clean.original_name,
            mimetype=clean.mimetype,
            size=clean.content.size,
            order=order,
        )


# --- Writing -----------------------------------------------------------------------------------------
@transaction.atomic
def opportunity_create(
    *,
    by: Any,
    values: Mapping[str, Any],
    documents: Iterable[CleanFile] = (),
    publish: bool = False,
) -> Opportunity:
    """A moderator posts one (published at once when `publish`, else a draft); a member proposes
    one, which waits in the moderation queue."""
    moderator = roles.is_moderator(by)
    if not moderator and not can_propose(by):
        raise PermissionDenied
    opportunity = Opportunity(proposed_by=by)
    related = _apply(opportunity, values)
    opportunity.slug = unique_slug(str(opportunity.title_es or opportunity.title or ""))  # type: ignore[attr-defined]
    opportunity.status = Opportunity.Status.DRAFT
    opportunity.full_clean(exclude=["slug"])
    opportunity.save()
    for name, value in related.items():
        getattr(opportunity, name).set(value)
    _documents_add(opportunity, documents)
    if moderator:
        if publish:
            opportunity_publish(opportunity=opportunity, by=by)
    else:
        _submit(opportunity, by=by)
        emails.send(
            template="opportunities/proposal_received",
            to=by,
            context={"title": str(opportunity.title), "path": opportunity.get_absolute_url()},
        )
    return opportunity


@transaction.atomic
def opportunity_update(
    *,
    opportunity: Opportunity,
    by: Any,
    values: Mapping[str, Any],
    documents: Iterable[CleanFile] = (),
    remove_documents: Iterable[int] = (),
) -> Opportunity:
    """Moderators change any field; a proposer makes the changes asked of them, which sends the
    proposal back to the queue."""
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if not can_edit(by, opportunity):
        raise PermissionDenied
    related = _apply(opportunity, values)
    opportunity.full_clean(exclude=["slug"])
    opportunity.save()
    for name, value in related.items():
        getattr(opportunity, name).set(value)
    opportunity.documents.filter(pk__in=list(remove_documents)).delete()
    _documents_add(opportunity, documents)
    if not roles.is_moderator(by):
        _submit(opportunity, by=by)
    return opportunity


def _submit(opportunity: Opportunity, *, by: Any) -> None:
    from iapt_platform.moderation.services import moderation_submit

    opportunity.status = Opportunity.Status.PENDING
    opportunity.save(update_fields=["status", "updated_at"])
    moderation_submit(obj=opportunity, kind=PROPOSAL_KIND, submitted_by=by)


@transaction.atomic
def opportunity_publish(*, opportunity: Opportunity, by: Any) -> Opportunity:
    """Public from now on; the first publication is announced to whoever follows its subjects."""
    if not roles.is_moderator(by):
        raise PermissionDenied
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    opportunity.full_clean(exclude=["slug"])  # a draft may lack what publication needs
    now = timezone.now()
    opportunity.status = Opportunity.Status.PUBLISHED
    opportunity.published_at = opportunity.published_at or now
    fields = ["status", "published_at", "updated_at"]
    announce = opportunity.announced_at is None and not opportunity.is_closed
    if announce:
        opportunity.announced_at = now
        fields.append("announced_at")
    opportunity.save(update_fields=fields)
    if announce:
        news.announce(
            kind=NEWS_PUBLISHED,
            obj=opportunity,
            subjects=subjects_of(opportunity),
            actor=by,
        )
    return opportunity


@transaction.atomic
def opportunity_withdraw(*, opportunity: Opportunity, by: Any) -> Opportunity:
    """Off the public pages at once (a call cancelled, or posted by mistake)."""
    if not roles.is_moderator(by):
        raise PermissionDenied
    opportunity.status = Opportunity.Status.WITHDRAWN
    opportunity.save(update_fields=["status", "updated_at"])
    return opportunity


def subjects_of(opportunity: Opportunity) -> list[Subject]:
    """What a follower may follow it by: each country eligible, sector and topic."""
    subjects = [Subject(news.COUNTRY, code) for code in opportunity.country_codes()]
    subjects += [
        Subject(news.SECTOR, slug) for slug in opportunity.sectors.values_list("slug", flat=True)
    ]
    subjects += [
        Subject(news.TOPIC, slug) for slug in opportunity.topics.values_list("slug", flat=True)
    ]
    return subjects


# --- The moderation queue's callbacks (inside its transaction) ---------------------------------------
def proposal_approve(opportunity: Opportunity, *, moderator: Any, comment: str) -> None:
    from iapt_platform.moderation.services import ModerationError

    try:
        opportunity_publish(opportunity=opportunity, by=moderator)
    except Exception as exc:  # a field publication needs is missing: say which
        from django.core.exceptions import ValidationError

        if isinstance(exc, ValidationError):
            raise ModerationError(" ".join(exc.messages)) from exc
        raise


def proposal_request_changes(opportunity: Opportunity, *, moderator: Any, comment: str) -> None:
    opportunity.status = Opportunity.Status.DRAFT
    opportunity.review_comment = comment
    opportunity.save(update_fields=["status", "review_comment", "updated_at"])


def proposal_reject(opportunity: Opportunity, *, moderator: Any, comment: str) -> None:
    opportunity.status = Opportunity.Status.WITHDRAWN
    opportunity.review_comment = comment
    opportunity.save(update_fields=["status", "review_comment", "updated_at"])


# --- Closing reminders (a daily beat task) -----------------------------------------------------------
def announce_closing_due(*, now: dt.datetime | None = None) -> int:
    """Announce each open opportunity that closes within OPPORTUNITIES_CLOSING_REMINDER_DAYS, once:
    the row is claimed with a conditional UPDATE, so a second run (or a second beat) tells nobody
    again."""
    now = now or timezone.now()
    window = dt.timedelta(days=settings.OPPORTUNITIES_CLOSING_REMINDER_DAYS)
    due = Opportunity.objects.open(now=now).filter(
        closes_at__lte=now + window, closing_announced_at__isnull=True
    )
    told = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            claimed = Opportunity.objects.filter(pk=pk, closing_announced_at__isnull=True).update(
                closing_announced_at=now
            )
            if not claimed:
                continue
            opportunity = Opportunity.objects.get(pk=pk)
            news.announce(
                kind=NEWS_CLOSING,
                obj=opportunity,
                subjects=subjects_of(opportunity),
                extra={"closes_at": opportunity.closes_at.isoformat()},
            )
            told += 1
    return told


# --- A proposer leaves ------------------------------------------------------------------------------
def proposer_depart(*, closing: Closing) -> None:
    """Unpublished proposals go with the account (after leaving the queue); published opportunities
    are the organiser's calls, and stay without the person's name (on_delete=SET_NULL)."""
    from iapt_platform.moderation.services import moderation_withdraw

    mine = Opportunity.objects.filter(proposed_by=closing.user).exclude(
        status=Opportunity.Status.PUBLISHED
    )
    moderation_withdraw(objects=mine)
    if roles.holds_role(closing.user, roles.MODERATOR):
        return  # a moderator's drafts are the platform's: they stay, without the name
    for opportunity in mine:
        opportunity.delete()
