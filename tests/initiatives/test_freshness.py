"""The yearly freshness request and the 18-month flag, with real time travel."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from iapt_platform.moderation.models import ModerationItem
from initiatives import tasks
from initiatives.models import Initiative
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db(transaction=True)

START = datetime.datetime(2026, 1, 10, 12, 0, tzinfo=datetime.UTC)


def test_managers_are_asked_once_a_year_and_confirm_in_one_click(client, promoter):
    with time_machine.travel(START, tick=False):
        initiative = InitiativeFactory(last_verified_at=timezone.now())
        initiative.managers.add(promoter)
        assert tasks.request_freshness_confirmations() == 0
    with time_machine.travel(START + datetime.timedelta(days=366), tick=False):
        assert tasks.request_freshness_confirmations() == 1
        assert tasks.request_freshness_confirmations() == 0  # never twice in a year
        [message] = mail.outbox
        assert message.to == [promoter.email]
        assert initiative.name in message.subject
        link = re.search(
            r"http://testserver((?:/en|/pt-br)?/initiatives/confirm/\S+/)", message.body
        ).group(1)
        assert client.get(link).status_code == 200  # a GET (link scanners) confirms nothing
        initiative.refresh_from_db()
        assert initiative.last_verified_at == START
        client.post(link)
        initiative.refresh_from_db()
        assert initiative.last_verified_at == timezone.now()
        assert client.post(link[:-6] + "broken/").status_code == 400


def test_initiatives_unconfirmed_for_18_months_are_flagged_to_staff_once():
    with time_machine.travel(START, tick=False):
        stale = InitiativeFactory(last_verified_at=timezone.now())
        InitiativeFactory(last_verified_at=timezone.now() + datetime.timedelta(days=200))
    with time_machine.travel(START + datetime.timedelta(days=549), tick=False):
        assert tasks.flag_stale_initiatives() == 1
        assert tasks.flag_stale_initiatives() == 0
    item = ModerationItem.objects.get(kind="stale_initiative")
    assert item.object_id == stale.pk
    assert Initiative.objects.get(pk=stale.pk).stale_flagged_at is not None
