"""The agenda's news reaches people through the following app's notifications and digests (issue
20): a new round every member, an answer the proposal's author and supporters (again when the
answer changes), an agenda item's update the same people; never the moderator who acted."""

import datetime as dt

import pytest
from django.utils import timezone

from community import digests
from community.agenda import services
from community.agenda.models import AgendaItem
from community.following.models import NewsNotification
from iapt_platform.lib import news
from tests.agenda import factories
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def told(user) -> list[str]:
    return sorted(NewsNotification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_round_answer_and_update_reach_their_people_once_each(
    member, promoter, moderator, django_capture_on_commit_callbacks
):
    agenda_round = factories.agenda_round("closed", slug="notified")
    proposal = factories.proposal(agenda_round, promoter, title="Mentoring between clusters")
    with django_capture_on_commit_callbacks(execute=True):
        news.announce(
            kind=services.ROUND_NEWS, obj=agenda_round, subjects=[services.MEMBERS], actor=moderator
        )
    assert "agenda_round" in told(member) and "agenda_round" in told(promoter)
    assert told(moderator) == []

    for answer in ("evaluating", "accepted"):
        with django_capture_on_commit_callbacks(execute=True):
            services.proposal_answer(
                moderator=moderator, proposal=proposal, answer=answer, reasons={"en": "Noted."}
            )
    assert told(promoter).count("agenda_answer") == 2  # evaluating, then accepted
    assert "agenda_answer" not in told(member)  # neither author nor supporter

    item = AgendaItem.objects.get(proposal=proposal)
    with django_capture_on_commit_callbacks(execute=True):
        services.agenda_item_report(
            moderator=moderator, item=item, status=item.status, progress=40, bodies={"en": "Half."}
        )
    assert told(promoter).count("agenda_update") == 1

    content = digests.digest_content(
        user=promoter,
        start=timezone.now() - dt.timedelta(hours=1),
        end=timezone.now() + dt.timedelta(hours=1),
    )
    assert {item.notification.kind for item in content.news} >= {"agenda_round", "agenda_answer"}
    titles = " ".join(str(item.obj) for item in content.news)
    assert "Mentoring between clusters" in titles


def test_a_new_round_does_not_reach_someone_who_is_not_a_member(
    django_capture_on_commit_callbacks, moderator
):
    outsider = UserFactory()
    outsider.groups.clear()  # an account that is not (or no longer) a member
    agenda_round = factories.agenda_round("proposals", slug="outsiders")
    with django_capture_on_commit_callbacks(execute=True):
        news.announce(
            kind=services.ROUND_NEWS, obj=agenda_round, subjects=[services.MEMBERS], actor=moderator
        )
    assert told(outsider) == []
