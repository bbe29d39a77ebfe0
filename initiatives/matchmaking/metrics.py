"""Collaboration figures for the community dashboard: posts published, connections asked for,
and the outcomes the initiatives report (contacted, met, agreement, joint project), each counted in
the month it was reported. The country filter takes either side of a connection."""

from django.db.models import Q

from iapt_platform.dashboard.registry import Window, count_by_bucket

from .models import CollaborationPost, Connection

OUTCOME_DATES = ("contacted_at", "met_at", "agreement_at", "joint_project_at")


def posts(window: Window) -> list[int]:
    published = CollaborationPost.objects.filter(published_at__isnull=False)
    return count_by_bucket(published, window, date="published_at", country="initiative__country")


def _connections(window: Window):
    connections = Connection.objects.all()
    if window.country:
        connections = connections.filter(
            Q(from_initiative__country=window.country) | Q(to_initiative__country=window.country)
        )
    return connections


def connections(window: Window) -> list[int]:
    return count_by_bucket(_connections(window), window, date="created_at")


def outcomes(window: Window) -> list[int]:
    """Each outcome is one step of a connection: a connection that met and signed an agreement
    in the period counts twice."""
    totals = [0] * len(window.buckets)
    for field in OUTCOME_DATES:
        counts = count_by_bucket(_connections(window), window, date=field)
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    return totals
