"""The suggestions service: computes the `Suggestion` table from live posts (run by a Celery task).

Computing one initiative's suggestions asks the database only for the posts that could match its own
(same kind, same topic, opposite direction), so no request and no run ever scans all pairs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from initiatives.models import Initiative

from .models import CollaborationPost, Suggestion, SuggestionRun
from .scoring import InitiativeFacts, PostFacts, Scored, score

BATCH_SIZE = 200


def _countries(value) -> set[str]:
    if not value:
        return set()
    if isinstance(value, str):
        return {c for c in value.split(",") if c}
    return {getattr(c, "code", c) for c in value}


def _post_facts(rows: Iterable[tuple]) -> dict[int, list[PostFacts]]:
    """Rows of (post id, initiative id, direction, kind, topic id, expires_at, countries), one per
    topic, grouped into posts by initiative."""
    posts: dict[int, PostFacts] = {}
    owner: dict[int, int] = {}
    for pk, initiative_id, direction, kind, topic_id, expires_at, countries in rows:
        post = posts.get(pk)
        if post is None:
            post = posts[pk] = PostFacts(
                id=pk,
                direction=direction,
                kind=kind,
                topic_ids=set(),
                expires_at=expires_at,
                countries=_countries(countries),
            )
            owner[pk] = initiative_id
        if topic_id is not None:
            post.topic_ids.add(topic_id)
    grouped: dict[int, list[PostFacts]] = {}
    for pk, post in posts.items():
        grouped.setdefault(owner[pk], []).append(post)
    return grouped


POST_FIELDS = ("id", "initiative_id", "direction", "kind", "topics__id", "expires_at", "countries")


def _initiative_facts(ids: set[int], posts: dict[int, list[PostFacts]]) -> list[InitiativeFacts]:
    places = dict(Initiative.objects.published().filter(pk__in=ids).values_list("pk", "country"))
    sectors: dict[int, set[int]] = {pk: set() for pk in places}
    for initiative_id, sector_id in Initiative.sectors.through.objects.filter(
        initiative_id__in=places
    ).values_list("initiative_id", "sector_id"):
        sectors[initiative_id].add(sector_id)
    return [
        InitiativeFacts(
            id=pk, country=str(country), sector_ids=sectors[pk], posts=posts.get(pk, [])
        )
        for pk, country in places.items()
    ]


def suggestions_compute(*, initiative_id: int) -> list[Scored]:
    """The ranked suggestions for one initiative, best first (nothing is written)."""
    own = _post_facts(
        CollaborationPost.objects.live()
        .filter(initiative_id=initiative_id)
        .values_list(*POST_FIELDS)
    ).get(initiative_id, [])
    if not own:
        return []
    wanted = Q(pk__in=[])
    for mine_dir, their_dir in (("need", "offer"), ("offer", "need")):
        for post in (p for p in own if p.direction == mine_dir):
            wanted |= Q(direction=their_dir, kind=post.kind, topics__in=post.topic_ids)
    candidates = _post_facts(
        CollaborationPost.objects.live()
        .exclude(initiative_id=initiative_id)
        .filter(wanted)
        .values_list(*POST_FIELDS)
        .distinct()
    )
    facts = {f.id: f for f in _initiative_facts({initiative_id, *candidates}, candidates)}
    mine = facts.pop(initiative_id, None)
    if mine is None:  # the initiative itself is not published (any more)
        return []
    mine.posts = own
    scored = [s for theirs in facts.values() if (s := score(mine, theirs)) is not None]
    return sorted(scored, key=lambda s: (-s.score, s.other_id))


@transaction.atomic
def suggestions_store(*, initiative_id: int, now: datetime | None = None) -> set[int]:
    """Replace one initiative's rows; returns the ids it is now matched with."""
    now = now or timezone.now()
    scored = suggestions_compute(initiative_id=initiative_id)
    Suggestion.objects.filter(initiative_id=initiative_id).delete()
    Suggestion.objects.bulk_create(
        Suggestion(
            initiative_id=initiative_id,
            other_id=s.other_id,
            score=s.score,
            reasons=s.reasons,
            valid_until=s.valid_until,
            computed_at=now,
        )
        for s in scored
    )
    return {s.other_id for s in scored}


def _changed_since(since: datetime, now: datetime) -> set[int]:
    """Initiatives whose posts changed or expired since the last run, or whose rows went stale."""
    changed = set(
        CollaborationPost.objects.filter(
            Q(updated_at__gte=since) | Q(expires_at__gt=since, expires_at__lte=now)
        ).values_list("initiative_id", flat=True)
    )
    changed |= set(
        Suggestion.objects.filter(valid_until__lte=now).values_list("initiative_id", flat=True)
    )
    return changed


def suggestions_refresh(*, full: bool = False, batch_size: int = BATCH_SIZE) -> SuggestionRun:
    """Recompute the suggestions of the initiatives whose posts changed since the last run (and of
    those they match with), or of every initiative with live posts when `full` or on the first run.
    """
    now = timezone.now()
    last = SuggestionRun.objects.filter(finished_at__isnull=False).first()
    run = SuggestionRun.objects.create(started_at=now, full=full or last is None)
    done: set[int] = set()
    if run.full:
        targets = sorted(
            set(CollaborationPost.objects.live().values_list("initiative_id", flat=True))
        )
        # Batches keep each transaction short; a failed batch leaves earlier ones written.
        for start in range(0, len(targets), batch_size):
            for initiative_id in targets[start : start + batch_size]:
                suggestions_store(initiative_id=initiative_id, now=now)
                done.add(initiative_id)
        Suggestion.objects.exclude(initiative_id__in=done).delete()
    else:
        assert last is not None
        changed = _changed_since(last.started_at, now)
        # Scores are not symmetric, but matches are: whoever matched or now matches a changed
        # initiative has a row about it to rewrite.
        affected = set(
            Suggestion.objects.filter(other_id__in=changed).values_list("initiative_id", flat=True)
        )
        for initiative_id in sorted(changed):
            affected |= suggestions_store(initiative_id=initiative_id, now=now)
            done.add(initiative_id)
        for initiative_id in sorted(affected - done):
            suggestions_store(initiative_id=initiative_id, now=now)
            done.add(initiative_id)
    run.finished_at = timezone.now()
    run.initiatives = len(done)
    run.save(update_fields=["finished_at", "initiatives"])
    return run
