"""Downloads of the published registry: CSV, XLSX and GeoJSON for the directory's filter."""

import csv
import io
import json
import re
import zipfile
from datetime import UTC, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from initiatives.models import Initiative, Visibility
from tests.factories import InitiativeFactory, ProgrammeFactory, SectorFactory

pytestmark = pytest.mark.django_db

FORMATS = ["csv", "xlsx", "geojson"]
SECRET_EMAIL = "secret.person@example.org"
SECRET_PHONE = "+593 99 111 2233"
PUBLIC_EMAIL = "hola@cluster-cacao.example.org"


@pytest.fixture
def sectors():
    return {
        "agrifood": SectorFactory(slug="agrifood", name_es="Agroalimentario", order=1),
        "tourism": SectorFactory(slug="tourism", name_es="Turismo", order=2),
    }


@pytest.fixture
def registry(sectors):
    """Ecuadorian agrifood initiatives to find, and others that the filter must leave out."""
    programme = ProgrammeFactory(slug="pro-ecuador-clusters", name="Programa de Clústeres")
    cacao = InitiativeFactory(
        slug="cacao-esmeraldas",
        name="Clúster del Cacao de Esmeraldas",
        acronym="CCE",
        kind=Initiative.Kind.CLUSTER,
        subdivision="EC-E",
        territory="Esmeraldas",
        city="Esmeraldas",
        latitude=Decimal("0.96817"),
        longitude=Decimal("-79.65172"),
        sectors=[sectors["tourism"], sectors["agrifood"]],
        stage=Initiative.Stage.DEVELOPING,
        year_founded=2015,
        programme=programme,
        website="https://cacao.example.org",
        managing_organisation="Asociación de Cacaoteros",
        legal_form=Initiative.LegalForm.ASSOCIATION,
        members_micro_small_firms=40,
        members_universities=2,
        staff_fte=Decimal("3.5"),
        digital_focus=True,
        digital_topics=["ecommerce", "data_ai"],
        contact_email=PUBLIC_EMAIL,
        contact_email_visibility=Visibility.PUBLIC,
        contact_phone=SECRET_PHONE,
        contact_phone_visibility=Visibility.HIDDEN,
        last_verified_at=datetime(2026, 3, 4, 15, 30, tzinfo=UTC),
    )
    banana = InitiativeFactory(
        slug="banano-el-oro",
        name="Red Bananera de El Oro",
        sectors=[sectors["agrifood"]],
        contact_email=SECRET_EMAIL,
        contact_email_visibility=Visibility.MEMBERS,
    )
    InitiativeFactory(slug="turismo-quito", name="Quito Turismo", sectors=[sectors["tourism"]])
    InitiativeFactory(
        slug="aguacate-peru", name="Aguacate Perú", country="PE", sectors=[sectors["agrifood"]]
    )
    InitiativeFactory(
        slug="borrador-ec",
        name="Borrador agroalimentario",
        status=Initiative.Status.DRAFT,
        published_at=None,
        latitude=Decimal("-0.18"),
        longitude=Decimal("-78.47"),
        sectors=[sectors["agrifood"]],
        contact_email=SECRET_EMAIL,
    )
    InitiativeFactory(
        slug="en-revision-ec",
        name="En revisión",
        status=Initiative.Status.IN_REVIEW,
        published_at=None,
        sectors=[sectors["agrifood"]],
    )
    return {"cacao": cacao, "banana": banana}


def download(client, fmt: str, query: str = ""):
    response = client.get(f"/initiatives/download.{fmt}" + (f"?{query}" if query else ""))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def read_csv(body: bytes) -> list[dict[str, str]]:
    assert body.startswith("\ufeff".encode())  # Excel reads the accents only with the BOM
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(body: bytes) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


