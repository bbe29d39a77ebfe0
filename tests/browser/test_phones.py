"""The platform on a phone (390x844 in Chromium): a compact header whose menu opens without
JavaScript, results before the filters, and library covers that all arrive as files."""

import re

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from community.models import Notification
from initiatives import services
from library import services as library_services
from tests.community import factories as forum
from tests.factories import InitiativeFactory, SectorFactory, UserFactory
from tests.library.factories import ResourceFactory, TopicFactory
from tests.stories.factories import StoryFactory

from ..initiatives.helpers import png_bytes
from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
COUNTRIES = ["EC", "MX", "CO", "PE", "BR", "AR", "CL", "CR", "GT", "UY", "PY", "BO"]


@pytest.fixture
def lists():
    """A registry, a library with 18 covers and a few stories: enough for every facet to show."""
    sectors = [
        SectorFactory(slug=slug, name_es=slug, name_en=slug, name_pt_br=slug)
        for slug in ("agrifood", "tourism", "software", "textiles", "logistics")
    ]
    for n, country in enumerate(COUNTRIES):
        initiative = InitiativeFactory(
            name=f"Clúster {n} de {country}", country=country, sectors=[sectors[n % 5]]
        )
        services.initiative_refresh_search(initiative=initiative)
    topics = [TopicFactory() for _ in range(6)]
    for n in range(18):
        resource = ResourceFactory(
            topics=[topics[n % 6]], languages=["es", "en"][: 1 + n % 2], year=2010 + n
        )
        colour = (20 * n % 255, 85, 99)
        resource.cover.save(
            f"{n:032x}.png", ContentFile(png_bytes(size=(600, 800), color=colour)), save=True
        )
        library_services.resource_refresh_search(resource=resource)
        library_services.resource_write_pictures(resource=resource)
    for _ in range(4):
        StoryFactory()


def phone(browser, live_server, *, user=None, javascript=True):
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        locale="en-US",
        java_script_enabled=javascript,
    )
    context.set_default_timeout(10_000)
    if user is not None:
        sign_in_as(context, live_server, user)
    return context


def top(page, selector) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["y"]


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
def test_the_header_is_compact_on_a_phone_and_its_menu_opens_without_javascript(
    browser, live_server, lists, member, signed_in
):
    context = phone(browser, live_server, user=member if signed_in else None, javascript=False)
    page = context.new_page()
    heights = {}
    for path in ("/", "/initiatives/", "/library/", "/stories/"):
        page.goto(path)
        heights[path] = page.locator("header.site-header").bounding_box()["height"]
    print("header heights at 390x844:", heights)
    assert all(height < 120 for height in heights.values()), heights

    # The language choice and the account are one tap away, without opening the menu.
    assert page.get_by_role("button", name="Português (Brasil)").is_visible()
    account = "Your account" if signed_in else "Sign in"
    expect(page.get_by_role("link", name=account, exact=True)).to_be_visible()

    # The six areas are behind a menu that opens with a tap, with no script.
    library_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Library")
    expect(library_link).to_be_hidden()
    page.locator("summary", has_text="Menu").click()
    expect(library_link).to_be_visible()
    library_link.click()
    expect(page).to_have_url(f"{live_server.url}/en/library/")  # the English page
    context.close()


