"""The eight buttons of a joint project's page, each as the service it calls: who may, what it
writes, whom it emails; then the page's own handling of a button (404, refusals, messages).

`project` (conftest): published, led by A; B is invited and has not confirmed. `third`: a
published initiative outside the project, managed by `third_manager`."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from iapt_platform.moderation.models import ModerationItem
from initiatives.matchmaking import services
from initiatives.matchmaking.models import Project, ProjectPartner, ProjectUpdate
from tests.factories import InitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def third_manager(db):
    return UserFactory(email="tercero@example.org", language="en")


@pytest.fixture
def third(third_manager):
    initiative = InitiativeFactory(name="Clúster Cafetero del Huila", country="CO")
    initiative.managers.add(third_manager)
    return initiative


@pytest.fixture
def join_request(project, third, third_manager):
    return services.project_join_request(
        project=project, user=third_manager, initiative=third, message="We bring 30 firms."
    )


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Runs a block's after-commit work (the emails) and returns the recipients it wrote to."""

    class Sent:
        def __call__(self):
            return django_capture_on_commit_callbacks(execute=True)

        @property
        def to(self):
            return sorted(address for message in mail.outbox for address in message.to)

    return Sent()


# --- invite ---------------------------------------------------------------------------------------


def test_a_partner_invites_an_initiative_and_its_managers_hear_by_email(
    project, promoter_a, third, third_manager, sent
):
    with sent():
        partner = services.project_invite(
            project=project, user=promoter_a, initiative=third, message="Join us."
        )

    assert (partner.initiative, partner.confirmed, partner.accepted) == (third, False, True)
    assert (partner.added_by, partner.message) == (promoter_a, "Join us.")
    assert sent.to == [third_manager.email]
    assert project.title in mail.outbox[0].subject


@pytest.mark.parametrize("who", ["invited", "outsider", "moderator"])
def test_only_a_manager_of_an_active_partner_invites(
    who, project, promoter_b, third, third_manager, moderator, sent
):
    user = {"invited": promoter_b, "outsider": third_manager, "moderator": moderator}[who]
    with sent(), pytest.raises(PermissionDenied):
        services.project_invite(project=project, user=user, initiative=third, message="")

    assert not project.partners.filter(initiative=third).exists()
    assert sent.to == []


def test_an_initiative_is_invited_once_and_only_when_published(
    project, promoter_a, initiative_b, third
):
    with pytest.raises(services.MatchmakingError, match="already a partner or was already asked"):
        services.project_invite(
            project=project, user=promoter_a, initiative=initiative_b, message=""
        )
    draft = InitiativeFactory(status="draft")
    with pytest.raises(services.MatchmakingError, match="Only initiatives published"):
        services.project_invite(project=project, user=promoter_a, initiative=draft, message="")
    assert project.partners.count() == 2


# --- join, accept, refuse -------------------------------------------------------------------------


def test_a_request_to_join_waits_for_the_partners_and_only_active_partners_hear_of_it(
    project, promoter_a, promoter_b, third, third_manager, sent
):
    with sent():
        request = services.project_join_request(
            project=project, user=third_manager, initiative=third, message="  We bring firms. "
        )

    assert (request.confirmed, request.accepted) == (True, False)
    assert (request.confirmed_by, request.message) == (third_manager, "We bring firms.")
    # B is only invited: it does not speak for the project yet.
    assert sent.to == [promoter_a.email]
    assert "Clúster Cafetero del Huila asks to join" in mail.outbox[0].subject


def test_one_asks_to_join_only_for_an_initiative_one_manages(project, promoter_a, third):
    with pytest.raises(PermissionDenied):
        services.project_join_request(
            project=project, user=promoter_a, initiative=third, message=""
        )
    assert not project.partners.filter(initiative=third).exists()


def test_a_project_in_review_takes_no_request_to_join(
    promoter_a, initiative_a, project_data, third, third_manager
):
    project = services.project_create(user=promoter_a, lead=initiative_a, data=project_data)
    with pytest.raises(services.MatchmakingError, match="not looking for partners"):
        services.project_join_request(
            project=project, user=third_manager, initiative=third, message="x"
        )


