"""States and provinces (ISO 3166-2, first level): chosen at registration, mapped from the old free
text, filtered and counted in the directory, the API, the downloads and the statistics."""

import csv
import importlib
import io
import json

import openpyxl
import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from iapt_platform.lib import subdivisions
from initiatives import selectors, services
from initiatives.models import Initiative
from tests.factories import InitiativeFactory, SectorFactory

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("initiatives:list")


@pytest.fixture
def registry():
    agrifood = SectorFactory(slug="agrifood")
    rows = [
        ("Clúster del Aguacate", "MX", "MX-MIC", 19.41, -102.06),
        ("Clúster de la Fresa de Zamora", "MX", "MX-MIC", None, None),
        ("Clúster Tequilero", "MX", "MX-JAL", 20.67, -103.35),
        ("Polo Automotriz del Bajío", "MX", "", None, None),
        ("Arranjo do Café Mineiro", "BR", "BR-MG", None, None),
    ]
    for name, country, subdivision, lat, lng in rows:
        initiative = InitiativeFactory(
            name=name,
            country=country,
            subdivision=subdivision,
            latitude=lat,
            longitude=lng,
            sectors=[agrifood],
        )
        services.initiative_refresh_search(initiative=initiative)
    selectors.registry_changed()


def names(response) -> list[str]:
    return sorted(i.name for i in response.context["page"].object_list)


# --- The table ---------------------------------------------------------------------------------


def test_each_country_of_the_region_has_its_first_level_divisions():
    mexico = {s.code: s.name for s in subdivisions.of_country("MX")}
    assert len(mexico) == 32 and mexico["MX-MIC"] == "Michoacán de Ocampo"
    assert len(subdivisions.of_country("BR")) == 27
    assert {s.code for s in subdivisions.of_country("DO")} >= {"DO-35"}  # regions, not provinces
    assert subdivisions.belongs("MX-MIC", "MX") and not subdivisions.belongs("MX-MIC", "BR")
    assert subdivisions.of_country("AW") == ()  # a territory without subdivisions


@pytest.mark.parametrize(
    ("country", "text", "code"),
    [
        ("MX", "Michoacán", "MX-MIC"),
        ("MX", "Edo. de Michoacán", "MX-MIC"),
        ("MX", "Uruapan, Michoacán", "MX-MIC"),
        ("MX", "CDMX", "MX-CMX"),
        ("MX", "Estado de México", "MX-MEX"),
        ("BR", "SP", "BR-SP"),
        ("BR", "sao paulo", "BR-SP"),
        ("AR", "Provincia de Córdoba", "AR-X"),
        ("AR", "CABA", "AR-C"),
        ("CO", "Bogotá D.C.", "CO-DC"),
        ("CL", "Región de Valparaíso", "CL-VS"),
        ("EC", "Provincia del Guayas", "EC-G"),
        ("PE", "Callao", "PE-CAL"),
        ("DO", "Santiago", "DO-35"),  # a province: its region, the first level
        ("MX", "Santa Cruz", ""),  # a place of another country
        ("MX", "Bajío", ""),  # a region that is no subdivision
        ("JM", "St. James", "JM-08"),
    ],
)
def test_free_text_is_read_as_a_subdivision_where_it_names_one(country, text, code):
    assert subdivisions.match(country, text) == code


def test_the_data_migration_maps_existing_territories_and_keeps_the_text():
    mapped = InitiativeFactory(country="MX", territory="Michoacán")
    detail = InitiativeFactory(country="BR", territory="Belo Horizonte, MG")
    unknown = InitiativeFactory(country="MX", territory="El Bajío")
    draft = InitiativeFactory(country="EC", territory="pichincha", status="draft")
    migration = importlib.import_module("initiatives.migrations.0005_subdivision_from_territory")

    migration.map_territories(apps, None)

    for initiative, code in [(mapped, "MX-MIC"), (detail, "BR-MG"), (unknown, ""), (draft, "EC-P")]:
        initiative.refresh_from_db()
        assert initiative.subdivision == code
    assert detail.territory == "Belo Horizonte, MG"


# --- Registration ------------------------------------------------------------------------------


def test_the_place_step_offers_the_countrys_subdivisions_first_and_refuses_another_countrys(
    client, promoter
):
    initiative = services.initiative_start(
        user=promoter, name="Clúster del Aguacate", country="MX", kind="cluster"
    )
    initiative = services.initiative_save_step(
        initiative=initiative, user=promoter, data={}, step=1
    )
    client.force_login(promoter)
    url = reverse("initiatives:draft_step", args=[initiative.pk, 2])

    page = client.get(url).text
    select = page[page.index('name="subdivision"') :]
    select = select[: select.index("</select>")]
    assert select.index("<optgroup") < select.index('value="MX-MIC"') < select.index('"AR-B"')
    assert select.count("<optgroup") == 34  # the countries and territories that have any
    assert '<option value="MX-MIC">Michoacán de Ocampo</option>' in select
    assert "Locality or territory detail" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").text

    refused = client.post(url, {"country": "MX", "subdivision": "BR-SP", "territory": "Uruapan"})
    assert refused.status_code == 200
    assert refused.context["form"].errors["subdivision"]
    initiative.refresh_from_db()
    assert initiative.subdivision == ""
    assert initiative.territory == "Uruapan"

    client.post(url, {"country": "MX", "subdivision": "MX-MIC", "territory": "Uruapan"})
    initiative.refresh_from_db()
    assert (initiative.subdivision, initiative.territory) == ("MX-MIC", "Uruapan")
    assert initiative.draft_step == 3


