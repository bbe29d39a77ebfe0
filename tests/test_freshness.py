"""No stale page after an edit: a change to an initiative, a story, a resource, a meeting or a forum
post shows on the next request on every page that displays it, for visitors (pages from the
visitors' cache) and for signed-in members (sections and fragments kept for them).

Each edit is a save as the services and the admin make it, with its commit's callbacks run (as in
production); what turns the cached copies stale is each app's cache invalidation alone, so each
test fails when the invalidation it relies on is removed."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from community import services as forum_services
from initiatives import services as registry_services
from library import services as library_services
from tests.addresses import address
from tests.community import factories as forum
from tests.factories import InitiativeFactory, ProgrammeFactory, SectorFactory, UserFactory
from tests.library.factories import ResourceFactory
from tests.meetings.factories import MeetingFactory
from tests.stories.factories import StoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    sector = SectorFactory(slug="cocoa", name_en="Cocoa")
    programme = ProgrammeFactory(slug="andes", name="Andes Programme")
    initiative = InitiativeFactory(
        slug="alpha", name="Cluster Alpha", country="EC", sectors=[sector], programme=programme
    )
    registry_services.initiative_refresh_search(initiative=initiative)
    registry_services.sector_listings_refresh(initiative_ids=[initiative.pk])
    story = StoryFactory(slug="story-alpha", title_en="Story Alpha", initiatives=[initiative])
    resource = ResourceFactory(slug="resource-alpha", title="Resource Alpha")
    resource.initiatives.add(initiative)
    meeting = MeetingFactory(slug="meeting-alpha", title_en="Meeting Alpha")
    meeting.initiatives.add(initiative)
    meeting.resources.add(resource)
    return {
        "sector": sector,
        "programme": programme,
        "initiative": initiative,
        "story": story,
        "resource": resource,
        "meeting": meeting,
    }


@pytest.fixture
def signed_in(db):
    client = Client()
    client.force_login(UserFactory(email="reader@example.org", language="en"))
    return client


def en(name: str, *args) -> str:
    return address(name, args or None, language="en")


def missing(client: Client, pages: list[str], text: str) -> list[str]:
    """The pages that do not show `text` (each must answer 200)."""
    absent = []
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, (page, response.status_code)
        if text not in response.content.decode():
            absent.append(page)
    return absent


def check_fresh(clients, pages, before, after, edit, django_capture_on_commit_callbacks):
    """Every client sees `before` on every page (which caches them), then `after` once edited."""
    for client in clients:
        assert missing(client, pages, before) == []
        assert missing(client, pages, before) == []  # served from the caches this time
    with django_capture_on_commit_callbacks(execute=True):
        edit()
    for client in clients:
        assert missing(client, pages, after) == []
        assert [p for p in pages if before in client.get(p).content.decode()] == []


def test_an_edited_initiative_shows_on_every_page_that_names_it(
    world, signed_in, django_capture_on_commit_callbacks
):
    initiative = world["initiative"]
    pages = [
        en("home"),
        en("initiatives:list"),
        en("initiatives:detail", "alpha"),
        en("initiatives:country", "EC"),
        en("initiatives:sector", "cocoa"),
        en("initiatives:programme", "andes"),
        en("stories:detail", "story-alpha"),
        en("library:detail", "resource-alpha"),
        en("meetings:detail", "meeting-alpha"),
    ]

    def edit():
        initiative.name = "Cluster Omega"
        initiative.save()
        registry_services.initiative_refresh_search(initiative=initiative)

    check_fresh(
        [Client(), signed_in],
        pages,
        "Cluster Alpha",
        "Cluster Omega",
        edit,
        django_capture_on_commit_callbacks,
    )


def test_a_renamed_sector_shows_on_the_directory_s_cards_and_facets_at_once(
    world, signed_in, django_capture_on_commit_callbacks
):
    # Each process keeps the sectors (initiatives.selectors.sectors_in_order) under their own
    # version: a rename must reach the cards and the facets of every directory page.
    sector = world["sector"]
    pages = [
        en("initiatives:list"),
        en("initiatives:list") + "?country=EC",
        en("initiatives:list") + "?sector=cocoa",
        en("initiatives:list") + "?q=alpha",
    ]

    def edit():
        sector.name_en = "Fine cacao"
        sector.save()

    check_fresh(
        [Client(), signed_in],
        pages,
        "Cocoa",
        "Fine cacao",
        edit,
        django_capture_on_commit_callbacks,
    )


def test_an_edited_story_shows_on_every_page_that_shows_it(
    world, signed_in, django_capture_on_commit_callbacks
):
    story = world["story"]
    pages = [
        en("home"),
        en("stories:list"),
        en("stories:detail", "story-alpha"),
        en("initiatives:detail", "alpha"),
    ]

    def edit():
        story.title_en = "Story Omega"
        story.save()

    check_fresh(
        [Client(), signed_in],
        pages,
        "Story Alpha",
        "Story Omega",
        edit,
        django_capture_on_commit_callbacks,
    )


def test_an_edited_resource_shows_on_every_page_that_lists_it(
    world, signed_in, django_capture_on_commit_callbacks
):
    resource = world["resource"]
    pages = [
        en("home"),
        en("library:index"),
        en("library:index") + "?q=resource",  # its rendered results are kept too
        en("library:detail", "resource-alpha"),
        en("initiatives:detail", "alpha"),
        en("meetings:detail", "meeting-alpha"),
    ]

    def edit():
        resource.title = "Resource Omega"
        resource.save()
        library_services.resource_refresh_search(resource=resource)

    check_fresh(
        [Client(), signed_in],
        pages,
        "Resource Alpha",
        "Resource Omega",
        edit,
        django_capture_on_commit_callbacks,
    )


def test_an_edited_meeting_shows_on_every_page_that_lists_it(
    world, signed_in, django_capture_on_commit_callbacks
):
    meeting = world["meeting"]
    pages = [en("home"), en("meetings:calendar"), en("meetings:detail", "meeting-alpha")]

    def edit():
        meeting.title_en = "Meeting Omega"
        meeting.save()

    check_fresh(
        [Client(), signed_in],
        pages,
        "Meeting Alpha",
        "Meeting Omega",
        edit,
        django_capture_on_commit_callbacks,
    )


def test_a_meeting_that_ends_leaves_the_upcoming_list_with_time_alone(db, time_machine):
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    MeetingFactory(
        title_en="Meeting Soon",
        starts_at=now + timedelta(minutes=1),
        ends_at=now + timedelta(minutes=2),
    )
    pages = [en("home"), en("meetings:calendar")]
    visitor = Client()
    assert missing(visitor, pages, "Meeting Soon") == []

    # Well within the time a page is kept, and nothing was written.
    time_machine.move_to(now + timedelta(minutes=3), tick=False)

    assert missing(visitor, pages, "Meeting Soon") == pages


def test_an_edited_forum_post_shows_on_the_next_request(
    world, signed_in, django_capture_on_commit_callbacks
):
    author = UserFactory(email="author@example.org", language="en")
    topic = forum.thread(author, title="Financing the team", body="Old answer text")
    post = topic.posts.get()
    pages = [en("community:thread", topic.pk), en("community:index"), en("home")]
    reader = Client()
    reader.force_login(author)
    for client in (signed_in, reader):
        assert missing(client, [pages[0]], "Old answer text") == []
        assert missing(client, pages, "Financing the team") == []

    with django_capture_on_commit_callbacks(execute=True):
        forum_services.post_edit(
            user=author, post=post, body="New answer text", title="Funding the team"
        )

    for client in (signed_in, reader):
        assert missing(client, [pages[0]], "New answer text") == []
        assert missing(client, pages, "Funding the team") == []


@pytest.fixture
def forum_readers(db, moderator):
    """A thread by its author, with a reply by another member, read by the author, a member
    and a moderator (English); each reader's page is kept before each test's change."""
    author = UserFactory(email="author@example.org", display_name="Ana Autora", language="en")
    replier = UserFactory(email="replier@example.org", display_name="Raúl Replica", language="en")
    forum.profile(author, handle="ana")
    topic = forum.thread(author, title="Financing the team", body="Opening text", is_question=True)
    reply = forum.post(topic, replier, "Reply text mentions @newcomer")
    clients = []
    for user in (author, UserFactory(email="reader@example.org", language="en"), moderator):
        client = Client()
        client.force_login(user)
        clients.append(client)
    page = en("community:thread", topic.pk)
    for client in clients:
        assert missing(client, [page], "Reply text") == []
        assert missing(client, [page], "Reply text") == []  # kept this time
    return {
        "author": author,
        "replier": replier,
        "topic": topic,
        "reply": reply,
        "clients": clients,
        "page": page,
        "moderator": moderator,
    }


def shown(client: Client, page: str) -> str:
    response = client.get(page)
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_reply_shows_on_the_thread_page_at_the_next_request(
    forum_readers, django_capture_on_commit_callbacks, monkeypatch
):
    f = forum_readers
    monkeypatch.setattr(forum_services, "NEW_MEMBER_POSTS", 0)  # published at once
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.post_reply(user=f["author"], thread=f["topic"], body="Second reply text")
    for client in f["clients"]:
        assert "Second reply text" in shown(client, f["page"])


def test_a_post_hidden_by_a_moderator_and_restored_shows_so_at_the_next_request(
    forum_readers, django_capture_on_commit_callbacks
):
    f = forum_readers
    _author, reader, moderator = f["clients"]
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.post_moderate(
            moderator=f["moderator"], post=f["reply"], hide=True, reason="Off topic"
        )
    assert "Reply text" not in shown(reader, f["page"])
    assert "Hidden by the moderators" in shown(moderator, f["page"])

    with django_capture_on_commit_callbacks(execute=True):
        forum_services.post_moderate(
            moderator=f["moderator"], post=f["reply"], hide=False, reason="Fine after all"
        )
    assert "Reply text" in shown(reader, f["page"])
    assert "Hidden by the moderators" not in shown(moderator, f["page"])


def test_an_edited_reply_and_its_history_show_at_the_next_request(
    forum_readers, django_capture_on_commit_callbacks
):
    f = forum_readers
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.post_edit(user=f["replier"], post=f["reply"], body="Reply text, better")
    for client in f["clients"]:
        page = shown(client, f["page"])
        assert "Reply text, better" in page
        assert "Edit history: 1 earlier version" in page


def test_an_accepted_answer_shows_at_the_next_request(
    forum_readers, django_capture_on_commit_callbacks
):
    f = forum_readers
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.thread_accept_answer(user=f["author"], post=f["reply"])
    for client in f["clients"]:
        assert 'status-approved">Accepted answer' in shown(client, f["page"])


def test_a_deleted_post_leaves_the_thread_page_at_the_next_request(
    forum_readers, django_capture_on_commit_callbacks
):
    f = forum_readers
    with django_capture_on_commit_callbacks(execute=True):
        f["reply"].delete()
    for client in f["clients"]:
        assert "Reply text" not in shown(client, f["page"])


def test_a_renamed_author_and_a_new_member_s_handle_show_in_kept_posts_at_the_next_request(
    forum_readers, django_capture_on_commit_callbacks
):
    f = forum_readers
    with django_capture_on_commit_callbacks(execute=True):
        f["replier"].display_name = "Raúl Renamed"
        f["replier"].save()
        forum.profile(UserFactory(email="new@example.org"), handle="newcomer")
    for client in f["clients"]:
        page = shown(client, f["page"])
        assert "Raúl Renamed" in page
        assert (
            'href="/en/community/members/newcomer/" rel="nofollow noopener noreferrer">@newcomer</a>'
            in page
        )


def test_an_attachment_removed_from_a_kept_post_leaves_the_page_at_the_next_request(
    forum_readers, django_capture_on_commit_callbacks
):
    from community.models import Attachment

    f = forum_readers
    with django_capture_on_commit_callbacks(execute=True):
        attachment = Attachment.objects.create(
            post=f["reply"],
            file="community/attachments/x.pdf",
            kind="pdf",
            mimetype="application/pdf",
            original_name="budget-2026.pdf",
            size=10,
        )
    for client in f["clients"]:
        assert "budget-2026.pdf" in shown(client, f["page"])

    with django_capture_on_commit_callbacks(execute=True):
        attachment.delete()  # as the admin or a clean-up would: nothing else in the row changes
    for client in f["clients"]:
        assert "budget-2026.pdf" not in shown(client, f["page"])


def test_the_kept_posts_of_a_thread_show_no_reader_s_own_parts_to_another(
    forum_readers, django_capture_on_commit_callbacks
):
    f = forum_readers
    author, reader, moderator = f["clients"]
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.post_flag(user=f["author"], post=f["reply"], reason="spam")
    assert "1 flag" in shown(moderator, f["page"])  # the moderator's page is kept first
    for client in (author, reader):
        page = shown(client, f["page"])
        assert "1 flag" not in page
        assert "Hide</a>" not in page
    assert "You flagged this post" in shown(author, f["page"])
    assert "You flagged this post" not in shown(reader, f["page"])
    assert "You flagged this post" not in shown(moderator, f["page"])


# --- What is kept for members: never another reader's ------------------------------------------
def test_a_members_unread_count_follows_their_notifications_at_the_next_request(
    db, django_capture_on_commit_callbacks
):
    from community import notifications

    reader = UserFactory(email="reader@example.org", language="en")
    author = UserFactory(email="author@example.org", language="en")
    topic = forum.thread(author, title="Financing the team")
    client = Client()
    client.force_login(reader)
    page = en("initiatives:list")
    assert 'data-unread="' not in client.get(page).content.decode()
    assert 'data-unread="' not in client.get(page).content.decode()  # the count is kept

    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(
            recipients=[reader.pk], kind="reply", post=topic.posts.get(), actor=author
        )
    assert 'data-unread="1"' in client.get(page).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        notifications.notifications_mark_read(user=reader)
    assert 'data-unread="' not in client.get(page).content.decode()


def test_the_parts_of_an_initiative_page_kept_for_members_hold_nobody_s_contact_details(db):
    from iapt_platform.accounts.privacy import Visibility

    InitiativeFactory(
        slug="cacao",
        name="Cluster Cacao",
        contact_name="Carla Cacao",
        contact_email="members.only@cacao.example.org",
        contact_email_visibility=Visibility.MEMBERS,
    )
    member = Client()
    member.force_login(UserFactory(email="reader@example.org", language="en"))
    page = en("initiatives:detail", "cacao")

    assert "members.only@cacao.example.org" in member.get(page).content.decode()
    visitor = Client().get(page).content.decode()  # the shared parts are kept by now
    assert "Cluster Cacao" in visitor
    assert "members.only@cacao.example.org" not in visitor
    assert "Members who sign in see more contact details." in visitor
    again = member.get(page).content.decode()
    assert "members.only@cacao.example.org" in again
    assert "Members who sign in see more contact details." not in again
