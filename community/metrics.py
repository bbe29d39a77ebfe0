"""Members' and the forum's figures for the community dashboard (registered in apps.py).

Active: a member who posted in the forum, registered for a meeting or contributed a resource to
the library in the month (counted once however much they did). Replies and answers count what
the forum shows: published posts in threads that are not hidden. The country filter is the
member's own country.
"""

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q

from iapt_platform.dashboard.registry import Window, count_by_bucket
from library.models import Resource

from .meetings.models import Registration
from .models import Post, Thread


def joined(window: Window) -> list[int]:
    users = get_user_model().objects.filter(is_active=True)
    return count_by_bucket(users, window, date="date_joined", country="country")


def active(window: Window) -> list[int]:
    """One query: per bucket, people with a post, a registration or a contribution in it."""
    users = get_user_model().objects.filter(is_active=True)
    if window.country:
        users = users.filter(country=window.country)

    def did_something(start, end) -> Q:
        return (
            Q(
                Exists(
                    Post.objects.filter(
                        author=OuterRef("pk"), created_at__gte=start, created_at__lt=end
                    )
                )
            )
            | Q(
                Exists(
                    Registration.objects.filter(
                        user=OuterRef("pk"), created_at__gte=start, created_at__lt=end
                    )
                )
            )
            | Q(
                Exists(
                    Resource.objects.filter(
                        contributed_by=OuterRef("pk"), created_at__gte=start, created_at__lt=end
                    )
                )
            )
        )

    users = users.filter(did_something(window.start, window.end))
    aggregates = {
        f"b{i}": Count("pk", filter=did_something(b.start, b.end))
        for i, b in enumerate(window.buckets)
    }
    result = users.aggregate(**aggregates)
    return [result[f"b{i}"] for i in range(len(window.buckets))]


def _visible_posts():
    return Post.objects.filter(
        status=Post.Status.PUBLISHED, hidden=False, thread__hidden=False, thread__is_published=True
    )


def threads(window: Window) -> list[int]:
    shown = Thread.objects.filter(hidden=False, is_published=True)
    return count_by_bucket(shown, window, date="created_at", country="author__country")


def replies(window: Window) -> list[int]:
    return count_by_bucket(
        _visible_posts().filter(is_opening=False),
        window,
        date="created_at",
        country="author__country",
    )


def answered(window: Window) -> list[int]:
    """Questions whose accepted answer was written in the month."""
    questions = Thread.objects.filter(
        hidden=False, is_published=True, is_question=True, accepted_answer__isnull=False
    )
    return count_by_bucket(
        questions, window, date="accepted_answer__created_at", country="author__country"
    )