def test_a_new_country_drops_a_subdivision_of_the_old_one(promoter):
    initiative = services.initiative_start(
        user=promoter, name="Clúster del Aguacate", country="MX", kind="cluster"
    )
    initiative.subdivision = "MX-MIC"
    initiative.country = "PE"
    with pytest.raises(Exception, match="subdivision"):
        initiative.full_clean()


# --- Directory, API, downloads, statistics ------------------------------------------------------


def test_the_directory_filters_by_state_and_offers_the_facet_under_one_country(client, registry):
    everything = client.get(DIRECTORY)
    assert "subdivision" not in everything.context["directory"].facets
    assert 'name="subdivision"' not in everything.text

    mexico = client.get(DIRECTORY, {"country": "MX"})
    facet = {o.value: (o.label, o.count) for o in mexico.context["directory"].facets["subdivision"]}
    assert facet == {"MX-MIC": ("Michoacán de Ocampo", 2), "MX-JAL": ("Jalisco", 1)}
    assert 'name="subdivision" value="MX-MIC"' in mexico.text

    michoacan = client.get(DIRECTORY, {"country": "MX", "subdivision": "MX-MIC"})
    assert names(michoacan) == ["Clúster de la Fresa de Zamora", "Clúster del Aguacate"]
    assert 'name="subdivision" value="MX-MIC" checked' in michoacan.text

    assert names(client.get(DIRECTORY, {"subdivision": "XX-ZZ"})) == []


def test_a_directory_page_filtered_by_state_is_kept_for_visitors(registry):
    query = {"country": "MX", "subdivision": "MX-MIC"}
    first = Client().get(DIRECTORY, query)
    second = Client().get(DIRECTORY, query)
    assert first.context is not None
    assert second.status_code == 200 and second.context is None  # served from the page cache
    assert "Clúster de la Fresa de Zamora" in second.content.decode()


def test_a_search_finds_an_initiative_by_the_name_of_its_state(client, registry):
    assert names(client.get(DIRECTORY, {"q": "michoacan"})) == [
        "Clúster de la Fresa de Zamora",
        "Clúster del Aguacate",
    ]


def test_the_api_filters_by_subdivision_and_gives_its_code_and_name(client, registry):
    response = client.get("/api/initiatives/?subdivision=MX-MIC&subdivision=MX-JAL")
    assert response.status_code == 200
    results = {r["name"]: r["subdivision"] for r in response.json()["results"]}
    assert results == {
        "Clúster de la Fresa de Zamora": {"code": "MX-MIC", "name": "Michoacán de Ocampo"},
        "Clúster del Aguacate": {"code": "MX-MIC", "name": "Michoacán de Ocampo"},
        "Clúster Tequilero": {"code": "MX-JAL", "name": "Jalisco"},
    }
    everything = client.get("/api/initiatives/?country=MX").json()["results"]
    assert {r["name"]: r["subdivision"] for r in everything}["Polo Automotriz del Bajío"] is None
    assert client.get("/api/initiatives/?subdivision=MX-XYZ").status_code == 400
    schema = client.get("/api/schema/").content.decode()
    assert "subdivision" in schema


def _download(client, fmt, query):
    response = client.get(f"/initiatives/download.{fmt}?{query}")
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_every_download_has_the_subdivision_code_and_name(client, registry):
    query = "country=MX&subdivision=MX-JAL"
    rows = list(csv.DictReader(io.StringIO(_download(client, "csv", query).decode("utf-8-sig"))))
    assert [(r["name"], r["subdivision"], r["subdivision_name"]) for r in rows] == [
        ("Clúster Tequilero", "MX-JAL", "Jalisco")
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(_download(client, "xlsx", query))).active
    header, *cells = list(sheet.iter_rows(values_only=True))
    xlsx = [dict(zip(header, row, strict=True)) for row in cells]
    assert [(r["subdivision"], r["subdivision_name"]) for r in xlsx] == [("MX-JAL", "Jalisco")]
    features = json.loads(_download(client, "geojson", query))["features"]
    assert [f["properties"]["subdivision"] for f in features] == ["MX-JAL"]
    assert features[0]["properties"]["subdivision_name"] == "Jalisco"


def test_statistics_and_the_country_page_count_by_state(client, registry):
    page = client.get(reverse("initiatives:statistics"), HTTP_ACCEPT_LANGUAGE="en")
    section = next(s for s in page.context["sections"] if s.key == "subdivision")
    assert [(label, n) for label, n, _link in section.rows][:1] == [
        ("Michoacán de Ocampo (Mexico)", 2)
    ]
    assert section.rows[0][2] == f"{reverse('initiatives:list')}?country=MX&subdivision=MX-MIC"

    country = client.get(reverse("initiatives:country", args=["MX"]))
    assert country.context["subdivisions"] == [
        ("MX-MIC", "Michoacán de Ocampo", 2),
        ("MX-JAL", "Jalisco", 1),
    ]
    assert "subdivision=MX-MIC" in country.text


def test_the_demo_registry_gives_its_initiatives_a_state_or_province(db):
    from initiatives import demo

    demo.seed(lambda *_args, **_kw: None)

    published = Initiative.objects.published()
    assert published.count() > 20
    assert published.filter(subdivision="").count() == 0
    assert published.get(slug="cluster-aguacate-michoacan").subdivision == "MX-MIC"
