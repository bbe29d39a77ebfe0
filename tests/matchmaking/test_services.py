"""What moved out of the views into services: opening a project (from a connection or not), the
refusal of an expression of interest, and the moderation callbacks."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from iapt_platform.moderation.models import ModerationItem
from initiatives.matchmaking import services
from initiatives.matchmaking.models import CollaborationPost, Connection, Project, ProjectUpdate
from tests.factories import InitiativeFactory, UserFactory

from .conftest import make_post

pytestmark = pytest.mark.django_db


# --- project_create -------------------------------------------------------------------------------


def test_a_project_is_led_by_its_creator_and_invites_the_others(
    promoter_a,
    promoter_b,
    initiative_a,
    initiative_b,
    project_data,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        project = services.project_create(
            user=promoter_a,
            lead=initiative_a,
            data=project_data,
            partners=[initiative_a, initiative_b],  # the lead listed again is not invited twice
        )

    assert (project.status, project.stage, project.created_by) == (
        "in_review",
        "consortium",
        promoter_a,
    )
    lead, invited = project.partners.order_by("pk")
    assert (lead.initiative, lead.is_active, lead.confirmed_by) == (initiative_a, True, promoter_a)
    assert (invited.initiative, invited.confirmed, invited.accepted) == (initiative_b, False, True)
    assert [m.to for m in mail.outbox] == [[promoter_b.email]]
    assert ModerationItem.objects.filter(kind="joint_project", object_id=project.pk).exists()


def test_only_a_manager_opens_a_project_for_a_published_lead(
    promoter_a, promoter_b, initiative_a, project_data
):
    with pytest.raises(PermissionDenied):
        services.project_create(user=promoter_b, lead=initiative_a, data=project_data)
    draft = InitiativeFactory(status="draft")
    draft.managers.add(promoter_a)
    with pytest.raises(services.MatchmakingError, match="lead initiative must be published"):
        services.project_create(user=promoter_a, lead=draft, data=project_data)
    assert not Project.objects.exists()


def test_a_project_opened_from_a_connection_moves_it_to_the_joint_project_stage(
    promoter_a, initiative_a, initiative_b, connected, project_data
):
    project = services.project_create(
        user=promoter_a,
        lead=initiative_a,
        data=project_data,
        partners=[initiative_b],
        connection=connected,
    )

    connected.refresh_from_db()
    assert project.connection == connected
    assert connected.stage == "joint_project" and connected.joint_project_at is not None


def test_no_project_is_built_on_someone_elses_connection(connected, project_data):
    stranger = UserFactory()
    own = InitiativeFactory(country="CO")
    own.managers.add(stranger)

    with pytest.raises(PermissionDenied):
        services.project_create(user=stranger, lead=own, data=project_data, connection=connected)

    assert not Project.objects.exists()
    connected.refresh_from_db()
    assert connected.stage == ""


def test_no_project_is_built_on_a_connection_not_accepted(
    promoter_a, initiative_a, initiative_b, project_data
):
    pending = services.connection_create(
        user=promoter_a, from_initiative=initiative_a, to_initiative=initiative_b, message="Hi"
    )

    with pytest.raises(services.MatchmakingError, match="once it is accepted"):
        services.project_create(
            user=promoter_a, lead=initiative_a, data=project_data, connection=pending
        )

    assert not Project.objects.exists()


def test_the_form_from_a_connection_is_led_by_the_viewers_side(
    client, promoter_b, initiative_a, initiative_b, connected, topics
):
    """B accepted A's request: from B's side the lead is B and A is the partner to invite."""
    client.force_login(promoter_b)
    url = reverse("matchmaking:project_create") + f"?connection={connected.pk}"
    form = client.get(url).context["form"]

    assert form.initial["lead"] == initiative_b
    assert form.initial["partners"] == [initiative_a]
    assert form.initial["stage"] == "consortium"
    assert form.initial["topics"] == list(connected.topics.all())


def test_a_connection_one_is_not_part_of_gives_no_form(client, connected):
    stranger = UserFactory()
    InitiativeFactory(country="CO").managers.add(stranger)
    client.force_login(stranger)
    url = reverse("matchmaking:project_create")
    assert client.get(url + f"?connection={connected.pk}").status_code == 403
    # An unknown or malformed connection is ignored: a blank project.
    for value in ("999999", "x"):
        response = client.get(url + f"?connection={value}")
        assert response.status_code == 200 and "lead" not in response.context["form"].initial


def test_a_declined_connection_gives_a_blank_project(
    client, promoter_a, promoter_b, initiative_a, initiative_b
):
    request = services.connection_create(
        user=promoter_a, from_initiative=initiative_a, to_initiative=initiative_b, message="Hi"
    )
    services.connection_decide(connection=request, user=promoter_b, accept=False)
    client.force_login(promoter_a)
    response = client.get(reverse("matchmaking:project_create") + f"?connection={request.pk}")
    assert response.status_code == 200
    assert response.context["form"].initial == {"text_language": "en", "stage": "idea"}


# --- connection_refusal ---------------------------------------------------------------------------


def test_the_refusal_says_why_before_anyone_writes(promoter_a, initiative_a, initiative_b):
    assert "You manage Clúster del Cacao de Esmeraldas yourself" in (
        services.connection_refusal(user=promoter_a, to_initiative=initiative_a)
    )
    assert services.connection_refusal(user=promoter_a, to_initiative=initiative_b) == ""
    newcomer = UserFactory()
    assert "Only managers of a published initiative" in (
        services.connection_refusal(user=newcomer, to_initiative=initiative_b)
    )


def test_connection_create_refuses_with_the_same_words(promoter_a, initiative_a):
    with pytest.raises(services.MatchmakingError, match="yourself"):
        services.connection_create(
            user=promoter_a, from_initiative=initiative_a, to_initiative=initiative_a, message="x"
        )
    assert not Connection.objects.exists()


# --- moderation callbacks -------------------------------------------------------------------------


def test_approval_keeps_the_first_publication_time(initiative_a, moderator):
    post = make_post(initiative_a, status=CollaborationPost.Status.IN_REVIEW)
    services.post_approve(post, moderator=moderator, comment="")
    first = CollaborationPost.objects.get(pk=post.pk).published_at
    assert first is not None

    services.post_request_changes(post, moderator=moderator, comment="")
    assert CollaborationPost.objects.get(pk=post.pk).status == "changes_requested"
    services.post_approve(post, moderator=moderator, comment="")
    assert CollaborationPost.objects.get(pk=post.pk).published_at == first


def test_each_callback_sets_its_status(project, initiative_a, promoter_a, moderator):
    update = services.project_post_update(
        project=project, user=promoter_a, initiative=initiative_a, text="News"
    )
    post = make_post(initiative_a)
    cases = [
        (services.post_reject, post, "rejected"),
        (services.project_request_changes, project, "changes_requested"),
        (services.project_reject, project, "rejected"),
        (services.update_approve, update, "published"),
        (services.update_reject, update, "rejected"),
    ]
    for callback, obj, status in cases:
        callback(obj, moderator=moderator, comment="")
        assert type(obj).objects.get(pk=obj.pk).status == status
    assert ProjectUpdate.objects.get(pk=update.pk).status == "rejected"