def test_an_active_partner_accepts_a_request_to_join(join_request, promoter_a, project, third):
    services.project_partner_accept(partner=join_request, user=promoter_a, accept=True)

    join_request.refresh_from_db()
    assert join_request.is_active
    assert project.partners.get(initiative=third).accepted
    with pytest.raises(services.MatchmakingError, match="already a partner"):
        services.project_partner_accept(partner=join_request, user=promoter_a, accept=True)


def test_refusing_a_request_to_join_removes_it(join_request, promoter_a):
    services.project_partner_accept(partner=join_request, user=promoter_a, accept=False)
    assert not ProjectPartner.objects.filter(pk=join_request.pk).exists()


# --- confirm, decline -----------------------------------------------------------------------------


def test_the_invited_initiatives_own_manager_confirms(project, promoter_b, initiative_b):
    partner = project.partners.get(initiative=initiative_b)

    services.project_partner_confirm(partner=partner, user=promoter_b, confirm=True)

    partner.refresh_from_db()
    assert (partner.confirmed, partner.confirmed_by, partner.is_active) == (True, promoter_b, True)
    assert partner.confirmed_at is not None
    with pytest.raises(services.MatchmakingError, match="already confirmed"):
        services.project_partner_confirm(partner=partner, user=promoter_b, confirm=False)
    assert ProjectPartner.objects.filter(pk=partner.pk).exists()


# An invitation is answered by the invited initiative's own managers, a request to join by the
# project's active partners: nobody else, staff included.
DENIED_ANSWERS = [
    ("invitation", "lead"),
    ("invitation", "outsider"),
    ("invitation", "moderator"),
    ("request", "applicant"),
    ("request", "invited"),
    ("request", "moderator"),
]


@pytest.mark.parametrize("yes", [True, False])
@pytest.mark.parametrize(("waiting", "who"), DENIED_ANSWERS)
def test_no_one_else_answers_a_waiting_partner(
    waiting,
    who,
    yes,
    project,
    join_request,
    initiative_b,
    promoter_a,
    promoter_b,
    third_manager,
    moderator,
):
    user = {
        "lead": promoter_a,
        "invited": promoter_b,
        "outsider": third_manager,
        "applicant": third_manager,
        "moderator": moderator,
    }[who]
    if waiting == "invitation":
        partner = project.partners.get(initiative=initiative_b)
        with pytest.raises(PermissionDenied):
            services.project_partner_confirm(partner=partner, user=user, confirm=yes)
    else:
        partner = join_request
        with pytest.raises(PermissionDenied):
            services.project_partner_accept(partner=partner, user=user, accept=yes)

    partner.refresh_from_db()
    assert not partner.is_active


# --- update, stage --------------------------------------------------------------------------------


def test_a_partner_posts_an_update_that_waits_for_review(project, promoter_a, initiative_a):
    update = services.project_post_update(
        project=project, user=promoter_a, initiative=initiative_a, text="  First workshop.  "
    )

    assert (update.status, update.text, update.author) == (
        "in_review",
        "First workshop.",
        promoter_a,
    )
    assert ModerationItem.objects.filter(kind="project_update", object_id=update.pk).exists()


def test_an_update_speaks_for_an_active_partner_one_manages(
    project, promoter_a, promoter_b, initiative_a, initiative_b
):
    services.project_partner_confirm(
        partner=project.partners.get(initiative=initiative_b), user=promoter_b, confirm=True
    )
    # A and B are both partners now; A still cannot write on B's behalf.
    with pytest.raises(PermissionDenied):
        services.project_post_update(
            project=project, user=promoter_a, initiative=initiative_b, text="Hi"
        )
    assert not ProjectUpdate.objects.exists()


