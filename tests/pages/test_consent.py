"""Sign-up asks to accept the terms of use and the privacy notice and records the versions shown;
the bulletin keeps the privacy notice's version too."""

from datetime import timedelta

import pytest
from django.urls import reverse

from iapt_platform.accounts import personal_data
from iapt_platform.accounts.models import User
from iapt_platform.pages import services
from iapt_platform.pages.models import Consent, Page
from newsletter.models import Subscriber
from newsletter.services import subscribers as newsletter
from tests.addresses import address

pytestmark = pytest.mark.django_db

SIGNUP = reverse("account_signup")
PASSWORD = "a-long-and-unusual-passphrase"


def signup(client, email, **extra):
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD, **extra}
    return client.post(SIGNUP, data, HTTP_ACCEPT_LANGUAGE="en")


def new_version(slug, moderator, text):
    page = Page.objects.get(slug=slug)
    page.body_es = text
    page.save()
    return services.page_publish(page=page, by=moderator, change_note={"es": "Cambio."})


def test_the_sign_up_form_links_the_terms_and_the_privacy_notice(client):
    response = client.get(SIGNUP, HTTP_ACCEPT_LANGUAGE="en")
    assert 'name="accept_terms"' in response.text
    assert "I accept the terms of use and I have read the privacy notice." in response.text
    assert f'href="{reverse("pages:page", args=["terms"])}">Read the terms of use' in response.text
    assert (
        f'href="{reverse("pages:page", args=["privacy"])}">Read the privacy notice' in response.text
    )
    assert 'name="terms_version" value="1"' in response.text


def test_signing_up_records_which_versions_were_accepted_and_when(client, moderator):
    new_version("privacy", moderator, "Aviso nuevo.")
    form = client.get(SIGNUP).text
    assert 'name="privacy_version" value="2"' in form
    response = signup(
        client, "nueva@example.org", accept_terms="on", terms_version="1", privacy_version="2"
    )
    assert response.status_code == 302
    user = User.objects.get(email="nueva@example.org")
    consents = {c.version.page.slug: c for c in Consent.objects.filter(user=user)}
    assert {slug: c.version.number for slug, c in consents.items()} == {"terms": 1, "privacy": 2}
    for consent in consents.values():
        assert consent.context == "signup"
        assert abs(consent.given_at - user.date_joined) < timedelta(seconds=5)


def test_the_consent_names_the_version_shown_even_if_a_newer_one_came_out_meanwhile(
    client, moderator
):
    client.get(SIGNUP)  # shown version 1 of both
    new_version("terms", moderator, "Condiciones nuevas.")
    signup(client, "lenta@example.org", accept_terms="on", terms_version="1", privacy_version="1")
    user = User.objects.get(email="lenta@example.org")
    assert sorted(
        Consent.objects.filter(user=user).values_list("version__page__slug", "version__number")
    ) == [("privacy", 1), ("terms", 1)]


def test_a_made_up_version_number_records_the_current_version(client):
    signup(client, "rara@example.org", accept_terms="on", terms_version="99", privacy_version="x")
    user = User.objects.get(email="rara@example.org")
    assert sorted(
        Consent.objects.filter(user=user).values_list("version__page__slug", "version__number")
    ) == [("privacy", 1), ("terms", 1)]


def test_signing_up_without_accepting_is_refused_and_creates_nothing(client):
    response = signup(client, "apurada@example.org")
    assert response.status_code == 200
    assert "To join, accept the terms of use." in response.text
    assert not User.objects.filter(email="apurada@example.org").exists()
    assert not Consent.objects.exists()


def test_existing_accounts_without_a_consent_are_not_blocked(member, member_client):
    assert not Consent.objects.exists()
    assert member_client.get(reverse("accounts:home")).status_code == 200
    # The community in the member's own language (an unprefixed address would only send them
    # there first).
    community = address("community:index", language=member.language)
    assert member_client.get(community).status_code == 200


def test_the_consents_are_in_the_persons_data(member):
    services.consent_record(user=member, versions=[Page.objects.get(slug="terms").versions.get()])
    [export] = [fn for key, fn in personal_data.exports() if key == "consents"]
    data = export(member).data
    assert data == [
        {
            "page": "terms",
            "version": 1,
            "given_at": Consent.objects.get().given_at.isoformat(),
            "through": "signup",
        }
    ]


def test_a_bulletin_subscription_keeps_the_privacy_notice_version_in_force(moderator):
    new_version("privacy", moderator, "Aviso nuevo.")
    subscriber = newsletter.subscriber_request(email="lectora@example.org", language="es")
    assert subscriber.privacy_notice_version == 2
    assert Subscriber.objects.get(email="lectora@example.org").privacy_notice_version == 2
