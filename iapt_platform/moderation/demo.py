"""Demo data: the queue as moderators find it on a working day, with submissions of different ages.

The apps' own seeders submit their demo items all at once; this one, run after them, spreads the
pending ones over the past days (the oldest past the answer-within mark), once: when they are
spread already it does nothing, so that running the seeders again changes nothing.
"""

import datetime as dt
from collections.abc import Callable

from .models import ModerationItem

SPREAD = dt.timedelta(days=1, hours=7)


def seed(write: Callable[[str], None]) -> None:
    pending = list(
        ModerationItem.objects.filter(status=ModerationItem.Status.PENDING).order_by("-id")
    )
    if (
        not pending
        or min(i.created_at for i in pending) < max(i.created_at for i in pending) - SPREAD
    ):
        return  # nothing waits, or spread already
    for steps_back, item in enumerate(pending):
        moment = item.created_at - SPREAD * steps_back
        ModerationItem.objects.filter(pk=item.pk).update(created_at=moment, waiting_since=moment)
    write(f"Moderation queue: {len(pending)} demo submissions spread over the past days")
