"""Expressing interest: refusals, answers by email, outcomes, and contact details that travel only
once the other side accepts."""

import pytest
from django.core import mail
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from initiatives.matchmaking import services
from initiatives.matchmaking.models import Connection
from initiatives.matchmaking.suggestions import suggestions_refresh
from initiatives.models import Initiative, Visibility
from tests.factories import InitiativeFactory, UserFactory

from .conftest import SECRET_CONTACT_A, SECRET_CONTACT_B, make_post

pytestmark = pytest.mark.django_db


def interest_url(initiative):
    return reverse("matchmaking:interest", args=[initiative.slug])


def test_a_manager_expresses_interest_and_the_other_side_hears_by_email(
    client, promoter_a, promoter_b, initiative_a, initiative_b, django_capture_on_commit_callbacks
):
    offer = make_post(initiative_b, direction="offer", topics=["cybersecurity"])
    make_post(initiative_a, direction="need", topics=["cybersecurity"])
    client.force_login(promoter_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            interest_url(initiative_b),
            {
                "from_initiative": initiative_a.pk,
                "post": offer.pk,
                "message": "We would like your training.",
            },
        )

    connection = Connection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == connection.get_absolute_url()
    assert (connection.from_initiative, connection.to_initiative) == (initiative_a, initiative_b)
    assert (connection.status, connection.sent_by, connection.post) == (
        "pending",
        promoter_a,
        offer,
    )
    assert [t.slug for t in connection.topics.all()] == ["cybersecurity"]
    [email] = mail.outbox
    assert email.to == [promoter_b.email]
    assert email.subject == "Clúster del Cacao de Esmeraldas would like to collaborate with you"
    assert "We would like your training." in email.body
    # Nothing of A's contact travels before B accepts, neither in text nor in HTML.
    html = email.alternatives[0][0]
    for secret in (promoter_a.email, SECRET_CONTACT_A):
        assert secret not in email.body and secret not in html
    assert email.extra_headers.get("Reply-To") is None


def test_expressing_interest_in_ones_own_initiative_is_refused(client, promoter_a, initiative_a):
    client.force_login(promoter_a)

    response = client.post(
        interest_url(initiative_a), {"from_initiative": initiative_a.pk, "message": "Hi"}
    )

    assert response.status_code == 400
    assert "You manage Clúster del Cacao de Esmeraldas yourself" in response.content.decode()
    assert not Connection.objects.exists()


def test_writing_twice_to_the_same_initiative_is_refused(
    client, promoter_a, initiative_a, initiative_b
):
    client.force_login(promoter_a)
    data = {"from_initiative": initiative_a.pk, "message": "Hello again"}
    client.post(interest_url(initiative_b), data)

    response = client.post(interest_url(initiative_b), data)

    assert response.status_code == 400
    body = response.content.decode()
    assert "already wrote to Clúster Ciberseguro de Lima" in body
    assert "Hello again" in body  # the message is kept
    assert Connection.objects.count() == 1


def test_writing_back_while_the_other_side_waits_is_refused(
    promoter_a, promoter_b, initiative_a, initiative_b
):
    services.connection_create(
        user=promoter_a, from_initiative=initiative_a, to_initiative=initiative_b, message="Hi"
    )
    with pytest.raises(services.MatchmakingError, match="answer its message instead"):
        services.connection_create(
            user=promoter_b, from_initiative=initiative_b, to_initiative=initiative_a, message="Hi"
        )
    assert Connection.objects.count() == 1


def test_after_a_decline_one_may_write_again(promoter_a, promoter_b, initiative_a, initiative_b):
    first = services.connection_create(
        user=promoter_a, from_initiative=initiative_a, to_initiative=initiative_b, message="Hi"
    )
    services.connection_decide(connection=first, user=promoter_b, accept=False)
    second = services.connection_create(
        user=promoter_a, from_initiative=initiative_a, to_initiative=initiative_b, message="Again"
    )
    assert second.pk != first.pk


