"""Meetings linked to a joint project: who may link them, what the project's page shows, and the
way back from the meeting's page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community.meetings import demo
from community.meetings.models import Meeting
from iapt_platform.accounts import roles
from initiatives.matchmaking.models import Project
from tests.factories import InitiativeFactory, UserFactory, project_with_partners

from .factories import MeetingFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
REFUSAL = "Choose a published joint project from the list."


make_project = project_with_partners


@pytest.fixture
def partner_initiative(moderator_with_totp):
    """An initiative managed by the moderator (CEPAL staff who also run a programme)."""
    initiative = InitiativeFactory(name="Programa de Clústeres del Ecuador")
    initiative.managers.add(moderator_with_totp)
    return initiative


@pytest.fixture
def project(partner_initiative):
    return make_project((partner_initiative, True, True))


def meeting_form(**overrides):
    data = {
        "title_es": "Taller de ciberseguridad",
        "title_en": "Cybersecurity workshop",
        "kind": "workshop",
        "format": "online",
        "organiser_time_zone": "America/Bogota",
        "starts_local": "2030-05-20T10:00",
        "ends_local": "2030-05-20T12:00",
        "online_link": "https://meet.example.org/cyber",
    }
    data.update(overrides)
    return data


def meetings_section(body: str) -> str:
    """The meetings section of a project's page, or "" when the page has none."""
    if 'id="project-meetings"' not in body:
        return ""
    return body.split('id="project-meetings"')[1].split("</section>")[0]


