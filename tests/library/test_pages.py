import pytest

from library import services

from .factories import ResourceFactory

pytestmark = pytest.mark.django_db


def test_the_home_page_shows_the_newest_resources(client):
    ResourceFactory(title="Nuevo en la biblioteca")
    html = client.get("/en/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "New in the library" in html and "Nuevo en la biblioteca" in html


def test_a_resource_page_shows_its_evidence_language_and_citations(client):
    study = ResourceFactory(
        slug="estudio", type="impact_evaluation", title_language="pt", countries=["BR"]
    )
    services.evidence_save(
        resource=study, method="matching", direction="mixed", outcomes=["innovation"],
        period_start=2010, period_end=2017,
    )  # fmt: skip
    html = client.get("/en/library/estudio/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<h1 lang="pt">' in html
    assert "Matching" in html and "Mixed effects" in html and "2010\u20132017" in html
    assert "Brazil" in html
    assert 'href="/en/library/estudio/cite.ris"' in html
    assert 'rel="noopener noreferrer nofollow"' in html  # the external link


def test_the_account_page_links_to_contributions(member_client):
    html = member_client.get("/account/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "/library/mine/" in html
