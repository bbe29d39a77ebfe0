from celery import shared_task

from . import suggestions


@shared_task(acks_late=True)  # idempotent: each run rewrites the rows it recomputes
def suggestions_refresh(full: bool = False) -> int:
    """Recompute suggestions: incrementally (posts changed since the last run), or all of them."""
    return suggestions.suggestions_refresh(full=full).initiatives
