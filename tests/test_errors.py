import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path

from iapt_platform.urls import urlpatterns as project_urls
from tests.addresses import address


def _boom(request):
    raise RuntimeError("boom")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [*project_urls, path("boom/", _boom), path("forbidden/", _forbidden)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "No encontramos esta página"),
        ("en", "We could not find this page"),
        ("pt-br", "Não encontramos esta página"),
    ],
)
def test_a_missing_page_is_friendly_in_three_languages(client, language, text):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    assert text in response.text
    # The home page in the reader's language (/en/, /pt-br/; Spanish unprefixed).
    assert f'href="{address("home", language=language)}"' in response.text


@pytest.mark.django_db
@pytest.mark.urls("tests.test_errors")
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "Algo salió mal de nuestro lado"),
        ("en", "Something went wrong on our side"),
        ("pt-br", "Algo deu errado do nosso lado"),
    ],
)
def test_a_server_error_is_friendly_in_three_languages(language, text):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 500
    assert text in response.text


@pytest.mark.django_db
@pytest.mark.urls("tests.test_errors")
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "Usted no tiene acceso a esta página"),
        ("en", "You do not have access to this page"),
        ("pt-br", "Você não tem acesso a esta página"),
    ],
)
def test_a_forbidden_page_is_friendly_in_three_languages(client, language, text):
    response = client.get("/forbidden/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 403
    assert text in response.text
