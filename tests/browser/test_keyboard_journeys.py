"""Keyboard-only journeys in Chromium: signing up, registering an initiative and subscribing to the
bulletin with Tab, Shift+Tab, Enter, Space, arrows and typing only (no clicks, no `fill`).

Each control is reached by tabbing from the one before, is checked to hold the focus before
anything is typed into it, and must show that it holds it (an outline with 3:1 against its
surroundings, or a box shadow). On every page opened afresh the skip link is the first tab stop,
and following it puts the focus on `main`."""

import re
from urllib.parse import urlparse

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from playwright.sync_api import Locator, Page, expect

from iapt_platform.pages.models import Consent
from initiatives.models import Initiative
from newsletter.models import Subscriber
from tests.factories import PASSWORD, SectorFactory

from ..initiatives.helpers import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A short description of the focused element, for the failure message of `tab_to`.
DESCRIBE_FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "(body)";
  let text = el.tagName.toLowerCase();
  if (el.id) text += "#" + el.id;
  if (el.name) text += "[name=" + el.name + "]";
  const value = el.type === "password" ? "" : el.value;
  const label = (el.getAttribute("aria-label") || el.innerText || value || "").trim();
  return label ? text + " " + JSON.stringify(label.slice(0, 40)) : text;
}"""

# The focused element's outline and box shadow, and the colour next to the outline (in the gap
# of its offset, or just beyond it): the background of whatever is painted there, found by
# hit-testing, since a positioned element (the skip link) may sit over something not its parent.
FOCUS_STYLE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  const offset = parseFloat(style.outlineOffset) || 0;
  const gap = offset > 0 ? offset / 2 : (parseFloat(style.outlineWidth) || 0) + 1;
  const points = [[rect.left - gap, rect.top + rect.height / 2],
                  [rect.right + gap, rect.top + rect.height / 2],
                  [rect.left + rect.width / 2, rect.top - gap],
                  [rect.left + rect.width / 2, rect.bottom + gap]];
  const [x, y] = points.find(([x, y]) => x >= 0 && y >= 0 && x < innerWidth && y < innerHeight)
    || [0, 0];
  let node = document.elementsFromPoint(x, y).find(e => e !== el && !el.contains(e));
  let background = "rgb(255, 255, 255)";
  for (; node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour !== "transparent" && !/rgba\\(.*, 0\\)$/.test(colour)) { background = colour; break; }
  }
  return {outlineStyle: style.outlineStyle, outlineWidth: style.outlineWidth,
          outlineColor: style.outlineColor, boxShadow: style.boxShadow, background};
}"""


