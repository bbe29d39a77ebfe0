"""Reads of the agenda: what a reader sees, the results of a round, people who follow a proposal."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django_countries import countries

from community.models import Post
from community.selectors import is_member  # the one rule for who is a member
from iapt_platform.accounts import personal_data, roles
from iapt_platform.lib.cache import CacheVersion

from .models import AgendaItem, AgendaUpdate, Ballot, Proposal, Round, Support

__all__ = ["is_member"]

# Bumped after each write that visitors' pages show (rounds, proposals, answers, the agenda).
AGENDA_VERSION = CacheVersion("agenda:version")


def page_version() -> str:
    """The agenda's version and the minute: a round's phase changes with the clock, not with a
    write, so that a kept page is never more than a minute behind it (timezone.now(), so that
    tests that travel in time see the new phase)."""
    return f"{AGENDA_VERSION.get()}:{int(timezone.now().timestamp() // 60)}"


def round_list() -> QuerySet[Round]:
    return Round.objects.prefetch_related("lines_of_work").annotate(
        proposal_count=Count(
            "proposals",
            filter=Q(proposals__status=Proposal.Status.PUBLISHED),
            distinct=True,
        )
    )


def proposal_visible(*, user: Any, proposal: Proposal) -> bool:
    """Published and withdrawn proposals are public; a pending or rejected one is seen by its
    author and by moderators."""
    if proposal.status in (Proposal.Status.PUBLISHED, Proposal.Status.WITHDRAWN):
        return True
    if user.is_authenticated and proposal.author_id == user.pk:
        return True
    return roles.is_moderator(user)


def round_proposals(*, agenda_round: Round, user: Any) -> QuerySet[Proposal]:
    """The proposals of a round's page, in a fixed number of queries; counts only once they are
    public (the ordering then by count, else by date)."""
    mine = Q(author=user) if user.is_authenticated else Q(pk__in=[])
    qs = (
        Proposal.objects.filter(round=agenda_round)
        .filter(Q(status__in=[Proposal.Status.PUBLISHED, Proposal.Status.WITHDRAWN]) | mine)
        .select_related("line_of_work", "author", "agenda_item")
    )
    if agenda_round.counts_public():
        qs = qs.annotate(support_count=Count("supports")).order_by(
            "-support_count", "created_at", "id"
        )
    return qs


def supported_ids(*, agenda_round: Round, user: Any) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        Support.objects.filter(ballot__round=agenda_round, ballot__user=user).values_list(
            "proposal_id", flat=True
        )
    )


@dataclass
class Result:
    proposal: Proposal
    count: int
    by_country: list[tuple[str, int]] = field(default_factory=list)  # (country name, supports)


def round_results(*, agenda_round: Round) -> list[Result]:
    """Published proposals by number of supports, each with its supporters' countries. Empty
    while prioritising is on: counts are not shown before it ends."""
    if not agenda_round.counts_public():
        return []
    rows = (
        Support.objects.filter(proposal__round=agenda_round)
        .values("proposal_id", "ballot__country")
        .annotate(n=Count("id"))
    )
    per_country: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        per_country[row["proposal_id"]][row["ballot__country"]] = row["n"]
    proposals = Proposal.objects.filter(round=agenda_round).published().select_related("author")
    results = []
    for proposal in proposals:
        breakdown = per_country.get(proposal.pk, {})
        named = sorted(
            ((countries.name(code) if code else "—", n) for code, n in breakdown.items()),
            key=lambda pair: (-pair[1], str(pair[0])),
        )
        results.append(Result(proposal=proposal, count=sum(breakdown.values()), by_country=named))
    results.sort(key=lambda r: (-r.count, r.proposal.created_at, r.proposal.pk))
    return results


def supports_left(*, agenda_round: Round, user: Any) -> int:
    used = len(supported_ids(agenda_round=agenda_round, user=user))
    return max(agenda_round.supports_per_member - used, 0)


def proposal_audience(key: Any) -> set[int]:
    """Who follows a proposal without having asked: its author and its supporters."""
    try:
        pk = int(key)
    except (TypeError, ValueError):
        return set()
    ids = set(
        Ballot.objects.filter(supports__proposal_id=pk, user__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    author = Proposal.objects.filter(pk=pk).values_list("author_id", flat=True).first()
    if author:
        ids.add(author)
    return ids


def member_audience(key: str) -> set[int]:
    """Every active member (a new round is news for all of them)."""
    from django.contrib.auth import get_user_model

    if key != "members":
        return set()
    return set(
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.MEMBER)
        .values_list("pk", flat=True)
    )


def discussion_posts(*, proposal: Proposal, user: Any) -> list[Post]:
    """The comments (forum replies) a member reads under a proposal; none for visitors, as in
    the forum."""
    if proposal.discussion_id is None or not is_member(user):
        return []
    qs = Post.objects.filter(
        thread_id=proposal.discussion_id,
        is_opening=False,
        status=Post.Status.PUBLISHED,
        hidden=False,
    )
    if user.is_authenticated:
        qs = Post.objects.filter(thread_id=proposal.discussion_id, is_opening=False).filter(
            Q(status=Post.Status.PUBLISHED, hidden=False) | Q(author=user)
        )
    return list(qs.select_related("author", "author__member_profile").order_by("created_at"))


def agenda_items(*, year: int | None = None) -> QuerySet[AgendaItem]:
    year = year or timezone.localdate().year
    return (
        AgendaItem.objects.filter(year=year)
        .select_related("proposal", "proposal__round", "proposal__line_of_work", "responsible")
        .prefetch_related("meetings", "resources", "stories", "projects")
        .order_by("target_date", "id")
    )


def agenda_years() -> list[int]:
    return sorted(set(AgendaItem.objects.values_list("year", flat=True)), reverse=True)


def item_for_page(pk: int) -> AgendaItem | None:
    return (
        AgendaItem.objects.filter(pk=pk)
        .select_related("proposal", "proposal__round", "proposal__line_of_work", "responsible")
        .prefetch_related(
            "meetings",
            "resources",
            "stories",
            "projects",
            Prefetch("updates", queryset=AgendaUpdate.objects.order_by("-created_at", "-id")),
        )
        .first()
    )


def personal_data_of(user: Any) -> personal_data.Portion:
    """The person's proposals and the supports they gave."""
    proposals = Proposal.objects.filter(author=user).select_related("round").order_by("pk")
    supports = (
        Support.objects.filter(ballot__user=user)
        .select_related("proposal", "ballot__round")
        .order_by("pk")
    )
    return personal_data.Portion(
        data={
            "proposals": [
                {
                    **personal_data.record(proposal, exclude=["discussion"]),
                    "round": proposal.round.title,
                    "countries": [c.code for c in proposal.countries],
                }
                for proposal in proposals
            ],
            "supports": [
                {
                    "round": support.ballot.round.title,
                    "proposal": support.proposal.title,
                    "proposal_id": support.proposal_id,
                    "created_at": support.created_at.isoformat(),
                }
                for support in supports
            ],
        }
    )
