"""Every kind the apps register shows its submitted text on the item page (nothing is decided
unseen), and the edits of published things show what they would change."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import Category, Flag, Post, Thread
from iapt_platform.moderation import registry
from iapt_platform.moderation.services import moderation_submit
from initiatives.matchmaking.models import CollaborationPost, ProjectUpdate
from initiatives.models import ManagementRequest
from initiatives.stories.models import StoryProposal
from tests.factories import InitiativeFactory, UserFactory, project_with_partners
from tests.library.factories import ResourceFactory
from tests.newsletter.factories import ContributionFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db

SECRET = "Texto-que-el-moderador-debe-leer"


def initiative(**kwargs):
    return InitiativeFactory(description=f"{SECRET} en la descripción.", **kwargs)


def forum_post():
    category = Category.objects.create(slug="kinds-test", name="Kinds")
    thread = Thread.objects.create(category=category, title="Hilo de prueba")
    return Post.objects.create(thread=thread, author=UserFactory(), body=f"{SECRET} **bold**")


def flagged_post():
    post = forum_post()
    Flag.objects.create(post=post, user=UserFactory(), reason="spam", comment="Vende relojes")
    return post


def agenda_proposal():
    from community.agenda.models import Proposal
    from tests.agenda import factories as agenda

    return Proposal.objects.create(
        round=agenda.agenda_round("proposals"),
        author=UserFactory(),
        title="Propuesta",
        body=f"{SECRET} **bold**",
        line_of_work=agenda.line(),
        status=Proposal.Status.PENDING,
    )


def project_edit():
    project = project_with_partners((InitiativeFactory(), True, True))
    project.pending_changes = {"title": "Cyber Andes", "summary": f"{SECRET} summary."}
    project.save()
    return project


BUILDERS = {
    "initiative": lambda: initiative(status="in_review"),
    "initiative_edit": lambda: initiative(status="in_review", revision_of=InitiativeFactory()),
    "stale_initiative": lambda: initiative(),
    "orphaned_initiative": lambda: initiative(),
    "comanagement": lambda: ManagementRequest.objects.create(
        initiative=InitiativeFactory(), user=UserFactory(), message=SECRET
    ),
    "collaboration_post": lambda: CollaborationPost.objects.create(
        initiative=InitiativeFactory(),
        direction="offer",
        kind="training",
        title="Oferta",
        text=SECRET,
        expires_at=timezone.now() + datetime.timedelta(days=30),
    ),
    "joint_project": lambda: project_with_partners(
        (InitiativeFactory(), True, True), title=SECRET, status="in_review"
    ),
    "joint_project_edit": project_edit,
    "project_update": lambda: ProjectUpdate.objects.create(
        project=project_with_partners((InitiativeFactory(), True, True)),
        initiative=InitiativeFactory(),
        text=SECRET,
    ),
    "forum_post": forum_post,
    "forum_flag": flagged_post,
    "agenda_proposal": agenda_proposal,
    "resource": lambda: ResourceFactory(summary=SECRET),
    "story_proposal": lambda: StoryProposal.objects.create(
        initiative=InitiativeFactory(), proposed_by=UserFactory(), title="Propuesta", text=SECRET
    ),
    "opportunity": lambda: OpportunityFactory(
        description_es=SECRET, status="pending", proposed_by=UserFactory()
    ),
    "bulletin_item": lambda: ContributionFactory(
        body=SECRET, status="submitted", submitted_by=UserFactory()
    ),
}
EDITS = {"initiative_edit", "joint_project_edit"}


def test_every_registered_kind_has_a_builder_here():
    assert {kind.key for kind in registry.kinds()} == set(BUILDERS)


@pytest.mark.parametrize("key", sorted(BUILDERS))
def test_the_item_page_shows_the_submitted_text_of_each_kind(key, moderator_client):
    obj = BUILDERS[key]()
    item = moderation_submit(obj=obj, kind=key, submitted_by=UserFactory())
    html = moderator_client.get(reverse("moderation:item", args=[item.pk])).text
    assert SECRET in html
    if key in EDITS:
        assert "Proposed version" in html
        assert f"<ins>{SECRET}" in html
    else:
        assert "Submitted content" in html
    if key == "forum_flag":
        assert "Vende relojes" in html
