"""The evidence map: method by outcome (or outcome by country), each cell linking to its studies."""

import re

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from library import selectors, services
from library.models import Resource
from tests.factories import SectorFactory

from .factories import ResourceFactory

pytestmark = pytest.mark.django_db


def study(method, outcomes, countries, direction="positive", sector=None, **kwargs):
    resource = ResourceFactory(type=Resource.Type.IMPACT_EVALUATION, countries=countries, **kwargs)
    services.evidence_save(
        resource=resource, method=method, direction=direction, outcomes=outcomes, sector=sector
    )
    return resource


@pytest.fixture
def studies():
    tourism = SectorFactory(slug="tourism")
    study("rct", ["exports", "employment"], ["PE"], sector=tourism)
    study("rct", ["exports"], ["PE", "CL"])
    study("did", ["exports"], ["MX"], direction="none")
    study("matching", ["wages"], ["BR"])
    study("did", ["productivity"], ["MX"], status=Resource.Status.IN_REVIEW)  # not public


def cell(grid, row, column):
    values = [value for value, _label in grid.columns]
    (found,) = [r for r in grid.rows if r.key == row]
    return found.cells[values.index(column)]


def test_method_by_outcome_counts_published_studies(studies):
    grid = selectors.evidence_grid(axis="method-outcome", filters={}, base_query=QueryDict())
    assert grid.studies == 4
    assert cell(grid, "rct", "exports").count == 2
    assert cell(grid, "rct", "employment").count == 1
    assert cell(grid, "did", "exports").count == 1
    assert cell(grid, "did", "productivity").count == 0  # the draft is not counted
    assert cell(grid, "matching", "wages").count == 1
    assert (
        cell(grid, "rct", "exports").url == "/en/library/?method=rct&outcome=exports"
    )  # in English
    assert cell(grid, "rct", "wages").url == ""


def test_outcome_by_country_counts_each_country_of_a_study(studies):
    grid = selectors.evidence_grid(axis="outcome-country", filters={}, base_query=QueryDict())
    assert [value for value, _label in grid.columns] == ["BR", "CL", "MX", "PE"]
    assert cell(grid, "exports", "PE").count == 2
    assert cell(grid, "exports", "CL").count == 1
    assert cell(grid, "exports", "MX").count == 1
    assert cell(grid, "wages", "BR").count == 1
    assert cell(grid, "exports", "PE").url == "/en/library/?outcome=exports&country=PE"


def test_the_cells_come_from_one_grouped_query(studies):
    with CaptureQueriesContext(connection) as captured:
        selectors.evidence_grid(axis="method-outcome", filters={}, base_query=QueryDict())
    grouped = [q["sql"] for q in captured if "GROUP BY" in q["sql"]]
    assert len(grouped) == 1
    assert len(captured) == 2  # the grouped cells, and the number of studies


def test_each_cell_links_to_a_list_with_as_many_studies(client, studies):
    html = client.get("/en/library/evidence/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    links = re.findall(r'<a href="(/en/library/\?[^"]+)" aria-label="(\d+) stud', html)
    assert links
    for url, count in links:
        page = client.get(url.replace("&amp;", "&"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert f"<strong>{count} resource" in page


def test_the_map_switches_axes_and_narrows_by_sector(client, studies):
    page = client.get("/en/library/evidence/?view=outcome-country", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "Outcome by country" in html and '<th scope="col">Peru</th>' in html
    narrowed = client.get("/en/library/evidence/?sector=tourism", HTTP_ACCEPT_LANGUAGE="en")
    text = narrowed.content.decode()
    assert "1 study under these filters." in text
    assert 'href="/en/library/?sector=tourism&amp;method=rct&amp;outcome=exports"' in text
    bad = client.get("/en/library/evidence/?direction=sideways", HTTP_ACCEPT_LANGUAGE="en")
    assert "has a value we do not know" in bad.content.decode()
