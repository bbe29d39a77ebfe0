"""The moderator's power needs its second factor, wherever it is used (issue 21, item 4)."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from community.models import Attachment, Post
from iapt_platform.accounts import roles
from tests.community import factories as forum
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_moderator_role_without_an_authenticator_carries_no_power(
    moderator_without_totp, moderator
):
    assert not roles.is_moderator(moderator_without_totp)
    assert not roles.has_role(moderator_without_totp, roles.MODERATOR)
    assert roles.has_role(moderator_without_totp, roles.MEMBER)
    assert roles.awaits_second_factor(moderator_without_totp)
    assert roles.is_moderator(moderator)
    assert not roles.awaits_second_factor(moderator)


def test_a_superuser_needs_an_authenticator_for_moderator_powers():
    superuser = UserFactory(is_superuser=True, is_staff=True, totp=False)
    assert roles.has_role(superuser, roles.PROMOTER)
    assert not roles.is_moderator(superuser)
    assert roles.awaits_second_factor(superuser)
    with_app = UserFactory(is_superuser=True, is_staff=True, totp=True)
    assert roles.is_moderator(with_app)


def test_the_moderators_query_holds_only_those_with_an_authenticator(
    moderator_without_totp, moderator, member
):
    superuser = UserFactory(is_superuser=True, totp=True)
    UserFactory(is_superuser=True, totp=False)
    assert set(roles.moderators()) == {moderator, superuser}


@pytest.fixture
def private_thread(promoter):
    private = forum.category("grupo-privado", is_private=True)
    thread = forum.thread(promoter, cat=private, title="Solo el grupo", body="Texto del grupo")
    private.members.add(promoter)
    attachment = Attachment.objects.create(
        post=thread.posts.get(is_opening=True),
        file=ContentFile(b"%PDF-1.4 adjunto", name="a.pdf"),
        kind="pdf",
        mimetype="application/pdf",
        original_name="adjunto.pdf",
        size=16,
    )
    return thread, attachment


def test_a_moderator_without_an_authenticator_cannot_read_or_reply_in_a_private_group(
    client, moderator_without_totp, private_thread
):
    thread, attachment = private_thread
    client.force_login(moderator_without_totp)
    assert client.get(reverse("community:thread", kwargs={"pk": thread.pk})).status_code == 404
    response = client.get(reverse("community:attachment", kwargs={"pk": attachment.pk}))
    assert response.status_code == 404
    response = client.post(
        reverse("community:thread", kwargs={"pk": thread.pk}), {"body": "Me cuelo en el grupo"}
    )
    assert response.status_code == 404
    assert not Post.objects.filter(body="Me cuelo en el grupo").exists()


def test_a_moderator_without_an_authenticator_cannot_edit_a_members_post_or_accept_answers(
    client, moderator_without_totp, promoter, member
):
    thread = forum.thread(promoter, title="¿Cómo financiar?", body="Pregunta", is_question=True)
    answer = forum.post(thread, member, body="Respuesta original")
    client.force_login(moderator_without_totp)
    response = client.post(
        reverse("community:post_edit", kwargs={"pk": answer.pk}), {"body": "Texto cambiado"}
    )
    assert response.status_code == 403
    response = client.post(reverse("community:post_accept", kwargs={"pk": answer.pk}))
    assert response.status_code == 403
    answer.refresh_from_db()
    assert answer.body == "Respuesta original"
    thread.refresh_from_db()
    assert thread.accepted_answer_id is None


def test_a_moderator_without_an_authenticator_is_not_told_about_private_posts(
    promoter, moderator, moderator_without_totp, monkeypatch
):
    from community import services as forum_services
    from community.models import Notification, Watch

    monkeypatch.setattr(forum_services, "NEW_MEMBER_POSTS", 0)
    private = forum.category("grupo-privado", is_private=True)
    private.members.add(promoter)
    thread = forum.thread(promoter, cat=private)
    for watcher in (moderator, moderator_without_totp):
        Watch.objects.create(user=watcher, thread=thread)
    forum_services.post_reply(user=promoter, thread=thread, body="Novedades del grupo")
    recipients = set(Notification.objects.values_list("recipient__email", flat=True))
    assert recipients == {moderator.email}
