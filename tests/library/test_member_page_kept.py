"""A published resource's page is kept once for all members (iapt_platform/lib/pagecache.py,
`members=True`), with holes for each member's frame and the follow buttons of its topics, and
each member's answers kept (`keep_answers`): a member's next reading renders nothing and asks the
database nothing of them. An edit of the resource, a follow, shows at once; one member's buttons
never reach another; a resource not published (its contributor's draft) is never kept."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from community.following import services as following
from iapt_platform.accounts import roles
from iapt_platform.lib.news import Subject
from library.models import Resource
from tests.addresses import address
from tests.factories import signed_in

from .factories import ResourceFactory, TopicFactory

pytestmark = pytest.mark.django_db

EDIT = "Edit and send it again"
NOT_PUBLIC = "Not public"


@pytest.fixture
def guide(db):
    return ResourceFactory(
        slug="guide",
        title="Guía del cacao fino",
        topics=[
            TopicFactory(slug="financing", name_en="Financing"),
            TopicFactory(slug="training", name_en="Training"),
        ],
    )


def page(client: Client, slug: str = "guide", status: int = 200) -> str:
    response = client.get(address("library:detail", [slug], language="en"))
    assert response.status_code == status
    return response.content.decode()


def kept(client: Client) -> str:
    """The page read twice: the second reading is served from what the first kept."""
    page(client)
    return page(client)


def follows(html: str) -> dict[str, str]:
    """Each topic's follow button: its key and whether the reader follows it."""
    forms = re.findall(
        r'name="key" value="([\w-]+)">.*?data-following="(true|false)"', html, re.DOTALL
    )
    return dict(forms)


def test_a_kept_reading_renders_nothing_and_asks_nothing_of_the_reader(guide):
    user, client = signed_in("reader@example.org")
    following.follow_add(user=user, subject=Subject("topic", "financing"))
    assert follows(page(client)) == {"financing": "true", "training": "false"}
    with CaptureQueriesContext(connection) as queries:
        html = page(client)
    assert "Guía del cacao fino" in html and "Sign out" in html
    assert follows(html) == {"financing": "true", "training": "false"}
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    for table in ("library_resource", "library_topic", "following_follow", "auth_group"):
        assert table not in tables
    # The visitors' copy is another: no member's frame or button in it.
    visitor = page(Client())
    assert follows(visitor) == {} and "Sign out" not in visitor


def test_an_edit_of_the_resource_shows_to_a_member_at_once(
    guide, django_capture_on_commit_callbacks
):
    _user, client = signed_in("partner@example.org")
    assert "Guía del cacao fino" in kept(client)
    with django_capture_on_commit_callbacks(execute=True):
        guide.title = "Guía del cacao de aroma"
        guide.save()
    html = page(client)
    assert "Guía del cacao de aroma" in html and "Guía del cacao fino" not in html


def test_a_follow_and_an_unfollow_show_at_once_to_that_member_alone(guide):
    follower, follower_client = signed_in("a@example.org")
    _other, other_client = signed_in("b@example.org")
    for client in (follower_client, other_client):
        assert follows(kept(client)) == {"financing": "false", "training": "false"}
    following.follow_add(user=follower, subject=Subject("topic", "training"))
    for _ in range(2):
        assert follows(page(follower_client)) == {"financing": "false", "training": "true"}
        assert follows(page(other_client)) == {"financing": "false", "training": "false"}
    following.follow_remove(user=follower, subject=Subject("topic", "training"))
    assert follows(page(follower_client)) == {"financing": "false", "training": "false"}


def test_a_promoter_who_may_not_follow_gets_no_button_from_a_member_s_copy(guide):
    _member, member_client = signed_in("member@example.org")
    _promoter, promoter_client = signed_in("promoter@example.org", roles=[roles.PROMOTER])
    assert follows(kept(member_client)) == {"financing": "false", "training": "false"}
    html = kept(promoter_client)
    assert "Guía del cacao fino" in html and follows(html) == {}


def test_a_contributor_s_draft_is_never_kept_nor_shown_to_another_member(db):
    contributor, contributor_client = signed_in("contributor@example.org")
    ResourceFactory(
        slug="draft", title="Mi borrador", status=Resource.Status.DRAFT, contributed_by=contributor
    )
    for _ in range(2):
        html = page(contributor_client, "draft")
        assert NOT_PUBLIC in html and EDIT in html
    _other, other_client = signed_in("other@example.org")
    page(other_client, "draft", status=404)
    _moderator, moderator_client = signed_in(
        "mod@example.org", roles=[roles.MEMBER, roles.MODERATOR]
    )
    html = page(moderator_client, "draft")
    assert NOT_PUBLIC in html and "Mi borrador" in html and EDIT not in html
    response = contributor_client.get(address("library:detail", ["draft"], language="en"))
    assert "private" in response["Cache-Control"]
