"""No public page type asks the database more often with 30 of each kind of content than with 3:
no page whose cost grows with the registry, the library, the stories, the meetings, the offers or
the bulletin. Measured as a visitor with nothing kept (each page's own cost, the cache cleared
before each request)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from initiatives import selectors as registry_selectors
from initiatives import services as registry_services
from initiatives.matchmaking.models import CollaborationPost, Topic
from initiatives.models import Initiative
from newsletter.models import Issue
from tests.addresses import address
from tests.factories import InitiativeFactory, ProgrammeFactory, SectorFactory
from tests.library.factories import ResourceFactory
from tests.meetings.factories import MeetingFactory
from tests.newsletter.factories import BlockFactory, IssueFactory
from tests.opportunities.factories import OpportunityFactory
from tests.stories.factories import StoryFactory

pytestmark = pytest.mark.django_db

PAGES = [
    ("home", ()),
    ("initiatives:list", ()),
    ("initiatives:detail", ("first",)),
    ("initiatives:country", ("EC",)),
    ("initiatives:sector", ("cocoa",)),
    ("initiatives:programme", ("andes",)),
    ("initiatives:statistics", ()),
    ("initiatives:map", ()),
    ("stories:list", ()),
    ("stories:detail", ("story-first",)),
    ("library:index", ()),
    ("library:detail", ("resource-first",)),
    ("library:collections", ()),
    ("meetings:calendar", ()),
    ("meetings:detail", ("meeting-first",)),
    ("matchmaking:list", ()),
    ("matchmaking:projects", ()),
    ("newsletter:index", ()),
    ("newsletter:archive", ("en",)),
    ("newsletter:issue", (1, "en")),
    ("pages:page", ("privacy",)),
    ("opportunities:list", ()),
    ("opportunities:detail", ("opportunity-first",)),
    ("agenda:index", ()),
]


class Content:
    """Adds n of each kind of content, all around one initiative, one sector and one country."""

    def __init__(self) -> None:
        self.sector = SectorFactory(slug="cocoa")
        self.programme = ProgrammeFactory(slug="andes")
        self.topic, _ = Topic.objects.get_or_create(
            slug="cybersecurity", defaults={"name_es": "C", "name_en": "C", "name_pt_br": "C"}
        )
        self.count = 0

    def add(self, n: int) -> None:
        for _ in range(n):
            first = self.count == 0
            suffix = "first" if first else str(self.count)
            initiative = InitiativeFactory(
                slug=suffix, country="EC", sectors=[self.sector], programme=self.programme
            )
            registry_services.initiative_refresh_search(initiative=initiative)
            registry_services.sector_listings_refresh(initiative_ids=[initiative.pk])
            anchor = initiative if first else self.anchor
            if first:
                self.anchor = initiative
            StoryFactory(slug=f"story-{suffix}", initiatives=[anchor], sectors=[self.sector])
            resource = ResourceFactory(slug=f"resource-{suffix}", countries=["EC"])
            resource.initiatives.add(anchor)
            meeting = MeetingFactory(slug=f"meeting-{suffix}")
            meeting.initiatives.add(anchor)
            if first:
                self.meeting = meeting
            self.meeting.resources.add(resource)
            post = CollaborationPost.objects.create(
                initiative=anchor,
                direction="offer",
                kind="training",
                title=f"Offer {suffix}",
                text="Details.",
                expires_at=timezone.now() + timedelta(days=30),
                status=CollaborationPost.Status.PUBLISHED,
                published_at=timezone.now(),
            )
            post.topics.set([self.topic])
            issue = IssueFactory(
                number=self.count + 1, status=Issue.Status.SENT, sent_at=timezone.now()
            )
            BlockFactory(issue=issue)
            OpportunityFactory(slug=f"opportunity-{suffix}", sectors=[self.sector])
            self.count += 1


def queries(page: str, client: Client | None = None) -> int:
    client = client or Client()
    client.get(page)  # the day's counter rows (story reads, resource views) exist from now on
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(page)
    assert response.status_code == 200, (page, response.status_code)
    return len(captured.captured_queries)


def test_no_public_page_asks_more_queries_at_30_than_at_3():
    content = Content()
    content.add(3)
    pages = [address(name, args or None, language="en") for name, args in PAGES]
    few = {page: queries(page) for page in pages}
    content.add(27)

    many = {page: queries(page) for page in pages}

    # Never more; a page may ask less once its lists are full (a story's related stories are
    # topped up by a second query while too few share its sectors).
    assert {p: (few[p], many[p]) for p in pages if many[p] > few[p]} == {}
    assert sum(many.values()) >= sum(few.values()) - 2


def test_a_page_kept_for_visitors_asks_nothing_of_the_database_but_its_reading_counter():
    Content().add(3)
    pages = [address(name, args or None, language="en") for name, args in PAGES]
    visitor = Client()
    for page in pages:
        visitor.get(page)
    with CaptureQueriesContext(connection) as captured:
        for page in pages:
            assert visitor.get(page).status_code == 200
    asked = [q["sql"] for q in captured.captured_queries if "dailystat" not in q["sql"]]
    assert asked == []
    # The counters are written, one statement a reading (a resource's page).
    assert len(captured.captured_queries) <= 2


def test_the_forum_s_pages_ask_no_more_queries_of_a_member_at_30_than_at_3():
    """The forum is for members: its index, a category and a thread, read by a member, with 3
    and with 30 threads, the thread of 3 and of 60 posts (longer than a page of 50: the page
    count is asked too), the thread's posts kept rendered or not."""
    from community.selectors import fragments_version, thread_version
    from tests.community import factories as forum
    from tests.factories import UserFactory

    author, reader = UserFactory(email="author@example.org"), UserFactory(email="r@example.org")
    client = Client()
    client.force_login(reader)
    first = forum.thread(author, title="First")

    def add(threads: int, posts: int) -> None:
        for n in range(threads):
            forum.thread(author, title=f"Thread {n}")
        for n in range(posts):
            forum.post(first, author, f"Reply {n} to @{author.pk} with **bold** text")

    def counts() -> dict[str, int]:
        found = {}
        for page in (
            address("community:index", language="en"),
            address("community:category", [first.category.slug], language="en"),
            first.get_absolute_url(),
        ):
            client.get(page)
            thread_version(first.pk).bump()  # the page rendered, not kept
            fragments_version(first.pk).bump()  # and its posts
            with CaptureQueriesContext(connection) as rendered:
                assert client.get(page).status_code == 200
            with CaptureQueriesContext(connection) as kept:
                client.get(page)
            found[page] = len(rendered.captured_queries)
            found[f"{page} (kept)"] = len(kept.captured_queries)
        return found

    add(2, 2)
    few = counts()
    add(27, 57)
    many = counts()
    assert {p: (few[p], many[p]) for p in few if many[p] > few[p]} == {}


