"""Bounces and complaints from the mail provider (django-anymail tracking webhooks).

The house rule keeps signals for cache invalidation only. This receiver is the one exception, and
the only signal used for business flow: anymail hands webhook events to the project *only* as the
`anymail.signals.tracking` signal, so there is no other place to receive them. It does nothing but
call a service.
"""

from __future__ import annotations

from typing import Any

from anymail.signals import tracking

from .services import subscribers

SUPPRESSING_EVENTS = {"bounced", "complained", "rejected"}


def on_tracking_event(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    if not event.recipient:
        return
    if event.event_type in SUPPRESSING_EVENTS:
        subscribers.subscriber_suppress(email=event.recipient, reason=event.event_type)
    elif event.event_type == "unsubscribed":  # the provider's own unsubscribe link
        subscribers.subscriber_suppress(email=event.recipient, reason="provider")


def connect() -> None:
    tracking.connect(on_tracking_event, dispatch_uid="newsletter.suppress_on_bounce")
