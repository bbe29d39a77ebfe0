"""Joint projects: partners appear only with their own confirmation; badges; the directory."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iapt_platform.moderation.models import ModerationItem
from initiatives.matchmaking import services
from initiatives.matchmaking.models import Project, ProjectPartner, ProjectUpdate
from tests.factories import InitiativeFactory, UserFactory

from .conftest import approve_all

pytestmark = pytest.mark.django_db


def test_opening_a_project_from_a_connection_invites_the_other_side(
    client,
    promoter_a,
    promoter_b,
    connected,
    initiative_a,
    initiative_b,
    topics,
    django_capture_on_commit_callbacks,
):
    client.force_login(promoter_a)
    url = reverse("matchmaking:project_create") + f"?connection={connected.pk}"
    form = client.get(url).content.decode()
    assert f'<option value="{initiative_b.pk}" selected>' in form

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "lead": initiative_a.pk,
                "title": "Cyber Andes",
                "summary": "Together.",
                "text_language": "en",
                "topics": [topics["cybersecurity"].pk],
                "countries": ["EC", "PE"],
                "stage": "consortium",
                "partners": [initiative_b.pk],
            },
        )

    project = Project.objects.get()
    assert response.status_code == 302
    assert project.status == "in_review"
    assert ModerationItem.objects.filter(kind="joint_project", object_id=project.pk).exists()
    lead, invited = project.partners.order_by("pk")
    assert (lead.initiative, lead.confirmed, lead.accepted) == (initiative_a, True, True)
    assert (invited.initiative, invited.confirmed, invited.accepted) == (initiative_b, False, True)
    assert any(m.to == [promoter_b.email] and "Cyber Andes" in m.subject for m in mail.outbox)
    connected.refresh_from_db()
    assert connected.stage == "joint_project"


def test_a_partner_appears_only_once_its_own_managers_confirm(
    client, promoter_a, promoter_b, project, initiative_a, initiative_b
):
    partner_b = project.partners.get(initiative=initiative_b)
    page = client.get(project.get_absolute_url()).content.decode()
    assert initiative_a.name in page
    assert initiative_b.name not in page
    assert "Joint project" not in client.get(initiative_b.get_absolute_url()).content.decode()

    # A manages the project, not B: A cannot confirm on B's behalf.
    with pytest.raises(PermissionDenied):
        services.project_partner_confirm(partner=partner_b, user=promoter_a, confirm=True)
    client.force_login(promoter_a)
    assert (
        client.post(
            project.get_absolute_url(), {"action": "confirm", "partner": partner_b.pk}
        ).status_code
        == 403
    )
    partner_b.refresh_from_db()
    assert not partner_b.confirmed

    client.force_login(promoter_b)
    client.post(project.get_absolute_url(), {"action": "confirm", "partner": partner_b.pk})
    partner_b.refresh_from_db()
    assert partner_b.confirmed and partner_b.confirmed_by == promoter_b

    client.logout()
    page = client.get(project.get_absolute_url()).content.decode()
    assert initiative_b.name in page
    for initiative in (initiative_a, initiative_b):
        profile = client.get(initiative.get_absolute_url()).content.decode()
        assert "project-badge" in profile and project.title in profile


def test_declining_an_invitation_removes_it(project, promoter_b, initiative_b):
    partner_b = project.partners.get(initiative=initiative_b)
    services.project_partner_confirm(partner=partner_b, user=promoter_b, confirm=False)
    assert not project.partners.filter(initiative=initiative_b).exists()


def test_a_project_in_review_is_hidden_from_the_public(
    client, promoter_a, initiative_a, project_data
):
    project = services.project_create(user=promoter_a, lead=initiative_a, data=project_data)
    assert client.get(project.get_absolute_url()).status_code == 404
    assert project.title not in client.get(reverse("matchmaking:projects")).content.decode()
    assert "project-badge" not in client.get(initiative_a.get_absolute_url()).content.decode()
    client.force_login(promoter_a)
    assert client.get(project.get_absolute_url()).status_code == 200


def test_an_initiative_answers_the_call_to_join_and_partners_accept(
    client, project, promoter_a, sectors, django_capture_on_commit_callbacks
):
    third_manager = UserFactory(language="en")
    third = InitiativeFactory(name="Clúster Cafetero del Huila", country="CO")
    third.managers.add(third_manager)
    client.force_login(third_manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            project.get_absolute_url(),
            {"action": "join", "initiative": third.pk, "message": "We bring 30 coffee firms."},
        )
    request = project.partners.get(initiative=third)
    assert (request.confirmed, request.accepted) == (True, False)
    assert mail.outbox[-1].to == [promoter_a.email]
    assert (
        "Clúster Cafetero del Huila"
        not in client.get(project.get_absolute_url())
        .content.decode()
        .split('id="partners"')[1]
        .split("</ul>")[0]
    )

    # The applicant cannot accept itself.
    response = client.post(project.get_absolute_url(), {"action": "accept", "partner": request.pk})
    assert response.status_code == 403
    client.force_login(promoter_a)
    client.post(project.get_absolute_url(), {"action": "accept", "partner": request.pk})
    request.refresh_from_db()
    assert request.accepted


def test_joining_a_project_no_longer_forming_is_refused(project, sectors):
    manager = UserFactory()
    third = InitiativeFactory(country="CO")
    third.managers.add(manager)
    project.stage = "in_progress"
    project.save()
    with pytest.raises(services.MatchmakingError, match="not looking for partners"):
        services.project_join_request(project=project, user=manager, initiative=third, message="x")
    assert not project.partners.filter(initiative=third).exists()


def test_updates_are_public_after_review_and_only_partners_post_them(
    client, project, promoter_a, promoter_b, initiative_a, initiative_b, moderator
):
    client.force_login(promoter_a)
    client.post(
        project.get_absolute_url(),
        {"action": "update", "initiative": initiative_a.pk, "text": "First *workshop* held."},
    )
    update = ProjectUpdate.objects.get()
    assert update.status == "in_review"
    client.logout()
    assert "workshop" not in client.get(project.get_absolute_url()).content.decode()
    approve_all(moderator)
    assert "<em>workshop</em>" in client.get(project.get_absolute_url()).content.decode()

    # B is invited but has not confirmed: it is not a partner yet.
    with pytest.raises(PermissionDenied):
        services.project_post_update(
            project=project, user=promoter_b, initiative=initiative_b, text="Hi"
        )


def test_an_edit_of_a_published_project_waits_for_review(
    client, project, promoter_a, topics, moderator
):
    client.force_login(promoter_a)
    client.post(
        reverse("matchmaking:project_edit", args=[project.slug]),
        {
            "title": "New title",
            "summary": "New summary",
            "text_language": "en",
            "topics": [topics["cloud"].pk],
            "countries": ["EC"],
            "call_to_join": "",
            "results": "",
        },
    )
    project.refresh_from_db()
    assert project.title == "Cybersecurity for Andean agrifood exporters"
    assert project.pending_changes["title"] == "New title"
    approve_all(moderator)
    project.refresh_from_db()
    assert project.title == "New title"
    assert [t.slug for t in project.topics.all()] == ["cloud"]
    assert project.pending_changes == {}


def test_results_show_when_the_project_is_finished(client, project, promoter_a):
    project.results = "Forty firms *trained*."
    project.save()
    assert "Forty firms" not in client.get(project.get_absolute_url()).content.decode()
    services.project_set_stage(project=project, user=promoter_a, stage="finished")
    body = client.get(project.get_absolute_url()).content.decode()
    assert "<em>trained</em>" in body
    assert "We look for clusters in Colombia." not in body  # the call closes with the consortium


def test_the_directory_filters_projects(client, project, promoter_b, initiative_b):
    services.project_partner_confirm(
        partner=project.partners.get(initiative=initiative_b), user=promoter_b, confirm=True
    )
    url = reverse("matchmaking:projects")

    def found(**params):
        return project.title in client.get(url, params).content.decode()

    assert found()
    assert found(stage="consortium") and not found(stage="funded")
    assert found(topic="cybersecurity") and not found(topic="cloud")
    assert found(country="PE") and not found(country="MX")
    assert found(forming="on")


def _directory_queries(client) -> int:
    with CaptureQueriesContext(db_connection) as ctx:
        assert client.get(reverse("matchmaking:projects")).status_code == 200
    return len(ctx.captured_queries)


def test_the_directory_takes_a_fixed_number_of_queries(
    client, promoter_a, initiative_a, project_data
):
    def add(n):
        for _i in range(n):
            project = Project.objects.create(
                slug=f"p-{Project.objects.count()}", title="P", summary="S", status="published"
            )
            ProjectPartner.objects.create(
                project=project, initiative=initiative_a, confirmed=True, accepted=True
            )

    add(2)
    small = _directory_queries(client)
    add(10)
    assert _directory_queries(client) == small


def test_other_apps_add_sections_to_the_project_page(client, project):
    from initiatives.matchmaking import hooks

    hooks.register_project_section(
        "test-meetings",
        template="matchmaking/partials/connection_table.html",  # any template of ours will do
        context=lambda request, p: None if p.stage == "finished" else {"connections": []},
        order=1,
    )
    try:
        body = client.get(project.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "No connection yet." in body.split('id="updates"')[0]
        project.stage = "finished"
        project.save()
        body = client.get(project.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "No connection yet." not in body
    finally:
        hooks.unregister_project_section("test-meetings")
