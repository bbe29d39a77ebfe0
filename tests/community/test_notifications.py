"""Notifications in the site and by email, the header count, and the one-click frequency link."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community import notifications, services
from community.context_processors import notifications as header_context
from community.models import Notification, Watch

from . import factories

pytestmark = pytest.mark.django_db


def test_the_header_shows_the_unread_count_and_opening_marks_read(
    client_for, alice, bruno, established
):
    thread = factories.thread(alice)
    services.post_reply(user=bruno, thread=thread, body="Hola @alicia, mira esto")
    client = client_for(alice)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-unread="1"' in page
    notification = Notification.objects.get(recipient=alice)
    listing = client.get(reverse("community:notifications")).content.decode()
    assert "mentioned you" in listing and thread.title in listing
    response = client.get(reverse("community:notification_open", args=[notification.pk]))
    assert response["Location"] == reverse("community:post", args=[notification.post_id])
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'data-unread="' not in client.get(reverse("home")).content.decode()


def test_mark_all_read(client_for, alice, bruno, carla, established):
    thread = factories.thread(alice)
    Watch.objects.create(user=alice, thread=thread)
    services.post_reply(user=bruno, thread=thread, body="Uno")
    services.post_reply(user=carla, thread=thread, body="Dos")
    assert Notification.objects.filter(recipient=alice, read_at=None).count() == 2
    client_for(alice).post(reverse("community:notifications_read_all"))
    assert not Notification.objects.filter(recipient=alice, read_at=None).exists()


def test_the_header_count_costs_one_query_and_none_for_visitors(rf, alice):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    assert header_context(request) == {"UNREAD_NOTIFICATIONS": 0, "UNREAD_VERSION": ""}
    request.user = alice
    context = header_context(request)
    with CaptureQueriesContext(connection) as queries:
        assert not context["UNREAD_NOTIFICATIONS"]
        assert str(context["UNREAD_NOTIFICATIONS"]) == "0"
    assert len(queries) == 1


def test_only_members_who_chose_immediately_get_an_email_per_notification(
    alice, bruno, carla, established, django_capture_on_commit_callbacks
):
    factories.profile(carla, email_frequency="daily")
    thread = factories.thread(alice)
    with django_capture_on_commit_callbacks(execute=True):
        services.post_reply(user=alice, thread=thread, body="Hola @bruno y @carla")
    assert Notification.objects.filter(kind="mention").count() == 2
    assert [m.to for m in mail.outbox] == [[bruno.email]]
    message = mail.outbox[0]
    assert message.extra_headers["List-Unsubscribe"].startswith(
        "<http://testserver/en/community/email/"  # the address in the member's language
    )
    assert "Hola @bruno" in message.alternatives[0][0]
    # A retried task sends nothing more.
    assert notifications.email_notifications(post_id=Notification.objects.first().post_id) == 0


def test_mentions_reach_only_members_who_can_read(alice, bruno, carla, established):
    group = factories.category("group", is_private=True)
    group.members.add(alice, bruno)
    thread = factories.thread(alice, cat=group)
    services.post_reply(user=alice, thread=thread, body="@bruno @carla @nadie")
    assert set(Notification.objects.values_list("recipient__email", flat=True)) == {bruno.email}


def test_the_emailed_link_changes_the_frequency_only_on_post(client, bruno):
    token = notifications.frequency_token(bruno)
    url = reverse("community:email_frequency", args=[token])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "Save my choice" in page.content.decode()
    bruno.member_profile.refresh_from_db()
    assert bruno.member_profile.email_frequency == "immediately"  # a GET changes nothing
    response = client.post(url, {"email_frequency": "weekly"})
    assert response.status_code == 302
    bruno.member_profile.refresh_from_db()
    assert bruno.member_profile.email_frequency == "weekly"
    assert client.get(reverse("community:email_frequency", args=["forged"])).status_code == 404


def test_watching_a_category_brings_its_new_threads(client_for, alice, bruno, established):
    cat = factories.category()
    client_for(bruno).post(reverse("community:category_watch", args=[cat.slug]))
    assert Watch.objects.filter(user=bruno, category=cat).exists()
    services.thread_start(user=alice, category=cat, title="Nuevo", body="Texto")
    assert Notification.objects.get(recipient=bruno).kind == "new_thread"
    client_for(bruno).post(reverse("community:category_watch", args=[cat.slug]))
    assert not Watch.objects.filter(user=bruno, category=cat).exists()


def test_a_notification_changed_outside_the_services_updates_the_header(
    client_for, alice, bruno, established
):
    """The admin or a data fix saves notifications directly: the kept count follows."""
    thread = factories.thread(alice)
    services.post_reply(user=bruno, thread=thread, body="Hola @alicia")
    client = client_for(alice)
    assert 'data-unread="1"' in client.get(reverse("home")).content.decode()
    notification = Notification.objects.get(recipient=alice)
    other = factories.thread(bruno)
    Notification.objects.create(
        recipient=alice, kind=notification.kind, actor=bruno, post=other.posts.first()
    )
    assert 'data-unread="2"' in client.get(reverse("home")).content.decode()
    notification.delete()
    assert 'data-unread="1"' in client.get(reverse("home")).content.decode()
