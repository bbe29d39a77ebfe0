"""What a sent issue's readers did, as counts: departures through an edition's unsubscribe link,
and the bounces and complaints the mail provider reports (clicks: newsletter/links.py)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F

from ..models import Delivery, Edition, MailEvent, Subscriber


def edition_count_unsubscribe(*, edition_id: int, subscriber_id: int) -> bool:
    """Count one departure for the edition whose link was used, if that issue was sent to this
    subscriber (an edition id typed into someone else's link counts nothing)."""
    edition = Edition.objects.filter(pk=edition_id).values_list("issue_id", flat=True).first()
    if edition is None:
        return False
    received = Delivery.objects.filter(
        issue_id=edition, subscriber_id=subscriber_id, status=Delivery.Status.SENT
    ).exists()
    if not received:
        return False
    return bool(Edition.objects.filter(pk=edition_id).update(unsubscribes=F("unsubscribes") + 1))


def mail_event_record(
    *, email: str, kind: str, reason: str, occurred_at: datetime
) -> MailEvent | None:
    """A provider's report on a subscriber's address, put with the last issue sent to it.
    Addresses of nobody subscribed (other emails of the platform) are not the bulletin's."""
    if kind not in MailEvent.Kind.values:
        return None
    subscriber = Subscriber.objects.filter(email=(email or "").strip().lower()).first()
    if subscriber is None:
        return None
    last = (
        Delivery.objects.filter(subscriber=subscriber, status=Delivery.Status.SENT)
        .order_by("-sent_at", "-pk")
        .values("issue_id", "language")
        .first()
    )
    return MailEvent.objects.create(
        kind=kind,
        subscriber=subscriber,
        issue_id=last["issue_id"] if last else None,
        language=last["language"] if last else "",
        reason=(reason or "")[:500],
        occurred_at=occurred_at,
    )
