"""Writes of the agenda: rounds, proposals, supports, official answers and agenda items.

Keyword-only functions, each in one transaction; what people hear of them goes through
iapt_platform.lib.news (community/following turns it into notifications and digests).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from community import services as forum
from community.models import Category, Post, Thread
from iapt_platform.accounts import roles
from iapt_platform.accounts.personal_data import Closing
from iapt_platform.lib import news
from iapt_platform.moderation.services import (
    ModerationError,
    moderation_submit,
    moderation_withdraw,
)

from . import lines, selectors
from .models import AgendaItem, AgendaUpdate, Answer, Ballot, Proposal, Round, Support

PROPOSAL_KIND = "agenda_proposal"
NEW_AUTHOR_PROPOSALS = 1  # a member's first proposal waits for a moderator, like forum posts
ROUND_NEWS = "agenda_round"
ANSWER_NEWS = "agenda_answer"
UPDATE_NEWS = "agenda_update"
MEMBERS = news.Subject("agenda", "members")  # every member hears of a new round


class AgendaError(ValueError):
    """An action refused with a sentence for the person; `field` names the form field, if any."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _changed() -> None:
    """Visitors' cached pages show the change from the next request on."""
    transaction.on_commit(selectors.AGENDA_VERSION.bump)


def _require_moderator(user: Any) -> None:
    if not roles.is_moderator(user):
        raise PermissionDenied


def has_verified_email(user: Any) -> bool:
    return EmailAddress.objects.filter(user=user, verified=True).exists()


# --- Rounds ---------------------------------------------------------------------------------------


def _unique_slug(title: str) -> str:
    base = slugify(title)[:120] or "round"
    slug, n = base, 2
    while Round.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def round_open(*, moderator: Any, form: Any) -> Round:
    """A moderator opens a round (saved from RoundForm); every member hears of it."""
    _require_moderator(moderator)
    agenda_round = form.save(commit=False)
    agenda_round.slug = _unique_slug(agenda_round.title_es or agenda_round.title)
    agenda_round.created_by = moderator
    agenda_round.save()
    form.save_m2m()
    _changed()
    news.announce(kind=ROUND_NEWS, obj=agenda_round, subjects=[MEMBERS], actor=moderator)
    return agenda_round


@transaction.atomic
def round_edit(*, moderator: Any, form: Any) -> Round:
    _require_moderator(moderator)
    _changed()
    return form.save()


# --- Proposals ------------------------------------------------------------------------------------


def needs_approval(*, user: Any) -> bool:
    """A member's first proposals wait for a moderator, unless the forum already trusts them."""
    if roles.is_moderator(user):
        return False
    published = Proposal.objects.filter(
        author=user, status__in=[Proposal.Status.PUBLISHED, Proposal.Status.WITHDRAWN]
    ).count()
    return published < NEW_AUTHOR_PROPOSALS and forum.is_new_member(user=user)


@transaction.atomic
def proposal_submit(
    *,
    user: Any,
    agenda_round: Round,
    title: str,
    body: str,
    line_of_work: Any,
    countries: Iterable[str] = (),
    topics: Iterable[Any] = (),
    initiatives: Iterable[Any] = (),
    resources: Iterable[Any] = (),
    threads: Iterable[Any] = (),
) -> Proposal:
    if not selectors.is_member(user):
        raise PermissionDenied
    if not agenda_round.accepts_proposals():
        raise AgendaError(
            _("This round no longer receives proposals: its period ended on %(date)s.")
            % {"date": _date(agenda_round.proposals_close_at)}
            if timezone.now() >= agenda_round.proposals_close_at
            else _("This round receives proposals from %(date)s on.")
            % {"date": _date(agenda_round.proposals_open_at)}
        )
    if not agenda_round.lines_of_work.filter(pk=line_of_work.pk).exists():
        raise AgendaError(_("Choose one of this round's lines of work."), field="line_of_work")
    pending = needs_approval(user=user)
    proposal = Proposal.objects.create(
        round=agenda_round,
        author=user,
        title=title.strip(),
        body=body,
        language=user.language or translation.get_language(),
        line_of_work=line_of_work,
        countries=list(countries),  # type: ignore[misc]  # a list of codes
        status=Proposal.Status.PENDING if pending else Proposal.Status.PUBLISHED,
    )
    proposal.topics.set(topics)
    proposal.initiatives.set(initiatives)
    proposal.resources.set(resources)
    proposal.threads.set(threads)
    if pending:
        moderation_submit(obj=proposal, kind=PROPOSAL_KIND, submitted_by=user)
    else:
        _publish(proposal=proposal)
    return proposal


def _date(value: Any) -> str:
    from django.utils.formats import date_format

    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _publish(*, proposal: Proposal) -> None:
    proposal.status = Proposal.Status.PUBLISHED
    proposal.published_at = timezone.now()
    proposal.discussion = proposal.discussion or _discussion_for(proposal=proposal)
    proposal.save(update_fields=["status", "published_at", "discussion"])
    _changed()


