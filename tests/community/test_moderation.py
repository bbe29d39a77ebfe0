"""Flags, the moderation queue, and moderators' actions in the forum with their audit trail."""

import pytest
from django.core import mail
from django.urls import reverse

from community import services
from community.models import Flag, ForumAction, Post, Thread
from iapt_platform.moderation.models import ModerationItem
from iapt_platform.moderation.services import ModerationError, moderation_decide
from tests.factories import UserFactory

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def reply(alice, bruno):
    thread = factories.thread(alice, title="Hilo con problemas")
    return factories.post(thread, bruno, "Respuesta dudosa")


def test_three_flags_hide_a_post_until_a_moderator_decides(reply, client_for, alice, carla):
    dora = UserFactory(language="en")
    client_for(alice).post(
        reverse("community:post_flag", args=[reply.pk]), {"reason": "spam", "comment": "publicidad"}
    )
    item = ModerationItem.objects.get(kind="forum_flag", object_id=reply.pk)
    assert item.status == "pending" and item.submitted_by == alice
    services.post_flag(user=carla, post=reply, reason="offensive")
    reply.refresh_from_db()
    assert not reply.hidden
    services.post_flag(user=dora, post=reply, reason="off_topic")
    reply.refresh_from_db()
    assert reply.hidden
    assert ModerationItem.objects.filter(kind="forum_flag", object_id=reply.pk).count() == 1
    assert ForumAction.objects.get(post=reply).action == ForumAction.Action.AUTO_HIDE
    # Hidden for members; the thread page no longer lists it.
    page = client_for(carla).get(reply.thread.get_absolute_url()).content.decode()
    assert "Respuesta dudosa" not in page


def test_a_member_flags_a_post_once_and_never_their_own(reply, alice, bruno):
    services.post_flag(user=alice, post=reply, reason="spam")
    with pytest.raises(services.ForumError, match="already flagged"):
        services.post_flag(user=alice, post=reply, reason="spam")
    with pytest.raises(services.ForumError, match="your own"):
        services.post_flag(user=bruno, post=reply, reason="spam")
    assert Flag.objects.filter(post=reply).count() == 1


def test_approving_the_flags_hides_the_post_and_records_why(
    reply, alice, moderator, django_capture_on_commit_callbacks
):
    services.post_flag(user=alice, post=reply, reason="spam")
    item = ModerationItem.objects.get(kind="forum_flag", object_id=reply.pk)
    with django_capture_on_commit_callbacks(execute=True):
        moderation_decide(item=item, moderator=moderator, action="approve", comment="Publicidad")
    reply.refresh_from_db()
    assert reply.hidden
    assert Flag.objects.get(post=reply).status == Flag.Status.UPHELD
    action = ForumAction.objects.get(post=reply)
    assert (action.actor, action.action, action.reason) == (moderator, "hide_post", "Publicidad")
    assert mail.outbox[-1].to == [alice.email]  # the flagger hears of the decision


def test_rejecting_the_flags_restores_the_post(reply, alice, carla, moderator):
    dora = UserFactory()
    for flagger in (alice, carla, dora):
        services.post_flag(user=flagger, post=reply, reason="spam")
    reply.refresh_from_db()
    assert reply.hidden
    item = ModerationItem.objects.get(kind="forum_flag", object_id=reply.pk)
    moderation_decide(item=item, moderator=moderator, action="reject", comment="Es pertinente")
    reply.refresh_from_db()
    assert not reply.hidden
    assert set(Flag.objects.values_list("status", flat=True)) == {Flag.Status.DISMISSED}
    # A later flag opens a new item; "request changes" makes no sense for a flag.
    services.post_flag(user=UserFactory(), post=reply, reason="spam")
    reply.refresh_from_db()
    assert not reply.hidden  # dismissed flags no longer count
    item = ModerationItem.objects.get(kind="forum_flag", object_id=reply.pk, status="pending")
    with pytest.raises(ModerationError):
        moderation_decide(item=item, moderator=moderator, action="request_changes", comment="x")


def test_the_queue_page_shows_the_flagged_post(reply, alice, client, moderator_with_totp):
    services.post_flag(user=alice, post=reply, reason="spam", comment="publicidad")
    moderator_with_totp.language = "en"
    moderator_with_totp.save()
    client.force_login(moderator_with_totp)
    queue = client.get(reverse("moderation:queue")).content.decode()
    assert "Hilo con problemas" in queue
    preview = client.get(reverse("community:post_moderate", args=[reply.pk])).content.decode()
    assert "Respuesta dudosa" in preview and "publicidad" in preview


