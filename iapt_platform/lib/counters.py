"""Daily aggregate counters (downloads, reads): one row per thing and day, never a row per person.

`bump` adds one with an UPDATE ... SET n = n + 1 on the (thing, day) row, creating the row on the
first count of the day; `looks_like_bot` is the simple rule that keeps crawlers out of the counts.
"""

import re
from datetime import date

from django.db import IntegrityError, models, transaction
from django.db.models import F

# Self-declared robots: crawlers, link checkers, preview fetchers, command-line clients. Browsers
# never send these words; an empty user agent is no browser either.
_BOT = re.compile(
    r"bot|crawl|spider|slurp|preview|fetch|monitor|checker|scan|curl|wget|python|httpclient|"
    r"java/|go-http|headless|lighthouse|facebookexternalhit|whatsapp",
    re.IGNORECASE,
)


def looks_like_bot(user_agent: str) -> bool:
    return not user_agent.strip() or bool(_BOT.search(user_agent))


def bump(model: type[models.Model], column: str, *, day: date, **thing: object) -> None:
    """Add one to `column` of the row of `thing` (a foreign key, as `story_id=3`) on `day`: an
    upsert with F(), safe under concurrency."""
    rows = model._default_manager.filter(date=day, **thing)
    if rows.update(**{column: F(column) + 1}):
        return
    try:
        with transaction.atomic():
            model._default_manager.create(date=day, **thing, **{column: 1})
    except IntegrityError:  # another request created the row first
        rows.update(**{column: F(column) + 1})