def _markdown_text(text: str) -> str:
    """`text` as Markdown shows it literally (a title with brackets or asterisks)."""
    return re.sub(r"([\\`*_{}\[\]()<>#+!|~&-])", r"\\\1", " ".join(text.split()))


def _discussion_for(*, proposal: Proposal) -> Thread:
    """The proposal's forum thread, in the agenda's category: comments are forum posts."""
    category = Category.objects.filter(slug=lines.CATEGORY_SLUG).first()
    if category is None:  # a database flushed by a browser test: seed it again
        from community.models import Category as Model

        from .models import LineOfWork

        lines.seed_lines(LineOfWork, Model)
        category = Category.objects.get(slug=lines.CATEGORY_SLUG)
    thread = Thread.objects.create(
        category=category,
        title=proposal.title[:200],
        author=proposal.author,
        last_posted_at=timezone.now(),
    )
    # A Markdown link named by the proposal's title, to its unprefixed address: that one is each
    # reader's own (LanguageMiddleware sends a reader of another language to their prefix), where
    # the address in the proposal's language would show the page in that language to everyone.
    with translation.override(settings.LANGUAGE_CODE):
        url = reverse("agenda:proposal", args=[proposal.pk])
    with translation.override(proposal.language):
        opening = _("Comments on the proposal “%(link)s”.") % {
            "link": f"[{_markdown_text(proposal.title)}]({url})"
        }
    post = Post.objects.create(
        thread=thread,
        author=proposal.author,
        body=opening,
        language=proposal.language,
        is_opening=True,
        published_at=timezone.now(),
    )
    forum.post_refresh_search(post=post)
    return thread


def proposal_approve(proposal: Proposal, *, moderator: Any, comment: str) -> None:
    """Moderation callback: the first proposal of a member is fine."""
    if proposal.status != Proposal.Status.PENDING:
        raise ModerationError(_("This proposal is no longer waiting for approval."))
    _publish(proposal=proposal)


def proposal_reject(proposal: Proposal, *, moderator: Any, comment: str) -> None:
    proposal.status = Proposal.Status.REJECTED
    proposal.save(update_fields=["status"])


def proposal_request_changes(proposal: Proposal, *, moderator: Any, comment: str) -> None:
    raise ModerationError(
        _("Proposals cannot be edited: approve it, or reject it with a comment for its author.")
    )


@transaction.atomic
def proposal_withdraw(*, user: Any, proposal: Proposal) -> Proposal:
    """The author withdraws a proposal before prioritising ends; its supports are given back."""
    if proposal.author_id != user.pk:
        raise PermissionDenied
    if proposal.status == Proposal.Status.WITHDRAWN:
        raise AgendaError(_("You have already withdrawn this proposal."))
    if proposal.round.counts_public():
        raise AgendaError(_("Prioritising has ended: the proposal stays in the round's record."))
    if proposal.status == Proposal.Status.PENDING:
        moderation_withdraw(objects=[proposal])
    proposal.status = Proposal.Status.WITHDRAWN
    proposal.save(update_fields=["status"])
    Support.objects.filter(proposal=proposal).delete()
    _changed()
    return proposal


# --- Prioritising ---------------------------------------------------------------------------------


def _check_may_support(*, user: Any, proposal: Proposal) -> None:
    if not selectors.is_member(user):
        raise PermissionDenied
    if not has_verified_email(user):
        raise AgendaError(
            _(
                "Confirm your email address before you support proposals: one member, one set "
                "of supports. We can send the confirmation again from your account."
            )
        )
    agenda_round = proposal.round
    now = timezone.now()
    if now < agenda_round.prioritising_open_at:
        raise AgendaError(
            _("Prioritising opens on %(date)s.")
            % {"date": _date(agenda_round.prioritising_open_at)}
        )
    if now >= agenda_round.prioritising_close_at:
        raise AgendaError(
            _("Prioritising ended on %(date)s: supports can no longer change.")
            % {"date": _date(agenda_round.prioritising_close_at)}
        )


@transaction.atomic
def support_add(*, user: Any, proposal: Proposal) -> Support:
    _check_may_support(user=user, proposal=proposal)
    if proposal.status == Proposal.Status.WITHDRAWN:
        raise AgendaError(
            _("You withdrew this proposal: it can no longer be supported.")
            if proposal.author_id == user.pk
            else _("Its author withdrew this proposal: it can no longer be supported.")
        )
    if proposal.status != Proposal.Status.PUBLISHED:
        raise AgendaError(_("This proposal is not published: it cannot be supported yet."))
    agenda_round = proposal.round
    ballot, _created = Ballot.objects.get_or_create(round=agenda_round, user=user)
    # The lock makes a member's requests wait for each other: none passes the allowance.
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    existing = Support.objects.filter(ballot=ballot, proposal=proposal).first()
    if existing is not None:
        return existing
    used = Support.objects.filter(ballot=ballot).count()
    if used >= agenda_round.supports_per_member:
        raise AgendaError(
            _(
                "You have used your %(n)s supports in this round. Remove one from another "
                "proposal first: your other supports are unchanged."
            )
            % {"n": agenda_round.supports_per_member}
        )
    country = user.country.code if user.country else ""
    if ballot.country != country:
        ballot.country = country
        ballot.save(update_fields=["country"])
    try:
        with transaction.atomic():
            return Support.objects.create(ballot=ballot, proposal=proposal)
    except IntegrityError:  # the same support sent twice at once
        return Support.objects.get(ballot=ballot, proposal=proposal)


