import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import OutgoingEmail

STUCK_AFTER = dt.timedelta(minutes=15)  # the sweeper runs every minute: this is not a delay


def outgoing_needing_attention(*, now: dt.datetime | None = None) -> QuerySet[OutgoingEmail]:
    """Failed rows, and pending ones that a sweep should have sent by now (the mail server
    refusing them, or the sweeper not running), newest first."""
    stuck_since = (now or timezone.now()) - STUCK_AFTER
    return (
        OutgoingEmail.objects.filter(
            Q(status=OutgoingEmail.Status.FAILED)
            | Q(status=OutgoingEmail.Status.PENDING, created_at__lt=stuck_since)
        )
        .defer("payload")
        .order_by("-created_at", "-pk")
    )
