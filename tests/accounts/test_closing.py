"""Closing an account: the page, its re-authentication, what goes and what stays in each app, the
moderators' closure at a person's request and its audit, and the last email."""

import io
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from community.meetings.models import Registration
from community.models import MemberProfile, Post, Thread
from iapt_platform.accounts import services
from iapt_platform.accounts.models import AccountClosure, User
from iapt_platform.moderation.models import ModerationEvent, ModerationItem
from iapt_platform.outbox.models import OutgoingEmail
from initiatives.models import Initiative
from library.models import Resource
from newsletter.models import Subscriber
from tests.community import factories as forum
from tests.factories import PASSWORD, InitiativeFactory, UserFactory
from tests.library.factories import ResourceFactory
from tests.meetings.factories import MeetingFactory, RegistrationFactory
from tests.newsletter.factories import SubscriberFactory

pytestmark = pytest.mark.django_db

CLOSE = "/account/close/"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (11, 85, 99)).save(out, "PNG")
    return out.getvalue()


def reauthenticate(client: Client) -> None:
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def close_own(client: Client, user, **data):
    """Confirm who one is, then post the closing form as the page would."""
    reauthenticate(client)
    return client.post(CLOSE, {"confirmation": user.email, **data})


@pytest.fixture
def leaving(db):
    user = UserFactory(email="lea@example.org", display_name="Lea Leaving", language="en")
    forum.profile(user, handle="lea")
    return user


@pytest.fixture
def leaving_client(client, leaving):
    client.force_login(leaving)
    return client


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- The page ---------------------------------------------------------------------------------------
def test_the_account_page_links_to_closing_and_the_page_says_what_goes_and_stays(member_client):
    assert CLOSE in member_client.get(reverse("accounts:home")).content.decode()
    page = member_client.get(CLOSE).content.decode()
    assert "What is deleted" in page
    assert "What stays, without you" in page
    assert "a former member" in page
    assert "Also remove my forum posts that nobody quoted" in page
    assert f'<a href="{reverse("accounts:data")}">download your data</a> first' in page


def test_a_wrong_confirmation_is_refused_and_deletes_nothing(leaving_client, leaving):
    reauthenticate(leaving_client)
    response = leaving_client.post(CLOSE, {"confirmation": "someone@example.org"})
    assert response.status_code == 400
    assert "This is not the account&#x27;s email address. Nothing was deleted." in (
        response.content.decode()
    )
    assert User.objects.filter(pk=leaving.pk).exists()
    assert not AccountClosure.objects.exists()


