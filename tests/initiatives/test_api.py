"""The read-only API: published initiatives, sectors, programmes, the schema and its docs page."""

import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from initiatives.models import Initiative, Visibility
from tests.factories import InitiativeFactory, ProgrammeFactory, SectorFactory

pytestmark = pytest.mark.django_db

SECRET_EMAIL = "secret.person@example.org"
SECRET_PHONE = "+593 99 111 2233"
PUBLIC_EMAIL = "hola@cluster-cacao.example.org"


@pytest.fixture
def sectors():
    return {
        "agrifood": SectorFactory(
            slug="agrifood",
            name_es="Agroalimentario",
            name_en="Agrifood",
            name_pt_br="Agroalimentar",
            order=1,
        ),
        "tourism": SectorFactory(
            slug="tourism", name_es="Turismo", name_en="Tourism", name_pt_br="Turismo", order=2
        ),
    }


@pytest.fixture
def registry(sectors):
    programme = ProgrammeFactory(slug="pro-ecuador", name="Programa de Clústeres", acronym="PC")
    cacao = InitiativeFactory(
        slug="cacao-esmeraldas",
        name="Clúster del Cacao de Esmeraldas",
        latitude=Decimal("0.96817"),
        longitude=Decimal("-79.65172"),
        sectors=[sectors["tourism"], sectors["agrifood"]],
        programme=programme,
        staff_fte=Decimal("3.5"),
        digital_topics=["ecommerce"],
        description="Productores de cacao fino de aroma.",
        contact_email=PUBLIC_EMAIL,
        contact_email_visibility=Visibility.PUBLIC,
        contact_phone=SECRET_PHONE,
        contact_phone_visibility=Visibility.MEMBERS,
    )
    InitiativeFactory(
        slug="banano-el-oro",
        name="Red Bananera de El Oro",
        sectors=[sectors["agrifood"]],
        contact_email=SECRET_EMAIL,
        contact_email_visibility=Visibility.MEMBERS,
    )
    InitiativeFactory(slug="turismo-quito", name="Quito Turismo", sectors=[sectors["tourism"]])
    InitiativeFactory(
        slug="cafe-brasil", name="Café do Brasil", country="BR", sectors=[sectors["agrifood"]]
    )
    InitiativeFactory(
        slug="borrador-ec",
        name="Borrador agroalimentario",
        status=Initiative.Status.DRAFT,
        published_at=None,
        sectors=[sectors["agrifood"]],
        contact_email=SECRET_EMAIL,
    )
    return {"cacao": cacao, "programme": programme}


def slugs(response) -> list[str]:
    return [item["slug"] for item in response.json()["results"]]


def test_the_list_gives_only_published_initiatives_in_name_order(client, registry):
    response = client.get("/api/initiatives/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["count"] == 4
    assert slugs(response) == [
        "cafe-brasil",
        "cacao-esmeraldas",
        "turismo-quito",
        "banano-el-oro",
    ]


def test_the_list_filters_like_the_directory(client, registry):
    response = client.get("/api/initiatives/?country=EC&sector=agrifood")

    assert response.status_code == 200
    assert slugs(response) == ["cacao-esmeraldas", "banano-el-oro"]
    assert response.json()["count"] == 2


def test_an_initiative_with_several_chosen_sectors_is_listed_once(client, registry):
    # No country filter: its DISTINCT would hide the repetition this test is about.
    response = client.get("/api/initiatives/?sector=agrifood&sector=tourism")

    assert slugs(response) == ["cafe-brasil", "cacao-esmeraldas", "turismo-quito", "banano-el-oro"]
    assert response.json()["count"] == 4


def test_an_initiative_reads_as_open_data_in_the_readers_language(client, registry):
    response = client.get("/api/initiatives/?country=EC&sector=tourism", HTTP_ACCEPT_LANGUAGE="en")

    item = response.json()["results"][0]
    assert item == {
        "slug": "cacao-esmeraldas",
        "name": "Clúster del Cacao de Esmeraldas",
        "acronym": "",
        "kind": "cluster",
        "country": {"code": "EC", "name": "Ecuador"},
        "subdivision": None,
        "territory": "",
        "city": "Quito",
        "latitude": 0.96817,
        "longitude": -79.65172,
        "sectors": [
            {"slug": "agrifood", "name": "Agrifood"},
            {"slug": "tourism", "name": "Tourism"},
        ],
        "stage": "",
        "year_founded": None,
        "programme": {"slug": "pro-ecuador", "name": "Programa de Clústeres", "acronym": "PC"},
        "website": "",
        "managing_organisation": "",
        "legal_form": "",
        "members_micro_small_firms": None,
        "members_medium_firms": None,
        "members_large_firms": None,
        "members_universities": None,
        "members_public_bodies": None,
        "members_civil_society": None,
        "staff_fte": 3.5,
        "digital_focus": False,
        "digital_topics": ["ecommerce"],
        "contact_email": PUBLIC_EMAIL,
        "contact_phone": None,
        "last_verified_at": None,
        "published_at": registry["cacao"].published_at.isoformat().replace("+00:00", "Z"),
        "url": "http://testserver/initiatives/cacao-esmeraldas/",
    }


@pytest.mark.parametrize(
    ("language", "sector", "country"),
    [
        ("es", "Agroalimentario", "Brasil"),
        ("en", "Agrifood", "Brazil"),
        ("pt-br", "Agroalimentar", "Brasil"),
    ],
)
def test_sector_and_country_names_follow_accept_language(
    client, registry, language, sector, country
):
    response = client.get("/api/initiatives/?country=BR", HTTP_ACCEPT_LANGUAGE=language)

    item = response.json()["results"][0]
    assert item["sectors"] == [{"slug": "agrifood", "name": sector}]
    assert item["country"] == {"code": "BR", "name": country}


def test_the_detail_gives_one_published_initiative_with_its_description(client, registry):
    response = client.get("/api/initiatives/cacao-esmeraldas/")

    assert response.status_code == 200
    data = response.json()
    assert data["slug"] == "cacao-esmeraldas"
    assert data["description"] == "Productores de cacao fino de aroma."
    assert data["contact_email"] == PUBLIC_EMAIL
    assert data["logo"] is None


def test_a_draft_is_not_in_the_api(client, registry):
    assert client.get("/api/initiatives/borrador-ec/").status_code == 404
    assert "borrador-ec" not in client.get("/api/initiatives/?page_size=200").content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/api/initiatives/?page_size=200",
        "/api/initiatives/banano-el-oro/",
        "/api/initiatives/cacao-esmeraldas/",
    ],
)
def test_contact_details_that_are_not_public_never_leave_the_api(member_client, registry, url):
    # Even for a signed-in member: the API takes no credentials and serves open data only.
    response = member_client.get(url)

    assert response.status_code == 200
    raw = response.content.decode()
    assert SECRET_EMAIL not in raw
    assert SECRET_PHONE not in raw


