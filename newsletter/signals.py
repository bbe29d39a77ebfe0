"""Bounces and complaints (django-anymail tracking webhooks), and unsubscribe requests mailed to
the List-Unsubscribe mailto address (anymail inbound webhooks), for the bulletin and the forum.

The house rule keeps signals for cache invalidation only. These receivers are the one exception,
and the only signals used for business flow: anymail hands webhook events to the project *only* as
the `anymail.signals.tracking` and `inbound` signals, so there is no other place to receive them.
They do nothing but call a service.
"""

from __future__ import annotations

from typing import Any

from anymail.signals import inbound, tracking
from django.utils import timezone

from community import services as community_services

from .services import results, subscribers

SUPPRESSING_EVENTS = {"bounced", "complained", "rejected"}


def on_tracking_event(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    if not event.recipient:
        return
    if event.event_type in SUPPRESSING_EVENTS:
        subscribers.subscriber_suppress(email=event.recipient, reason=event.event_type)
        results.mail_event_record(
            email=event.recipient,
            kind=event.event_type,
            reason=event.mta_response or event.description or event.reject_reason or "",
            occurred_at=event.timestamp or timezone.now(),
        )
    elif event.event_type == "unsubscribed":  # the provider's own unsubscribe link
        subscribers.subscriber_suppress(email=event.recipient, reason="provider")


def on_inbound_message(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    message = event.message
    if message is None:
        return
    # The envelope recipient is the mailbox the provider delivered to; the To and Cc headers are
    # what the mail program wrote (the same address for an unsubscribe request).
    recipients = [message.envelope_recipient or ""]
    recipients += [a.addr_spec for a in (message.to or []) + (message.cc or []) if a.addr_spec]
    subscribers.subscriber_unsubscribe_by_mail(recipients=recipients)
    # The forum's emails share the mailbox (their tokens start with "f"): the bulletin reads every
    # app, so this receiver hands those over too.
    community_services.forum_emails_stop_by_mail(recipients=recipients)


def connect() -> None:
    tracking.connect(on_tracking_event, dispatch_uid="newsletter.suppress_on_bounce")
    inbound.connect(on_inbound_message, dispatch_uid="newsletter.unsubscribe_by_mail")
