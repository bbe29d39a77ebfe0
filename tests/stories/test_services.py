import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from iapt_platform.moderation.models import ModerationItem
from iapt_platform.moderation.services import moderation_decide
from initiatives.stories import services, tasks
from initiatives.stories.models import Story, StoryProposal
from tests.factories import InitiativeFactory, SectorFactory, UserFactory
from tests.initiatives.helpers import png_bytes

from .factories import StoryFactory

pytestmark = pytest.mark.django_db


def propose(user, initiative, **kwargs):
    from django.core.files.base import ContentFile

    images = kwargs.pop("images", [ContentFile(png_bytes(size=(1200, 800)), name="a.png")])
    return services.story_proposal_submit(
        user=user,
        initiative=initiative,
        title=kwargs.pop("title", "Queserías que exportan"),
        text=kwargs.pop("text", "Diez queserías artesanales exportan juntas."),
        links=kwargs.pop("links", ["https://example.org/nota"]),
        images=images,
    )


def decide(proposal, moderator, action, comment=""):
    item = ModerationItem.objects.get(
        object_id=proposal.pk, kind="story_proposal", status="pending"
    )
    moderation_decide(item=item, moderator=moderator, action=action, comment=comment)


@pytest.fixture
def _spanish(member):
    # A Spanish-speaking proposer, and staff working in Spanish: the proposal's text lands in
    # the Spanish fields of the draft story.
    member.language = "es"
    member.save(update_fields=["language"])
    with translation.override("es"):
        yield


def test_a_member_proposes_and_it_lands_in_the_queue(member, django_capture_on_commit_callbacks):
    initiative = InitiativeFactory()
    with django_capture_on_commit_callbacks(execute=True):
        proposal = propose(member, initiative)
    assert proposal.status == StoryProposal.Status.PENDING
    assert proposal.images.count() == 1
    item = ModerationItem.objects.get(kind="story_proposal", object_id=proposal.pk)
    assert (item.status, item.title, item.country) == ("pending", "Queserías que exportan", "EC")
    assert mail.outbox[-1].to == [member.email]
    assert "Queserías que exportan" in mail.outbox[-1].subject


def test_someone_without_a_role_cannot_propose():
    stranger = UserFactory(roles=["nobody"])
    with pytest.raises(PermissionDenied):
        propose(stranger, InitiativeFactory())


@pytest.mark.usefixtures("_spanish")
def test_approving_turns_the_proposal_into_a_draft_story(
    member, moderator, django_capture_on_commit_callbacks
):
    sector = SectorFactory()
    initiative = InitiativeFactory(country="PE", sectors=[sector])
    with django_capture_on_commit_callbacks(execute=True):
        proposal = propose(member, initiative)
        decide(proposal, moderator, "approve")
    proposal.refresh_from_db()
    assert proposal.status == StoryProposal.Status.ACCEPTED
    story = proposal.story
    assert story.status == Story.Status.DRAFT and not story.is_public
    assert story.title_es == "Queserías que exportan"
    assert "Diez queserías" in story.body_es and "https://example.org/nota" in story.body_es
    assert list(story.initiatives.all()) == [initiative]
    assert list(story.sectors.all()) == [sector]
    assert [c.code for c in story.countries] == ["PE"]
    assert story.hero_image  # the first picture, as a starting point
    assert [w for w, _name in Story.objects.get(pk=story.pk).hero_renditions] == [480, 960]
    # The moderation decision email tells the proposer it was accepted.
    assert mail.outbox[-1].to == [member.email]
    assert "Aprobado" in mail.outbox[-1].subject  # in the proposer's language


def test_declining_records_it_and_makes_no_story(member, moderator):
    proposal = propose(member, InitiativeFactory(), images=[])
    decide(proposal, moderator, "reject", comment="Ya publicamos esta historia.")
    proposal.refresh_from_db()
    assert proposal.status == StoryProposal.Status.DECLINED
    assert not Story.objects.exists()


def test_changes_requested_then_resubmitted_goes_back_to_the_queue(member, moderator):
    proposal = propose(member, InitiativeFactory(), images=[])
    decide(proposal, moderator, "request_changes", comment="Añade cifras.")
    proposal.refresh_from_db()
    assert proposal.is_editable
    services.story_proposal_resubmit(
        proposal=proposal,
        user=member,
        title="Con cifras",
        text="30% más ventas.",
        links=[],
        images=[],
    )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.title) == ("pending", "Con cifras")
    item = ModerationItem.objects.get(object_id=proposal.pk, kind="story_proposal")
    assert item.status == "pending" and item.title == "Con cifras"


