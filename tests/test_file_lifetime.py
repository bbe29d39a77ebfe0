"""Files do not outlive their owner: a replaced file and the files of a deleted row leave storage once
the change commits, a rolled-back change keeps them, and a file another row still names stays."""

import io
from collections.abc import Callable

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from PIL import Image

from community.meetings.models import Material
from community.models import Attachment
from iapt_platform.lib.storage import delete_on_commit
from initiatives import services as registry
from initiatives.models import Initiative
from initiatives.stories import services as stories
from library.models import Resource
from tests.community import factories as forum
from tests.factories import InitiativeFactory, SectorFactory, UserFactory
from tests.library.factories import ResourceFactory, pdf_bytes
from tests.meetings.factories import MeetingFactory
from tests.stories.factories import StoryFactory

pytestmark = pytest.mark.django_db


def png(color=(11, 85, 99), size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def pdf() -> bytes:
    return pdf_bytes("Acta de la reunión.")


def _logo():
    return InitiativeFactory(logo=ContentFile(png(), "logo.png")), "logo", png


def _avatar():
    profile = forum.profile(UserFactory(), avatar=ContentFile(png(), "me.png"))
    return profile, "avatar", png


def _story_cover():
    return StoryFactory(hero_image=ContentFile(png(size=(600, 400)), "hero.png")), "hero_image", png


def _forum_attachment():
    author = UserFactory()
    post = forum.thread(author).posts.get()
    attachment = Attachment.objects.create(
        post=post,
        file=ContentFile(pdf(), "acta.pdf"),
        kind="pdf",
        mimetype="application/pdf",
        original_name="acta.pdf",
    )
    return attachment, "file", pdf


def _meeting_material():
    material = Material.objects.create(
        meeting=MeetingFactory(), title="Acta", file=ContentFile(pdf(), "acta.pdf")
    )
    return material, "file", pdf


def _library_file():
    return ResourceFactory(file=ContentFile(pdf(), "guia.pdf"), file_kind="pdf"), "file", pdf


KINDS: dict[str, Callable] = {
    "logo": _logo,
    "avatar": _avatar,
    "story cover": _story_cover,
    "forum attachment": _forum_attachment,
    "meeting material": _meeting_material,
    "library file": _library_file,
}


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what the change queued for after its commit, as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def stored(file) -> bool:
    return bool(file.name) and file.storage.exists(file.name)


@pytest.mark.parametrize("kind", KINDS)
def test_a_replaced_file_leaves_storage_once_the_change_commits(kind, committed):
    with committed():
        row, field, content = KINDS[kind]()
    old = getattr(row, field)
    old_name = old.name
    assert stored(old)
    with committed():
        setattr(row, field, ContentFile(content(), "new.bin"))
        row.save()
        assert old.storage.exists(old_name)  # not before the commit
    assert not old.storage.exists(old_name)
    assert stored(getattr(type(row).objects.get(pk=row.pk), field))


@pytest.mark.parametrize("kind", KINDS)
def test_a_deleted_row_takes_its_file_once_the_deletion_commits(kind, committed):
    with committed():
        row, field, _content = KINDS[kind]()
    file = getattr(row, field)
    with committed():
        row.delete()
        assert stored(file)
    assert not file.storage.exists(file.name)


@pytest.mark.parametrize("kind", KINDS)
def test_a_rolled_back_change_keeps_the_file(kind, committed):
    with committed():
        row, field, content = KINDS[kind]()
    file = getattr(row, field)
    name = file.name
    with committed():
        with pytest.raises(RuntimeError), transaction.atomic():
            setattr(row, field, ContentFile(content(), "new.bin"))
            row.save()
            raise RuntimeError("the request failed after the save")
        with pytest.raises(RuntimeError), transaction.atomic():
            type(row).objects.get(pk=row.pk).delete()
            raise RuntimeError("the request failed after the deletion")
    assert file.storage.exists(name)
    assert getattr(type(row).objects.get(pk=row.pk), field).name == name


def test_a_member_who_changes_the_avatar_twice_leaves_one_file(client, committed, settings):
    member = UserFactory(display_name="Marta Miembro")
    forum.profile(member, handle="marta")
    client.force_login(member)
    avatars = settings.MEDIA_ROOT / "community" / "avatars"
    data = {
        "display_name": "Marta Miembro",
        "handle": "marta",
        "country": "EC",
        "email_visibility": "members",
        "phone_visibility": "hidden",
        "website_visibility": "members",
        "email_frequency": "weekly",
        "languages": ["es"],
    }
    before = set(avatars.glob("*")) if avatars.exists() else set()
    for color in ((200, 30, 30), (30, 200, 30)):
        with committed():
            response = client.post(
                reverse("community:profile_edit"),
                {**data, "avatar": ContentFile(png(color), "me.png")},
            )
        assert response.status_code == 302
    member.member_profile.refresh_from_db()
    current = member.member_profile.avatar
    assert set(avatars.glob("*")) - before == {avatars / current.name.rsplit("/", 1)[-1]}


def _edit_with_logo(user) -> tuple[Initiative, Initiative]:
    """A published initiative with a logo, and the draft of an edit to it (which names the same
    logo file until the edit replaces it)."""
    initiative = InitiativeFactory(logo=ContentFile(png(), "logo.png"), sectors=[SectorFactory()])
    initiative.managers.add(user)
    return initiative, registry.initiative_start_edit(initiative=initiative, user=user)


def test_an_edit_that_replaces_the_logo_leaves_the_published_logo_in_place(committed):
    promoter = UserFactory(roles=["member", "promoter"])
    with committed():
        initiative, revision = _edit_with_logo(promoter)
    assert revision.logo.name == initiative.logo.name
    with committed():
        registry.initiative_save_step(
            initiative=revision,
            user=promoter,
            data={"logo": ContentFile(png((200, 30, 30)), "new.png")},
            step=7,
        )
    assert stored(initiative.logo), "the public page still shows it"
    revision.refresh_from_db()
    assert stored(revision.logo) and revision.logo.name != initiative.logo.name

    # Discarding the edit takes its own logo only.
    with committed():
        revision.delete()
    assert stored(initiative.logo) and not revision.logo.storage.exists(revision.logo.name)


def test_an_approved_edit_retires_the_old_logo_and_deleting_all_takes_the_shared_one(committed):
    promoter, moderator = UserFactory(roles=["member", "promoter"]), UserFactory()
    with committed():
        initiative, revision = _edit_with_logo(promoter)
        old = initiative.logo.name
        registry.initiative_save_step(
            initiative=revision,
            user=promoter,
            data={"logo": ContentFile(png((200, 30, 30)), "new.png")},
            step=7,
        )
    revision.refresh_from_db()
    with committed(), transaction.atomic():
        registry.approve(revision, moderator=moderator, comment="")
    initiative.refresh_from_db()
    assert initiative.logo.name == revision.logo.name and stored(initiative.logo)
    assert not initiative.logo.storage.exists(old)
    # The merged edit stays as a record and names the same file: deleting one keeps it.
    with committed():
        Initiative.objects.get(pk=revision.pk).delete()
    assert stored(initiative.logo)
    with committed():
        initiative.delete()
    assert not initiative.logo.storage.exists(initiative.logo.name)


def test_the_history_of_an_initiative_does_not_name_its_logo(committed):
    with committed():
        initiative = InitiativeFactory(logo=ContentFile(png(), "logo.png"))
    record = initiative.history.first()
    assert not hasattr(record, "logo")
    # Restoring a past version keeps the current logo, whose file exists.
    record.instance.save()
    initiative.refresh_from_db()
    assert stored(initiative.logo)


def test_a_deleted_material_keeps_its_file_when_the_deletion_rolls_back(committed):
    from community.meetings.services import material_delete

    with committed():
        material, _field, _content = _meeting_material()
    pk = material.pk
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        material_delete(material=material)
        raise RuntimeError("the request failed after the deletion")
    assert stored(material.file), "the page still lists it"
    with committed():
        material_delete(material=Material.objects.get(pk=pk))
    assert not material.file.storage.exists(material.file.name)


def test_a_story_takes_its_image_sizes_with_it(committed):
    with committed():
        story, _field, _content = _story_cover()
        stories.queue_renditions(story)
    story.refresh_from_db()
    sizes = [name for _width, name in story.hero_renditions]
    storage = story.hero_image.storage
    assert sizes and all(storage.exists(name) for name in sizes)

    # A new image: the old sizes go once the change commits (a rollback keeps them).
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        story.hero_image = ContentFile(png((200, 30, 30), (600, 400)), "new.png")
        story.save()
        stories.story_saved(story=story, hero_changed=True)
        raise RuntimeError("the request failed after the save")
    assert all(storage.exists(name) for name in sizes)
    story.refresh_from_db()
    with committed():
        story.hero_image = ContentFile(png((200, 30, 30), (600, 400)), "new.png")
        story.save()
        stories.story_saved(story=story, hero_changed=True)
    assert not any(storage.exists(name) for name in sizes)
    story.refresh_from_db()
    sizes = [name for _width, name in story.hero_renditions]
    assert sizes and all(storage.exists(name) for name in sizes)

    with committed():
        story.delete()
    assert not storage.exists(story.hero_image.name)
    assert not any(storage.exists(name) for name in sizes)


def test_a_new_library_file_replaces_the_old_file_and_its_first_page(committed):
    from library import services as library

    with committed():
        resource, _field, _content = _library_file()
        library.resource_process_file(resource_id=resource.pk)
    resource.refresh_from_db()
    old_file, old_page = resource.file.name, resource.thumbnail.name
    assert stored(resource.thumbnail)
    # Processing again writes a new first page and retires the old one.
    with committed():
        library.resource_process_file(resource_id=resource.pk)
    resource.refresh_from_db()
    assert stored(resource.thumbnail) and resource.thumbnail.name != old_page
    assert not resource.thumbnail.storage.exists(old_page)
    with committed():
        resource.delete()
    storage = Resource._meta.get_field("file").storage
    assert not storage.exists(old_file) and not storage.exists(resource.thumbnail.name)


def test_delete_on_commit_keeps_a_file_a_row_names(committed):
    with committed():
        material, _field, _content = _meeting_material()
    with committed():
        delete_on_commit(material.file.storage, [material.file.name])
    assert stored(material.file)
