"""Accessibility (axe-core), page weight and no-JavaScript use of the main pages, in Chromium."""

import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from playwright.sync_api import expect

from community import services as forum_services
from community.models import Post
from iapt_platform.lib.languages import translate_path
from initiatives import services
from library import services as library_services
from tests.community import factories as forum
from tests.factories import InitiativeFactory, SectorFactory, UserFactory
from tests.library.factories import ResourceFactory, pdf_bytes

from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js").read_text()
LANGUAGES = {"es": "es-ES", "en": "en-US", "pt-br": "pt-BR"}
WEIGHT_LIMIT = 200 * 1024
# The forum is for members only (community.models.CategoryQuerySet.visible_to): its pages are
# checked as a signed-in member sees them; every other page as a visitor.
MEMBER_PAGES = {"thread"}
THREAD_TITLE = "¿Cómo financian la gerencia del clúster?"
RESOURCE_TITLE = "Guía para financiar la gerencia de clústeres"


def new_context(browser, live_server, *, member=None, **options):
    """A browser context for a visitor, or for `member` signed in."""
    context = browser.new_context(base_url=live_server.url, **options)
    if member is not None:
        sign_in_as(context, live_server, member)
    return context


def forum_thread():
    """A thread in an open category, with an opening post and a reply by another member."""
    asker = UserFactory(email="asker@example.org", display_name="Ana Pregunta")
    forum.profile(asker, handle="ana")
    answerer = UserFactory(email="answerer@example.org", display_name="Bruno Responde")
    forum.profile(answerer, handle="bruno")
    thread = forum.thread(
        asker, title=THREAD_TITLE, body="¿Cuotas de los socios o fondos públicos?"
    )
    forum.post(thread, answerer, "Nosotros combinamos **cuotas** y proyectos.")
    return thread


def library_resource():
    """A published resource with a PDF in the private storage, processed as an upload is."""
    resource = ResourceFactory(title=RESOURCE_TITLE, external_url="")
    data = pdf_bytes("Cómo financiar la gerencia de un clúster.")
    resource.file.save("0123456789abcdef.pdf", ContentFile(data), save=False)
    resource.file_name = "Guía de financiamiento.pdf"
    resource.file_mimetype = "application/pdf"
    resource.file_kind = "pdf"
    resource.file_size = len(data)
    resource.save()
    library_services.resource_process_file(resource_id=resource.pk)
    return resource


@pytest.fixture
def pages(live_server):
    sector = SectorFactory(
        slug="agrifood", name_es="Agroalimentario", name_en="Agrifood", name_pt_br="Agroalimentar"
    )
    initiative = InitiativeFactory(
        name="Clúster del Cacao",
        country="EC",
        sectors=[sector],
        latitude=-0.2,
        longitude=-78.5,
        description="Productores de cacao fino de aroma.",
        contact_name="Ana",
    )
    services.initiative_refresh_search(initiative=initiative)
    return {
        "home": "/",
        "directory": "/initiatives/",
        "initiative": initiative.get_absolute_url(),
        "thread": forum_thread().get_absolute_url(),
        "resource": library_resource().get_absolute_url(),
        "statistics": "/initiatives/statistics/",
        "sign-up": "/accounts/signup/",
        "library": "/library/",
        "community": "/community/",
        "bulletin": "/bulletin/",
        "privacy": reverse("pages:page", args=["privacy"]),
        "accessibility": reverse("pages:page", args=["accessibility"]),
    }


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_main_pages_have_no_serious_accessibility_violation(
    browser, live_server, pages, member, language
):
    member.language = language
    member.save(update_fields=["language"])
    # bypass_csp lets the test inject axe-core; the pages themselves are served with their CSP.
    options = {"locale": LANGUAGES[language], "bypass_csp": True}
    visitor = new_context(browser, live_server, **options)
    signed_in = new_context(browser, live_server, member=member, **options)
    problems = []
    for name, path in pages.items():
        page = (signed_in if name in MEMBER_PAGES else visitor).new_page()
        path = translate_path(path, language)  # the page's address in that language
        response = page.goto(path)
        # The page itself, not a sign-in page it redirected to.
        assert response is not None and response.status == 200 and response.url.endswith(path)
        assert page.locator("html").get_attribute("lang") == language
        page.evaluate(AXE)
        result = page.evaluate(
            "async () => (await axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})).violations"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"
        )
        problems += [(name, v) for v in result if v["impact"] in ("serious", "critical")]
        page.close()
    visitor.close()
    signed_in.close()
    assert problems == []


def test_main_pages_stay_under_200_kb_on_a_cold_load(browser, live_server, pages, member):
    heavy = {}
    for name in ("home", "directory", "initiative", "thread", "resource"):
        # A new context each time: an empty cache, as on a first visit.
        context = new_context(browser, live_server, member=member if name in MEMBER_PAGES else None)
        page = context.new_page()
        sizes: list[int] = []
        page.on("response", lambda response, sizes=sizes: sizes.append(len(response.body() or b"")))
        response = page.goto(pages[name], wait_until="networkidle")
        assert (
            response is not None and response.status == 200 and response.url.endswith(pages[name])
        )
        total = sum(sizes)  # uncompressed: an upper bound of what travels
        if total > WEIGHT_LIMIT:
            heavy[name] = total
        context.close()
    assert heavy == {}


def test_the_registry_is_usable_without_javascript(browser, live_server, pages):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, locale="en-US"
    )
    page = context.new_page()
    page.goto("/initiatives/")
    page.get_by_label("Search the registry").fill("cacao")
    page.get_by_role("button", name="Search", exact=True).click()
    assert "q=cacao" in page.url
    page.get_by_role("link", name="Clúster del Cacao").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Clúster del Cacao")
    page.goto("/")
    page.get_by_role("button", name="Português (Brasil)").click()
    assert page.locator("html").get_attribute("lang") == "pt-br"
    context.close()


def test_a_forum_thread_is_readable_and_answerable_without_javascript(
    browser, live_server, pages, member, monkeypatch
):
    monkeypatch.setattr(forum_services, "NEW_MEMBER_POSTS", 0)  # an established member
    context = new_context(
        browser, live_server, member=member, java_script_enabled=False, locale="en-US"
    )
    page = context.new_page()
    page.goto(pages["thread"])
    assert page.get_by_role("heading", level=1).inner_text() == THREAD_TITLE
    posts = page.locator("article.post")
    assert posts.count() == 2
    assert "¿Cuotas de los socios o fondos públicos?" in posts.nth(0).inner_text()
    assert posts.nth(1).locator("strong").inner_text() == "cuotas"
    assert "Bruno Responde" in posts.nth(1).inner_text()

    page.locator("#reply").get_by_role("textbox").fill("Gracias, nos sirve mucho.")
    page.get_by_role("button", name="Send the reply").click()
    expect(page.locator("article.post").last).to_contain_text("Gracias, nos sirve mucho.")
    reply = Post.objects.get(body="Gracias, nos sirve mucho.")
    assert reply.author == member and reply.status == Post.Status.PUBLISHED
    context.close()


def test_a_library_resource_is_readable_and_downloadable_without_javascript(
    browser, live_server, pages
):
    context = new_context(browser, live_server, java_script_enabled=False, locale="en-US")
    page = context.new_page()
    page.goto(pages["resource"])
    assert page.get_by_role("heading", level=1).inner_text() == RESOURCE_TITLE
    download_link = page.get_by_role("link", name=re.compile(r"^Download \(PDF, "))
    assert download_link.is_visible()
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename == "Guía de financiamiento.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
    context.close()