def xlsx_text(body: bytes) -> str:
    """Every XML part of the workbook, decompressed: what a reader of the file could find."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())


def test_the_csv_holds_exactly_the_filtered_published_initiatives(client, registry):
    response, body = download(client, "csv", "country=EC&sector=agrifood")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.now().date().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="iapt-initiatives-{today}.csv"'
    rows = read_csv(body)
    assert [r["slug"] for r in rows] == ["cacao-esmeraldas", "banano-el-oro"]
    cacao = rows[0]
    assert cacao == {
        "slug": "cacao-esmeraldas",
        "name": "Clúster del Cacao de Esmeraldas",
        "acronym": "CCE",
        "type": "cluster",
        "country": "EC",
        "country_name": "Ecuador",
        "subdivision": "EC-E",
        "subdivision_name": "Esmeraldas",
        "territory": "Esmeraldas",
        "city": "Esmeraldas",
        "latitude": "0.96817",
        "longitude": "-79.65172",
        "sectors": "agrifood;tourism",
        "stage": "developing",
        "year_founded": "2015",
        "programme": "Programa de Clústeres",
        "website": "https://cacao.example.org",
        "managing_organisation": "Asociación de Cacaoteros",
        "legal_form": "association",
        "members_micro_small_firms": "40",
        "members_medium_firms": "",
        "members_large_firms": "",
        "members_universities": "2",
        "members_public_bodies": "",
        "members_civil_society": "",
        "staff_fte": "3.5",
        "digital_focus": "true",
        "digital_topics": "ecommerce;data_ai",
        "contact_email": PUBLIC_EMAIL,
        "contact_phone": "",
        "last_verified_at": "2026-03-04T15:30:00Z",
        # In UTC as the API gives it (it was missing from the downloads).
        "published_at": registry["cacao"].published_at.isoformat().replace("+00:00", "Z"),
        "url": "http://testserver/initiatives/cacao-esmeraldas/",
    }
    assert rows[1]["contact_email"] == ""
    assert rows[1]["last_verified_at"] == ""


def test_without_a_filter_every_published_initiative_and_no_draft_is_downloaded(client, registry):
    _response, body = download(client, "csv")

    slugs = {r["slug"] for r in read_csv(body)}
    assert slugs == {"cacao-esmeraldas", "banano-el-oro", "turismo-quito", "aguacate-peru"}


def test_an_initiative_with_several_chosen_sectors_is_listed_once(client, registry):
    # No country filter: its DISTINCT would hide the repetition this test is about.
    _response, body = download(client, "csv", "sector=agrifood&sector=tourism")

    assert [r["slug"] for r in read_csv(body)] == [
        "aguacate-peru",
        "cacao-esmeraldas",
        "turismo-quito",
        "banano-el-oro",
    ]


def test_the_search_box_filters_the_download_too(client, registry):
    from initiatives import services

    for initiative in Initiative.objects.all():
        services.initiative_refresh_search(initiative=initiative)

    _response, body = download(client, "csv", "q=cacao")

    assert [r["slug"] for r in read_csv(body)] == ["cacao-esmeraldas"]


def test_the_xlsx_holds_the_same_rows_with_typed_cells(client, registry):
    response, body = download(client, "xlsx", "country=EC&sector=agrifood")

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    rows = read_xlsx(body)
    assert [r["slug"] for r in rows] == ["cacao-esmeraldas", "banano-el-oro"]
    assert rows[0]["latitude"] == pytest.approx(0.96817)
    assert rows[0]["year_founded"] == 2015
    assert rows[0]["digital_focus"] is True
    assert rows[0]["sectors"] == "agrifood;tourism"
    assert rows[0]["contact_email"] == PUBLIC_EMAIL
    assert rows[0]["country_name"] == "Ecuador"


def test_the_geojson_maps_the_filtered_initiatives_that_have_coordinates(client, registry):
    response, body = download(client, "geojson", "country=EC&sector=agrifood")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/geo+json"
    assert response["Content-Disposition"].endswith('.geojson"')
    data = json.loads(body)
    assert data["type"] == "FeatureCollection"
    # The banana network has no coordinates; the draft has some but is not published.
    assert [f["id"] for f in data["features"]] == ["cacao-esmeraldas"]
    feature = data["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [-79.65172, 0.96817]}
    properties = feature["properties"]
    assert properties["name"] == "Clúster del Cacao de Esmeraldas"
    assert properties["sectors"] == "agrifood;tourism"
    assert properties["contact_email"] == PUBLIC_EMAIL
    assert properties["contact_phone"] == ""
    assert properties["url"] == "http://testserver/initiatives/cacao-esmeraldas/"


def test_an_empty_result_is_still_a_valid_file(client, registry):
    _response, body = download(client, "geojson", "country=UY")
    assert json.loads(body) == {"type": "FeatureCollection", "features": []}

    _response, body = download(client, "csv", "country=UY")
    assert read_csv(body) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_contact_details_that_are_not_public_are_in_no_download(client, registry, fmt):
    Initiative.objects.filter(slug="cacao-esmeraldas").update(
        contact_email=SECRET_EMAIL, contact_email_visibility=Visibility.MEMBERS
    )
    Initiative.objects.filter(slug="banano-el-oro").update(
        latitude=Decimal("-3.26"), longitude=Decimal("-79.96"), contact_phone=SECRET_PHONE
    )

    response, body = download(client, fmt)

    assert response.status_code == 200
    text = xlsx_text(body) if fmt == "xlsx" else body.decode("utf-8")
    assert "cacao-esmeraldas" in text and "banano-el-oro" in text  # the rows are there
    assert SECRET_EMAIL not in text
    assert SECRET_PHONE not in text
    assert "secret.person" not in text


def test_a_member_signed_in_downloads_no_more_than_the_public(member_client, registry):
    _response, body = download(member_client, "csv")
    assert SECRET_EMAIL.encode() not in body


FORMULAS = {
    "name": '=HYPERLINK("http://evil.example","Click")',
    "acronym": "+SUM(1,2)",
    "territory": "-2+3",
    "city": "@cmd",
    "managing_organisation": "\tTabbed",
}


def test_the_csv_neutralises_text_that_a_spreadsheet_would_run_as_a_formula(client, sectors):
    InitiativeFactory(slug="formula", sectors=[sectors["agrifood"]], **FORMULAS)

    _response, body = download(client, "csv")

    row = read_csv(body)[0]
    for column, value in FORMULAS.items():
        assert row[column] == "'" + value


def test_the_xlsx_neutralises_formulas_and_keeps_them_as_text(client, sectors):
    InitiativeFactory(
        slug="formula",
        sectors=[sectors["agrifood"]],
        latitude=Decimal("-0.18"),
        longitude=Decimal("-78.47"),
        **FORMULAS,
    )

    _response, body = download(client, "xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    header = [c.value for c in sheet[1]]
    cells = dict(zip(header, sheet[2], strict=True))
    for column, value in FORMULAS.items():
        assert cells[column].value == "'" + value
        assert cells[column].data_type == "s"  # text, not a formula
    # Negative coordinates stay numbers.
    assert cells["latitude"].value == pytest.approx(-0.18)
    assert cells["latitude"].data_type == "n"


def test_control_characters_do_not_break_the_xlsx(client, sectors):
    InitiativeFactory(slug="control", name="Clúster\x0b del\x01 Sur", sectors=[sectors["agrifood"]])

    response, body = download(client, "xlsx")

    assert response.status_code == 200
    assert read_xlsx(body)[0]["name"] == "Clúster del Sur"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "query", ["country=ZZ", "sector=nope", "kind=bogus", "stage=ancient", "programme=nope"]
)
def test_an_unknown_filter_value_is_a_short_400(client, registry, fmt, query):
    response = client.get(f"/initiatives/download.{fmt}?{query}")

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "Content-Disposition" not in response
    assert query.split("=")[0] in response.content.decode()


@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_the_download_takes_the_same_queries_for_10_and_for_60_initiatives(client, sectors, fmt):
    def queries_for(total: int) -> int:
        Initiative.objects.all().delete()
        for _n in range(total):
            InitiativeFactory(
                latitude=Decimal("-0.18"),
                longitude=Decimal("-78.47"),
                sectors=[sectors["agrifood"], sectors["tourism"]],
            )
        with CaptureQueriesContext(connection) as queries:
            response, body = download(client, fmt)
        assert response.status_code == 200
        assert body.count(b"agrifood;tourism") == total
        return len(queries)

    assert queries_for(10) == queries_for(60) <= 3


def test_the_downloads_partial_links_the_three_formats_for_the_current_filter(client, registry):
    with translation.override("en"):
        html = render_to_string(
            "initiatives/partials/downloads.html", {"query": "country=EC&sector=agrifood"}
        )

    assert re.search(r"<h2[^>]*>Download this list</h2>", html)
    hrefs = re.findall(r'href="(/en/initiatives/download\.[a-z]+\?[^"]*)"', html)
    assert hrefs == [
        "/en/initiatives/download.csv?country=EC&amp;sector=agrifood",
        "/en/initiatives/download.xlsx?country=EC&amp;sector=agrifood",
        "/en/initiatives/download.geojson?country=EC&amp;sector=agrifood",
    ]
    # Each link, as a browser would follow it, downloads the filtered list.
    response, body = download(client, "csv", hrefs[0].split("?")[1].replace("&amp;", "&"))
    assert response.status_code == 200
    assert [r["slug"] for r in read_csv(body)] == ["cacao-esmeraldas", "banano-el-oro"]


def test_the_downloads_partial_without_a_filter_links_the_whole_registry():
    html = render_to_string("initiatives/partials/downloads.html", {"query": ""})

    assert 'href="/en/initiatives/download.csv"' in html  # English active: its addresses
    assert 'href="/en/initiatives/download.xlsx"' in html
    assert 'href="/en/initiatives/download.geojson"' in html