def test_an_update_needs_a_published_project_and_a_text(
    project, promoter_a, initiative_a, project_data
):
    with pytest.raises(services.MatchmakingError, match="Write the update first"):
        services.project_post_update(
            project=project, user=promoter_a, initiative=initiative_a, text="   "
        )
    in_review = services.project_create(user=promoter_a, lead=initiative_a, data=project_data)
    with pytest.raises(services.MatchmakingError, match="once the project is published"):
        services.project_post_update(
            project=in_review, user=promoter_a, initiative=initiative_a, text="News"
        )
    assert not ProjectUpdate.objects.exists()


def test_a_partner_sets_the_stage_from_the_list(project, promoter_a, promoter_b, third_manager):
    services.project_set_stage(project=project, user=promoter_a, stage="funded")
    assert Project.objects.get(pk=project.pk).stage == "funded"

    with pytest.raises(services.MatchmakingError, match="Choose a stage"):
        services.project_set_stage(project=project, user=promoter_a, stage="won")
    for outsider in (promoter_b, third_manager):
        with pytest.raises(PermissionDenied):
            services.project_set_stage(project=project, user=outsider, stage="finished")
    assert Project.objects.get(pk=project.pk).stage == "funded"


# --- The page's handling of a button ---------------------------------------------------------------


@pytest.mark.parametrize("partner", ["abc", "", "999999"])
def test_a_button_for_an_unknown_partner_is_not_found(client, project, promoter_b, partner):
    client.force_login(promoter_b)
    response = client.post(project.get_absolute_url(), {"action": "confirm", "partner": partner})
    assert response.status_code == 404


def test_a_button_for_a_partner_of_another_project_is_not_found(
    client, project, promoter_a, promoter_b, initiative_a, initiative_b, project_data
):
    other = services.project_create(
        user=promoter_a,
        lead=initiative_a,
        data={**project_data, "title": "Another"},
        partners=[initiative_b],
    )
    invitation = other.partners.get(initiative=initiative_b)
    client.force_login(promoter_b)

    response = client.post(
        project.get_absolute_url(), {"action": "confirm", "partner": invitation.pk}
    )

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert not invitation.confirmed


def test_an_unknown_action_is_not_found_and_visitors_are_sent_to_sign_in(
    client, project, promoter_a
):
    response = client.post(project.get_absolute_url(), {"action": "stage", "stage": "funded"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(promoter_a)
    assert client.post(project.get_absolute_url(), {"action": "delete"}).status_code == 404
    assert Project.objects.get(pk=project.pk).stage == "consortium"


def test_a_refused_invitation_shows_on_its_form(client, project, promoter_a, initiative_b):
    client.force_login(promoter_a)

    response = client.post(
        project.get_absolute_url(),
        {"action": "invite", "initiative": initiative_b.pk, "message": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert "is already a partner or was already asked" in response.content.decode()


def test_a_refused_button_comes_back_as_a_message(
    client, project, promoter_b, initiative_b, django_capture_on_commit_callbacks
):
    partner = project.partners.get(initiative=initiative_b)
    client.force_login(promoter_b)
    url = project.get_absolute_url()
    done = client.post(url, {"action": "confirm", "partner": partner.pk}, follow=True)
    assert "Confirmed: Clúster Ciberseguro de Lima is now a partner." in done.content.decode()

    again = client.post(url, {"action": "decline", "partner": partner.pk}, follow=True)

    assert again.redirect_chain == [(url, 302)]
    assert "This partnership was already confirmed." in again.content.decode()
    assert ProjectPartner.objects.filter(pk=partner.pk).exists()


def test_the_invited_manager_is_asked_to_confirm_on_the_page(client, project, promoter_b):
    client.force_login(promoter_b)
    body = client.get(project.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your confirmation is needed" in body
    assert "Confirm Clúster Ciberseguro de Lima as partner" in body
    assert "For the partners" not in body  # not a partner until it confirms


def test_the_project_page_opens_with_the_forms_of_a_partner(client, project, promoter_a):
    client.force_login(promoter_a)
    response = client.get(project.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    for button in ("Change the stage", "Invite a partner", "Post an update"):
        assert button in body
    assert "Your confirmation is needed" not in body
    assert reverse("matchmaking:project_edit", args=[project.slug]) in body
