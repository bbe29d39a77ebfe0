import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iapt_platform.moderation import services
from iapt_platform.moderation.models import ModerationItem

pytestmark = pytest.mark.django_db

QUEUE = reverse("moderation:queue")


def test_a_visitor_is_sent_to_sign_in(client, submit):
    item = submit()
    for url in (QUEUE, reverse("moderation:item", args=[item.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert "next=/moderation/" in response["Location"]


def test_a_member_is_refused(member_client, submit):
    item = submit()
    assert member_client.get(QUEUE).status_code == 403
    response = member_client.post(reverse("moderation:item", args=[item.pk]), {"action": "approve"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == ModerationItem.Status.PENDING


def test_a_moderator_without_two_factor_is_sent_to_set_it_up(client, moderator_without_totp):
    client.force_login(moderator_without_totp)
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_the_queue_lists_open_submissions_for_a_moderator(moderator_client, submit, promoter):
    item = submit("Avocado cluster", country="MX")
    response = moderator_client.get(QUEUE)
    assert response.status_code == 200
    html = response.text
    assert f'<a href="{reverse("moderation:item", args=[item.pk])}">Avocado cluster</a>' in html
    assert "Test profile" in html
    assert "Mexico" in html
    assert promoter.get_full_name() in html
    assert "Pending" in html
    assert "<caption" in html
    assert '<th scope="col">' in html


def test_the_queue_filters_by_kind(moderator_client, submit, promoter):
    submit("Avocado cluster")
    services.moderation_submit(
        obj=Group.objects.create(name="Cusco tourism network"),
        kind="test_group",
        submitted_by=promoter,
    )
    html = moderator_client.get(QUEUE, {"kind": "test_group"}).text
    assert "Cusco tourism network" in html
    assert "Avocado cluster" not in html
    assert '<option value="test_group" selected>' in html
    html = moderator_client.get(QUEUE, {"kind": "test_profile"}).text
    assert "Avocado cluster" in html
    assert "Cusco tourism network" not in html


def test_the_queue_filters_by_country_named_in_the_readers_language(
    moderator_client, moderator_with_totp, submit
):
    submit("Software cluster", country="BR")
    submit("Avocado cluster", country="MX")
    html = moderator_client.get(QUEUE, {"country": "BR"}).text
    assert "Software cluster" in html
    assert "Avocado cluster" not in html
    # The select offers only the countries present in the queue.
    assert '<option value="BR" selected>Brazil</option>' in html
    assert '<option value="MX">Mexico</option>' in html
    assert 'value="PE"' not in html

    moderator_with_totp.language = "pt-br"
    moderator_with_totp.save()
    html = moderator_client.get(QUEUE, {"country": "BR"}).text
    assert '<option value="BR" selected>Brasil</option>' in html
    assert "México" in html


def test_the_queue_filters_by_status(moderator_client, moderator_with_totp, submit):
    submit("Waiting cluster")
    decided = submit("Approved cluster")
    services.moderation_decide(
        item=decided, moderator=moderator_with_totp, action="approve", comment=""
    )
    html = moderator_client.get(QUEUE).text
    assert "Waiting cluster" in html
    assert "Approved cluster" not in html
    html = moderator_client.get(QUEUE, {"status": "approved"}).text
    assert "Approved cluster" in html
    assert "Waiting cluster" not in html
    html = moderator_client.get(QUEUE, {"status": "all"}).text
    assert "Approved cluster" in html
    assert "Waiting cluster" in html


def test_unknown_filter_values_give_an_empty_list(moderator_client, submit):
    submit("Avocado cluster")
    for params in (
        {"kind": "nope", "country": "ZZ", "status": "bogus"},
        {"kind": "nope"},
        {"country": "ZZ"},
        {"status": "bogus"},
        {"country": "x" * 500, "page": "-3"},
    ):
        response = moderator_client.get(QUEUE, params)
        assert response.status_code == 200, params
        assert "Avocado cluster" not in response.text
        assert "Nothing to review with these filters." in response.text


def test_dates_are_shown_in_the_readers_time_zone(moderator_client, moderator_with_totp, submit):
    item = submit()
    ModerationItem.objects.filter(pk=item.pk).update(
        created_at=datetime.datetime(2026, 3, 1, 2, 30, tzinfo=datetime.UTC)
    )
    moderator_with_totp.time_zone = "America/Lima"
    moderator_with_totp.save()
    assert 'datetime="2026-02-28T21:30:00-05:00"' in moderator_client.get(QUEUE).text


def test_the_queue_is_paginated_and_keeps_its_filters(moderator_client, submit):
    for n in range(27):
        submit(f"Cluster {n:02d}", country="CL")
    html = moderator_client.get(QUEUE, {"country": "CL"}).text
    assert "Cluster 00" in html
    assert "Cluster 25" not in html  # oldest first, 25 a page
    assert 'href="?country=CL&amp;page=2"' in html
    html = moderator_client.get(QUEUE, {"country": "CL", "page": 2}).text
    assert "Cluster 26" in html
    assert "Cluster 00" not in html


def test_the_queue_makes_the_same_number_of_queries_for_3_and_30_items(moderator_client, submit):
    def count_queries() -> int:
        cache.clear()  # both measured with nothing kept (the frame's unread count included)
        with CaptureQueriesContext(connection) as queries:
            assert moderator_client.get(QUEUE).status_code == 200
        return len(queries)

    for n in range(3):
        submit(f"Cluster {n}", country=["MX", "PE", "CL"][n % 3])
    with_3 = count_queries()
    for n in range(27):
        submit(f"More {n}", country=["MX", "PE", "CL", "AR"][n % 4])
    with_30 = count_queries()
    assert with_3 == with_30
