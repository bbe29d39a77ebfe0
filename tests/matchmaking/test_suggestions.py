"""Suggestions: ranking on hand-made cases, the reasons in words, expiry, incremental refresh."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from initiatives.matchmaking import selectors, tasks
from initiatives.matchmaking.models import CollaborationPost, Suggestion, SuggestionRun
from initiatives.matchmaking.suggestions import suggestions_compute, suggestions_refresh
from tests.factories import InitiativeFactory

from .conftest import make_post

pytestmark = pytest.mark.django_db


def shown(initiative):
    with translation.override("en"):
        return selectors.suggestions_for(initiative=initiative)


def test_a_complementary_initiative_abroad_ranks_above_a_similar_one_at_home(
    initiative_a, initiative_b, sectors
):
    make_post(initiative_a, direction="need", kind="training", topics=["cybersecurity"])
    # B (Peru, agrifood and software) offers exactly that.
    make_post(initiative_b, direction="offer", kind="training", topics=["cybersecurity"])
    # C is like A: Ecuador, agrifood, and offers the same training.
    similar = InitiativeFactory(
        name="Clúster Agro de Quito", country="EC", sectors=[sectors["agrifood"]]
    )
    make_post(similar, direction="offer", kind="training", topics=["cybersecurity"])

    suggestions_refresh(full=True)

    ranked = shown(initiative_a)
    assert [s.other for s in ranked] == [initiative_b, similar]
    # 3 (match) + 1 (agrifood) + 1 (abroad) against 3 + 1 - 2 (same country).
    assert [s.score for s in ranked] == [5, 2]
    assert ranked[0].reasons == [
        "offers cybersecurity training, which you seek",
        "agrifood like you",
        "Peru",
    ]
    assert ranked[1].reasons[-1] == "also in Ecuador"


def test_the_reverse_direction_and_countries_of_interest_count_too(initiative_a, initiative_b):
    make_post(
        initiative_a,
        direction="offer",
        kind="market_access",
        topics=["ecommerce"],
        countries=["PE"],
    )
    make_post(initiative_b, direction="need", kind="market_access", topics=["ecommerce"])

    suggestions_refresh(full=True)

    [for_a] = shown(initiative_a)
    assert for_a.other == initiative_b
    assert for_a.score == 3 + 1 + 1 + 1  # match, agrifood, abroad, Peru is of interest to A
    assert for_a.reasons[0] == "seeks e-commerce market access, which you offer"
    assert for_a.reasons[-1] == "Peru, a country you look to"
    [for_b] = shown(initiative_b)
    assert for_b.other == initiative_a
    assert for_b.score == 3 + 1 + 1  # B named no country of interest


def test_each_kind_and_topic_pair_counts_once_and_only_exact_pairs_match(
    initiative_a, initiative_b
):
    make_post(initiative_a, direction="need", kind="training", topics=["cybersecurity", "cloud"])
    make_post(initiative_b, direction="offer", kind="training", topics=["cybersecurity", "cloud"])
    # Same topic but another kind: no match.
    make_post(
        initiative_b, direction="offer", kind="technology", topics=["data-ai", "cybersecurity"]
    )

    [suggestion] = suggestions_compute(initiative_id=initiative_a.pk)

    assert suggestion.score == 3 + 3 + 1 + 1
    assert [r["r"] for r in suggestion.reasons].count("offers") == 2


def test_no_complement_no_suggestion_and_never_oneself(initiative_a, initiative_b):
    make_post(initiative_a, direction="need", kind="training", topics=["cybersecurity"])
    make_post(initiative_a, direction="offer", kind="training", topics=["cybersecurity"])
    make_post(initiative_b, direction="need", kind="training", topics=["cybersecurity"])

    suggestions_refresh(full=True)

    # B seeks what A offers: one row each way, but A is never suggested to itself.
    assert shown(initiative_a)[0].other == initiative_b
    assert not Suggestion.objects.filter(initiative=initiative_a, other=initiative_a).exists()
    make_post(initiative_b, direction="offer", kind="investment", topics=["fintech"])
    assert len(suggestions_compute(initiative_id=initiative_b.pk)) == 1


def test_an_expired_offer_never_appears(initiative_a, initiative_b):
    make_post(initiative_a, direction="need", kind="training", topics=["cybersecurity"], days=300)
    make_post(initiative_b, direction="offer", kind="training", topics=["cybersecurity"], days=-1)

    suggestions_refresh(full=True)

    assert shown(initiative_a) == []
    assert not Suggestion.objects.exists()


def test_an_offer_that_expires_after_the_run_disappears_before_the_next_run(
    initiative_a, initiative_b
):
    make_post(initiative_a, direction="need", kind="training", topics=["cybersecurity"], days=300)
    make_post(initiative_b, direction="offer", kind="training", topics=["cybersecurity"], days=2)
    suggestions_refresh(full=True)
    assert [s.other for s in shown(initiative_a)] == [initiative_b]

    with time_machine.travel(timezone.now() + timedelta(days=3)):
        # No run in between: the stored row is hidden by its own validity.
        assert shown(initiative_a) == []
        run = suggestions_refresh()
        assert not run.full
        assert not Suggestion.objects.exists()


def test_the_incremental_run_recomputes_only_what_changed(initiative_a, initiative_b, sectors):
    need = make_post(initiative_a, direction="need", kind="training", topics=["cybersecurity"])
    bystander = InitiativeFactory(country="CO", sectors=[sectors["software"]])
    make_post(bystander, direction="need", kind="investment", topics=["fintech"])
    first = suggestions_refresh()
    assert first.full  # the first run computes everything
    assert shown(initiative_a) == []

    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        make_post(initiative_b, direction="offer", kind="training", topics=["cybersecurity"])
        run = suggestions_refresh()
        assert not run.full
        assert run.initiatives == 2  # B changed, A matches it; the bystander is left alone
        assert [s.other for s in shown(initiative_a)] == [initiative_b]
        assert [s.other for s in shown(initiative_b)] == [initiative_a]

    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        need.status = CollaborationPost.Status.WITHDRAWN
        need.save()
        suggestions_refresh()
        assert shown(initiative_a) == []
        assert shown(initiative_b) == []


def test_the_task_runs_the_service(initiative_a, initiative_b):
    make_post(initiative_a, direction="need", kind="training", topics=["cybersecurity"])
    make_post(initiative_b, direction="offer", kind="training", topics=["cybersecurity"])

    assert tasks.suggestions_refresh.delay(full=True).get() == 2

    assert SuggestionRun.objects.get().finished_at is not None
    assert Suggestion.objects.count() == 2


def test_unpublished_initiatives_are_not_suggested(initiative_a, initiative_b):
    make_post(initiative_a, direction="need", kind="training", topics=["cybersecurity"])
    make_post(initiative_b, direction="offer", kind="training", topics=["cybersecurity"])
    suggestions_refresh(full=True)
    initiative_b.status = "rejected"
    initiative_b.save()

    assert shown(initiative_a) == []


def _queries_to_compute(initiative_id) -> int:
    with CaptureQueriesContext(connection) as ctx:
        suggestions_compute(initiative_id=initiative_id)
    return len(ctx.captured_queries)


def test_computing_one_initiative_takes_the_same_queries_for_2_or_20_candidates(
    initiative_a, sectors
):
    make_post(initiative_a, direction="need", kind="training", topics=["cybersecurity"])
    for _n in range(2):
        make_post(InitiativeFactory(country="PE"), direction="offer", topics=["cybersecurity"])
    small = _queries_to_compute(initiative_a.pk)
    for _n in range(18):
        make_post(InitiativeFactory(country="AR"), direction="offer", topics=["cybersecurity"])
    assert _queries_to_compute(initiative_a.pk) == small
    assert len(suggestions_compute(initiative_id=initiative_a.pk)) == 20


def test_showing_suggestions_takes_a_fixed_number_of_queries(initiative_a, sectors):
    make_post(initiative_a, direction="need", kind="training", topics=["cybersecurity"])
    for _n in range(3):
        make_post(InitiativeFactory(country="PE"), direction="offer", topics=["cybersecurity"])
    suggestions_refresh(full=True)
    with CaptureQueriesContext(connection) as small:
        shown(initiative_a)
    for _n in range(10):
        make_post(InitiativeFactory(country="CL"), direction="offer", topics=["cybersecurity"])
    suggestions_refresh(full=True)
    with CaptureQueriesContext(connection) as large:
        assert len(shown(initiative_a)) == 13
    assert len(small.captured_queries) == len(large.captured_queries) == 3