@transaction.atomic
def support_remove(*, user: Any, proposal: Proposal) -> None:
    _check_may_support(user=user, proposal=proposal)
    Support.objects.filter(
        ballot__round=proposal.round, ballot__user=user, proposal=proposal
    ).delete()


# --- Official answers and the agenda --------------------------------------------------------------


@transaction.atomic
def proposal_answer(
    *, moderator: Any, proposal: Proposal, answer: str, reasons: dict[str, str]
) -> Proposal:
    """Staff answer a proposal; an accepted one becomes an agenda item. The author and the
    supporters hear of it."""
    _require_moderator(moderator)
    if proposal.status != Proposal.Status.PUBLISHED:
        raise AgendaError(_("Only published proposals are answered."))
    if answer not in Answer.values:
        raise AgendaError(_("Choose an answer."), field="answer")
    if not (reasons.get(proposal.language) or "").strip():
        raise AgendaError(
            _("Give the reason in the language of the proposal at least."),
            field=f"answer_reason_{proposal.language.replace('-', '_')}",
        )
    proposal.answer = answer
    for code, text in reasons.items():
        setattr(proposal, f"answer_reason_{code.replace('-', '_')}", text.strip())
    proposal.answered_at = timezone.now()
    proposal.answered_by = moderator
    proposal.save()
    _changed()
    if answer == Answer.ACCEPTED and not AgendaItem.objects.filter(proposal=proposal).exists():
        AgendaItem.objects.create(
            proposal=proposal,
            title_es=proposal.title,
            title_en=proposal.title,
            title_pt_br=proposal.title,
            year=timezone.localdate().year,
        )
    news.announce(
        kind=ANSWER_NEWS,
        obj=proposal,
        subjects=[news.Subject("proposal", str(proposal.pk))],
        recipients=selectors.proposal_audience(proposal.pk),
        actor=moderator,
        # A later, different answer (evaluating, then accepted) is news again.
        extra={"answer": answer, "occurrence": f"answer-{answer}"},
    )
    return proposal


@transaction.atomic
def agenda_item_save(*, moderator: Any, form: Any) -> AgendaItem:
    _require_moderator(moderator)
    _changed()
    return form.save()


@transaction.atomic
def agenda_item_report(
    *,
    moderator: Any,
    item: AgendaItem,
    status: str,
    progress: int,
    bodies: dict[str, str],
) -> AgendaUpdate:
    """An update of an agenda item: its new status and progress, and what happened, in three
    languages. The proposal's followers hear of it."""
    _require_moderator(moderator)
    if not 0 <= progress <= 100:
        raise AgendaError(_("Progress is a percentage, from 0 to 100."), field="progress")
    item.status = status
    item.progress = progress
    item.save(update_fields=["status", "progress", "updated_at"])
    update = AgendaUpdate(item=item, status=status, progress=progress, author=moderator)
    for code, text in bodies.items():
        setattr(update, f"body_{code.replace('-', '_')}", text.strip())
    update.save()
    _changed()
    subjects = [news.Subject("proposal", str(item.proposal_id))] if item.proposal_id else []
    news.announce(
        kind=UPDATE_NEWS,
        obj=update,
        subjects=subjects,
        actor=moderator,
        extra={"status": status, "progress": progress},
    )
    return update


# --- Closing an account ---------------------------------------------------------------------------


def member_depart(*, closing: Closing) -> None:
    """The agenda without the person. Proposals never published go (with their queue items);
    published ones stay in the round's record as from a former member (author goes to NULL
    with the account). Supports of rounds still prioritising go; those of closed rounds stay,
    anonymous, so that the published results do not change."""
    user = closing.user
    unpublished = list(
        Proposal.objects.filter(
            author=user, status__in=[Proposal.Status.PENDING, Proposal.Status.REJECTED]
        )
    )
    moderation_withdraw(objects=unpublished)
    Proposal.objects.filter(pk__in=[p.pk for p in unpublished]).delete()
    now = timezone.now()
    Ballot.objects.filter(user=user, round__prioritising_close_at__gt=now).delete()
    Ballot.objects.filter(user=user).update(user=None)
    _changed()
