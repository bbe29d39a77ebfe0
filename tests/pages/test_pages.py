"""Pages staff write (privacy, terms, accessibility, about, contact): seeded on every install,
read in three languages with the "available in" fallback, versioned, edited by moderators."""

import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.urls import reverse

from iapt_platform.pages import services
from iapt_platform.pages.models import Page, PageVersion
from tests.addresses import address

pytestmark = pytest.mark.django_db

SLUGS = ["about", "contact", "privacy", "terms", "accessibility"]
LANGUAGES = ["es", "en", "pt-br"]


def read(client, slug, language="es", number=None):
    """The page at its address in `language` (Spanish unprefixed, /en/…, /pt-br/…), asked by a
    browser that prefers that language."""
    url = (
        address("pages:version", args=[slug, number], language=language)
        if number
        else address("pages:page", args=[slug], language=language)
    )
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language)


def publish(page, by, *, es_body, note="Cambio.", **bodies):
    page.body_es = es_body
    for code, text in bodies.items():
        setattr(page, f"body_{code}", text)
    page.save()
    return services.page_publish(page=page, by=by, change_note={"es": note})


# --- A fresh installation ------------------------------------------------------------------------
def test_a_fresh_install_has_every_page_published_as_version_1_in_three_languages():
    # Seeded by migrate (post_migrate), as in production without demo data.
    assert sorted(Page.objects.values_list("slug", flat=True)) == sorted(SLUGS)
    for version in PageVersion.objects.all():
        assert version.number == 1 and version.published_by is None
        for code in ("es", "en", "pt_br"):
            assert len(getattr(version, f"title_{code}")) > 3
            assert len(getattr(version, f"body_{code}")) > 500
            assert "lorem" not in getattr(version, f"body_{code}").lower()
    assert services.pages_seed() == []  # idempotent: nothing created twice
    assert PageVersion.objects.count() == 5


def test_seeding_leaves_a_page_staff_edited_alone(moderator):
    page = Page.objects.get(slug="about")
    publish(page, moderator, es_body="Texto nuevo del equipo.")
    services.pages_seed()
    assert Page.objects.get(slug="about").body_es == "Texto nuevo del equipo."
    assert page.versions.count() == 2


@pytest.mark.parametrize("language", ["es", "en", "pt_br"])
def test_the_privacy_notice_names_every_cookie_the_site_sets(language):
    cookies = {
        settings.SESSION_COOKIE_NAME,
        settings.CSRF_COOKIE_NAME,
        settings.LANGUAGE_COOKIE_NAME,
        CookieStorage.cookie_name,
        settings.TIME_ZONE_COOKIE_NAME,  # written by static/js/tz.js
    }
    body = getattr(PageVersion.objects.get(page__slug="privacy"), f"body_{language}")
    assert {c for c in cookies if f"`{c}`" not in body} == set()


@pytest.mark.parametrize("language", ["es", "en", "pt_br"])
def test_the_privacy_notice_names_the_laws_and_how_to_exercise_each_right(language):
    body = getattr(PageVersion.objects.get(page__slug="privacy"), f"body_{language}")
    for needle in (
        "LGPD",
        "19.628",
        "21.719",
        "1581",
        "LFPDPPP",
        "/account/data/",
        "/account/close/",
        "(page:contact)",
        "30",  # days a sent email's record is kept (OUTBOX_KEEP_SENT_DAYS)
    ):
        assert needle in body, needle
    assert settings.OUTBOX_KEEP_SENT_DAYS == 30


# --- Readers -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "title", "text"),
    [
        ("es", "Aviso de privacidad", "Sus derechos y cómo ejercerlos"),
        ("en", "Privacy notice", "Your rights and how to exercise them"),
        ("pt-br", "Aviso de privacidade", "Seus direitos e como exercê-los"),
    ],
)
def test_a_visitor_reads_a_page_in_their_language_with_its_version_and_date(
    client, language, title, text
):
    response = read(client, "privacy", language)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.text
    assert f'<h1 lang="{language}">{title}</h1>' in response.text
    assert f"<h2>{text}</h2>" in response.text
    assert 'class="meta legal-version"' in response.text
    published = PageVersion.objects.get(page__slug="privacy").published_at
    shown = published.astimezone(ZoneInfo(settings.DEFAULT_READER_TIME_ZONE))
    assert f'<time datetime="{shown.isoformat()}">' in response.text
    assert "translation-notice" not in response.text
    # Links between pages are the reader's addresses, never "page:" left in the text.
    assert f'href="{address("pages:page", args=["contact"], language=language)}"' in response.text
    assert "page:contact" not in response.text