@pytest.mark.parametrize(
    "query",
    ["country=ZZ", "sector=nope", "kind=bogus", "stage=ancient", "programme=nope", "sort=random"],
)
def test_an_unknown_filter_value_is_a_400_with_the_field_named(client, registry, query):
    response = client.get(f"/api/initiatives/?{query}")

    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


def test_the_list_is_paginated_by_50_and_page_size_goes_up_to_200(client, sectors):
    for _n in range(60):
        InitiativeFactory(sectors=[sectors["agrifood"]])

    first = client.get("/api/initiatives/").json()
    assert first["count"] == 60
    assert len(first["results"]) == 50
    assert first["next"] == "http://testserver/api/initiatives/?page=2"
    assert len(client.get(first["next"]).json()["results"]) == 10
    assert len(client.get("/api/initiatives/?page_size=5").json()["results"]) == 5
    assert len(client.get("/api/initiatives/?page_size=500").json()["results"]) == 60


def test_the_list_takes_the_same_queries_for_10_and_for_60_initiatives(client, sectors):
    programmes = [ProgrammeFactory(), ProgrammeFactory()]

    def queries_for(total: int) -> int:
        Initiative.objects.all().delete()
        for n in range(total):
            InitiativeFactory(
                sectors=[sectors["agrifood"], sectors["tourism"]], programme=programmes[n % 2]
            )
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/initiatives/?page_size=100&country=EC")
        assert response.status_code == 200
        assert len(response.json()["results"]) == total
        return len(queries)

    assert queries_for(10) == queries_for(60) <= 3


def test_sectors_list_the_taxonomy_with_published_counts(client, registry):
    response = client.get("/api/sectors/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.json() == [
        {"slug": "agrifood", "name": "Agrifood", "isic_code": "", "initiative_count": 3},
        {"slug": "tourism", "name": "Tourism", "isic_code": "", "initiative_count": 2},
    ]


def test_programmes_list_with_their_country_and_published_counts(client, registry):
    ProgrammeFactory(slug="regional", name="Zona Regional", country="")

    response = client.get("/api/programmes/")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [p["slug"] for p in results] == ["pro-ecuador", "regional"]
    assert results[0]["country"] == {"code": "EC", "name": "Ecuador"}
    assert results[0]["initiative_count"] == 1
    assert results[0]["url"] == "http://testserver/initiatives/programmes/pro-ecuador/"
    assert results[1]["country"] is None
    assert results[1]["initiative_count"] == 0


def test_the_api_refuses_writes(client, registry):
    response = client.post("/api/initiatives/", {"name": "x"}, content_type="application/json")
    assert response.status_code == 405
    assert client.delete("/api/initiatives/cacao-esmeraldas/").status_code == 405
    assert Initiative.objects.filter(slug="cacao-esmeraldas").exists()


def test_the_schema_is_openapi_and_documents_the_filters(client):
    response = client.get("/api/schema/?format=json")

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/initiatives/",
        "/api/initiatives/{slug}/",
        "/api/sectors/",
        "/api/programmes/",
    } <= set(schema["paths"])
    parameters = {p["name"] for p in schema["paths"]["/api/initiatives/"]["get"]["parameters"]}
    assert {"q", "country", "sector", "kind", "stage", "programme", "digital", "sort"} <= parameters
    assert {"page", "page_size"} <= parameters
    assert not any(
        op.get("security") not in (None, [], [{}])
        for path in schema["paths"].values()
        for op in path.values()
    )


def test_the_docs_page_loads_only_files_of_this_site_under_its_csp(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    # No resource from another host, and no inline script that the CSP would block.
    assert not re.search(r'(src|href)="(https?:)?//', html)
    scripts = re.findall(r"<script([^>]*)>", html)
    assert len(scripts) == 3 and all("src=" in attributes for attributes in scripts)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "<style" not in html and "style=" not in html
    # The start-up script is a file of its own, pointing at the schema.
    script_url = (
        re.search(r'<script src="([^"]*script=[^"]*)"', html).group(1).replace("&amp;", "&")
    )
    script = client.get(script_url)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert '"/api/schema/"' in script.content.decode()