def test_only_the_proposer_resubmits(member, moderator, other_promoter):
    proposal = propose(member, InitiativeFactory(), images=[])
    decide(proposal, moderator, "request_changes", comment="Más detalle.")
    with pytest.raises(PermissionDenied):
        services.story_proposal_resubmit(
            proposal=proposal, user=other_promoter, title="x", text="y", links=[], images=[]
        )


@pytest.fixture
def story(_spanish, member, moderator):
    """A member's proposal, approved into a draft story that has what publishing needs."""
    proposal = propose(member, InitiativeFactory(), images=[])
    decide(proposal, moderator, "approve")
    story = proposal.story
    story.summary_es = "Resumen."
    story.save()
    mail.outbox.clear()
    return story


@pytest.mark.usefixtures("_spanish")
def test_publishing_now_emails_the_proposer_once(
    member, moderator, django_capture_on_commit_callbacks, story
):
    with django_capture_on_commit_callbacks(execute=True):
        services.story_publish(story=story, by=moderator)
    story.refresh_from_db()
    assert story.is_public and story.proposer_notified_at is not None
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert "publicada" in mail.outbox[0].subject  # in the proposer's language
    assert story.get_absolute_url() in mail.outbox[0].body
    assert tasks.notify_published_proposers() == 0  # never twice


@pytest.mark.usefixtures("_spanish")
def test_a_scheduled_story_is_announced_when_its_date_comes(
    member, moderator, django_capture_on_commit_callbacks, story
):
    import time_machine

    at = timezone.now() + datetime.timedelta(days=2)
    services.story_publish(story=story, by=moderator, at=at)
    assert tasks.notify_published_proposers() == 0
    assert mail.outbox == []
    with (
        time_machine.travel(at + datetime.timedelta(minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.notify_published_proposers() == 1
    assert mail.outbox[-1].to == [member.email]


def test_publishing_needs_a_spanish_title_and_a_summary(moderator):
    story = StoryFactory(status=Story.Status.DRAFT, title_es="", summary_es="", summary_en="")
    with pytest.raises(services.StoryError) as error:
        services.story_publish(story=story, by=moderator)
    assert "Spanish title" in str(error.value) and "summary" in str(error.value)


def test_only_moderators_publish(member):
    story = StoryFactory(status=Story.Status.DRAFT)
    with pytest.raises(PermissionDenied):
        services.story_publish(story=story, by=member)


def test_unpublishing_hides_it_at_once(moderator):
    story = StoryFactory()
    services.story_unpublish(story=story, by=moderator)
    assert not Story.objects.public().exists()


def test_renditions_are_narrower_copies_and_none_for_small_images():
    from django.core.files.base import ContentFile

    story = StoryFactory()
    story.hero_image.save("big.png", ContentFile(png_bytes(size=(1600, 900))), save=True)
    renditions = services.story_make_renditions(story_id=story.pk)
    assert [w for w, _n in renditions] == [480, 960, 1440]
    story.refresh_from_db()
    srcset = story.hero_srcset()
    assert "480w" in srcset and "1440w" in srcset and "1600w" in srcset
    small = StoryFactory()
    small.hero_image.save("small.png", ContentFile(png_bytes(size=(300, 200))), save=True)
    assert services.story_make_renditions(story_id=small.pk) == []


def test_slugs_never_shadow_the_fixed_paths():
    assert services.unique_slug("Staff") == "staff-2"
    assert services.unique_slug("Feed") == "feed-2"


@pytest.mark.usefixtures("_spanish")
def test_a_story_published_while_the_broker_is_away_is_announced_by_the_periodic_task(
    member, moderator, broker_down, django_capture_on_commit_callbacks, story
):
    with django_capture_on_commit_callbacks(execute=True):
        services.story_publish(story=story, by=moderator)

    story.refresh_from_db()
    assert story.is_public and story.proposer_notified_at is None
    assert mail.outbox == []
    # The quarter-hourly task finds the story not yet announced: the proposer still hears of it.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.notify_published_proposers() == 1
    assert [m.to for m in mail.outbox] == [[member.email]]
