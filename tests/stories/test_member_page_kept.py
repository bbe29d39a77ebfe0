"""A story's page is kept once for all members too (nothing in it is one member's but the frame:
iapt_platform/lib/pagecache.py, `members=True`): a member's next reading renders nothing and asks
the database nothing of the story, each member sees their own frame, an edit shows at once, and
readings are still counted."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from iapt_platform.lib.tasks import flush_counters
from initiatives.stories.models import StoryDailyStat
from tests.addresses import address
from tests.factories import InitiativeFactory, signed_in

from .factories import StoryFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(db):
    return StoryFactory(
        slug="cacao",
        title_en="The cacao of Esmeraldas",
        initiatives=[InitiativeFactory(name="Cluster Cacao")],
        topics=[TopicFactory(slug="financing", name_en="Financing")],
    )


BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"}


def page(client: Client) -> str:
    response = client.get(address("stories:detail", ["cacao"], language="en"), **BROWSER)
    assert response.status_code == 200
    return response.content.decode()


def account_link(html: str) -> str:
    """The header's sign-out form (a member's own token) and the account link."""
    found = re.search(r'href="[^"]*">Your account</a>', html)
    return found.group(0) if found else ""


def test_a_member_s_second_reading_asks_nothing_of_the_story(story):
    _user, client = signed_in("reader@example.org")
    first = page(client)
    with CaptureQueriesContext(connection) as queries:
        html = page(client)
    assert html.count("The cacao of Esmeraldas") == first.count("The cacao of Esmeraldas") > 0
    assert "Cluster Cacao" in html and "Financing" in html and account_link(html)
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    for table in ("stories_story", "stories_topic", "initiatives_initiative"):
        assert table not in tables


def test_each_member_reads_their_own_frame_in_the_shared_copy(story):
    _a, a_client = signed_in("a@example.org")
    _b, b_client = signed_in("b@example.org")
    a_page, b_page = page(a_client), page(b_client)
    tokens = [
        re.findall(r'name="csrfmiddlewaretoken" value="(\w+)"', html) for html in (a_page, b_page)
    ]
    assert tokens[0] and tokens[1]
    assert a_client.cookies["csrftoken"].value != b_client.cookies["csrftoken"].value
    visitor = page(Client())
    assert "Sign out" not in visitor and "Sign out" in a_page and "Sign out" in b_page


def test_an_edit_shows_to_a_member_at_once_and_readings_are_counted(
    story, django_capture_on_commit_callbacks
):
    _user, client = signed_in("partner@example.org")
    page(client)
    page(client)
    with django_capture_on_commit_callbacks(execute=True):
        story.title_en = "The fine cacao of Esmeraldas"
        story.save()
    html = page(client)
    assert "The fine cacao of Esmeraldas" in html and "The cacao of Esmeraldas" not in html
    flush_counters()
    assert sum(StoryDailyStat.objects.filter(story=story).values_list("reads", flat=True)) == 3