def test_an_account_that_manages_no_initiative_cannot_express_interest(client, initiative_b):
    member = UserFactory(language="en")
    client.force_login(member)

    page = client.get(interest_url(initiative_b)).content.decode()
    response = client.post(interest_url(initiative_b), {"message": "Hi"})

    assert "Only managers of a published initiative can express interest." in page
    assert "<textarea" not in page
    assert response.status_code == 400
    with pytest.raises(services.MatchmakingError, match="Only managers of a published"):
        services.connection_create(
            user=member, from_initiative=None, to_initiative=initiative_b, message="Hi"
        )
    assert not Connection.objects.exists()


def test_one_cannot_write_on_behalf_of_someone_elses_initiative(
    client, promoter_a, initiative_a, initiative_b
):
    third = InitiativeFactory(country="CO")
    client.force_login(promoter_a)
    response = client.post(
        interest_url(third), {"from_initiative": initiative_b.pk, "message": "x"}
    )
    assert response.status_code == 400  # not among the choices
    assert not Connection.objects.exists()


def test_visitors_are_sent_to_sign_in(client, initiative_b):
    response = client.get(interest_url(initiative_b))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_only_the_receiving_side_answers_and_only_once(
    client, promoter_a, promoter_b, initiative_a, initiative_b, django_capture_on_commit_callbacks
):
    connection = services.connection_create(
        user=promoter_a, from_initiative=initiative_a, to_initiative=initiative_b, message="Hi"
    )
    url = connection.get_absolute_url()
    client.force_login(promoter_a)
    client.post(url, {"action": "accept"})
    connection.refresh_from_db()
    assert connection.status == "pending"  # the sender cannot accept its own request

    client.force_login(promoter_b)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "accept"})
    connection.refresh_from_db()
    assert (connection.status, connection.decided_by) == ("accepted", promoter_b)
    assert mail.outbox[-1].to == [promoter_a.email]
    assert "accepted your request" in mail.outbox[-1].subject

    response = client.post(url, {"action": "decline"}, follow=True)
    assert "already answered" in response.content.decode()
    connection.refresh_from_db()
    assert connection.status == "accepted"


def test_strangers_cannot_see_a_connection(client, connected):
    client.force_login(UserFactory())
    assert client.get(connected.get_absolute_url()).status_code == 403


def pages_a_can_see(client, initiative_a, initiative_b, connection):
    """The HTML of every page where manager A meets initiative B (and the API's view of B)."""
    offer = initiative_b.collaboration_posts.first()
    urls = [
        initiative_b.get_absolute_url(),
        initiative_a.get_absolute_url(),
        reverse("matchmaking:list"),
        reverse("matchmaking:projects"),
        reverse("matchmaking:mine"),
        reverse("matchmaking:initiative", args=[initiative_a.slug]),
        interest_url(initiative_b),
        offer.get_absolute_url(),
        connection.get_absolute_url(),
        reverse("api:initiative-detail", args=[initiative_b.slug]),
        reverse("api:initiative-list"),
    ]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    return pages


def test_contact_details_never_leak_before_acceptance(
    client, promoter_a, promoter_b, initiative_a, initiative_b
):
    make_post(initiative_a, direction="need", topics=["cybersecurity"])
    make_post(initiative_b, direction="offer", topics=["cybersecurity"])
    suggestions_refresh(full=True)
    connection = services.connection_create(
        user=promoter_a, from_initiative=initiative_a, to_initiative=initiative_b, message="Hi"
    )
    secrets_of_b = [promoter_b.email, SECRET_CONTACT_B, initiative_b.contact_phone]

    client.force_login(promoter_a)
    for url, html in pages_a_can_see(client, initiative_a, initiative_b, connection).items():
        for secret in secrets_of_b:
            assert secret not in html, (secret, url)
    # B, before answering, does not see A's details either.
    client.force_login(promoter_b)
    html = client.get(connection.get_absolute_url()).content.decode()
    assert promoter_a.email not in html and SECRET_CONTACT_A not in html

    # A decline shares nothing.
    services.connection_decide(connection=connection, user=promoter_b, accept=False)
    client.force_login(promoter_a)
    html = client.get(connection.get_absolute_url()).content.decode()
    assert all(secret not in html for secret in secrets_of_b)


