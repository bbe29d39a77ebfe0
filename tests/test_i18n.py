from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.urls import reverse

from tests.addresses import address

LOCALE = Path(settings.BASE_DIR) / "locale"
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))


def test_there_is_a_catalogue_per_language():
    assert sorted(p.parent.parent.name for p in CATALOGUES) == ["en", "es", "pt_BR"]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_every_catalogue_is_complete_and_has_no_fuzzy_entry(path):
    with path.open("rb") as f:
        catalog = read_po(f)
    untranslated, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert len(catalog) > 50  # the catalogue holds the interface, not an empty file
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("es", "Iniciativas clúster de América Latina y el Caribe, conectadas"),
        ("en", "Cluster initiatives of Latin America and the Caribbean, connected"),
        ("pt-br", "Iniciativas de clusters da América Latina e do Caribe, conectadas"),
    ],
)
def test_the_language_switcher_sets_the_language_for_visitors(client, language, heading):
    response = client.post(reverse("set_language"), {"language": language, "next": "/"})
    assert response.status_code == 302
    # The same page at its address in that language (Spanish unprefixed).
    assert response["Location"] == {"es": "/", "en": "/en/", "pt-br": "/pt-br/"}[language]
    assert client.get("/").status_code == (200 if language == "es" else 302)  # the cookie
    page = client.get(response["Location"])
    assert f'<html lang="{language}">' in page.text
    assert heading in page.text


@pytest.mark.django_db
def test_switching_language_while_signed_in_updates_the_profile(member_client, member):
    member_client.post(reverse("set_language"), {"language": "pt-br", "next": "/library/"})
    member.refresh_from_db()
    assert member.language == "pt-br"


@pytest.mark.django_db
def test_the_switcher_refuses_unknown_languages_and_foreign_redirects(client):
    assert client.post(reverse("set_language"), {"language": "fr"}).status_code == 400
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/en/"  # the home page, in the chosen language
    assert client.get(reverse("set_language")).status_code == 405


@pytest.mark.django_db
def test_spanish_is_the_default_language(client):
    assert '<html lang="es">' in client.get("/", HTTP_ACCEPT_LANGUAGE="de").text


def _check_messages():
    import importlib.util

    path = Path(settings.BASE_DIR) / "scripts" / "check_messages.py"
    spec = importlib.util.spec_from_file_location("check_messages", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_catalogue_check_catches_translation_functions_makemessages_cannot_see(tmp_path):
    # makemessages only extracts `_`, `gettext`, `gettext_lazy`, ... by name: `_lazy("Requests")`
    # never reached the catalogues and showed English in Spanish pages (issue 21, item 25).
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text(
        "from django.utils.translation import gettext_lazy as _lazy, gettext as _, ngettext\n"
        "import django.utils.translation as tr\n"
    )
    (tmp_path / "app" / "fine.py").write_text(
        "from django.utils.translation import gettext_lazy as _\n"
        "from django.utils.translation import gettext_lazy, pgettext\n"
    )
    found = _check_messages().hidden_translation_calls(tmp_path)
    assert found == [
        "app/views.py:1: gettext_lazy imported as _lazy",
        "app/views.py:2: django.utils.translation imported as tr",
    ]


def test_the_project_has_no_translation_call_makemessages_cannot_see():
    assert _check_messages().hidden_translation_calls(Path(settings.BASE_DIR)) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "code", "name"),
    [
        ("es", "TT", "Trinidad y Tobago"),
        ("en", "TT", "Trinidad and Tobago"),
        ("pt-br", "TT", "Trinidad e Tobago"),
        ("es", "DM", "Dominica"),
        ("pt-br", "DM", "Dominica"),
    ],
)
def test_country_pages_name_the_country_correctly_in_each_language(client, language, code, name):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    page = client.get(address("initiatives:country", args=[code], language=language))
    page = page.content.decode()

    assert f"<h1>{name}</h1>" in page
    assert "yTobago" not in page
    assert "Dominicana" not in page


@pytest.mark.django_db
def test_the_sign_up_page_has_no_english_left_in_portuguese(client):
    # allauth's own pt_BR catalogue leaves "sign in" in English in this sentence.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "pt-br"
    page = client.get(reverse("account_signup")).content.decode()
    assert "Já tem uma conta? Então, por favor," in page
    assert "sign in</a>" not in page
    assert "entre</a>" in page
