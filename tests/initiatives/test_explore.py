"""The map and its data, the country, sector and statistics pages, and the server-side charts."""

import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from initiatives.models import Initiative
from initiatives.selectors import PAGE_SIZE
from initiatives.services import initiative_refresh_search
from tests.addresses import address
from tests.factories import InitiativeFactory, ProgrammeFactory, SectorFactory

QUITO = (Decimal("-0.18"), Decimal("-78.47"))
GUAYAQUIL = (Decimal("-2.19"), Decimal("-79.89"))
BOGOTA = (Decimal("4.71"), Decimal("-74.07"))

MAP_DATA = address("initiatives:map_data")

pytestmark = pytest.mark.django_db


def located(place, **kwargs) -> Initiative:
    return InitiativeFactory(latitude=place[0], longitude=place[1], **kwargs)


def queries_for(client, url: str) -> int:
    cache.clear()  # count a cold page, where every number is computed
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def cacao():
    return SectorFactory(slug="cacao", name_es="Cacao", name_en="Cocoa", isic_code="A0127")


@pytest.fixture
def tourism():
    return SectorFactory(slug="tourism", name_es="Turismo", name_en="Tourism", isic_code="I55")


# --- Map data ------------------------------------------------------------------------------------


def test_map_data_returns_exactly_the_published_located_initiatives_matching_the_filters(
    client, cacao, tourism
):
    quito = located(QUITO, name="Cacao de Quito", sectors=[cacao])
    guayaquil = located(GUAYAQUIL, name="Cacao del Guayas", sectors=[cacao, tourism])
    located(QUITO, name="Borrador de cacao", sectors=[cacao], status=Initiative.Status.DRAFT)
    located(QUITO, name="En revisión", sectors=[cacao], status=Initiative.Status.IN_REVIEW)
    located(GUAYAQUIL, name="Turismo del Guayas", sectors=[tourism])
    located(BOGOTA, name="Cacao de Bogotá", country="CO", sectors=[cacao])
    InitiativeFactory(name="Cacao sin coordenadas", sectors=[cacao])

    response = client.get(MAP_DATA, {"country": "EC", "sector": "cacao"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["count"] == 2
    assert data["points"] == [
        [-0.18, -78.47, "Cacao de Quito", quito.get_absolute_url(), "Ecuador"],
        [-2.19, -79.89, "Cacao del Guayas", guayaquil.get_absolute_url(), "Ecuador"],
    ]


def test_map_data_without_filters_has_every_published_located_initiative(client, cacao):
    located(QUITO, name="Uno", sectors=[cacao])
    located(BOGOTA, name="Dos", country="CO")
    located(QUITO, name="Borrador", status=Initiative.Status.DRAFT)

    data = client.get(MAP_DATA).json()

    assert [point[2] for point in data["points"]] == ["Dos", "Uno"]


def test_map_data_filters_by_type_stage_programme_digital_and_search(client):
    programme = ProgrammeFactory(slug="ec-clusters")
    digital = located(
        QUITO,
        name="Digital",
        kind=Initiative.Kind.NETWORK,
        stage=Initiative.Stage.MATURE,
        programme=programme,
        digital_focus=True,
    )
    other = located(QUITO, name="Otra", kind=Initiative.Kind.NETWORK)
    for initiative in (digital, other):  # the search index, as publishing fills it
        initiative_refresh_search(initiative=initiative)

    params = {
        "kind": "network",
        "stage": "mature",
        "programme": "ec-clusters",
        "digital": "on",
        "q": "digital",
    }
    data = client.get(MAP_DATA, params).json()

    assert [point[2] for point in data["points"]] == ["Digital"]


@pytest.mark.parametrize(
    "params",
    [{"country": "ZZ"}, {"country": "FR"}, {"sector": "no-such-sector"}, {"kind": "castle"}],
)
def test_map_data_answers_400_with_json_for_an_unknown_filter_value(client, params):
    located(QUITO)

    response = client.get(MAP_DATA, params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "error" in response.json()


def test_map_data_uses_one_query_whatever_the_number_of_initiatives(client, cacao):
    for _ in range(30):
        located(QUITO, sectors=[cacao])

    with CaptureQueriesContext(connection) as queries:
        response = client.get(MAP_DATA, {"country": "EC", "sector": "cacao"})

    assert response.json()["count"] == 30
    # The sector filter validates its slug (one query), then the points (one query).
    assert len(queries) == 2


def test_country_shapes_are_served_with_long_cache_headers(client):
    response = client.get(address("initiatives:country_shapes"), HTTP_ACCEPT_ENCODING="identity")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert "max-age=86400" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    shapes = json.loads(response.content)
    assert "EC" in {feature["id"] for feature in shapes["features"]}


def test_country_shapes_are_compressed_and_revalidated(client):
    url = address("initiatives:country_shapes")
    plain = client.get(url, HTTP_ACCEPT_ENCODING="identity")

    compressed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, br")
    again = client.get(url, HTTP_IF_NONE_MATCH=plain["ETag"])

    assert compressed["Content-Encoding"] == "gzip"
    assert len(compressed.content) < len(plain.content) / 2
    assert again.status_code == 304


# --- Map page ------------------------------------------------------------------------------------


def test_map_page_lists_the_same_initiatives_as_the_map_data(client, cacao):
    located(QUITO, name="Cacao de Quito", sectors=[cacao])
    InitiativeFactory(name="Cacao sin coordenadas", sectors=[cacao])
    located(QUITO, name="Borrador", sectors=[cacao], status=Initiative.Status.DRAFT)
    located(BOGOTA, name="Cacao de Bogotá", country="CO", sectors=[cacao])

    response = client.get(address("initiatives:map"), {"country": "EC", "sector": "cacao"})

    assert response.status_code == 200
    html = response.content.decode()
    assert [i.name for i in response.context["initiatives"]] == [
        "Cacao de Quito",
        "Cacao sin coordenadas",
    ]
    assert response.context["summary"] == {"total": 2, "located": 1}
    assert "Borrador" not in html
    assert "Cacao de Bogotá" not in html
    assert 'role="region"' in html
    assert f'data-points-url="{MAP_DATA}?country=EC&amp;sector=cacao"' in html
    assert 'data-icon-url="/static/vendor/leaflet/images/marker-icon.png"' in html
    assert "<script>" not in html  # no inline script: the CSP allows only files from 'self'
    assert 'style="' not in html


def test_map_page_caps_its_list_and_points_to_the_directory(client, monkeypatch):
    from initiatives.views import explore

    monkeypatch.setattr(explore, "MAP_LIST_LIMIT", 3)
    for _ in range(5):
        located(QUITO)

    response = client.get(address("initiatives:map"), {"country": "EC"})

    assert len(response.context["initiatives"]) == 3
    assert response.context["truncated"] is True
    assert f'href="{address("initiatives:list")}?country=EC"' in response.content.decode()


def test_map_page_explains_an_unknown_filter_value_instead_of_failing(client):
    located(QUITO)

    response = client.get(address("initiatives:map"), {"country": "ZZ"})

    assert response.status_code == 200
    assert response.context["invalid"] is True
    assert response.context["initiatives"] == []


def test_map_page_runs_a_fixed_number_of_queries(client, cacao):
    url = address("initiatives:map") + "?country=EC&sector=cacao"
    for _ in range(5):
        located(QUITO, sectors=[cacao])
    small = queries_for(client, url)
    for _ in range(45):
        located(GUAYAQUIL, sectors=[cacao], programme=ProgrammeFactory())

    large = queries_for(client, url)

    assert small == large


# --- Country page --------------------------------------------------------------------------------


def test_country_page_shows_its_published_initiatives_counts_and_programmes(client, cacao, tourism):
    programme = ProgrammeFactory(name="Programa de Clústeres del Ecuador", country="EC")
    InitiativeFactory(name="Cacao de Esmeraldas", sectors=[cacao], programme=programme)
    InitiativeFactory(name="Turismo de Quito", sectors=[tourism], kind=Initiative.Kind.NETWORK)
    InitiativeFactory(name="Borrador ecuatoriano", status=Initiative.Status.DRAFT)
    InitiativeFactory(name="Cacao del Huila", country="CO", sectors=[cacao])

    response = client.get(address("initiatives:country", args=["EC"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Ecuador</h1>" in html
    assert [i.name for i in response.context["page"]] == ["Cacao de Esmeraldas", "Turismo de Quito"]
    assert "Borrador ecuatoriano" not in html
    assert "Cacao del Huila" not in html
    assert [(s.slug, n) for s, n in response.context["sectors"]] == [("cacao", 1), ("tourism", 1)]
    assert [(kind, n) for kind, _label, n in response.context["kinds"]] == [
        ("cluster", 1),
        ("network", 1),
    ]
    assert [(p.name, p.n) for p in response.context["programmes"]] == [
        ("Programa de Clústeres del Ecuador", 1)
    ]
    assert f'href="{address("initiatives:list")}?country=EC"' in html
    assert f'href="{address("initiatives:map")}?country=EC"' in html


def test_country_page_names_the_country_in_the_readers_language(client):
    response = client.get(
        address("initiatives:country", args=["BR"], language="en"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "<h1>Brazil</h1>" in response.content.decode()

    response = client.get(address("initiatives:country", args=["BR"]), HTTP_ACCEPT_LANGUAGE="es")
    assert "<h1>Brasil</h1>" in response.content.decode()


def test_country_page_accepts_a_lower_case_code(client):
    response = client.get("/initiatives/countries/ec/")

    assert response.status_code == 301
    assert response["Location"] == address("initiatives:country", args=["EC"])


@pytest.mark.parametrize("code", ["ZZ", "FR", "us", "ECU"])
def test_country_page_is_404_for_an_unknown_country_or_one_outside_the_region(client, code):
    assert client.get(f"/initiatives/countries/{code}/").status_code == 404


def test_country_page_runs_a_fixed_number_of_queries(client, cacao, tourism):
    programme = ProgrammeFactory(country="EC")
    for _ in range(5):
        InitiativeFactory(sectors=[cacao, tourism], programme=programme, kind="network")
    small = queries_for(client, address("initiatives:country", args=["EC"]))
    for _ in range(45):
        InitiativeFactory(sectors=[cacao], programme=ProgrammeFactory(), stage="mature")

    large = queries_for(client, address("initiatives:country", args=["EC"]))

    assert small == large
    assert large <= 7  # the seventh counts the initiatives by state or province


# --- Sector page ---------------------------------------------------------------------------------


def test_sector_page_shows_its_initiatives_by_country(client, cacao, tourism):
    InitiativeFactory(name="Cacao de Esmeraldas", sectors=[cacao])
    InitiativeFactory(name="Cacao de Manabí", sectors=[cacao, tourism])
    InitiativeFactory(name="Cacao del Huila", country="CO", sectors=[cacao])
    InitiativeFactory(name="Borrador de cacao", sectors=[cacao], status=Initiative.Status.DRAFT)
    InitiativeFactory(name="Turismo de Quito", sectors=[tourism])

    response = client.get(address("initiatives:sector", args=["cacao"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Cacao</h1>" in html
    assert "A0127" in html
    assert [i.name for i in response.context["page"]] == [
        "Cacao de Esmeraldas",
        "Cacao de Manabí",
        "Cacao del Huila",
    ]
    assert "Borrador de cacao" not in html
    assert "Turismo de Quito" not in html
    assert [(code, n) for code, _name, n in response.context["countries"]] == [
        ("EC", 2),
        ("CO", 1),
    ]
    assert f'href="{address("initiatives:map")}?sector=cacao"' in html
    assert f'href="{address("initiatives:list")}?sector=cacao"' in html


def test_sector_page_shows_the_name_in_the_readers_language(client, cacao):
    response = client.get(
        address("initiatives:sector", args=["cacao"], language="en"), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert "<h1>Cocoa</h1>" in response.content.decode()


def test_sector_page_is_404_for_an_unknown_sector(client):
    assert client.get("/initiatives/sectors/no-such-sector/").status_code == 404


def test_sector_page_runs_a_fixed_number_of_queries(client, cacao, tourism):
    for _ in range(5):
        InitiativeFactory(sectors=[cacao, tourism])
    small = queries_for(client, address("initiatives:sector", args=["cacao"]))
    for i in range(45):
        InitiativeFactory(sectors=[cacao], country=["CO", "PE", "MX"][i % 3])

    large = queries_for(client, address("initiatives:sector", args=["cacao"]))

    assert small == large


# --- Statistics ----------------------------------------------------------------------------------


def seed_small_registry(cacao, tourism) -> None:
    InitiativeFactory(
        country="EC", sectors=[cacao], kind="cluster", stage="emerging", year_founded=1998
    )
    InitiativeFactory(
        country="EC", sectors=[cacao, tourism], kind="network", stage="mature", year_founded=2005
    )
    located(BOGOTA, country="CO", sectors=[tourism], kind="cluster", year_founded=2009)
    located(QUITO, country="EC", sectors=[cacao], kind="park", stage="mature")
    InitiativeFactory(
        country="PE", sectors=[cacao], kind="agenda", year_founded=2001, status="draft"
    )


def test_statistics_match_a_hand_count(client, cacao, tourism):
    seed_small_registry(cacao, tourism)

    response = client.get(address("initiatives:statistics"))

    assert response.status_code == 200
    numbers = response.context["numbers"]
    assert (numbers.total, numbers.located, numbers.countries) == (4, 2, 2)
    counts = {
        b.key: dict(zip(b.values, [n for _, n in b.rows], strict=True)) for b in numbers.breakdowns
    }
    assert counts["country"] == {"EC": 3, "CO": 1}
    assert counts["sector"] == {"cacao": 3, "tourism": 2}
    assert counts["kind"] == {
        "cluster": 2,
        "network": 1,
        "value_chain": 0,
        "agenda": 0,
        "park": 1,
        "other": 0,
    }
    assert counts["stage"] == {
        "emerging": 1,
        "developing": 0,
        "consolidated": 0,
        "mature": 2,
        "": 1,  # not stated
    }
    decades = next(b for b in numbers.breakdowns if b.key == "founded")
    assert [n for _, n in decades.rows] == [1, 2, 1]
    assert [label for label, _ in decades.rows][:2] == ["1990\u20131999", "2000\u20132009"]


def test_statistics_draw_each_breakdown_as_an_svg_chart_followed_by_a_table(client, cacao, tourism):
    seed_small_registry(cacao, tourism)

    response = client.get(address("initiatives:statistics"))

    html = response.content.decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img"') == 5
    assert 'aria-labelledby="chart-country-title chart-country-desc"' in html
    assert '<title id="chart-country-title">' in html
    assert '<desc id="chart-country-desc">' in html
    assert html.count("<caption>") == 5
    assert '<th scope="row"><a href="/initiatives/countries/EC/">Ecuador</a></th>' in html
    assert 'style="' not in html


def test_statistics_of_an_empty_registry_say_there_is_nothing_to_count(client):
    InitiativeFactory(status=Initiative.Status.DRAFT)

    response = client.get(address("initiatives:statistics"))

    assert response.status_code == 200
    assert response.context["numbers"].total == 0
    html = response.content.decode()
    assert 'class="chart-svg"' not in html  # the header's search icon is an svg too
    assert "<table" not in html


def test_statistics_escape_labels(client):
    sector = SectorFactory(slug="evil", name_es="<script>alert(1)</script>")
    InitiativeFactory(sectors=[sector])

    html = client.get(address("initiatives:statistics")).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_statistics_are_cached_until_the_registry_changes(cacao, django_assert_num_queries):
    from initiatives import stats

    InitiativeFactory(sectors=[cacao])
    assert stats.registry_statistics().total == 1
    with django_assert_num_queries(0):
        assert stats.registry_statistics().total == 1
    InitiativeFactory(sectors=[cacao])  # its save changes the registry's version

    assert stats.registry_statistics().total == 2


def test_statistics_page_runs_a_fixed_number_of_queries(client, cacao, tourism):
    for i in range(5):
        InitiativeFactory(sectors=[cacao], year_founded=1990 + i, stage="mature")
    small = queries_for(client, address("initiatives:statistics"))
    for i in range(45):
        InitiativeFactory(
            sectors=[cacao, tourism],
            country=["CO", "PE", "MX", "BR"][i % 4],
            year_founded=1950 + i,
            kind="network",
        )

    large = queries_for(client, address("initiatives:statistics"))

    assert small == large
    assert large <= 6
    with CaptureQueriesContext(connection) as warm:
        client.get(address("initiatives:statistics"))
    assert len(warm) == 0  # served from the cache


def test_map_page_ignores_the_empty_values_its_own_form_submits(client):
    located(BOGOTA, name="Cacao de Bogotá", country="CO")
    located(QUITO, name="Cacao de Quito")

    response = client.get(
        address("initiatives:map"),
        {"q": "", "country": "CO", "sector": "", "kind": "", "stage": "", "programme": ""},
    )

    assert response.context["invalid"] is False
    assert [i.name for i in response.context["initiatives"]] == ["Cacao de Bogotá"]
    assert f'data-points-url="{MAP_DATA}?country=CO"' in response.content.decode()


def test_programme_page_lists_its_initiatives_a_page_at_a_time(client):
    # A national programme may support thousands: the page must not grow with them.
    programme = ProgrammeFactory(slug="andes")
    for n in range(PAGE_SIZE + 1):
        InitiativeFactory(name=f"Clúster {n:03}", programme=programme)
    page_address = address("initiatives:programme", args=["andes"])

    first = client.get(page_address)
    second = client.get(page_address, {"page": 2})

    assert first.status_code == second.status_code == 200
    assert first.content.decode().count('class="card"') == PAGE_SIZE
    assert 'rel="next" href="?page=2"' in first.content.decode()
    assert [i.name for i in second.context["page"]] == [f"Clúster {PAGE_SIZE:03}"]