def test_hiding_from_the_post_page_decides_the_open_flag_item(reply, alice, client, moderator):
    services.post_flag(user=alice, post=reply, reason="spam")
    client.force_login(moderator)
    response = client.post(
        reverse("community:post_moderate", args=[reply.pk]),
        {"action": "hide", "reason": "Spam evidente"},
    )
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.hidden
    assert ModerationItem.objects.get(kind="forum_flag", object_id=reply.pk).status == "approved"
    response = client.post(
        reverse("community:post_moderate", args=[reply.pk]),
        {"action": "restore", "reason": "Revisado de nuevo"},
    )
    reply.refresh_from_db()
    assert not reply.hidden
    assert list(ForumAction.objects.filter(post=reply).values_list("action", flat=True)) == [
        "restore_post",
        "hide_post",
    ]


def test_members_cannot_reach_moderators_pages(reply, client_for, alice):
    client = client_for(alice)
    for url in (
        reverse("community:post_moderate", args=[reply.pk]),
        reverse("community:thread_moderate", args=[reply.thread_id]),
        reverse("community:thread_split", args=[reply.thread_id]),
        reverse("community:moderation_log"),
    ):
        assert client.get(url).status_code == 403, url


def test_lock_pin_hide_and_move_are_recorded_with_who_and_why(reply, client, moderator, carla):
    thread = reply.thread
    client.force_login(moderator)
    target = factories.category("digital-economy")
    steps = [
        ({"action": "lock", "reason": "Discusión cerrada"}, "locked", True),
        ({"action": "pin", "reason": "Referencia útil"}, "pinned", True),
        ({"action": "move", "reason": "Mejor ubicado", "category": target.pk}, "category", target),
        ({"action": "hide", "reason": "Duplicado"}, "hidden", True),
    ]
    for data, field, value in steps:
        response = client.post(reverse("community:thread_moderate", args=[thread.pk]), data)
        assert response.status_code == 302, response.content
        thread.refresh_from_db()
        assert getattr(thread, field) == value
    actions = list(ForumAction.objects.filter(thread=thread).order_by("id"))
    assert [a.action for a in actions] == ["lock", "pin", "move", "hide_thread"]
    assert all(a.actor == moderator and a.reason for a in actions)
    assert actions[2].details == {"from": "financing", "to": "digital-economy"}
    # Hidden: members get 404; the log lists it all.
    client.force_login(carla)
    assert client.get(thread.get_absolute_url()).status_code == 404
    client.force_login(moderator)
    log = client.get(reverse("community:moderation_log")).content.decode()
    assert "Duplicado" in log and "Mejor ubicado" in log


def test_a_reason_is_required(reply, client, moderator):
    client.force_login(moderator)
    response = client.post(
        reverse("community:thread_moderate", args=[reply.thread_id]), {"action": "lock"}
    )
    assert response.status_code == 200
    reply.thread.refresh_from_db()
    assert not reply.thread.locked


def test_split_moves_replies_into_a_new_thread(alice, bruno, carla, client, moderator):
    thread = factories.thread(alice, title="Hilo mezclado")
    keep = factories.post(thread, bruno, "Sobre el tema")
    off1 = factories.post(thread, carla, "Otro asunto: ferias")
    off2 = factories.post(thread, bruno, "Sí, ferias en Lima")
    client.force_login(moderator)
    response = client.post(
        reverse("community:thread_split", args=[thread.pk]),
        {
            "posts": [off1.pk, off2.pk],
            "title": "Ferias comerciales",
            "category": thread.category_id,
            "reason": "Tema distinto",
        },
    )
    new = Thread.objects.get(title="Ferias comerciales")
    assert response.status_code == 302 and response["Location"] == new.get_absolute_url()
    assert list(new.posts.values_list("pk", "is_opening")) == [(off1.pk, True), (off2.pk, False)]
    assert list(thread.posts.values_list("pk", flat=True)) == [thread.posts.first().pk, keep.pk]
    thread.refresh_from_db()
    new.refresh_from_db()
    assert (thread.reply_count, new.reply_count, new.author) == (1, 1, carla)
    assert ForumAction.objects.filter(action="split").count() == 2
    found = services.selectors.post_search(user=alice, query="ferias comerciales")
    assert list(found) == [Post.objects.get(pk=off1.pk)]