def test_the_first_result_of_every_list_is_in_the_first_screen_of_a_phone(
    browser, live_server, lists
):
    context = phone(browser, live_server, javascript=False)
    page = context.new_page()
    firsts, counts = {}, {}
    for path, first in (
        ("/initiatives/", ".initiative-item"),
        ("/library/", ".resource-item"),
        ("/library/?q=gu%C3%ADa", ".resource-item"),
        ("/stories/", ".story-card"),
    ):
        page.goto(path)
        firsts[path] = top(page, first)
        counts[path] = top(page, ".result-count, #results > p[role=status]")
    print("first result at 390x844:", firsts, "count:", counts)
    # The count (and the sort beside it) stay in view above the results.
    assert all(y < firsts[path] for path, y in counts.items()), counts
    # The top of the first result, with room for its title, within the first screen.
    assert all(y + 60 < PHONE["height"] for y in firsts.values()), firsts

    # The filters wait behind a disclosure that says how many apply, and opens without a script.
    page.goto("/initiatives/?country=EC&country=MX")
    summary = page.locator("summary", has_text="Filters")
    expect(summary).to_have_text("Filters (2 active)")
    ecuador = page.get_by_role("checkbox", name="Ecuador")
    expect(ecuador).to_be_hidden()
    summary.click()
    expect(ecuador).to_be_visible()
    expect(ecuador).to_be_checked()
    context.close()


def test_on_a_wide_screen_the_filters_and_the_areas_stay_open(browser, live_server, lists):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    for path in ("/initiatives/", "/library/"):
        page.goto(path)
        facets = page.locator(".facets").first.bounding_box()
        results = page.locator("#results").bounding_box()
        # Side by side: the filters to the left of the results, both visible.
        assert facets is not None and results is not None and facets["height"] > 200
        assert facets["x"] + facets["width"] <= results["x"]
        expect(
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Library")
        ).to_be_visible()
    context.close()


@pytest.mark.parametrize("language", ["es", "pt-br", "en"])
def test_a_members_header_is_two_rows_wide_and_on_a_phone_with_the_unread_count_in_the_bar(
    browser, live_server, member, language
):
    member.language = language
    member.save(update_fields=["language"])
    thread = forum.thread(UserFactory(), title="Una pregunta")
    Notification.objects.create(
        recipient=member, kind=Notification.Kind.MENTION, post=thread.posts.get()
    )
    for viewport in ({"width": 1280, "height": 800}, {"width": 1024, "height": 800}, PHONE):
        context = browser.new_context(base_url=live_server.url, viewport=viewport)
        sign_in_as(context, live_server, member)
        page = context.new_page()
        page.goto(f"/{language}/" if language != "es" else "/")
        header = page.locator("header.site-header").bounding_box()
        # Two rows of 2.75rem targets: the areas, then the search and the tools (on a phone: the
        # search and the menu, then the languages and the account).
        assert header is not None and header["height"] < 110, (viewport, header)
        if viewport is not PHONE:
            tops = page.locator(".main-nav li").evaluate_all(
                "items => items.map(i => Math.round(i.getBoundingClientRect().top))"
            )
            assert len(set(tops)) == 1, (viewport, tops)  # the areas hold one line
            expect(page.locator("form.account-sign-out button")).to_be_visible()
        # The count is one tap away, without opening the menu, and says what it counts.
        link = page.locator("a.notifications-link")
        expect(link).to_be_visible()
        expect(link.locator(".status-badge")).to_have_attribute("data-unread", "1")
        link.click()
        expect(page).to_have_url(re.compile(r"/community/notifications/$"))
        context.close()


def test_a_library_page_of_18_covers_shows_every_cover_under_the_concurrency_limit(
    browser, live_server, lists, settings
):
    assert settings.MAX_CONCURRENT_REQUESTS == 5
    # Tall enough that all 18 covers load at once, as on a wide screen scrolled quickly.
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 4000}
    )
    page = context.new_page()
    view_requests = []
    page.on("request", lambda r: view_requests.append(r.url) if "/image/" in r.url else None)
    page.goto("/library/?sort=newest", wait_until="networkidle")
    covers = page.locator("img.resource-thumb")
    expect(covers).to_have_count(18)
    states = covers.evaluate_all("imgs => imgs.map(i => [i.complete, i.naturalWidth, i.src])")
    assert [s for s in states if not (s[0] and s[1] > 0)] == []
    assert all("/media/library/pictures/" in src for _c, _w, src in states)
    assert view_requests == []
    # The next click is not refused either.
    page.get_by_role("link", name=re.compile("número")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("número")
    context.close()
