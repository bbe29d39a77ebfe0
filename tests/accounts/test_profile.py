import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.addresses import address
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db


def test_the_account_page_needs_a_sign_in(client):
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_account_page_links_to_profile_email_password_and_two_factor(member_client):
    response = member_client.get(reverse("accounts:home"))
    assert response.status_code == 200
    for name in ["accounts:profile", "account_email", "account_change_password", "mfa_index"]:
        assert f'href="{reverse(name)}"' in response.text


def test_a_member_saves_the_profile_and_pages_follow_language_and_time_zone(member_client, member):
    response = member_client.post(
        reverse("accounts:profile"),
        {
            "display_name": "Marta M.",
            "organisation": "Clúster Textil",
            "position": "Gerente",
            "country": "PE",
            "language": "en",
            "time_zone": "Asia/Tokyo",
        },
        follow=True,
    )
    assert "Your profile was saved." in response.text
    member.refresh_from_db()
    assert (member.display_name, member.country.code, member.language, member.time_zone) == (
        "Marta M.",
        "PE",
        "en",
        "Asia/Tokyo",
    )
    home = address("home", language="en")  # the member's language now
    assert '<html lang="en">' in member_client.get(home).text
    assert "Times are shown in Asia/Tokyo." in member_client.get(home).text


def test_dates_are_shown_in_the_readers_time_zone(client, member):
    verified = datetime.datetime(2026, 3, 1, 2, 30, tzinfo=datetime.UTC)
    initiative = InitiativeFactory(last_verified_at=verified)
    url = initiative.get_absolute_url()
    member.time_zone = "America/Lima"  # UTC-5: still 28 February there
    member.save()
    client.force_login(member)
    assert 'datetime="2026-02-28T21:30:00-05:00"' in client.get(url).text
    member.time_zone = "Asia/Tokyo"
    member.save()
    assert 'datetime="2026-03-01T11:30:00+09:00"' in client.get(url).text
    assert timezone.get_current_timezone_name() == "UTC"  # nothing leaks out of the request


def test_an_unknown_time_zone_is_refused_and_nothing_changes(member_client, member):
    response = member_client.post(
        reverse("accounts:profile"),
        {"display_name": "X", "language": "es", "time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 200
    assert "Mars/Olympus" in response.text
    member.refresh_from_db()
    assert member.display_name == "Marta Miembro"
    assert member.time_zone == "America/Guayaquil"


def test_a_visitor_time_zone_cookie_is_used_when_valid(client):
    client.cookies["tz"] = "America/Mexico_City"
    assert (
        "Times are shown in America/Mexico_City."
        in client.get("/en/", HTTP_ACCEPT_LANGUAGE="en").text
    )
    client.cookies["tz"] = "<script>"
    assert (
        "Times are shown in America/Santiago." in client.get("/en/", HTTP_ACCEPT_LANGUAGE="en").text
    )


def test_only_moderators_see_the_moderation_queue_on_their_account_page(client, member, moderator):
    client.force_login(member)
    assert 'href="/moderation/"' not in client.get(reverse("accounts:home")).text
    client.force_login(moderator)
    assert 'href="/moderation/"' in client.get(reverse("accounts:home")).text


def _zone_select(html: str, name: str) -> str:
    start = html.index(f'name="{name}"')
    return html[start : html.index("</select>", start)]


def test_time_zone_lists_offer_the_regions_canonical_zones_first_and_no_aliases(
    member_client, member
):
    from community.meetings.forms import MeetingForm, VisitorRegistrationForm

    page = member_client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="en").text
    select = _zone_select(page, "time_zone")

    region = select[: select.index("</optgroup>")]
    assert "Latin America and the Caribbean" in region
    for zone in ["America/Mexico_City", "America/Port_of_Spain", "America/Argentina/Buenos_Aires"]:
        assert f'value="{zone}"' in region
    assert 'value="Europe/Madrid"' not in region
    for alias in ["W-SU", "Zulu", "US/Samoa", "America/Buenos_Aires", "Brazil/East", "Etc/GMT+5"]:
        assert f'value="{alias}"' not in select
    for zone in ["Europe/Moscow", "Pacific/Pago_Pago", "UTC"]:
        assert f'value="{zone}"' in select
    # Every form that offers a zone offers the same list.
    for form in (MeetingForm, VisitorRegistrationForm):
        name = next(name for name in form.base_fields if "time_zone" in name)
        field = form.base_fields[name]
        values = {value for _group, options in field.choices for value, _label in options}
        assert "W-SU" not in values and "America/Port_of_Spain" in values


def test_a_stored_alias_is_shown_as_its_canonical_zone(member_client, member):
    member.time_zone = "America/Buenos_Aires"  # as some browsers still report it
    member.save()

    select = _zone_select(member_client.get(reverse("accounts:profile")).text, "time_zone")

    assert 'value="America/Argentina/Buenos_Aires" selected' in select
