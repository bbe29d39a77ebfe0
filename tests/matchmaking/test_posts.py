"""Offers and needs: published by managers through moderation; expired ones leave the lists."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from iapt_platform.moderation.models import ModerationItem
from initiatives.matchmaking import services
from initiatives.matchmaking.models import CollaborationPost
from tests.factories import InitiativeFactory

from .conftest import approve_all, make_post

pytestmark = pytest.mark.django_db


def form_data(all_topics, **overrides):
    data = {
        "kind": "training",
        "title": "Training in cybersecurity for exporters",
        "topics": [all_topics["cybersecurity"].pk],
        "text": "Three months, **online**.",
        "text_language": "en",
        "countries": ["PE", "CO"],
        "expires_on": (timezone.localdate() + timedelta(days=60)).isoformat(),
    }
    data.update(overrides)
    return data


def test_a_manager_publishes_a_need_through_moderation(
    client, promoter_a, initiative_a, topics, moderator
):
    client.force_login(promoter_a)
    url = reverse("matchmaking:post_create", args=[initiative_a.slug, "need"])

    response = client.post(url, form_data(topics))

    post = CollaborationPost.objects.get()
    assert response.status_code == 302
    assert response["Location"] == post.get_absolute_url()
    assert (post.direction, post.status, post.initiative) == ("need", "in_review", initiative_a)
    assert sorted(c.code for c in post.countries) == ["CO", "PE"]
    item = ModerationItem.objects.get()
    assert (item.kind, item.object_id, item.country) == ("collaboration_post", post.pk, "EC")
    # Not public before approval.
    client.logout()
    assert client.get(post.get_absolute_url()).status_code == 404
    assert post.title not in client.get(reverse("matchmaking:list")).content.decode()

    approve_all(moderator)

    page = client.get(reverse("matchmaking:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert post.title in page
    detail = client.get(post.get_absolute_url()).content.decode()
    assert "<strong>online</strong>" in detail
    assert post.title in client.get(initiative_a.get_absolute_url()).content.decode()


def test_bad_input_is_refused_with_a_clear_message_and_kept(
    client, promoter_a, initiative_a, topics
):
    client.force_login(promoter_a)
    url = reverse("matchmaking:post_create", args=[initiative_a.slug, "offer"])
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()

    response = client.post(url, form_data(topics, topics=[], expires_on=yesterday))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Choose at least one topic." in body
    assert "Choose a day after today." in body
    assert "Training in cybersecurity for exporters" in body  # what was typed stays
    assert not CollaborationPost.objects.exists()


def test_only_managers_publish_for_an_initiative(
    client, promoter_b, initiative_a, topics, post_data
):
    client.force_login(promoter_b)
    url = reverse("matchmaking:post_create", args=[initiative_a.slug, "need"])
    assert client.get(url).status_code == 403
    assert client.post(url, form_data(topics)).status_code == 403
    with pytest.raises(PermissionDenied):
        services.post_create(initiative=initiative_a, user=promoter_b, data=post_data)
    assert not CollaborationPost.objects.exists()


def test_an_edit_goes_back_to_review_and_leaves_the_lists(
    client, promoter_a, initiative_a, topics, moderator
):
    post = make_post(initiative_a, direction="need", title="First wording")
    client.force_login(promoter_a)

    response = client.post(
        reverse("matchmaking:post_edit", args=[post.pk]), form_data(topics, title="Second wording")
    )

    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.title, post.status) == ("Second wording", "in_review")
    client.logout()
    assert "Second wording" not in client.get(reverse("matchmaking:list")).content.decode()
    approve_all(moderator)
    assert "Second wording" in client.get(reverse("matchmaking:list")).content.decode()


def test_expired_posts_leave_the_public_lists_by_themselves(client, initiative_a):
    live = make_post(initiative_a, title="Still running", days=5)
    expired = make_post(initiative_a, title="Already over", days=-1)

    listing = client.get(reverse("matchmaking:list")).content.decode()
    profile = client.get(initiative_a.get_absolute_url()).content.decode()

    assert live.title in listing and live.title in profile
    assert expired.title not in listing and expired.title not in profile
    assert client.get(expired.get_absolute_url()).status_code == 404


def test_the_list_filters_by_direction_kind_topic_and_country(client, initiative_a, initiative_b):
    make_post(
        initiative_a, direction="need", kind="training", topics=["cybersecurity"], title="Need A"
    )
    make_post(initiative_b, direction="offer", kind="technology", topics=["cloud"], title="Offer B")
    url = reverse("matchmaking:list")

    def titles(**params):
        body = client.get(url, params).content.decode()
        return {t for t in ("Need A", "Offer B") if t in body}

    assert titles() == {"Need A", "Offer B"}
    assert titles(direction="need") == {"Need A"}
    assert titles(kind="technology") == {"Offer B"}
    assert titles(topic="cybersecurity") == {"Need A"}
    assert titles(country="PE") == {"Offer B"}


def test_withdrawing_removes_a_post_everywhere(client, promoter_a, initiative_a):
    post = make_post(initiative_a, title="To be withdrawn")
    client.force_login(promoter_a)
    client.post(reverse("matchmaking:post_withdraw", args=[post.pk]))
    post.refresh_from_db()
    assert post.status == "withdrawn"
    client.logout()
    assert post.title not in client.get(reverse("matchmaking:list")).content.decode()


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("matchmaking:list")).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_takes_a_fixed_number_of_queries(client, sectors):
    for _n in range(2):
        make_post(InitiativeFactory(sectors=[sectors["agrifood"]]), topics=["cloud", "fintech"])
    small = _list_queries(client)
    for _n in range(12):
        make_post(InitiativeFactory(sectors=[sectors["software"]]), topics=["cloud", "fintech"])
    assert _list_queries(client) == small


def test_the_initiative_page_shows_collaboration_in_a_fixed_number_of_queries(client, initiative_a):
    make_post(initiative_a, title="One")
    cache.clear()  # the page's own cost, none of its parts kept
    with CaptureQueriesContext(connection) as small:
        client.get(initiative_a.get_absolute_url())
    for n in range(5):
        make_post(initiative_a, direction="need", title=f"More {n}", topics=["cloud", "ecommerce"])
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        body = client.get(initiative_a.get_absolute_url()).content.decode()
    assert "More 4" in body
    assert len(small.captured_queries) == len(large.captured_queries)