def test_without_a_fresh_password_the_closing_waits_for_it_then_goes_on(leaving_client, leaving):
    User.objects.filter(pk=leaving.pk).update(language="pt-br")
    response = leaving_client.post(CLOSE, {"confirmation": leaving.email})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert User.objects.filter(pk=leaving.pk).exists()

    wrong = leaving_client.post(
        response["Location"], {"password": "not-the-password"}, follow=False
    )
    assert wrong.status_code == 200  # the form again, with its error
    assert User.objects.filter(pk=leaving.pk).exists()

    # The right password replays the kept request: the account closes.
    done = leaving_client.post(response["Location"], {"password": PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:close_done")
    assert not User.objects.filter(pk=leaving.pk).exists()
    assert done.cookies["iapt_language"].value == "pt-br"  # signed out, still in their language
    assert 'lang="pt-br"' in leaving_client.get(done["Location"]).content.decode()


def test_someone_with_an_authenticator_app_confirms_with_it_not_with_the_password(client):
    user = UserFactory(totp=True)
    client.force_login(user)
    reauthenticate(client)  # the password alone is not enough for them
    response = client.post(CLOSE, {"confirmation": user.email})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert User.objects.filter(pk=user.pk).exists()


def test_a_member_cannot_close_someone_elses_account(member_client, leaving):
    response = member_client.get(reverse("accounts:close_member", args=[leaving.pk]))
    assert response.status_code == 403
    response = member_client.post(
        reverse("accounts:close_member", args=[leaving.pk]),
        {"confirmation": leaving.email, "reason": "because"},
    )
    assert response.status_code == 403
    # Their own page closes their own account whatever they type: someone else's address fails.
    reauthenticate(member_client)
    response = member_client.post(CLOSE, {"confirmation": leaving.email})
    assert response.status_code == 400
    assert User.objects.filter(pk=leaving.pk).exists()


def test_the_only_superuser_is_asked_to_name_another_first(client):
    boss = UserFactory(is_superuser=True, is_staff=True, totp=True)
    client.force_login(boss)
    page = client.get(CLOSE).content.decode()
    assert "You are the only superuser" in page
    with pytest.raises(services.ClosingRefused):
        services.account_close(user=boss)
    assert User.objects.filter(pk=boss.pk).exists()


# --- What goes --------------------------------------------------------------------------------------
def test_sessions_on_every_device_end(leaving, leaving_client):
    phone = Client()
    phone.force_login(leaving)
    assert Session.objects.count() == 2
    response = close_own(leaving_client, leaving)
    assert response.status_code == 302
    assert all(s.get_decoded().get(SESSION_KEY) != str(leaving.pk) for s in Session.objects.all())
    assert SESSION_KEY not in phone.session
    assert phone.get(reverse("accounts:home"))["Location"].startswith(reverse("account_login"))


def test_authenticators_and_addresses_go(leaving, leaving_client):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(leaving, generate_totp_secret())
    EmailAddress.objects.create(user=leaving, email="lea.work@example.org", verified=True)
    services.account_close(user=leaving)
    assert not Authenticator.objects.filter(user_id=leaving.pk).exists()
    assert not EmailAddress.objects.filter(user_id=leaving.pk).exists()


def test_the_closed_account_cannot_sign_in(leaving, leaving_client, client):
    close_own(leaving_client, leaving)
    response = Client().post(
        reverse("account_login"), {"login": leaving.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert SESSION_KEY not in response.wsgi_request.session


def test_bulletin_subscriptions_of_each_address_go(leaving, committed):
    EmailAddress.objects.create(user=leaving, email="lea.work@example.org", verified=True)
    SubscriberFactory(email="lea@example.org", user=leaving)
    SubscriberFactory(email="Lea.Work@example.org")
    other = SubscriberFactory(email="someone@example.org")
    services.account_close(user=leaving)
    assert list(Subscriber.objects.all()) == [other]


def test_personal_files_leave_storage_after_the_commit(leaving, committed):
    profile = MemberProfile.objects.get(user=leaving)
    with committed():
        profile.avatar = ContentFile(png(), "me.png")
        profile.save()
    avatar = MemberProfile.objects.get(pk=profile.pk).avatar
    name, storage = avatar.name, avatar.storage
    assert storage.exists(name)
    with committed():
        services.account_close(user=leaving)
        assert storage.exists(name)  # not before the commit
    assert not storage.exists(name)


def test_the_last_email_goes_in_the_persons_language(leaving, leaving_client, mailoutbox):
    User.objects.filter(pk=leaving.pk).update(language="pt-br")
    close_own(leaving_client, leaving)
    row = OutgoingEmail.objects.get(template="accounts/closed")
    assert row.recipients == [leaving.email]
    assert row.language == "pt-br"  # read before the account went
    assert 'lang="pt-br"' in row.payload["html"]


def test_the_last_email_is_sent_once_the_closing_commits(leaving, committed, mailoutbox):
    leaving.language = "pt-br"
    leaving.save(update_fields=["language"])
    with committed():
        services.account_close(user=leaving)
    assert [message.to for message in mailoutbox] == [[leaving.email]]
    assert mailoutbox[0].extra_headers["Content-Language"] == "pt-br"


# --- The forum --------------------------------------------------------------------------------------
def test_posts_stay_as_from_a_former_member_and_others_replies_remain(leaving, member_client):
    bruno = User.objects.get(email="member@example.org")
    thread = forum.thread(leaving, title="Cómo financiar la gerencia", body="Mi pregunta")
    reply = forum.post(thread, bruno, "Mi respuesta")
    services.account_close(user=leaving)

    assert Thread.objects.filter(pk=thread.pk, author=None).exists()
    assert Post.objects.get(thread=thread, is_opening=True).body == "Mi pregunta"
    assert Post.objects.filter(pk=reply.pk, author=bruno).exists()
    page = member_client.get(thread.get_absolute_url()).content.decode()
    assert "A former member" in page
    assert "Mi pregunta" in page and "Mi respuesta" in page
    assert "Lea Leaving" not in page


def test_on_request_only_unquoted_posts_go(leaving, member):
    thread = forum.thread(member, title="Clústeres y universidades", body="Abro el tema")
    quoted = forum.post(thread, leaving, "Trabajamos con tres universidades\n\nY funcionó")
    unquoted = forum.post(thread, leaving, "Otra idea sin citas")
    forum.post(
        thread, member, "> **@lea wrote:**\n>\n> Trabajamos con tres universidades\n\n¿Cuáles?"
    )
    services.account_close(user=leaving, remove_posts=True)

    assert Post.objects.filter(pk=quoted.pk, author=None).exists()
    assert not Post.objects.filter(pk=unquoted.pk).exists()
    assert Thread.objects.get(pk=thread.pk).reply_count == 2


def test_without_the_request_unquoted_posts_stay(leaving, member):
    thread = forum.thread(member)
    unquoted = forum.post(thread, leaving, "Otra idea sin citas")
    services.account_close(user=leaving)
    assert Post.objects.filter(pk=unquoted.pk, author=None).exists()


def test_an_opening_post_that_goes_keeps_the_thread_and_the_replies(leaving, member, member_client):
    thread = forum.thread(leaving, title="Una pregunta abierta", body="Texto que se va")
    reply = forum.post(thread, member, "La respuesta de otra persona")
    lonely = forum.thread(leaving, title="Nadie respondió", body="Solo")
    services.account_close(user=leaving, remove_posts=True)

    opening = Post.objects.get(thread=thread, is_opening=True)
    assert opening.body == ""
    assert Post.objects.filter(pk=reply.pk).exists()
    assert not Thread.objects.filter(pk=lonely.pk).exists()
    page = member_client.get(thread.get_absolute_url()).content.decode()
    assert "Una pregunta abierta" in page
    assert "Texto que se va" not in page
    assert "The author removed this message when they closed their account." in page
    assert "La respuesta de otra persona" in page


def test_posts_waiting_for_a_moderator_go_with_their_queue_items(leaving, member):
    from community import services as community

    thread = forum.thread(member)
    waiting = forum.post(thread, leaving, "Mi primer mensaje", status=Post.Status.PENDING)
    from iapt_platform.moderation.services import moderation_submit

    item = moderation_submit(obj=waiting, kind=community.POST_KIND, submitted_by=leaving)
    services.account_close(user=leaving)
    assert not Post.objects.filter(pk=waiting.pk).exists()
    item.refresh_from_db()
    assert item.status == ModerationItem.Status.REJECTED
    assert item.events.filter(action=ModerationEvent.Action.NOTE).exists()


# --- Initiatives ------------------------------------------------------------------------------------
def test_an_initiative_keeps_its_other_managers(leaving, promoter):
    shared = InitiativeFactory(contact_email="LEA@example.org")
    shared.managers.add(leaving, promoter)
    services.account_close(user=leaving)
    assert list(shared.managers.all()) == [promoter]
    shared.refresh_from_db()
    assert shared.contact_email == ""
    assert not shared.history.filter(contact_email__iexact="lea@example.org").exists()
    assert not ModerationItem.objects.filter(object_id=shared.pk).exists()


def test_a_sole_managed_initiative_goes_back_to_the_moderation_queue(leaving, moderator):
    alone = InitiativeFactory()
    alone.managers.add(leaving)
    draft = InitiativeFactory(status=Initiative.Status.DRAFT, published_at=None)
    draft.managers.add(leaving)
    services.account_close(user=leaving)

    alone.refresh_from_db()
    assert alone.status == Initiative.Status.PUBLISHED  # public until staff decide
    item = ModerationItem.objects.get(object_id=alone.pk, kind="orphaned_initiative")
    assert item.status == ModerationItem.Status.PENDING
    assert not Initiative.objects.filter(pk=draft.pk).exists()
    client = Client()
    client.force_login(moderator)
    queue = client.get(reverse("moderation:queue")).content.decode()
    assert "Its only manager closed their account" in queue
    assert alone.name in queue


# --- Meetings, library, matchmaking -----------------------------------------------------------------
def test_future_registrations_go_and_free_the_seat_past_ones_stay_anonymous(leaving):
    ahead = MeetingFactory(capacity=1)
    mine = RegistrationFactory(meeting=ahead, user=leaving, email=leaving.email, name="Lea")
    waiting = RegistrationFactory(
        meeting=ahead, status=Registration.Status.WAITLISTED, waitlist_position=1
    )
    past = MeetingFactory(starts_at=timezone.now() - timedelta(days=30))
    earlier = MeetingFactory(starts_at=timezone.now() - timedelta(days=60))
    attended = [
        RegistrationFactory(
            meeting=meeting,
            user=leaving,
            email=leaving.email,
            name="Lea Leaving",
            gender="mulher",
            gender_category="woman",
            attended=True,
        )
        for meeting in (past, earlier)
    ]
    services.account_close(user=leaving)

    assert not Registration.objects.filter(pk=mine.pk).exists()
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.REGISTERED
    kept = list(Registration.objects.filter(pk__in=[r.pk for r in attended]))
    assert len(kept) == 2
    assert {r.user_id for r in kept} == {None}
    assert {r.name for r in kept} == {""}
    assert {r.gender for r in kept} == {""}
    assert {r.gender_category for r in kept} == {"woman"}
    assert len({r.email for r in kept}) == 1  # still one person for first-time counts
    assert leaving.email not in {r.email for r in kept}


def test_library_resources_stay_without_the_contributor_unless_never_published(leaving):
    published = ResourceFactory(contributed_by=leaving)
    private = ResourceFactory(contributed_by=leaving, status=Resource.Status.IN_REVIEW)
    services.account_close(user=leaving)
    assert Resource.objects.filter(pk=published.pk, contributed_by=None).exists()
    assert not Resource.objects.filter(pk=private.pk).exists()


# --- Moderators, at the person's request ------------------------------------------------------------
@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


def current_code(user) -> str:
    """The code the authenticator app shows now (the clock stands still: totp_step_frozen)."""
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )
    from allauth.mfa.utils import decrypt

    secret = user.authenticator_set.get(type="totp").wrap().instance.data["secret"]
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(decrypt(secret), counters[len(counters) // 2]))


def test_a_moderator_closes_an_account_on_request_and_the_audit_keeps_only_what_is_needed(
    moderator_client, moderator, leaving, totp_step_frozen
):
    url = reverse("accounts:close_member", args=[leaving.pk])
    assert moderator_client.get(url).status_code == 200
    # A moderator confirms with the authenticator app: the password alone sends them to it.
    response = moderator_client.post(
        url, {"confirmation": leaving.email, "reason": "Email of 3 March"}
    )
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert User.objects.filter(pk=leaving.pk).exists()

    # The code replays the kept request.
    response = moderator_client.post(response["Location"], {"code": current_code(moderator)})
    assert response.status_code == 302
    assert response["Location"] == reverse("moderation:queue")
    assert not User.objects.filter(pk=leaving.pk).exists()
    record = AccountClosure.objects.get()
    assert record.account_number == leaving.pk
    assert record.closed_by == moderator
    assert record.reason == "Email of 3 March"
    stored = " ".join(str(value) for value in vars(record).values())
    assert leaving.email not in stored and "Lea" not in stored
    assert OutgoingEmail.objects.get(template="accounts/closed").recipients == [leaving.email]


def test_a_moderator_must_give_a_reason(moderator, leaving):
    with pytest.raises(services.ClosingRefused):
        services.account_close(user=leaving, by=moderator, reason="  ")
    assert User.objects.filter(pk=leaving.pk).exists()


def test_a_moderator_cannot_close_a_moderators_or_a_superusers_account(moderator_client, moderator):
    other = UserFactory(roles=["member", "moderator"])
    boss = UserFactory(is_superuser=True, is_staff=True)
    for account in (other, boss):
        page = moderator_client.get(reverse("accounts:close_member", args=[account.pk]))
        assert "This account holds staff rights" in page.content.decode()
        with pytest.raises(services.ClosingRefused):
            services.account_close(user=account, by=moderator, reason="asked")
        assert User.objects.filter(pk=account.pk).exists()


def test_moderators_find_the_action_on_the_members_profile(moderator_client, leaving):
    page = moderator_client.get(reverse("community:member", args=["lea"])).content.decode()
    assert reverse("accounts:close_member", args=[leaving.pk]) in page


def test_staff_keep_or_unpublish_an_initiative_that_lost_its_only_manager(leaving, moderator):
    from iapt_platform.moderation.services import moderation_decide

    kept, dropped = InitiativeFactory(), InitiativeFactory()
    kept.managers.add(leaving)
    dropped.managers.add(leaving)
    services.account_close(user=leaving)
    for initiative, action in ((kept, "approve"), (dropped, "reject")):
        item = ModerationItem.objects.get(object_id=initiative.pk, kind="orphaned_initiative")
        moderation_decide(item=item, moderator=moderator, action=action, comment="Decided")
        initiative.refresh_from_db()
    assert kept.status == Initiative.Status.PUBLISHED
    assert dropped.status == Initiative.Status.REJECTED


def test_a_post_quoted_only_by_its_own_author_goes_on_request(leaving, member):
    thread = forum.thread(member)
    own = forum.post(thread, leaving, "Una idea propia")
    forum.post(thread, leaving, "> Una idea propia\n\nMe cito a mí misma")
    services.account_close(user=leaving, remove_posts=True)
    assert not Post.objects.filter(pk=own.pk).exists()
    assert not Post.objects.filter(thread=thread, author=None).exists()


def test_offers_and_needs_stay_with_their_initiative_without_the_person(leaving, promoter):
    import datetime as dt

    from initiatives.matchmaking.models import CollaborationPost

    initiative = InitiativeFactory()
    initiative.managers.add(leaving, promoter)
    offer = CollaborationPost.objects.create(
        initiative=initiative,
        direction="offer",
        kind="training",
        title="Oferta",
        text="Formación de gerentes",
        created_by=leaving,
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    services.account_close(user=leaving)
    offer.refresh_from_db()
    assert offer.initiative == initiative
    assert offer.created_by is None