def test_a_language_without_text_shows_spanish_and_says_so(client, moderator):
    page = Page.objects.get(slug="contact")
    page.title_en = ""
    publish(page, moderator, es_body="Escríbanos.", en="", pt_br="Escreva-nos.")
    response = read(client, "contact", "en")
    assert response.status_code == 200
    assert '<h1 lang="es">Contacto</h1>' in response.text
    assert "Available in Spanish" in response.text
    assert "Escríbanos." in response.text
    # Portuguese has its text: no notice there.
    response = read(client, "contact", "pt-br")
    assert "Escreva-nos." in response.text and "translation-notice" not in response.text


def test_an_old_version_stays_readable_at_its_own_address(client, moderator):
    page = Page.objects.get(slug="terms")
    first = page.versions.get().body_en
    publish(page, moderator, es_body="Condiciones nuevas.", en="New terms.", note="Todo.")

    current = read(client, "terms", "en")
    assert "New terms." in current.text and "Version 2" in current.text
    assert "Todo." in current.text  # what changed (in Spanish: no English note was written)
    assert f'href="{reverse("pages:version", args=["terms", 1])}"' in current.text

    old = read(client, "terms", "en", number=1)
    assert old.status_code == 200
    assert "New terms." not in old.text
    assert "Your account" in old.text and "## Your account" in first
    assert "You are reading version 1, which a newer version replaced." in old.text
    assert '<meta name="robots" content="noindex">' in old.text
    assert read(client, "terms", number=3).status_code == 404


def test_the_page_is_read_in_a_fixed_number_of_queries(
    client, moderator, django_assert_num_queries
):
    page = Page.objects.get(slug="privacy")
    for n in range(3):
        publish(page, moderator, es_body=f"Texto {n}.")
    # The newest version with its page, then the list of versions (without their texts).
    with django_assert_num_queries(2):
        response = read(client, "privacy", "en")
    assert response.status_code == 200 and "Version 4" in response.text


FOOTER_LINKS = {
    "en": [
        ("about", "About the community"),
        ("contact", "Contact"),
        ("privacy", "Privacy notice"),
        ("terms", "Terms of use"),
        ("accessibility", "Accessibility statement"),
    ],
    "es": [
        ("about", "Acerca de la comunidad"),
        ("contact", "Contacto"),
        ("privacy", "Aviso de privacidad"),
        ("terms", "Condiciones de uso"),
        ("accessibility", "Declaración de accesibilidad"),
    ],
}
LEGAL_PREFIX = {"en": "/en/legal/", "es": "/legal/"}


