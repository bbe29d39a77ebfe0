"""The AGPL in practice: the licence's text at the root and the source offered on every page."""

from pathlib import Path

import pytest
from django.core.cache import cache

from tests.addresses import address

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def test_the_licence_text_is_the_agpl_3():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.lstrip().startswith("GNU AFFERO GENERAL PUBLIC LICENSE")
    assert "Version 3, 19 November 2007" in text
    assert "13. Remote Network Interaction; Use with the GNU General Public License." in text


@pytest.mark.parametrize("language", ["es", "en", "pt-br"])
def test_every_page_links_to_the_source_of_the_running_version(client, settings, language):
    settings.SOURCE_URL = "https://source.example.org/iapt-platform/-/tree/v1.2"
    cache.clear()  # the visitors' page cache
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(address("home", language=language))
    assert response.status_code == 200
    assert 'href="https://source.example.org/iapt-platform/-/tree/v1.2"' in response.text
    if language == "en":
        assert "Source code of this version" in response.text


def test_without_a_source_url_the_footer_names_the_licence_only(client, settings):
    settings.SOURCE_URL = ""
    cache.clear()
    response = client.get("/en/", HTTP_ACCEPT_LANGUAGE="en")
    assert "GNU Affero General Public License" in response.text
    assert "Source code of this version" not in response.text