def luminance(colour: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def is_focused(locator: Locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def assert_focus_is_visible(page: Page) -> None:
    """An outline with 3:1 against what surrounds it (WCAG 1.4.11), or a box shadow."""
    style = page.evaluate(FOCUS_STYLE)
    where = page.evaluate(DESCRIBE_FOCUS)
    if style["boxShadow"] not in ("none", ""):
        return
    assert style["outlineStyle"] != "none" and style["outlineWidth"] not in ("0px", ""), (
        f"no visible focus on {where}: {style}"
    )
    ratio = contrast(style["outlineColor"], style["background"])
    assert ratio >= 3, f"focus outline on {where} has {ratio:.2f}:1 against its background: {style}"


def tab_to(page: Page, locator: Locator, max_presses: int = 60, key: str = "Tab") -> None:
    """Press Tab (or Shift+Tab) until `locator` holds the focus, as a keyboard user would."""
    visited = []
    if is_focused(locator):  # already there: the first stop inside main (see `start_page`)
        assert_focus_is_visible(page)
        return
    for _ in range(max_presses):
        page.keyboard.press(key)
        if is_focused(locator):
            assert_focus_is_visible(page)
            return
        visited.append(page.evaluate(DESCRIBE_FOCUS))
    pytest.fail(
        f"{locator} not reached in {max_presses} presses of {key}; the focus visited: {visited}"
    )


def skip_to_main(page: Page) -> None:
    """The first tab stop is the skip link; following it puts the focus on the main content."""
    page.keyboard.press("Tab")
    skip_link = page.locator("a.skip-link")
    assert is_focused(skip_link), f"first tab stop: {page.evaluate(DESCRIBE_FOCUS)}"
    expect(skip_link).to_be_in_viewport()
    assert_focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def start_page(page: Page) -> None:
    """Where a keyboard user starts on a page that has just loaded."""
    if urlparse(page.url).fragment != "main":
        skip_to_main(page)
        return
    # A form sent from a page opened at #main redirects with the fragment kept (browsers carry
    # it over a redirect), so the next page opens at main: its first tab stop is inside main.
    page.keyboard.press("Tab")
    inside = page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    assert inside, f"first tab stop on a page opened at #main: {page.evaluate(DESCRIBE_FOCUS)}"


def type_into(page: Page, locator: Locator, text: str, max_presses: int = 60) -> None:
    tab_to(page, locator, max_presses)
    page.keyboard.type(text)
    expect(locator).to_have_value(text)


def choose(page: Page, select: Locator, value: str, max_presses: int = 60) -> None:
    """Tab to a closed <select> and move through its options with the arrow keys."""
    tab_to(page, select, max_presses)
    page.keyboard.press("Home")
    for _ in range(select.locator("option").count()):
        if select.input_value() == value:
            return
        page.keyboard.press("ArrowDown")
    assert select.input_value() == value, f"option {value!r} not reached with the arrows"


def press_and_wait(page: Page, key: str, url: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)
    errors = page.locator(".form-errors, .field-errors").all_inner_texts()
    assert not errors, f"the form came back with errors: {errors}"
    assert re.search(url, urlparse(page.url).path), page.url


def test_a_visitor_signs_up_and_confirms_the_email_with_the_keyboard(browser, live_server):
    context = browser.new_context(locale="en-US", base_url=live_server.url)
    page = context.new_page()
    page.goto("/")
    skip_to_main(page)
    # "Join" sits in the header, before main: back up to it.
    join = page.get_by_role("navigation", name="Account").get_by_role("link", name="Join")
    tab_to(page, join, key="Shift+Tab")
    press_and_wait(page, "Enter", r"/accounts/signup/$")

    skip_to_main(page)
    main = page.get_by_role("main")
    type_into(page, main.locator("input[name=email]"), "ana.flores@example.org")
    type_into(page, main.locator("input[name=password1]"), "una-frase-larga-y-rara")
    type_into(page, main.locator("input[name=password2]"), "una-frase-larga-y-rara")
    accept = main.get_by_label("I accept the terms of use and I have read the privacy notice.")
    tab_to(page, accept)
    page.keyboard.press("Space")
    expect(accept).to_be_checked()
    tab_to(page, main.get_by_role("button", name="Sign Up"))
    press_and_wait(page, "Enter", r"/accounts/confirm-email/$")
    address = EmailAddress.objects.get(email="ana.flores@example.org")
    assert not address.verified
    assert sorted(
        Consent.objects.filter(user=address.user).values_list("version__page__slug", flat=True)
    ) == ["privacy", "terms"]

    [verification] = mail.outbox
    assert verification.to == ["ana.flores@example.org"]
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", verification.body).group(0)
    page.goto(link)
    skip_to_main(page)
    tab_to(page, page.get_by_role("main").get_by_role("button", name="Confirm"))
    press_and_wait(page, "Space", r"/accounts/login/")
    address.refresh_from_db()
    assert address.verified
    context.close()


def test_a_promoter_registers_an_initiative_with_the_keyboard(
    browser, live_server, promoter, tmp_path
):
    SectorFactory(
        slug="agrifood", name_es="Agroalimentario", name_en="Agrifood", name_pt_br="Agroalimentar"
    )
    SectorFactory(slug="tourism", name_es="Turismo", name_en="Tourism", name_pt_br="Turismo")
    promoter.language = "en"
    promoter.save()
    logo = tmp_path / "logo.png"
    logo.write_bytes(png_bytes(size=(200, 120)))
    context = browser.new_context(locale="en-US", base_url=live_server.url)
    page = context.new_page()

    page.goto("/accounts/login/")
    skip_to_main(page)
    main = page.get_by_role("main")
    type_into(page, main.get_by_label("Email"), promoter.email)
    type_into(page, main.get_by_label("Password"), PASSWORD)
    tab_to(page, main.get_by_role("button", name="Sign In"))
    press_and_wait(page, "Enter", r"/account/$")

    page.goto("/initiatives/register/")
    skip_to_main(page)
    type_into(page, main.get_by_label("Name of the initiative"), "Clúster Lácteo de Cayambe")
    choose(page, main.get_by_label("Country"), "EC")
    choose(page, main.get_by_label("Type"), "cluster")
    tab_to(page, main.get_by_role("button", name="Continue"))
    press_and_wait(page, "Enter", r"/step/1/$")

    start_page(page)
    type_into(page, main.get_by_label("Acronym"), "CLC")
    type_into(page, main.get_by_label("Year founded"), "2015")
    choose(page, main.get_by_label("Stage"), "developing")
    tab_to(page, main.get_by_role("button", name="Save and continue"))
    press_and_wait(page, "Enter", r"/step/2/$")

    start_page(page)
    type_into(page, main.get_by_label("City"), "Cayambe")
    type_into(page, main.get_by_label("Latitude"), "0.04")
    type_into(page, main.get_by_label("Longitude"), "-78.14")
    tab_to(page, main.get_by_role("button", name="Save and continue"))
    press_and_wait(page, "Enter", r"/step/3/$")

    start_page(page)
    agrifood = main.get_by_label("Agrifood")
    tab_to(page, agrifood)
    page.keyboard.press("Space")
    expect(agrifood).to_be_checked()
    type_into(page, main.get_by_label("Value chain"), "Leche y quesos")
    tab_to(page, main.get_by_role("button", name="Save and continue"))
    press_and_wait(page, "Enter", r"/step/4/$")

    start_page(page)
    type_into(page, main.get_by_label("Managing organisation"), "Asociación de Productores")
    type_into(page, main.get_by_label("Micro and small firms"), "35")
    tab_to(page, main.get_by_role("button", name="Save and continue"))
    press_and_wait(page, "Enter", r"/step/5/$")

    start_page(page)
    description = "Productores de leche y queserías artesanales de Cayambe."
    type_into(page, main.get_by_role("textbox", name="Description", exact=True), description)
    tab_to(page, main.get_by_label("Logo"))
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(logo))
    type_into(page, main.get_by_label("Contact person"), "Rosa Quishpe")
    tab_to(page, main.get_by_role("button", name="Save and continue"))
    press_and_wait(page, "Enter", r"/preview/$")

    start_page(page)
    expect(main.get_by_role("img", name="Logo")).to_be_visible()
    tab_to(page, main.get_by_role("button", name="Submit for review"))
    press_and_wait(page, "Enter", r"/initiatives/mine/$")

    initiative = Initiative.objects.get(name="Clúster Lácteo de Cayambe")
    assert initiative.status == "in_review"
    assert (initiative.country, initiative.kind, initiative.stage) == (
        "EC",
        "cluster",
        "developing",
    )
    assert (initiative.acronym, initiative.year_founded, initiative.city) == (
        "CLC",
        2015,
        "Cayambe",
    )
    assert list(initiative.sectors.values_list("slug", flat=True)) == ["agrifood"]
    assert initiative.description == description and initiative.logo
    context.close()


def test_a_visitor_subscribes_to_the_bulletin_from_the_footer_with_the_keyboard(
    browser, live_server, settings
):
    settings.NEWSLETTER_RATE_LIMIT = 0
    context = browser.new_context(locale="es-ES", base_url=live_server.url)
    page = context.new_page()
    page.goto("/")
    skip_to_main(page)
    footer = page.locator("form.footer-subscribe")
    type_into(page, footer.get_by_label("Correo electrónico"), "grace@example.org", 120)
    choose(page, footer.get_by_label("Idioma del boletín"), "en")
    tab_to(page, footer.get_by_role("button", name="Suscribirse"))
    press_and_wait(page, "Enter", r"/bulletin/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    grace = Subscriber.objects.get(email="grace@example.org")
    assert (grace.status, grace.language) == (Subscriber.Status.PENDING, "en")

    [confirmation] = mail.outbox
    assert confirmation.to == ["grace@example.org"]
    path = re.search(r"http://testserver(/bulletin/confirm/\S+/)", confirmation.body).group(1)
    page.goto(path)
    skip_to_main(page)
    tab_to(page, page.get_by_role("main").get_by_role("button"))
    press_and_wait(page, "Space", r"/bulletin/")
    grace.refresh_from_db()
    assert grace.status == Subscriber.Status.CONFIRMED
    context.close()
