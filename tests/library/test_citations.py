"""BibTeX, RIS and CSL-JSON exports parse with real parsers and keep title, authors, year, URL."""

import json

import bibtexparser
import pytest
import rispy
from bibtexparser import middlewares
from django.utils import translation

from library import citations
from library.models import Resource

from .factories import ResourceFactory, TopicFactory

pytestmark = pytest.mark.django_db

TRICKY_TITLE = "Clústeres {R&D} en São Paulo: 100% $ # _ ~ \\ y “comillas” — ¿funcionan?"
AUTHORS = ["Pérez Núñez, Ana María", "O'Brien, Seán", "Comisión Económica para América Latina"]


@pytest.fixture
def tricky():
    return ResourceFactory(
        slug="clusteres-rd",
        title=TRICKY_TITLE,
        authors=AUTHORS,
        year=2019,
        type=Resource.Type.REPORT,
        publisher="CEPAL & BID",
        external_url="https://example.org/informe?lang=es&v=2#p1",
        summary="Resumen con {llaves} y\nsaltos de línea.",
        topics=[TopicFactory(slug="test-topic", name_es="Tema de prueba")],
    )


def parse_bibtex(text: str, *, decode: bool):
    stack = [middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()]
    if decode:
        stack.insert(0, middlewares.LatexDecodingMiddleware())
    library = bibtexparser.parse_string(text, append_middleware=stack)
    assert not library.failed_blocks
    return library.entries


def test_bibtex_round_trips_title_authors_year_and_url(tricky):
    text = citations.to_bibtex([tricky], base_url="http://testserver")
    (entry,) = parse_bibtex(text, decode=True)
    assert entry.entry_type == "techreport"
    assert entry.key == "clusteres_rd_2019"
    assert entry["title"] == TRICKY_TITLE
    assert entry["year"] == "2019"
    assert entry["institution"] == "CEPAL & BID"
    # Names and the verbatim url field are read without LaTeX decoding (which drops braces).
    (raw,) = parse_bibtex(text, decode=False)
    assert [(n.last, n.first) for n in raw["author"]] == [
        (["Pérez", "Núñez"], ["Ana", "María"]),
        (["O'Brien"], ["Seán"]),
        (["{Comisión Económica para América Latina}"], []),  # braced: one organisation
    ]
    assert raw["url"] == "https://example.org/informe?lang=es&v=2#p1"


def test_bibtex_escapes_every_special_character():
    assert citations.bibtex_escape("a{b}c & 50% $x #1 _y ~z ^w \\v") == (
        r"a\{b\}c \& 50\% \$x \#1 \_y \textasciitilde{}z \textasciicircum{}w \textbackslash{}v"
    )
    # An unbalanced brace in a title cannot end the field early.
    entry_text = citations.to_bibtex(
        [ResourceFactory(title="Half } open {", external_url="")], base_url="http://t"
    )
    (entry,) = parse_bibtex(entry_text, decode=True)
    assert entry["title"] == "Half } open {"


def test_ris_round_trips_with_rispy(tricky):
    with translation.override("es"):  # keywords are topic names in the reader's language
        text = citations.to_ris([tricky], base_url="http://testserver")
    (entry,) = rispy.loads(text)
    assert entry["type_of_reference"] == "RPRT"
    assert entry["title"] == TRICKY_TITLE
    assert entry["authors"] == AUTHORS
    assert entry["year"] == "2019"
    assert entry["urls"] == ["https://example.org/informe?lang=es&v=2#p1"]
    assert entry["abstract"] == "Resumen con {llaves} y saltos de línea."  # one line
    assert entry["keywords"] == ["Tema de prueba"]
    assert text.startswith("TY  - RPRT\r\n") and text.rstrip().endswith("ER  -")


def test_csl_json_follows_the_schema(tricky):
    (item,) = json.loads(citations.to_csl_json([tricky], base_url="http://testserver"))
    assert item["type"] == "report"
    assert item["title"] == TRICKY_TITLE
    assert item["author"] == [
        {"family": "Pérez Núñez", "given": "Ana María"},
        {"family": "O'Brien", "given": "Seán"},
        {"literal": "Comisión Económica para América Latina"},
    ]
    assert item["issued"] == {"date-parts": [[2019]]}
    assert item["URL"] == "https://example.org/informe?lang=es&v=2#p1"
    assert item["publisher"] == "CEPAL & BID"
    assert item["id"] == "clusteres-rd"


def test_without_an_external_link_the_url_is_the_resource_page(client):
    ResourceFactory(slug="solo-archivo", external_url="", type=Resource.Type.DATASET)
    response = client.get("/library/solo-archivo/cite.json")
    (item,) = json.loads(response.content)
    assert item["URL"] == "http://testserver/library/solo-archivo/"
    assert item["type"] == "dataset"


@pytest.mark.parametrize(
    ("fmt", "mimetype"),
    [
        ("bib", "application/x-bibtex; charset=utf-8"),
        ("ris", "application/x-research-info-systems; charset=utf-8"),
        ("json", "application/vnd.citationstyles.csl+json; charset=utf-8"),
    ],
)
def test_one_resource_and_the_filtered_list_download_in_each_format(client, tricky, fmt, mimetype):
    ResourceFactory(title="Otro informe", type=Resource.Type.GUIDE)
    one = client.get(f"/library/clusteres-rd/cite.{fmt}")
    assert one["Content-Type"] == mimetype
    assert one["Content-Disposition"] == (
        f"attachment; filename=\"clusteres-rd.{fmt}\"; filename*=UTF-8''clusteres-rd.{fmt}"
    )
    listed = client.get(f"/library/export.{fmt}?type=report")
    assert listed["Content-Disposition"].startswith("attachment;")
    body = listed.content.decode()
    assert "informe" in body.lower() and "Otro informe" not in body
    everything = client.get(f"/library/export.{fmt}").content.decode()
    assert "Otro informe" in everything


def test_the_list_export_parses_as_a_whole(client, tricky):
    for n in range(3):
        ResourceFactory(title=f"Guía {n} con ácentos", authors=[f"Autor{n}, Nombre"], year=2000 + n)
    entries = parse_bibtex(client.get("/library/export.bib").content.decode(), decode=True)
    assert len(entries) == 4 and len({e.key for e in entries}) == 4
    assert len(rispy.loads(client.get("/library/export.ris").content.decode())) == 4
    assert len(json.loads(client.get("/library/export.json").content)) == 4
