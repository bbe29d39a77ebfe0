"""Staff import and export, members subscribing from their account, bounces, archive and feed,
and the demo data."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from newsletter.models import Issue, Subscriber
from newsletter.services import subscribers
from tests.addresses import address

from .factories import BlockFactory, IssueFactory, SubscriberFactory, TopicFactory

pytestmark = pytest.mark.django_db


def test_export_lists_every_subscriber_with_their_consent(
    staff_client, django_assert_max_num_queries
):
    topic = TopicFactory(slug="digital")
    SubscriberFactory(email="=cmd@example.org", topics=[topic])
    SubscriberFactory.create_batch(5)
    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse("newsletter:staff_export"))
        body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0].startswith("email,name,language,country,topics,status,consent_at")
    assert len(lines) == 7
    assert any(line.startswith("'=cmd@example.org") and "digital" in line for line in lines)


def test_the_subscriber_list_has_a_fixed_number_of_queries(
    staff_client, django_assert_max_num_queries
):
    SubscriberFactory.create_batch(3, topics=[TopicFactory()])
    with django_assert_max_num_queries(30) as small:
        staff_client.get(reverse("newsletter:staff_subscribers"))
    SubscriberFactory.create_batch(20, topics=[TopicFactory()])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = staff_client.get(reverse("newsletter:staff_subscribers"))
    assert response.status_code == 200


def test_a_member_with_a_verified_address_subscribes_from_their_account(member_client, member):
    page = member_client.get(reverse("accounts:home"))
    assert reverse("newsletter:account").encode() in page.content
    response = member_client.post(
        reverse("newsletter:account"), {"action": "subscribe", "language": "en"}
    )
    assert response.status_code == 302
    subscriber = Subscriber.objects.get()
    assert subscriber.user == member
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert subscriber.consent_source == Subscriber.Source.ACCOUNT
    assert mail.outbox == []
    member_client.post(reverse("newsletter:account"), {"action": "leave"})
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED


def test_a_member_with_an_unverified_address_must_confirm(
    client, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    user = UserFactory(verified=False)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("newsletter:account"), {"action": "subscribe", "language": "es"})
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING
    assert mail.outbox[0].to == [user.email]


@pytest.mark.parametrize("event_type", ["bounced", "complained", "rejected"])
def test_a_bounce_or_complaint_from_the_provider_suppresses_the_address(event_type):
    from anymail.signals import AnymailTrackingEvent, tracking

    subscriber = SubscriberFactory(email="gone@example.org")
    tracking.send(
        sender=object,
        event=AnymailTrackingEvent(event_type=event_type, recipient="Gone@Example.org"),
        esp_name="TestESP",
    )
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    assert subscriber.suppressed_reason == event_type


def test_deliveries_and_opens_change_nothing():
    from anymail.signals import AnymailTrackingEvent, tracking

    subscriber = SubscriberFactory(email="fine@example.org")
    for event_type in ("delivered", "opened", "deferred"):
        tracking.send(
            sender=object,
            event=AnymailTrackingEvent(event_type=event_type, recipient="fine@example.org"),
            esp_name="TestESP",
        )
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED


def test_the_anymail_webhooks_live_under_the_bulletin(client):
    # The address given to the provider: the unprefixed one (every prefix answers too).
    assert address("newsletter:anymail:postmark_tracking_webhook") == (
        "/bulletin/anymail/postmark/tracking/"
    )


def _sent_issue(**kwargs):
    issue = IssueFactory(languages=["es", "en"], **kwargs)
    BlockFactory(issue=issue)
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SENT, sent_at=timezone.now())
    return issue


def test_the_archive_lists_sent_issues_per_language_in_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    sent = _sent_issue()
    draft = IssueFactory(languages=["es", "en"])
    with django_assert_max_num_queries(10) as small:
        response = client.get(reverse("newsletter:archive", args=["en"]))
    assert f"Subject {sent.number} (en)" in response.content.decode()
    assert f"Subject {draft.number}" not in response.content.decode()
    for _ in range(5):
        _sent_issue()
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("newsletter:archive", args=["en"]))


def test_each_sent_issue_is_readable_on_the_web_and_drafts_are_not(client):
    sent = _sent_issue()
    draft = IssueFactory(languages=["es"])
    page = client.get(reverse("newsletter:issue", args=[sent.number, "es"]))
    assert page.status_code == 200
    assert b"<strong>espa\xc3\xb1ol</strong>" in page.content
    assert reverse("newsletter:issue", args=[sent.number, "en"]).encode() in page.content
    assert client.get(reverse("newsletter:issue", args=[draft.number, "es"])).status_code == 404
    assert client.get(reverse("newsletter:issue", args=[sent.number, "pt-br"])).status_code == 404


def test_the_rss_feed_lists_sent_issues_of_its_language(client):
    sent = _sent_issue()
    response = client.get(reverse("newsletter:feed", args=["en"]))
    assert response["Content-Type"].startswith("application/rss+xml")
    body = response.content.decode()
    assert f"<title>Subject {sent.number} (en)</title>" in body
    assert f"/bulletin/issues/{sent.number}/en/" in body
    assert client.get(reverse("newsletter:feed", args=["xx"])).status_code == 404


def test_the_demo_seeder_is_idempotent():
    from newsletter import demo

    demo.seed(lambda line: None)
    demo.seed(lambda line: None)
    assert set(Subscriber.objects.values_list("language", flat=True)) == {"es", "en", "pt-br"}
    assert list(Issue.objects.filter(status="sent").values_list("number", flat=True)) == [2, 1]
    assert list(Issue.objects.filter(status="draft").values_list("number", flat=True)) == [3]


def test_leaving_by_token_is_idempotent_and_survives_an_erased_subscriber():
    from newsletter import tokens

    subscriber = SubscriberFactory()
    token = tokens.unsubscribe_token(subscriber.pk)
    subscriber.delete()
    assert subscribers.subscriber_unsubscribe_by_token(token=token) is None


def _mail_to(*addresses: str, envelope: str | None = None):
    from anymail.inbound import AnymailInboundMessage
    from anymail.signals import AnymailInboundEvent

    message = AnymailInboundMessage.construct(
        from_email="reader@example.org", to=", ".join(addresses), subject="unsubscribe", text=""
    )
    message.envelope_recipient = envelope
    return AnymailInboundEvent(event_type="inbound", message=message)


def test_a_message_to_the_mailto_unsubscribe_address_unsubscribes(settings):
    from anymail.signals import inbound

    from newsletter import tokens

    settings.NEWSLETTER_UNSUBSCRIBE_MAILBOX = "unsubscribe@iapt.example.org"
    leaving = SubscriberFactory(email="leaving@example.org")
    staying = SubscriberFactory(email="staying@example.org")
    token = tokens.unsubscribe_token(leaving.pk)

    # What a mail program sends for the header's mailto: link (some fold the address to capitals).
    address = f"UNSUBSCRIBE+{token.upper()}@iapt.example.org"
    inbound.send(sender=object, event=_mail_to(address, envelope=address), esp_name="TestESP")

    leaving.refresh_from_db()
    staying.refresh_from_db()
    assert leaving.status == Subscriber.Status.UNSUBSCRIBED
    assert staying.status == Subscriber.Status.CONFIRMED


@pytest.mark.parametrize(
    "address",
    [
        "unsubscribe+{id}-0000000000000000deadbeef00000000@iapt.example.org",  # forged token
        "unsubscribe+{token}@elsewhere.example.org",  # another domain
        "hello+{token}@iapt.example.org",  # another mailbox
        "unsubscribe@iapt.example.org",  # no token
        "not an address",
        "unsubscribe+²-abc@iapt.example.org",  # a digit int() refuses
        "unsubscribe+" + "9" * 5000 + "-abc@iapt.example.org",  # past int()'s digit limit
    ],
)
def test_mail_without_a_valid_token_for_the_mailbox_changes_nothing(settings, address):
    from anymail.signals import inbound

    from newsletter import tokens

    settings.NEWSLETTER_UNSUBSCRIBE_MAILBOX = "unsubscribe@iapt.example.org"
    subscriber = SubscriberFactory(email="staying@example.org")
    address = address.format(id=subscriber.pk, token=tokens.unsubscribe_token(subscriber.pk))

    inbound.send(sender=object, event=_mail_to("x@example.org", envelope=address), esp_name="T")

    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED


def test_the_inbound_webhooks_live_under_the_bulletin():
    assert address("newsletter:anymail:postmark_inbound_webhook") == (
        "/bulletin/anymail/postmark/inbound/"
    )


def test_without_a_webhook_secret_the_provider_webhooks_are_not_mounted(settings):
    import importlib

    from django.urls import NoReverseMatch, clear_url_caches

    import iapt_platform.urls
    import newsletter.urls

    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}
    try:
        importlib.reload(newsletter.urls)
        importlib.reload(iapt_platform.urls)
        clear_url_caches()
        with pytest.raises(NoReverseMatch):
            reverse("newsletter:anymail:postmark_tracking_webhook")
    finally:
        settings.ANYMAIL = {"WEBHOOK_SECRET": "tests-only:webhook-secret"}
        importlib.reload(newsletter.urls)
        importlib.reload(iapt_platform.urls)
        clear_url_caches()
    assert reverse("newsletter:anymail:postmark_tracking_webhook")
