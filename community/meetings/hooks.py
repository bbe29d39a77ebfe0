"""Hooks for apps that stand on meetings (the arrows point newsletter -> community, so meetings
never imports the bulletin).

When staff publish a meeting with "also announce to bulletin subscribers" ticked, the announcement
task calls every function registered here with the meeting, after the members' announcement. The
bulletin app registers its sender in its AppConfig.ready():

    from community.meetings.hooks import on_announce_to_subscribers
    on_announce_to_subscribers(newsletter.services.announce_meeting)

and sends, once per subscriber, in the subscriber's language (the meeting's title and description
exist in three languages).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

_subscriber_announcers: list[Callable[[Any], object]] = []


def on_announce_to_subscribers(announcer: Callable[[Any], object]) -> None:
    if announcer not in _subscriber_announcers:
        _subscriber_announcers.append(announcer)


def announce_to_subscribers(meeting) -> int:
    """Call the registered announcers; returns how many there were (0 until the bulletin exists)."""
    if not _subscriber_announcers:
        logger.info("Meeting %s: no bulletin announcer is registered", meeting.pk)
    for announcer in _subscriber_announcers:
        announcer(meeting)
    return len(_subscriber_announcers)


# --- Attendance recorded ---------------------------------------------------------------------------
# Surveys register here (community.surveys: it imports meetings, never the other way): once staff
# record who attended a meeting that has ended, a survey attached to it can go to those people.
_attendance_listeners: list[Callable[[Any], object]] = []


def on_attendance_recorded(listener: Callable[[Any], object]) -> None:
    if listener not in _attendance_listeners:
        _attendance_listeners.append(listener)


def attendance_recorded(meeting) -> None:
    """Called inside the transaction that records attendance; listeners queue their work on
    commit."""
    for listener in _attendance_listeners:
        listener(meeting)