def test_both_sides_see_each_others_contact_after_acceptance_as_each_field_allows(
    client, promoter_a, promoter_b, connected, initiative_a, initiative_b
):
    # A shows its contact email to members; B hides both its contact email and its phone.
    Initiative.objects.filter(pk=initiative_a.pk).update(
        contact_email_visibility=Visibility.MEMBERS,
        contact_phone="+593 2 000 1111",
        contact_phone_visibility=Visibility.HIDDEN,
    )
    client.force_login(promoter_a)
    html_a = client.get(connected.get_absolute_url()).content.decode()
    client.force_login(promoter_b)
    html_b = client.get(connected.get_absolute_url()).content.decode()

    # The managers' emails are the exchange itself.
    assert promoter_b.email in html_a and promoter_a.email in html_b
    assert "Beatriz Bits" in html_a and "Carla Cacao" in html_b
    # Each contact field as its owner set it: what members may see travels, nothing hidden does.
    assert SECRET_CONTACT_A in html_b
    assert "+593 2 000 1111" not in html_b
    assert SECRET_CONTACT_B not in html_a
    assert initiative_b.contact_phone not in html_a
    # Nor in the emails of the exchange.
    for message in mail.outbox:
        for body in [message.body, *(b for b, _t in getattr(message, "alternatives", []))]:
            assert SECRET_CONTACT_B not in body and initiative_b.contact_phone not in body
            assert "+593 2 000 1111" not in body
    # Still nowhere else, and never for third parties.
    client.force_login(promoter_a)
    assert SECRET_CONTACT_B not in client.get(initiative_b.get_absolute_url()).content.decode()
    client.force_login(UserFactory())
    assert client.get(connected.get_absolute_url()).status_code == 403


def test_outcomes_are_recorded_forward_with_timestamps(client, promoter_a, promoter_b, connected):
    client.force_login(promoter_a)
    client.post(connected.get_absolute_url(), {"action": "stage", "stage": "met"})
    connected.refresh_from_db()
    assert connected.stage == "met"
    assert connected.contacted_at is not None and connected.met_at is not None
    assert connected.agreement_at is None

    client.force_login(promoter_b)
    response = client.post(
        connected.get_absolute_url(), {"action": "stage", "stage": "contacted"}, follow=True
    )
    assert "already reached" in response.content.decode()
    connected.refresh_from_db()
    assert connected.stage == "met"


def test_outcomes_wait_for_acceptance(promoter_a, initiative_a, initiative_b):
    connection = services.connection_create(
        user=promoter_a, from_initiative=initiative_a, to_initiative=initiative_b, message="Hi"
    )
    with pytest.raises(services.MatchmakingError, match="once the request is accepted"):
        services.connection_set_stage(connection=connection, user=promoter_a, stage="met")


def test_the_collaboration_page_shows_suggestions_with_reasons(
    client, promoter_a, initiative_a, initiative_b
):
    make_post(initiative_a, direction="need", topics=["cybersecurity"])
    make_post(initiative_b, direction="offer", topics=["cybersecurity"])
    suggestions_refresh(full=True)
    client.force_login(promoter_a)

    body = client.get(reverse("matchmaking:initiative", args=[initiative_a.slug])).content.decode()

    assert "Clúster Ciberseguro de Lima" in body
    assert "offers cybersecurity training, which you seek; agrifood like you; Peru" in body
    assert interest_url(initiative_b) in body


def test_the_collaboration_page_is_for_managers_only(client, promoter_b, initiative_a):
    url = reverse("matchmaking:initiative", args=[initiative_a.slug])
    client.force_login(promoter_b)
    assert client.get(url).status_code == 403


def _mine_queries(client) -> int:
    client.get(reverse("matchmaking:mine"))  # the frame's kept parts (the unread count) warm
    with CaptureQueriesContext(db_connection) as ctx:
        assert client.get(reverse("matchmaking:mine")).status_code == 200
    return len(ctx.captured_queries)


def test_the_connections_list_takes_a_fixed_number_of_queries(client, promoter_a, initiative_a):
    def write_from(n):
        for _ in range(n):
            sender = InitiativeFactory(country="CO")
            manager = UserFactory()
            sender.managers.add(manager)
            services.connection_create(
                user=manager, from_initiative=sender, to_initiative=initiative_a, message="Hi"
            )

    client.force_login(promoter_a)
    write_from(2)
    small = _mine_queries(client)
    write_from(8)
    assert _mine_queries(client) == small
