"""Contact exchange in Chromium, in Spanish: the owner of an initiative hides its phone ("Oculto"),
another initiative writes, the owner accepts; each partner's connection page shows the managers'
emails and what each initiative shows to members, never the hidden phone."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from iapt_platform.lib.languages import translate_path
from initiatives.matchmaking import services
from initiatives.models import Initiative, Visibility
from tests.addresses import address
from tests.matchmaking.conftest import (  # noqa: F401 (fixtures, shared with tests/matchmaking)
    SECRET_CONTACT_A,
    approve_all,
    initiative_a,
    initiative_b,
    promoter_a,
    promoter_b,
    sectors,
    topics,
)

from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "+593 99 123 4567"


def test_a_phone_its_owner_hid_never_reaches_the_partner(
    browser,
    live_server,
    promoter_a,  # noqa: F811 (fixtures imported from tests/matchmaking)
    promoter_b,  # noqa: F811
    initiative_a,  # noqa: F811
    initiative_b,  # noqa: F811
    moderator,
):
    # Both promoters read Spanish (pages follow the account's language).
    type(promoter_a).objects.filter(pk__in=[promoter_a.pk, promoter_b.pk]).update(language="es")
    # B's phone starts visible to members; A's phone is one A keeps to itself.
    Initiative.objects.filter(pk=initiative_b.pk).update(
        contact_phone=PHONE,
        contact_phone_visibility=Visibility.MEMBERS,
        description="Ciberseguridad para las pymes de Lima.",
    )
    Initiative.objects.filter(pk=initiative_a.pk).update(
        contact_phone="+593 2 000 1111", contact_phone_visibility=Visibility.HIDDEN
    )

    # --- B, the owner, hides the phone through the edit form ---------------------------------
    b_context = browser.new_context(locale="es-ES", base_url=live_server.url)
    b_context.set_default_timeout(10_000)
    sign_in_as(b_context, live_server, promoter_b)
    b = b_context.new_page()
    b.goto(address("initiatives:detail", args=[initiative_b.slug]))  # Spanish, as B reads
    b.get_by_role("button", name="Editar esta iniciativa").click()
    b.wait_for_url(re.compile(r"/initiatives/drafts/\d+/step/1/$"))
    b.goto(b.url.replace("/step/1/", "/step/5/"))
    b.get_by_label("quién ve el teléfono").select_option(label="Oculto")
    b.get_by_role("button", name="Guardar y continuar").click()
    b.get_by_role("button", name="Enviar para revisión").click()
    approve_all(moderator)
    initiative_b.refresh_from_db()
    assert initiative_b.contact_phone_visibility == Visibility.HIDDEN
    assert initiative_b.contact_phone == PHONE

    # --- A writes; B accepts in the browser ----------------------------------------------------
    connection = services.connection_create(
        user=promoter_a,
        from_initiative=initiative_a,
        to_initiative=initiative_b,
        message="Trabajemos juntos.",
    )
    b.goto(translate_path(connection.get_absolute_url(), "es"))
    b.get_by_role("button", name="Aceptar").click()
    contact_of_a = b.locator("section.shared-contact")
    expect(contact_of_a).to_contain_text(promoter_a.email)
    expect(contact_of_a).not_to_contain_text("+593 2 000 1111")
    expect(contact_of_a).not_to_contain_text(SECRET_CONTACT_A)  # A's email is hidden too

    # --- A, the partner, sees B's managers but not the phone B hid ----------------------------
    a_context = browser.new_context(locale="es-ES", base_url=live_server.url)
    a_context.set_default_timeout(10_000)
    sign_in_as(a_context, live_server, promoter_a)
    a = a_context.new_page()
    a.goto(translate_path(connection.get_absolute_url(), "es"))
    contact_of_b = a.locator("section.shared-contact")
    expect(contact_of_b).to_contain_text(promoter_b.email)
    expect(contact_of_b).to_contain_text("Beatriz Bits")
    assert PHONE not in a.content()
    # Nor in any email either side received.
    for message in mail.outbox:
        bodies = [message.body, *(body for body, _type in getattr(message, "alternatives", []))]
        assert all(PHONE not in body for body in bodies), message.subject
    for context in (a_context, b_context):
        context.close()
