"""The SMTP path of a send, against a real (in-process) SMTP server: one connection per chunk,
messages built from a byte template, ESMTP PIPELINING when offered, refusals classified."""

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from newsletter import tokens, transport
from newsletter.models import Delivery, Issue
from newsletter.services import delivery

from .factories import BlockFactory, IssueFactory, SubscriberFactory

pytestmark = pytest.mark.django_db


class Server:
    def __init__(self, *, pipelining: bool) -> None:
        self.pipelining = pipelining
        self.messages: list[tuple[list[str], bytes]] = []
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("perm"):
            return "550 5.1.1 No such user"
        if address.startswith("temp"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(params=[True, False], ids=["pipelining", "plain"])
def smtp_server(request, settings):
    server = Server(pipelining=request.param)
    port = _free_port()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    controller.stop()


def test_a_chunk_sends_personal_messages_over_one_connection(smtp_server, monkeypatch):
    pipelined = []
    original = transport.pipelined_sendmail

    def counting(smtp, sender, recipient, data):
        pipelined.append(recipient)
        return original(smtp, sender, recipient, data)

    monkeypatch.setattr(transport, "pipelined_sendmail", counting)
    issue = IssueFactory(languages=["es", "en"])
    BlockFactory(
        issue=issue,
        content={
            "es": {"title": "Hola", "body": "Línea\n\n.empieza con punto", "image_alt": ""},
            "en": {"title": "Hello", "body": "Line\n\n.starts with a dot", "image_alt": ""},
        },
    )
    readers = [
        SubscriberFactory(email="ana@example.org", language="es"),
        SubscriberFactory(email="perm@example.org", language="es"),
        SubscriberFactory(email="ben@example.org", language="en"),
    ]
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SENDING)
    delivery.deliveries_create(issue=issue)
    from newsletter.rendering import freeze_editions

    freeze_editions(issue)
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))

    outcome = delivery.deliveries_send_chunk(issue_id=issue.pk, first_id=ids[0], last_id=ids[-1])

    assert (outcome.sent, outcome.failed) == (2, 1)
    assert smtp_server.connections == 1
    # Each message went as template bytes, pipelined when the server offers it.
    assert len(pipelined) == (3 if smtp_server.pipelining else 0)
    assert sorted(r[0] for r, _data in smtp_server.messages) == [
        "ana@example.org",
        "ben@example.org",
    ]
    refused = Delivery.objects.get(subscriber=readers[1])
    assert refused.status == Delivery.Status.FAILED
    assert "550" in refused.last_error
    for (recipient,), data in smtp_server.messages:
        subscriber = next(r for r in readers if r.email == recipient)
        message = message_from_bytes(data, policy=policy.default)
        assert message["To"] == recipient
        assert message["Message-ID"] == f"<issue-{issue.pk}-sub-{subscriber.pk}@testserver>"
        token = tokens.unsubscribe_token(subscriber.pk)
        assert f"/bulletin/unsubscribe/{token}/" in message["List-Unsubscribe"]
        assert f"mailto:unsubscribe+{token}@localhost" in message["List-Unsubscribe"]
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert "NLX" not in text + html + str(message["To"])
        assert (
            f"/bulletin/unsubscribe/{token}/" in text and f"/bulletin/unsubscribe/{token}/" in html
        )
        # A line that starts with a dot arrives as written (dot-stuffing undone by the server).
        assert "\n.starts with a dot" in text or "\n.empieza con punto" in text
        assert message["Content-Language"] == subscriber.language


def test_a_temporary_refusal_over_smtp_releases_the_rest(smtp_server):
    issue = IssueFactory(languages=["es"])
    BlockFactory(issue=issue)
    SubscriberFactory(email="temp@example.org")
    SubscriberFactory(email="zed@example.org")
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SENDING)
    delivery.deliveries_create(issue=issue)
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    outcome = delivery.deliveries_send_chunk(issue_id=issue.pk, first_id=ids[0], last_id=ids[-1])
    assert outcome.temporary_error.startswith("SMTPRecipientsRefused")
    assert outcome.released == 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}
    assert smtp_server.messages == []
