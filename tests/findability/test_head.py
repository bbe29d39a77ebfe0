"""Every public page says its one address and how a link to it is previewed, in its <head>."""

import json
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from iapt_platform.lib import seo
from tests.addresses import address
from tests.quality.test_access_matrix import objects  # noqa: F401 (the fixture: one of each)

from .head import read_head
from .pages import PUBLIC_PAGES

pytestmark = pytest.mark.django_db


def _get(client: Client, url: str, **headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response.text


def test_each_public_page_has_its_canonical_address_and_link_preview(objects, member):  # noqa: F811
    for page in PUBLIC_PAGES:
        client = Client()
        if page.persona == "member":
            client.force_login(member)
        url = page.url(objects)
        head = read_head(_get(client, url))
        assert head.canonical == f"{settings.SITE_URL}{url}", page.name
        assert head.one("og:url") == head.canonical, page.name
        assert head.one("og:title").strip() and head.one("og:description").strip(), page.name
        assert head.one("og:image").startswith(f"{settings.SITE_URL}/"), page.name
        assert head.one("og:type") in ("website", "article"), page.name
        assert head.one("twitter:card") in ("summary", "summary_large_image"), page.name
        locale = head.one("og:locale")
        # Visitors read Spanish, members (English in their profile) English.
        assert locale == {"es": "es_LA", "en": "en_US"}[page.language], page.name
        assert sorted([locale, *head.meta["og:locale:alternate"]]) == ["en_US", "es_LA", "pt_BR"]
        assert len(head.json_ld) <= 1, page.name  # one element of JSON-LD at most


def test_the_preview_speaks_the_readers_language(objects):  # noqa: F811
    story = objects["story"]
    url = address("stories:detail", args=[story.slug], language="en")
    head = read_head(_get(Client(), url, headers={"accept-language": "en"}))
    assert head.canonical == head.one("og:url") == f"{settings.SITE_URL}{url}"  # /en/…
    assert head.one("og:title") == story.title_en
    assert head.one("og:locale") == "en_US"
    assert sorted(head.meta["og:locale:alternate"]) == ["es_LA", "pt_BR"]
    home = read_head(
        _get(Client(), address("home", language="pt-br"), headers={"accept-language": "pt-br"})
    )
    assert home.one("og:image") == f"{settings.SITE_URL}/static/img/social-card-pt-br.png"
    assert home.one("og:title") == "Plataforma IAPT"


def test_the_canonical_address_keeps_the_page_and_drops_filters_and_tracking(db):
    from tests.factories import InitiativeFactory

    InitiativeFactory.create_batch(2)
    url = reverse("initiatives:list")
    head = read_head(_get(Client(), f"{url}?page=1&utm_source=news&fbclid=x&country=EC"))
    assert head.canonical == f"{settings.SITE_URL}{url}"
    head = read_head(_get(Client(), f"{url}?sort=name&page=2&utm_campaign=b"))
    assert head.canonical == f"{settings.SITE_URL}{url}?page=2"
    assert head.one("og:url") == head.canonical


def test_pictures_of_the_page_are_its_preview(objects):  # noqa: F811
    from django.core.files.base import ContentFile

    from tests.initiatives.helpers import png_bytes

    initiative = objects["published"]
    initiative.logo.save("logo.png", ContentFile(png_bytes()), save=True)
    head = read_head(_get(Client(), address("initiatives:detail", args=[initiative.slug])))
    assert head.one("og:image") == f"{settings.SITE_URL}{initiative.logo.url}"
    assert head.one("twitter:card") == "summary"  # a logo is shown small
    assert head.data["logo"] == head.one("og:image")

    story = objects["story"]
    story.hero_image.save("hero.png", ContentFile(png_bytes()), save=True)
    story.hero_alt_es = "Productoras en la planta de empaque"
    story.save()
    head = read_head(_get(Client(), address("stories:detail", args=[story.slug])))
    assert head.one("og:image") == f"{settings.SITE_URL}{story.hero_image.url}"
    assert head.one("og:image:alt") == "Productoras en la planta de empaque"
    assert head.one("twitter:card") == "summary_large_image"
    assert head.one("og:type") == "article"
    assert head.data["image"] == [head.one("og:image")]

    # Without a picture of its own, a page shows the platform's card.
    head = read_head(_get(Client(), address("meetings:detail", args=[objects["meeting"].slug])))
    assert head.one("og:image") == f"{settings.SITE_URL}/static/img/social-card-es.png"
    assert head.one("twitter:card") == "summary_large_image"


def test_the_title_is_escaped_once(db):
    from tests.factories import InitiativeFactory

    initiative = InitiativeFactory(name='Clúster "Café & Cacao" <b>')
    page = _get(Client(), initiative.get_absolute_url())
    assert 'content="Clúster &quot;Café &amp; Cacao&quot; &lt;b&gt;"' in page
    assert read_head(page).one("og:title") == 'Clúster "Café & Cacao" <b>'


def test_json_ld_cannot_close_its_element():
    script = seo.json_ld_script({"@type": "Thing", "name": "</script><script>alert(1)&"})
    inner = script.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert "<" not in inner and ">" not in inner and "&" not in inner
    assert json.loads(inner) == {
        "@context": "https://schema.org",
        "@type": "Thing",
        "name": "</script><script>alert(1)&",
    }


def test_pages_without_a_type_of_their_own_have_no_json_ld(objects):  # noqa: F811
    for name in ("initiatives:list", "library:index", "meetings:calendar", "stories:list"):
        assert read_head(_get(Client(), reverse(name))).json_ld == [], name


def test_a_preview_of_a_draft_tells_search_engines_nothing(objects, moderator_with_totp):  # noqa: F811
    client = Client()
    client.force_login(moderator_with_totp)
    draft = objects["story_draft"]
    page = _get(client, reverse("stories:staff_preview", args=[draft.pk]))
    head = read_head(page)
    assert head.json_ld == [] and head.one("robots") == "noindex"


def test_absolute_addresses_are_on_the_public_site(settings):
    settings.SITE_URL = "https://iapt.example.org"
    assert seo.absolute("/media/x.png") == "https://iapt.example.org/media/x.png"
    assert seo.absolute("https://cdn.example.org/x.png") == "https://cdn.example.org/x.png"
    assert urlsplit(seo.default_image("en")).path == "/static/img/social-card-en.png"
    assert seo.default_image("fr").endswith("social-card-es.png")


def test_an_error_page_names_no_address_of_its_own(db):
    response = Client().get("/initiatives/no-such-initiative/")
    assert response.status_code == 404
    head = read_head(response.text)
    assert "canonical" not in head.links and "og:url" not in head.meta
