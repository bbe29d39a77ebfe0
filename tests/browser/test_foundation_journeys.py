"""Browser journeys of the foundation, in Debian's Chromium driven by Playwright."""

import re

import pytest
from django.core import mail

from iapt_platform.accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCEPT_TERMS_ES = "Acepto las condiciones de uso y he leído el aviso de privacidad."


def test_a_visitor_switches_the_language_to_portuguese(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Iniciativas clúster de América Latina y el Caribe, conectadas"
    )
    page.get_by_role("button", name="Português (Brasil)").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "pt-br"
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Iniciativas de clusters da América Latina e do Caribe, conectadas"
    )
    # The choice sticks on the next page.
    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Biblioteca").click()
    assert page.locator("html").get_attribute("lang") == "pt-br"


def test_a_new_member_signs_up_verifies_signs_in_and_sets_the_time_zone(page):
    page.goto("/")
    page.get_by_role("link", name="Unirse").click()
    page.get_by_role("main").get_by_label("Correo electrónico").fill("ana.flores@example.org")
    page.get_by_role("main").get_by_label("Contraseña:", exact=True).fill("una-frase-larga-y-rara")
    page.get_by_role("main").get_by_label("Contraseña (de nuevo)").fill("una-frase-larga-y-rara")
    page.get_by_role("main").get_by_label(ACCEPT_TERMS_ES).check()
    page.get_by_role("button", name="Registrarse").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))
    assert User.objects.filter(email="ana.flores@example.org").exists()

    [verification] = mail.outbox
    assert verification.to == ["ana.flores@example.org"]
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", verification.body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirmar").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert mail.outbox[-1].subject == "Bienvenida a la Plataforma IAPT"

    page.get_by_role("main").get_by_label("Correo electrónico").fill("ana.flores@example.org")
    page.get_by_role("main").get_by_label("Contraseña").fill("una-frase-larga-y-rara")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(re.compile(r"/account/$"))

    page.get_by_role("link", name="Su perfil", exact=True).click()
    page.get_by_label("Nombre visible").fill("Ana Flores")
    page.get_by_label("Zona horaria").select_option("America/Bogota")
    page.get_by_role("button", name="Guardar perfil").click()
    assert page.get_by_text("Su perfil fue guardado.").is_visible()
    assert page.get_by_text("Las horas se muestran en America/Bogota.").is_visible()
    user = User.objects.get(email="ana.flores@example.org")
    assert (user.display_name, user.time_zone) == ("Ana Flores", "America/Bogota")
