"""Who reaches each stories URL (mirrors the project's access matrix in tests/quality)."""

import pytest
from django.test import Client
from django.urls import reverse

from initiatives.stories import services
from initiatives.stories.models import Story, StoryProposal
from tests.factories import InitiativeFactory

from .factories import StoryFactory

pytestmark = pytest.mark.django_db

LOGIN = 302
PERSONAS = ("visitor", "member", "promoter", "other_promoter", "moderator")


def everyone(status=200):
    return dict.fromkeys(PERSONAS, status)


def signed_in(status=200):
    return {**everyone(status), "visitor": LOGIN}


def moderators_only(status=200):
    return {**dict.fromkeys(PERSONAS, 403), "visitor": LOGIN, "moderator": status}


@pytest.fixture
def objects(promoter):
    initiative = InitiativeFactory()
    proposal = services.story_proposal_submit(
        user=promoter, initiative=initiative, title="t", text="x", links=[], images=[]
    )
    StoryProposal.objects.filter(pk=proposal.pk).update(status="changes_requested")
    return {
        "story": StoryFactory(),
        "draft": StoryFactory(status=Story.Status.DRAFT),
        "proposal": proposal,
    }


RULES = {
    "stories:list": (everyone(), lambda o: {}),
    "stories:feed_rss": (everyone(), lambda o: {"lang": "es"}),
    "stories:feed_atom": (everyone(), lambda o: {"lang": "pt-br"}),
    "stories:detail": (everyone(), lambda o: {"slug": o["story"].slug}),
    "stories:propose": (signed_in(), lambda o: {}),
    "stories:my_proposals": (signed_in(), lambda o: {}),
    "stories:proposal": (
        {**moderators_only(), "promoter": 200},
        lambda o: {"pk": o["proposal"].pk},
    ),
    "stories:proposal_edit": (
        {**moderators_only(403), "promoter": 200},
        lambda o: {"pk": o["proposal"].pk},
    ),
    "stories:staff_list": (moderators_only(), lambda o: {}),
    "stories:staff_create": (moderators_only(), lambda o: {}),
    "stories:staff_edit": (moderators_only(), lambda o: {"pk": o["draft"].pk}),
    "stories:staff_publish": (moderators_only(405), lambda o: {"pk": o["draft"].pk}),
    "stories:staff_preview": (moderators_only(), lambda o: {"pk": o["draft"].pk}),
}


def test_every_stories_url_is_declared():
    from initiatives.stories import urls

    assert sorted(f"stories:{p.name}" for p in urls.urlpatterns) == sorted(RULES)


def test_each_persona_gets_the_declared_outcome(
    objects, member, promoter, other_promoter, moderator_with_totp
):
    users = {
        "member": member,
        "promoter": promoter,
        "other_promoter": other_promoter,
        "moderator": moderator_with_totp,
    }
    failures = []
    for persona in PERSONAS:
        client = Client()
        if persona != "visitor":
            client.force_login(users[persona])
        for name, (expect, kwargs) in RULES.items():
            status = client.get(reverse(name, kwargs=kwargs(objects))).status_code
            if status != expect[persona]:
                failures.append((name, persona, status, expect[persona]))
    assert failures == []


def test_visitors_get_404_for_drafts_by_address(objects, client):
    assert client.get(reverse("stories:detail", args=[objects["draft"].slug])).status_code == 404
