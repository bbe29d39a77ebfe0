"""Contact details follow each field's visibility on every surface that shows them: the one rule
(iapt_platform.accounts.privacy), the initiative page and its JSON-LD, the open-data downloads,
the API, the bulletin, and the meeting attendee lists."""

import io
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from iapt_platform.accounts import privacy
from iapt_platform.accounts.privacy import Audience, ContactField, Visibility
from newsletter import sources
from tests.community import factories as community_factories
from tests.factories import InitiativeFactory, UserFactory
from tests.meetings.factories import MeetingFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

MEMBERS_EMAIL = "members.only@cacao.example.org"
HIDDEN_PHONE = "+593 99 123 4567"
PUBLIC_EMAIL = "hola@quinua.example.org"
PUBLIC_PHONE = "+591 2 222 3333"


@pytest.mark.parametrize(
    ("visibility", "audience", "shown"),
    [
        (Visibility.PUBLIC, Audience.PUBLIC, True),
        (Visibility.MEMBERS, Audience.PUBLIC, False),
        (Visibility.HIDDEN, Audience.PUBLIC, False),
        (Visibility.PUBLIC, Audience.MEMBERS, True),
        (Visibility.MEMBERS, Audience.MEMBERS, True),
        (Visibility.HIDDEN, Audience.MEMBERS, False),
        (Visibility.HIDDEN, Audience.OWNER, True),
        ("", Audience.MEMBERS, False),  # an unknown value shows nothing
    ],
)
def test_a_detail_reaches_only_the_audiences_its_visibility_allows(visibility, audience, shown):
    fields = {"phone": ContactField(HIDDEN_PHONE, visibility)}
    assert privacy.visible_contact(fields, audience) == {"phone": HIDDEN_PHONE if shown else ""}


@pytest.fixture
def cacao(member):
    """Email for members, phone hidden; managed by `manager`."""
    initiative = InitiativeFactory(
        slug="cacao",
        name="Clúster del Cacao",
        country="EC",
        latitude=Decimal("0.96"),
        longitude=Decimal("-79.65"),
        contact_name="Carla Cacao",
        contact_email=MEMBERS_EMAIL,
        contact_email_visibility=Visibility.MEMBERS,
        contact_phone=HIDDEN_PHONE,
        contact_phone_visibility=Visibility.HIDDEN,
        published_at=timezone.now(),
    )
    initiative.managers.add(UserFactory(email="manager@cacao.example.org"))
    return initiative


@pytest.fixture
def quinua(db):
    return InitiativeFactory(
        slug="quinua",
        name="Red de la Quinua",
        country="BO",
        latitude=Decimal("-16.50"),
        longitude=Decimal("-68.15"),
        contact_email=PUBLIC_EMAIL,
        contact_email_visibility=Visibility.PUBLIC,
        contact_phone=PUBLIC_PHONE,
        contact_phone_visibility=Visibility.PUBLIC,
        published_at=timezone.now(),
    )


def test_the_initiative_page_shows_each_reader_what_the_initiative_allows(client, cacao, member):
    visitor = client.get(cacao.get_absolute_url()).content.decode()
    assert "Carla Cacao" in visitor
    assert MEMBERS_EMAIL not in visitor and HIDDEN_PHONE not in visitor  # page and JSON-LD

    client.force_login(member)
    signed_in = client.get(cacao.get_absolute_url()).content.decode()
    assert MEMBERS_EMAIL in signed_in and HIDDEN_PHONE not in signed_in

    client.force_login(cacao.managers.get())
    own = client.get(cacao.get_absolute_url()).content.decode()
    assert MEMBERS_EMAIL in own and HIDDEN_PHONE in own


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
def test_downloads_hold_only_public_contact_details(client, cacao, quinua, member, fmt):
    client.force_login(member)  # a signed-in member downloads the same public file
    response = client.get(reverse("initiatives:export", args=[fmt]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "xlsx":
        with zipfile.ZipFile(io.BytesIO(body)) as xlsx:
            body = b"".join(xlsx.read(name) for name in xlsx.namelist())
    text = body.decode()
    assert "cacao" in text  # the slug: the row is there, without its contact details
    assert PUBLIC_EMAIL in text and PUBLIC_PHONE in text
    assert MEMBERS_EMAIL not in text and HIDDEN_PHONE not in text


def test_the_api_gives_only_public_contact_details(client, cacao, quinua, member):
    client.force_login(member)
    listing = client.get("/api/initiatives/").json()
    rows = {row["slug"]: row for row in listing["results"]}
    assert (rows["cacao"]["contact_email"], rows["cacao"]["contact_phone"]) == (None, None)
    assert (rows["quinua"]["contact_email"], rows["quinua"]["contact_phone"]) == (
        PUBLIC_EMAIL,
        PUBLIC_PHONE,
    )
    detail = client.get("/api/initiatives/cacao/").content.decode()
    assert MEMBERS_EMAIL not in detail and HIDDEN_PHONE not in detail


def test_the_bulletin_carries_no_contact_detail(cacao, quinua):
    blocks = sources.collect(
        since=timezone.now() - timedelta(days=1), languages=["es", "en", "pt-br"]
    )
    text = repr([block.content for block in blocks])
    assert "Clúster del Cacao" in text
    for secret in (MEMBERS_EMAIL, HIDDEN_PHONE, PUBLIC_EMAIL, PUBLIC_PHONE):
        assert secret not in text


def test_meeting_attendee_lists_are_for_the_organisers_and_hold_no_profile_detail(
    client, member, moderator_with_totp
):
    attendee = UserFactory(email="attendee@example.org", display_name="Ana Asistente")
    community_factories.profile(
        attendee, handle="ana", phone="+52 81 5555 0000", phone_visibility="hidden"
    )
    meeting = MeetingFactory()
    RegistrationFactory(meeting=meeting, user=attendee, name="Ana Asistente", email=attendee.email)
    RegistrationFactory(meeting=meeting, user=member, name="Otro Miembro", email=member.email)

    # Another attendee, a member, sees the meeting and no one else's registration.
    client.force_login(member)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Ana Asistente" not in page and attendee.email not in page and "5555" not in page
    staff_url = reverse("meetings:staff_meeting", args=[meeting.pk])
    assert client.get(staff_url).status_code in (403, 404)

    # The organisers see who registered (the name and email given to them), never a profile's
    # hidden phone.
    client.force_login(moderator_with_totp)
    staff = client.get(staff_url).content.decode()
    assert "Ana Asistente" in staff and attendee.email in staff
    assert "5555" not in staff


def test_a_visitor_is_told_members_see_more_whichever_detail_it_is(client):
    phone_for_members = InitiativeFactory(
        slug="cordoba",
        contact_name="Equipo",
        contact_email="hidden@cordoba.example.org",
        contact_email_visibility=Visibility.HIDDEN,
        contact_phone="+54 351 555 0101",
        contact_phone_visibility=Visibility.MEMBERS,
    )
    hint = "Members who sign in see more contact details."
    page = client.get(phone_for_members.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert hint in page.content.decode() and "555 0101" not in page.content.decode()
    InitiativeFactory(
        slug="all-hidden",
        contact_name="Equipo",
        contact_email="x@example.org",
        contact_email_visibility=Visibility.HIDDEN,
        contact_phone_visibility=Visibility.HIDDEN,
    )
    assert hint not in client.get("/initiatives/all-hidden/").content.decode()