# The pages that read the registry (its own and the home): their cost must not follow its size.
REGISTRY_PAGES = [
    (name, args) for name, args in PAGES if name.split(":")[0] in ("home", "initiatives")
]


def add_initiatives(content: Content, n: int) -> None:
    """n more published initiatives, inserted in bulk as an import does, all in the first
    initiative's country, programme and sector (every page about them lists or counts them all),
    then the derived listings rebuilt as the daily sweep does."""
    start = Initiative.objects.count()
    others = [SectorFactory(), SectorFactory()]
    made = Initiative.objects.bulk_create(
        InitiativeFactory.build(slug=f"bulk-{start + i}", country="EC", programme=content.programme)
        for i in range(n)
    )
    through = Initiative.sectors.through
    through.objects.bulk_create(
        through(initiative_id=initiative.pk, sector_id=sector.pk)
        for i, initiative in enumerate(made)
        for sector in [content.sector, *others[: i % 3]]
    )
    registry_services.sector_listings_rebuild()
    registry_services.search_listings_rebuild()
    registry_selectors.registry_changed()


def test_no_registry_page_asks_more_queries_at_1000_initiatives_than_at_30(member):
    content = Content()
    content.add(3)
    add_initiatives(content, 27)
    signed_in = Client()
    signed_in.force_login(member)
    pages = [address(name, args or None, language="en") for name, args in REGISTRY_PAGES]
    members = [pages[1], pages[2]]  # the directory and an initiative's page, not kept for them
    few = {page: queries(page) for page in pages}
    few_signed_in = {page: queries(page, signed_in) for page in members}
    add_initiatives(content, 970)
    assert Initiative.objects.published().count() == 1000

    many = {page: queries(page) for page in pages}
    many_signed_in = {page: queries(page, signed_in) for page in members}

    assert {p: (few[p], many[p]) for p in pages if many[p] > few[p]} == {}
    assert {
        p: (few_signed_in[p], many_signed_in[p])
        for p in members
        if many_signed_in[p] > few_signed_in[p]
    } == {}


def _session_query() -> list[str]:
    """The session's row, unless sessions are read from the cache (with Redis: cached_db)."""
    from django.conf import settings

    return (
        [] if settings.SESSION_ENGINE == "iapt_platform.accounts.sessions" else ['"django_session"']
    )


def test_a_members_kept_directory_asks_the_database_only_who_they_are():
    from tests.factories import UserFactory

    Content().add(3)
    member = Client()
    member.force_login(UserFactory(email="reader@example.org", language="en"))
    pages = [address("initiatives:list", language="en"), address("home", language="en")]
    for page in pages:
        member.get(page)
    with CaptureQueriesContext(connection) as captured:
        assert member.get(pages[0]).status_code == 200
    tables = [q["sql"].split(" FROM ", 1)[1].split()[0] for q in captured.captured_queries]
    assert tables == [*_session_query(), '"accounts_user"']


def test_a_members_initiative_page_asks_once_whether_they_manage_it():
    from tests.factories import UserFactory

    content = Content()
    content.add(3)
    manager = UserFactory(email="manager@example.org", language="en")
    content.anchor.managers.add(manager)
    page = address("initiatives:detail", ("first",), language="en")
    for user, manages in (
        (UserFactory(email="reader@example.org", language="en"), False),
        (manager, True),
    ):
        client = Client()
        client.force_login(user)
        client.get(page)
        with CaptureQueriesContext(connection) as captured:
            html = client.get(page).content.decode()
        assert ("Edit this initiative" in html) is manages
        rows = [
            q["sql"] for q in captured.captured_queries if '"accounts_user"."password"' in q["sql"]
        ]
        assert len(rows) == 1  # the reader themselves, never the managers' whole rows


def test_a_members_kept_initiative_page_asks_only_who_they_are_and_how_they_relate_to_it():
    from community.following import services as following
    from iapt_platform.lib.news import Subject
    from tests.factories import UserFactory

    content = Content()
    content.add(3)
    user = UserFactory(email="reader@example.org", language="en")
    following.follow_add(user=user, subject=Subject("initiative", str(content.anchor.pk)))
    member = Client()
    member.force_login(user)
    page = address("initiatives:detail", ("first",), language="en")
    member.get(page)
    with CaptureQueriesContext(connection) as captured:
        assert 'data-following="true"' in member.get(page).content.decode()
    tables = [q["sql"].split(" FROM ", 1)[1].split()[0] for q in captured.captured_queries]
    # Who reads, nothing else: the page is kept, and so are their answers (do they manage it, may
    # they follow or propose a story, do they follow it: pagecache's keep_answers).
    assert tables == [*_session_query(), '"accounts_user"']