def test_a_moderator_links_a_meeting_and_visitors_see_it_on_the_project_page(
    client, moderator_with_totp, project
):
    client.force_login(moderator_with_totp)
    form = client.get(f"/en/meetings/staff/new/?project={project.pk}", **EN).content.decode()
    assert f'<option value="{project.pk}" selected>Cyber Andes</option>' in form

    response = client.post(
        f"/meetings/staff/new/?project={project.pk}", meeting_form(project=project.pk)
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.project == project

    # A draft shows nowhere until it is published.
    client.logout()
    assert (
        "Cybersecurity workshop"
        not in client.get(project.get_absolute_url(), **EN).content.decode()
    )
    client.force_login(moderator_with_totp)
    client.post(f"/meetings/staff/{meeting.pk}/publish/")

    client.logout()
    section = meetings_section(client.get(project.get_absolute_url(), **EN).content.decode())
    assert "Cybersecurity workshop" in section
    assert meeting.get_absolute_url() in section
    assert "Create a meeting for this project" not in section  # visitors get no staff link
    page = client.get(meeting.get_absolute_url(), **EN).content.decode()
    assert "Part of the joint project" in page
    assert f'<a href="{project.get_absolute_url()}" lang="es">Cyber Andes</a>' in page


def test_the_project_page_lists_upcoming_meetings_first_then_past_ones_in_the_readers_zone(
    client, member, project
):
    member.language, member.time_zone = "en", "America/Mexico_City"
    member.save()
    now = timezone.now()
    MeetingFactory(
        title_en="Next month",
        starts_at=now + timedelta(days=30),
        ends_at=now + timedelta(days=30, hours=2),
        project=project,
    )
    MeetingFactory(
        title_en="In June 2030",
        starts_at=datetime(2030, 6, 4, 15, tzinfo=UTC),
        ends_at=datetime(2030, 6, 4, 17, tzinfo=UTC),
        project=project,
    )
    MeetingFactory(
        title_en="Last year",
        starts_at=now - timedelta(days=400),
        ends_at=now - timedelta(days=400) + timedelta(hours=2),
        status=Meeting.Status.HELD,
        project=project,
    )
    MeetingFactory(
        title_en="Last month",
        starts_at=now - timedelta(days=30),
        ends_at=now - timedelta(days=30) + timedelta(hours=2),
        status=Meeting.Status.HELD,
        project=project,
    )
    MeetingFactory(title_en="Still a draft", published_at=None, project=project)
    MeetingFactory(title_en="Another project's meeting")

    client.force_login(member)
    section = meetings_section(client.get(project.get_absolute_url(), **EN).content.decode())
    upcoming, past = section.split("Past meetings")
    assert "Upcoming meetings" in upcoming
    assert upcoming.index("Next month") < upcoming.index("In June 2030")
    assert past.index("Last month") < past.index("Last year")
    assert "9 a.m." in upcoming  # 15:00 UTC, read in Mexico City
    assert "your time, America/Mexico_City" in upcoming
    assert "Still a draft" not in section
    assert "Another project's meeting" not in section


def test_without_meetings_the_section_is_left_out_but_a_partner_is_shown_how_to_add_one(
    client, moderator_with_totp, promoter, project, partner_initiative
):
    assert meetings_section(client.get(project.get_absolute_url(), **EN).content.decode()) == ""

    # A promoter of a partner cannot create meetings (staff do): nothing to show them.
    partner_initiative.managers.add(promoter)
    client.force_login(promoter)
    assert meetings_section(client.get(project.get_absolute_url(), **EN).content.decode()) == ""

    client.force_login(moderator_with_totp)
    section = meetings_section(client.get(project.get_absolute_url(), **EN).content.decode())
    assert "No community meeting is linked to this project yet." in section
    assert f'href="/en/meetings/staff/new/?project={project.pk}"' in section


def test_a_moderator_links_any_published_project_but_never_one_in_review_or_rejected(
    client, moderator_with_totp
):
    theirs = make_project((InitiativeFactory(), True, True), slug="theirs", title="Theirs")
    waiting = make_project(slug="waiting", title="Waiting", status="in_review")
    rejected = make_project(slug="rejected", title="Rejected", status="rejected")
    client.force_login(moderator_with_totp)

    form = client.get("/en/meetings/staff/new/", **EN).content.decode()
    choices = form.split('name="project"')[1].split("</select>")[0]
    assert f'<option value="{theirs.pk}">Theirs</option>' in choices
    for project in (waiting, rejected):
        assert f'<option value="{project.pk}"' not in choices
        response = client.post("/meetings/staff/new/", meeting_form(project=project.pk), **EN)
        assert response.status_code == 200
        assert REFUSAL in response.content.decode()
    assert not Meeting.objects.exists()

    meeting = MeetingFactory()
    response = client.post(
        f"/meetings/staff/{meeting.pk}/edit/", meeting_form(project=waiting.pk), **EN
    )
    assert REFUSAL in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.project is None and meeting.title_en != "Cybersecurity workshop"

    client.post(f"/meetings/staff/{meeting.pk}/edit/", meeting_form(project=theirs.pk))
    meeting.refresh_from_db()
    assert meeting.project == theirs


def test_an_edit_by_another_moderator_keeps_the_project_and_may_unlink_it(
    client, project, moderator_with_totp
):
    meeting = MeetingFactory(project=project)
    colleague = UserFactory(language="en", roles=[roles.MEMBER, roles.MODERATOR])
    client.force_login(colleague)
    client.post(f"/meetings/staff/{meeting.pk}/edit/", meeting_form(project=project.pk))
    meeting.refresh_from_db()
    assert meeting.project == project and meeting.title_en == "Cybersecurity workshop"

    client.post(f"/meetings/staff/{meeting.pk}/edit/", meeting_form(project=""))
    meeting.refresh_from_db()
    assert meeting.project is None


def test_a_meeting_outlives_its_project_and_hides_a_project_not_published(client, project):
    meeting = MeetingFactory(project=project)
    project.status = Project.Status.IN_REVIEW
    project.save()
    assert (
        "Part of the joint project"
        not in client.get(meeting.get_absolute_url(), **EN).content.decode()
    )
    project.delete()
    meeting.refresh_from_db()
    assert meeting.project is None
    assert client.get(meeting.get_absolute_url()).status_code == 200


def _page_queries(client, project) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(project.get_absolute_url()).status_code == 200
    return len(ctx.captured_queries)


def test_the_project_page_takes_as_many_queries_for_many_meetings_as_for_few(
    client, project, moderator_with_totp, django_assert_max_num_queries
):
    def add(n):
        for _i in range(n):
            MeetingFactory(project=project)
            MeetingFactory(
                project=project,
                starts_at=timezone.now() - timedelta(days=9),
                ends_at=timezone.now() - timedelta(days=9) + timedelta(hours=1),
            )

    add(1)
    few_visitor = _page_queries(client, project)
    client.force_login(moderator_with_totp)
    few_partner = _page_queries(client, project)
    add(10)
    with django_assert_max_num_queries(few_partner):
        client.get(project.get_absolute_url())
    client.logout()
    with django_assert_max_num_queries(few_visitor):
        body = client.get(project.get_absolute_url()).content.decode()
    assert meetings_section(body).count('class="meeting-item card"') == 22


def test_the_demo_links_a_meeting_once_the_project_exists(partner_initiative):
    slug, project_slug = next(iter(demo.PROJECT_LINKS.items()))
    meeting = MeetingFactory(slug=slug)
    lines = []
    demo.seed_project_links(lines.append)  # matchmaking's seeder has not run: nothing breaks
    meeting.refresh_from_db()
    assert meeting.project is None
    assert any("left unlinked" in line for line in lines)

    project = make_project((partner_initiative, True, True), slug=project_slug)
    demo.seed_project_links(lines.append)
    demo.seed_project_links(lines.append)
    meeting.refresh_from_db()
    assert meeting.project == project
