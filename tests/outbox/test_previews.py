"""The staff page of email previews: every email with sample data, in each language, as HTML (in
a sandboxed frame with a strict policy) and as text."""

import pytest
from django.test import Client
from django.urls import reverse

from iapt_platform.lib import email_samples
from iapt_platform.outbox.models import OutgoingEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_client(moderator_with_totp):
    client = Client()
    client.force_login(moderator_with_totp)
    return client


def test_the_list_names_every_email_with_its_subject_and_links_in_three_languages(
    moderator_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(40):
        response = moderator_client.get(reverse("outbox:previews"))
    assert response.status_code == 200
    page = response.content.decode()
    names = list(email_samples.samples())
    assert len(names) >= 30
    for name in names:
        for language in ("es", "en", "pt-br"):
            assert reverse("outbox:preview", args=[name, language]) in page
    # The subject, in the language of the page (the moderator's).
    assert "Confirm your subscription to the IAPT bulletin" in page
    assert "account/email/password_reset_key" in page  # allauth's messages too
    assert "newsletter/issue" in page  # and the bulletin
    # Samples are built in memory: looking at them sends nothing and writes nothing.
    assert not OutgoingEmail.objects.exists()


def test_a_preview_shows_subject_and_text_and_frames_the_html_sandboxed(moderator_client):
    response = moderator_client.get(reverse("outbox:preview", args=["newsletter/confirm", "pt-br"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Confirme sua inscrição no boletim IAPT" in page
    assert "/bulletin/confirm/token/" in page  # the text version, in a <pre>
    html_url = reverse("outbox:preview_html", args=["newsletter/confirm", "pt-br"])
    assert f'<iframe class="email-preview" src="{html_url}" sandbox' in page
    assert "frame-src 'self'" in response["Content-Security-Policy"]


def test_the_html_of_a_preview_runs_no_script_and_only_inside_the_platform(moderator_client):
    response = moderator_client.get(reverse("outbox:preview_html", args=["community/digest", "en"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "Michoacán" in response.content.decode()
    policy = response["Content-Security-Policy"]
    for directive in ("default-src 'none'", "script-src 'none'", "frame-ancestors 'self'"):
        assert directive in policy
    assert "sandbox" in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_an_unknown_email_or_language_is_not_found(moderator_client):
    assert moderator_client.get("/outbox/previews/nothing/here/es/").status_code == 404
    assert moderator_client.get("/outbox/previews/welcome/fr/").status_code == 404