@pytest.mark.parametrize("language", list(FOOTER_LINKS))
def test_every_page_links_the_legal_pages_from_its_footer(client, language):
    response = client.get(address("home", language=language), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    footer = response.text[response.text.index('<footer class="site-footer">') :]
    for slug, label in FOOTER_LINKS[language]:
        # The legal page in the language of the page being read: /en/legal/… from an English
        # page, /legal/… (unprefixed) from a Spanish one.
        link = address("pages:page", args=[slug], language=language)
        assert link == f"{LEGAL_PREFIX[language]}{slug}/"
        assert f'<a href="{link}">{label}</a>' in footer
    # The rest of the footer is still there.
    assert address("newsletter:subscribe", language=language) in footer
    assert "initiatives" in footer


# --- Moderators ----------------------------------------------------------------------------------
def draft_data(page, **changes):
    data = {
        f"{f}_{c}": getattr(page, f"{f}_{c}") or ""
        for f in ("title", "body")
        for c in ("es", "en", "pt_br")
    }
    return {**data, **changes}


def test_a_moderator_edits_previews_and_publishes_a_new_version(client, moderator):
    client.force_login(moderator)
    page = Page.objects.get(slug="accessibility")
    edit = reverse("pages:staff_edit", args=["accessibility"])
    assert client.get(reverse("pages:staff_list")).status_code == 200
    assert client.get(edit).status_code == 200

    response = client.post(
        edit,
        draft_data(page, body_en="We tested it again.", preview="1"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("pages:staff_preview", args=["accessibility"])
    preview = client.get(response["Location"] + "?language=en")
    assert "We tested it again." in preview.text and "Preview of the draft" in preview.text
    # Saved, not published: readers still see version 1.
    assert "We tested it again." not in read(client.__class__(), "accessibility", "en").text

    response = client.post(
        reverse("pages:staff_publish", args=["accessibility"]),
        {"change_note_es": "Nuevas pruebas.", "change_note_en": "New tests."},
    )
    assert response.status_code == 302
    version = page.versions.get(number=2)
    assert version.body_en == "We tested it again." and version.published_by == moderator
    assert (version.change_note_es, version.change_note_en) == ("Nuevas pruebas.", "New tests.")
    assert "We tested it again." in read(client.__class__(), "accessibility", "en").text
    # The audit: who saved the draft, and when (simple-history); who published (the version).
    saved = page.history.latest()
    assert saved.history_user == moderator and saved.body_en == "We tested it again."
    listing = client.get(edit, HTTP_ACCEPT_LANGUAGE="en").text
    assert "New tests." in listing and "Mónica Moderadora" in listing


def test_publishing_needs_a_change_and_a_note_of_what_changed(client, moderator):
    client.force_login(moderator)
    publish_url = reverse("pages:staff_publish", args=["about"])
    page = Page.objects.get(slug="about")
    client.post(publish_url, {"change_note_es": "Nada."})
    assert page.versions.count() == 1  # the draft is the published text
    client.post(
        reverse("pages:staff_edit", args=["about"]), draft_data(page, body_es="Otro texto.")
    )
    client.post(publish_url, {"change_note_es": ""})
    assert page.versions.count() == 1
    client.post(publish_url, {"change_note_es": "Texto más corto."})
    assert page.versions.count() == 2


@pytest.mark.parametrize("persona", ["member", "promoter", "moderator_without_totp"])
def test_people_without_the_moderator_power_cannot_edit_or_publish(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    page = Page.objects.get(slug="privacy")
    edit = client.post(
        reverse("pages:staff_edit", args=["privacy"]), draft_data(page, body_es="Pirateado.")
    )
    published = client.post(
        reverse("pages:staff_publish", args=["privacy"]), {"change_note_es": "x"}
    )
    assert edit.status_code in (302, 403) and published.status_code in (302, 403)
    if persona != "moderator_without_totp":
        assert edit.status_code == 403 and published.status_code == 403
    else:  # sent to set up the authenticator app first
        assert "/accounts/2fa/totp/activate/" in edit["Location"]
    page.refresh_from_db()
    assert page.body_es != "Pirateado." and page.versions.count() == 1


def test_the_staff_list_reads_in_a_fixed_number_of_queries(
    client, moderator, django_assert_max_num_queries
):
    client.force_login(moderator)
    client.get(reverse("pages:staff_list"))  # warm the session and role lookups
    with django_assert_max_num_queries(8):
        response = client.get(reverse("pages:staff_list"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.text.count("Same as published") == 5


def test_the_contact_address_is_shown_where_people_need_it(client, settings):
    settings.CONTACT_EMAIL = "plataforma.iapt@example.org"
    mailto = 'href="mailto:plataforma.iapt@example.org"'
    for slug in ("contact", "privacy", "accessibility"):
        assert mailto in read(client, slug).text, slug
    assert mailto not in read(client, "terms").text
    settings.CONTACT_EMAIL = ""
    cache.clear()  # pages kept for visitors outlive a setting only until their timeout
    assert "mailto:" not in read(client, "contact").text


@pytest.mark.parametrize("language", ["es", "en", "pt_br"])
def test_the_accessibility_statement_names_the_checks_the_tests_really_run(language):
    """The statement's axe version, rule tags and pages follow tests/browser/test_quality.py."""
    tests = Path(settings.BASE_DIR) / "tests"
    axe_version = re.search(r"axe v(\d+\.\d+)", (tests / "vendor/axe.min.js").read_text()[:200])
    quality = (tests / "browser/test_quality.py").read_text()
    tags = re.findall(r"'(wcag\w+)'", quality)
    body = getattr(PageVersion.objects.get(page__slug="accessibility"), f"body_{language}")
    assert axe_version and f"axe-core {axe_version.group(1)}" in body
    assert tags and all(f"`{tag}`" in body for tag in tags)
    # The statement's own page and the privacy notice are among the pages checked.
    assert 'reverse("pages:page", args=["accessibility"])' in quality
    assert 'reverse("pages:page", args=["privacy"])' in quality
    assert "WCAG) 2.2" in body
