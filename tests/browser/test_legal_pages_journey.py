"""A visitor follows the footer to each page staff write (about, contact, privacy, terms,
accessibility), in Spanish, English and Brazilian Portuguese, and reads it in that language."""

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from iapt_platform.pages.services import SEED_TITLES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BROWSER_LOCALES = {"es": "es-CL", "en": "en-US", "pt-br": "pt-BR"}
# A line of each page's text in each language (the seeded drafts), to see that the text too
# is the reader's, not only the title.
TEXTS = {
    "privacy": {
        "es": "Sus derechos y cómo ejercerlos",
        "en": "Your rights and how to exercise them",
        "pt-br": "Seus direitos e como exercê-los",
    },
    "terms": {"es": "Conducta", "en": "Conduct", "pt-br": "Conduta"},
    "accessibility": {
        "es": "Cómo lo comprobamos",
        "en": "How we check it",
        "pt-br": "Como verificamos",
    },
    "about": {
        "es": "Tres líneas de trabajo",
        "en": "Three lines of work",
        "pt-br": "Três linhas de trabalho",
    },
    "contact": {
        "es": "Por qué escribirnos",
        "en": "Why write to us",
        "pt-br": "Por que nos escrever",
    },
}


@pytest.mark.parametrize("language", list(BROWSER_LOCALES))
def test_a_visitor_follows_the_footer_to_each_legal_page_in_their_language(
    browser, live_server, language
):
    context = browser.new_context(locale=BROWSER_LOCALES[language], base_url=live_server.url)
    page = context.new_page()
    page.goto("/initiatives/")
    with translation.override(language):  # the addresses of the reader's language
        addresses = {slug: reverse("pages:page", args=[slug]) for slug in [*SEED_TITLES, "contact"]}
    for slug, title in SEED_TITLES.items():
        link = page.locator("footer.site-footer").locator(f'a[href="{addresses[slug]}"]')
        expect(link).to_be_visible()
        link.click()
        page.wait_for_url(f"**{addresses[slug]}")
        assert page.locator("html").get_attribute("lang") == language
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_have_text(title[language])
        assert heading.get_attribute("lang") == language
        expect(page.get_by_role("heading", level=2, name=TEXTS[slug][language])).to_be_visible()
        expect(page.locator(".translation-notice")).to_have_count(0)
        # Links between pages lead to the reader's pages (the contact page from every other).
        if slug != "contact":
            expect(page.locator(f'main a[href="{addresses["contact"]}"]').first).to_be_visible()
    context.close()
