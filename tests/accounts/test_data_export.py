"""Download my data: a signed-in person asks at /account/data/, a task builds a ZIP of what every
app registered (JSON, their own files, a README in their language), an email brings a signed link
that lasts DATA_EXPORT_HOURS, and the beat deletes archives whose time is up."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.meetings.models import Registration
from community.models import Attachment, MemberProfile, Notification, Watch
from community.models import Visibility as ProfileVisibility
from iapt_platform.accounts import personal_data, selectors, services, tasks
from iapt_platform.accounts.models import DataExport, User
from iapt_platform.lib.storage import private_storage
from initiatives.matchmaking.models import CollaborationPost, Connection, Topic
from initiatives.matchmaking.topics import ensure_topics
from initiatives.models import ManagementRequest, Visibility
from initiatives.stories.models import ProposalImage, StoryProposal
from tests.community import factories as forum
from tests.factories import InitiativeFactory, UserFactory
from tests.library.factories import ResourceFactory, pdf_bytes
from tests.meetings.factories import MeetingFactory, RegistrationFactory
from tests.newsletter.factories import SubscriberFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"avatar-bytes"
# Contact details the other person shows to nobody: they must never reach the archive.
OLGA_PHONE = "+593 99 000 4242"
OLGA_EMAIL = "olga.hidden@example.org"
OTHER_INITIATIVE_EMAIL = "hidden.contact@other-cluster.example.org"


@pytest.fixture
def olga(db):
    olga = UserFactory(email=OLGA_EMAIL, display_name="Olga Otra")
    forum.profile(
        olga,
        handle="olga",
        phone=OLGA_PHONE,
        phone_visibility=ProfileVisibility.HIDDEN,
        email_visibility=ProfileVisibility.HIDDEN,
        website="https://olga.example.org",
        website_visibility=ProfileVisibility.MEMBERS,
    )
    return olga


def give_data_everywhere(person: User, olga: User, *, n: int = 1) -> None:
    """`n` rows of each kind the person can have in each app; Olga on the other side."""
    ensure_topics(Topic)
    handle = "marta" if person.email == "member@example.org" else f"person-{person.pk}"
    profile = forum.profile(person, handle=handle, bio="Gerente del clúster.", phone="+593 2 111")
    profile.avatar.save("face.png", ContentFile(PNG), save=True)
    other = InitiativeFactory(
        name="Otro Clúster",
        contact_email=OTHER_INITIATIVE_EMAIL,
        contact_email_visibility=Visibility.HIDDEN,
    )
    for i in range(n):
        mine = InitiativeFactory(name=f"Clúster de Marta {i}", created_by=person)
        mine.managers.add(person, olga)
        mine.logo.save(f"logo{i}.png", ContentFile(PNG), save=True)
        ManagementRequest.objects.create(
            initiative=InitiativeFactory(), user=person, message=f"Soy la gerente {i}"
        )
        thread = forum.thread(person, title=f"Financiamiento {i}", body=f"Mi primera pregunta {i}")
        post = forum.post(thread, person, f"Mi respuesta sobre garantías {i}")
        Attachment.objects.create(
            post=post,
            file=ContentFile(pdf_bytes(), name=f"acta{i}.pdf"),
            kind="pdf",
            mimetype="application/pdf",
            original_name=f"acta{i}.pdf",
        )
        Watch.objects.create(user=person, thread=thread)
        reply = forum.post(thread, olga, f"Olga responde {i}")
        Notification.objects.create(recipient=person, kind="reply", actor=olga, post=reply)
        RegistrationFactory(
            meeting=MeetingFactory(),
            user=person,
            email=person.email,
            name=person.display_name,
            attended=True,
        )
        resource = ResourceFactory(contributed_by=person, title=f"Guía de garantías {i}")
        resource.file.save(f"guia{i}.pdf", ContentFile(pdf_bytes()), save=True)
        post_ = CollaborationPost.objects.create(
            initiative=mine,
            created_by=person,
            direction="offer",
            kind=CollaborationPost._meta.get_field("kind").choices[0][0],
            title=f"Ofrecemos formación {i}",
            text="Cursos para gerentes.",
            expires_at=timezone.now() + dt.timedelta(days=30),
        )
        Connection.objects.create(
            from_initiative=mine,
            to_initiative=other,
            post=post_,
            sent_by=person,
            decided_by=olga,
            message=f"Hablemos {i}",
        )
        proposal = StoryProposal.objects.create(
            initiative=mine, proposed_by=person, title=f"Historia {i}", text="Una historia."
        )
        ProposalImage.objects.create(
            proposal=proposal, image=ContentFile(PNG, name=f"historia{i}.png")
        )
    SubscriberFactory(email=person.email, user=person, language="es")


def build(person: User, django_capture_on_commit_callbacks) -> DataExport:
    with django_capture_on_commit_callbacks(execute=True):
        services.data_export_request(user=person)
    return DataExport.objects.filter(user=person).latest("requested_at", "pk")


def read(export: DataExport) -> zipfile.ZipFile:
    with export.file.open("rb") as stored:
        return zipfile.ZipFile(io.BytesIO(stored.read()))


def part(archive: zipfile.ZipFile, key: str):
    return json.loads(archive.read(f"{key}.json"))


def test_the_archive_holds_every_part_of_a_person_with_data_everywhere(
    member, olga, django_capture_on_commit_callbacks
):
    give_data_everywhere(member, olga)
    export = build(member, django_capture_on_commit_callbacks)

    assert export.status == DataExport.Status.READY
    archive = read(export)
    names = set(archive.namelist())
    assert {
        "README.txt",
        "account.json",
        "initiatives.json",
        "matchmaking.json",
        "stories.json",
        "community.json",
        "meetings.json",
        "library.json",
        "bulletin.json",
    } <= names
    account = part(archive, "account")
    assert account["account"]["email"] == "member@example.org"
    assert account["email_addresses"] == [
        {"email": "member@example.org", "verified": True, "primary": True}
    ]
    community = part(archive, "community")
    assert community["profile"]["handle"] == "marta"
    assert community["profile"]["phone"] == "+593 2 111"  # their own hidden phone: theirs
    assert [t["title"] for t in community["threads_started"]] == ["Financiamiento 0"]
    assert [p["body"] for p in community["posts"]] == [
        "Mi primera pregunta 0",
        "Mi respuesta sobre garantías 0",
    ]
    assert community["watches"][0]["thread_title"] == "Financiamiento 0"
    assert community["notifications"][0]["actor"]["handle"] == "olga"
    initiatives = part(archive, "initiatives")
    assert [i["name"] for i in initiatives["initiatives"]] == ["Clúster de Marta 0"]
    assert initiatives["initiatives"][0]["other_managers"][0]["name"] == "Olga Otra"
    assert initiatives["management_requests"][0]["message"] == "Soy la gerente 0"
    meetings = part(archive, "meetings")
    assert meetings["registrations"][0]["attended"] is True
    assert meetings["registrations"][0]["status"] == Registration.Status.REGISTERED
    library = part(archive, "library")
    assert library["resources_contributed"][0]["title"] == "Guía de garantías 0"
    matchmaking = part(archive, "matchmaking")
    assert matchmaking["collaboration_posts"][0]["title"] == "Ofrecemos formación 0"
    assert matchmaking["connections"][0]["to_initiative"]["name"] == "Otro Clúster"
    assert matchmaking["connections"][0]["sent_by_you"] is True
    stories = part(archive, "stories")
    assert stories["story_proposals"][0]["title"] == "Historia 0"
    bulletin = part(archive, "bulletin")
    subscription = bulletin["subscriptions"][0]
    assert subscription["consent_text_version"] == "2025-06-v1"
    assert subscription["consent_text"].startswith("Quiero recibir")  # the words, in Spanish


def test_the_archive_holds_the_files_the_person_uploaded(
    member, olga, django_capture_on_commit_callbacks
):
    give_data_everywhere(member, olga)
    archive = read(build(member, django_capture_on_commit_callbacks))

    files = {name for name in archive.namelist() if name.startswith("files/")}
    profile = part(archive, "community")["profile"]
    assert f"files/community/{profile['avatar']}" in files
    assert archive.read(f"files/community/{profile['avatar']}") == PNG
    attachment = part(archive, "community")["posts"][1]["attachments"][0]["file"]
    assert archive.read(f"files/community/{attachment}").startswith(b"%PDF")
    resource = part(archive, "library")["resources_contributed"][0]
    assert archive.read(f"files/library/{resource['file']}").startswith(b"%PDF")
    logo = part(archive, "initiatives")["initiatives"][0]["logo"]
    assert archive.read(f"files/initiatives/{logo}") == PNG
    image = part(archive, "stories")["story_proposals"][0]["images"][0]
    assert archive.read(f"files/stories/{image}") == PNG
    readme = archive.read("README.txt").decode()
    assert "community.json" in readme and f"files/community/{profile['avatar']}" in readme


def test_the_readme_and_the_email_speak_the_persons_language(
    member, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC), tick=False)
    member.language = "pt-br"
    member.save(update_fields=["language"])
    archive = read(build(member, django_capture_on_commit_callbacks))

    # Written in Portuguese, at the person's time (Guayaquil, UTC-5).
    assert "2 de Março de 2026 às 10:00 (America/Guayaquil)" in archive.read("README.txt").decode()
    (email,) = mail.outbox
    assert email.to == ["member@example.org"]
    assert email.extra_headers["Content-Language"] == "pt-br"
    assert "3 de Março de 2026 às 10:00 (America/Guayaquil)" in email.body
    url = selectors.data_export_download_url(DataExport.objects.get())
    assert f"{settings.SITE_URL}{url}" in email.body


def test_no_password_secret_or_token_leaves_and_every_other_field_does(
    member, olga, django_capture_on_commit_callbacks
):
    give_data_everywhere(member, olga)
    archive = read(build(member, django_capture_on_commit_callbacks))

    account = part(archive, "account")["account"]
    expected = {f.attname for f in User._meta.concrete_fields} - {"password"}
    assert set(account) == expected
    profile = part(archive, "community")["profile"]
    expected = {f.attname for f in MemberProfile._meta.concrete_fields} - {
        "search_document",
        "search_vector",
    }
    assert expected <= set(profile)
    everything = "".join(
        archive.read(name).decode()
        for name in archive.namelist()
        if name.endswith((".json", ".txt"))
    )
    assert member.password not in everything
    assert '"password"' not in everything


def test_other_peoples_hidden_contact_details_stay_out(
    member, olga, django_capture_on_commit_callbacks
):
    give_data_everywhere(member, olga)
    archive = read(build(member, django_capture_on_commit_callbacks))

    text = "\n".join(
        archive.read(name).decode() for name in archive.namelist() if not name.startswith("files/")
    )
    assert "Olga Otra" in text  # she is there, as members see her
    assert "https://olga.example.org" in text  # the website she shows to members
    assert OLGA_PHONE not in text
    assert OLGA_EMAIL not in text
    assert OTHER_INITIATIVE_EMAIL not in text


def test_the_owner_downloads_it_as_an_attachment_through_the_signed_link(
    member_client, member, django_capture_on_commit_callbacks
):
    export = build(member, django_capture_on_commit_callbacks)

    response = member_client.get(selectors.data_export_download_url(export))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="iapt-data-')
    assert response["Cache-Control"] == "private, no-store"
    body = b"".join(response.streaming_content)
    assert "account.json" in zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert not export.file.name.startswith(str(settings.MEDIA_ROOT))
    with pytest.raises(ValueError):  # private storage: no public address exists
        export.file.url  # noqa: B018


def test_the_link_is_refused_to_another_signed_in_person(
    client, member, olga, django_capture_on_commit_callbacks
):
    export = build(member, django_capture_on_commit_callbacks)
    client.force_login(olga)

    response = client.get(selectors.data_export_download_url(export))

    assert response.status_code == 404


def test_the_link_asks_a_visitor_to_sign_in(client, member, django_capture_on_commit_callbacks):
    export = build(member, django_capture_on_commit_callbacks)

    response = client.get(selectors.data_export_download_url(export))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_tampered_link_is_refused(member_client, member, django_capture_on_commit_callbacks):
    export = build(member, django_capture_on_commit_callbacks)
    url = selectors.data_export_download_url(export)

    assert member_client.get(url[:-3] + "AAA/").status_code == 404


def test_the_link_is_refused_after_expiry(
    member_client, member, time_machine, django_capture_on_commit_callbacks
):
    export = build(member, django_capture_on_commit_callbacks)
    url = selectors.data_export_download_url(export)
    time_machine.move_to(timezone.now() + dt.timedelta(hours=settings.DATA_EXPORT_HOURS, minutes=1))

    response = member_client.get(url)

    assert response.status_code == 410
    assert "This download link has expired" in response.content.decode()


def test_the_page_shows_each_state_in_the_readers_time_zone(
    member_client, member, time_machine, django_capture_on_commit_callbacks, broker_down
):
    time_machine.move_to(dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC), tick=False)
    page = member_client.get(reverse("accounts:data")).content.decode()
    assert "You have not asked for an archive yet." in page
    assert "Prepare my archive" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(reverse("accounts:data"))
    assert response.status_code == 302
    page = member_client.get(reverse("accounts:data")).content.decode()
    assert "Being prepared" in page
    assert "Prepare a new archive" not in page  # no second request while one is made

    tasks.build_data_export.apply(args=[DataExport.objects.get().pk])
    page = member_client.get(reverse("accounts:data")).content.decode()
    # 15:00 UTC plus 24 hours, in Guayaquil (UTC-5): 10:00 the next day.
    assert "Ready to download until March 3, 2026, 10 a.m. (America/Guayaquil)" in page
    assert 'href="/account/data/download/' in page

    time_machine.move_to(dt.datetime(2026, 3, 3, 16, 0, tzinfo=dt.UTC), tick=False)
    tasks.sweep_data_exports.apply()
    page = member_client.get(reverse("accounts:data")).content.decode()
    assert "Expired" in page
    assert "/account/data/download/" not in page


def test_the_page_is_in_the_account_menu(member_client):
    page = member_client.get(reverse("accounts:home")).content.decode()
    assert 'href="/account/data/"' in page


def test_one_archive_is_prepared_at_a_time(member_client, member, broker_down):
    member_client.post(reverse("accounts:data"))
    response = member_client.post(reverse("accounts:data"), follow=True)

    assert "Your archive is already being prepared." in response.content.decode()
    assert DataExport.objects.filter(user=member).count() == 1


def test_a_person_may_ask_a_few_times_a_day(
    member_client, member, django_capture_on_commit_callbacks
):
    for _ in range(settings.DATA_EXPORT_DAILY_LIMIT):
        with django_capture_on_commit_callbacks(execute=True):
            member_client.post(reverse("accounts:data"))
    response = member_client.post(reverse("accounts:data"), follow=True)

    assert "You have asked for your data several times today" in response.content.decode()
    assert DataExport.objects.filter(user=member).count() == settings.DATA_EXPORT_DAILY_LIMIT


def test_the_beat_deletes_expired_archives_and_keeps_the_others(
    member, olga, time_machine, django_capture_on_commit_callbacks
):
    old = build(member, django_capture_on_commit_callbacks)
    time_machine.move_to(timezone.now() + dt.timedelta(hours=20))
    fresh = build(olga, django_capture_on_commit_callbacks)
    assert private_storage().exists(old.file.name)
    time_machine.move_to(timezone.now() + dt.timedelta(hours=5))

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_data_exports.apply().get() == 1

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == DataExport.Status.EXPIRED and not old.file
    assert not private_storage().exists(old.file.name or "missing")
    assert fresh.status == DataExport.Status.READY and private_storage().exists(fresh.file.name)
    # A second beat finds nothing left to do.
    assert services.data_exports_sweep().expired == 0


def test_the_beat_sends_a_lost_build_again_and_gives_up_after_three(
    member, time_machine, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.data_export_request(user=member)  # its task is lost with the broker
    export = DataExport.objects.get()
    time_machine.move_to(timezone.now() + dt.timedelta(minutes=31))

    sweep = services.data_exports_sweep()
    assert sweep.resent == [export.pk]
    assert services.data_export_build(export_id=export.pk) is True
    assert services.data_export_build(export_id=export.pk) is False  # a second copy: nothing

    stuck = DataExport.objects.create(user=UserFactory(), attempts=3, started_at=timezone.now())
    time_machine.move_to(timezone.now() + dt.timedelta(minutes=31))
    assert services.data_exports_sweep().failed == 1
    stuck.refresh_from_db()
    assert stuck.status == DataExport.Status.FAILED


def test_building_an_archive_costs_the_same_queries_for_more_data(
    member, olga, django_capture_on_commit_callbacks
):
    other = UserFactory(email="second@example.org")
    give_data_everywhere(member, olga, n=1)
    give_data_everywhere(other, olga, n=4)

    counts = []
    for person in (member, other):
        with CaptureQueriesContext(connection) as queries:
            personal_data_parts(person)
        counts.append(len(queries))

    assert counts[0] == counts[1], counts


def personal_data_parts(person: User) -> list:
    return [reader(person) for _key, reader in personal_data.exports()]


def test_a_new_archive_replaces_the_last_one(member, django_capture_on_commit_callbacks):
    first = build(member, django_capture_on_commit_callbacks)
    first_name = first.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.data_export_request(user=member)

    first.refresh_from_db()
    assert first.status == DataExport.Status.EXPIRED and not first.file
    assert not private_storage().exists(first_name)
    (ready,) = DataExport.objects.filter(user=member, status=DataExport.Status.READY)
    assert private_storage().exists(ready.file.name)
