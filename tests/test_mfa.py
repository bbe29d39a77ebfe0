import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_moderator_without_totp_is_sent_to_set_it_up_before_staff_areas(
    client, moderator_without_totp
):
    moderator_without_totp.is_staff = True
    moderator_without_totp.save()
    client.force_login(moderator_without_totp)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # Ordinary pages are not blocked.
    assert client.get(reverse("home")).status_code == 200


def test_a_moderator_with_totp_reaches_the_admin(client, moderator_with_totp):
    moderator_with_totp.is_staff = True
    moderator_with_totp.save()
    client.force_login(moderator_with_totp)
    assert client.get("/admin/").status_code == 200


def test_signing_in_with_totp_asks_for_the_code(client, moderator_with_totp, totp_step_frozen):
    response = client.post(
        reverse("account_login"), {"login": moderator_with_totp.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    secret = moderator_with_totp.authenticator_set.get().wrap().instance.data["secret"]
    from allauth.mfa.utils import decrypt

    # The current step (the clock stands still in its middle: see totp_step_frozen).
    counters = list(yield_hotp_counters_from_time())
    code = format_hotp_value(hotp_value(decrypt(secret), counters[len(counters) // 2]))
    response = client.post(
        reverse("mfa_authenticate"), {"code": "000000" if code != "000000" else "111111"}
    )
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(moderator_with_totp.pk)


def test_admin_login_goes_through_the_platform_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
