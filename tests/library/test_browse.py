"""Browsing the library: search inside documents, facets with counts, sorting, shareable URLs,
and a fixed number of queries whatever the size of the library."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from library import services
from library.models import Evidence, Resource, ResourceCountry, ResourceLanguage

from .factories import ResourceFactory, TopicFactory

pytestmark = pytest.mark.django_db


def count_of(response) -> int:
    match = re.search(r"<strong>(\d+) resources?</strong>", response.content.decode())
    assert match, "no result count on the page"
    return int(match.group(1))


def titles(response) -> list[str]:
    return re.findall(
        r'class="card-title"><a href="[^"]+" lang="\w+">([^<]+)</a>', response.content.decode()
    )


def get(client, url):
    return client.get(f"/en{url}", HTTP_ACCEPT_LANGUAGE="en")  # the English page


def test_search_finds_words_inside_documents_without_accents(client):
    resource = ResourceFactory(title="Manual de gestión")
    resource.extracted_text = "El anexo describe la metodología de evaluación de políticas."
    resource.save()
    services.resource_refresh_search(resource=resource)
    ResourceFactory(title="Otro manual")

    assert titles(get(client, "/library/?q=metodologia")) == ["Manual de gestión"]
    assert titles(get(client, "/library/?q=EVALUACIÓN+políticas")) == ["Manual de gestión"]
    assert titles(get(client, "/library/?q=gestion")) == ["Manual de gestión"]
    assert count_of(get(client, "/library/?q=zzzznothing")) == 0


def test_search_covers_authors_topics_and_countries_in_every_language(client):
    topic = TopicFactory(slug="financing", name_es="Financiamiento", name_en="Financing")
    ResourceFactory(title="Un recurso", authors=["Ñúñez, José"], topics=[topic], countries=["BR"])
    for query in ("nunez", "financing", "financiamiento", "brasil", "brazil"):
        assert count_of(get(client, f"/library/?q={query}")) == 1, query


def test_drafts_are_never_listed(client):
    ResourceFactory(title="Publicado")
    ResourceFactory(title="Borrador", status=Resource.Status.IN_REVIEW)
    assert titles(get(client, "/library/")) == ["Publicado"]


def test_facets_count_under_the_other_filters(client):
    financing = TopicFactory(slug="financing", name_en="Cluster financing")
    training = TopicFactory(slug="training", name_en="Training")
    ResourceFactory(topics=[financing], languages=["es"], type="guide", year=2020)
    ResourceFactory(topics=[financing], languages=["es", "en"], type="report", year=2021)
    ResourceFactory(topics=[training], languages=["en"], type="report", year=2021)

    html = get(client, "/library/?topic=financing").content.decode()
    # Under topic=financing: two resources, languages counted among them only.
    assert count_of(get(client, "/library/?topic=financing")) == 2
    assert re.search(r'name="language" value="es"> Spanish <span class="count">\(2\)', html)
    assert re.search(r'name="language" value="en"> English <span class="count">\(1\)', html)
    # The topic facet ignores its own filter, so the other topic stays reachable.
    assert re.search(r'name="topic" value="training"> Training <span class="count">\(1\)', html)
    assert re.search(r'name="topic" value="financing" checked> Cluster financing', html)

    both = get(client, "/library/?topic=financing&language=en")
    assert count_of(both) == 1
    assert count_of(get(client, "/library/?topic=financing&topic=training&language=en")) == 2
    assert count_of(get(client, "/library/?year=2021&type=report")) == 2


def test_method_facet_and_evidence_filters(client):
    study = ResourceFactory(type="impact_evaluation")
    services.evidence_save(
        resource=study, method="rct", direction="positive", outcomes=["exports", "wages"]
    )
    ResourceFactory(type="guide")
    html = get(client, "/library/").content.decode()
    assert re.search(r'name="method" value="rct"> Randomised trial <span class="count">\(1\)', html)
    assert count_of(get(client, "/library/?method=rct")) == 1
    assert count_of(get(client, "/library/?outcome=wages")) == 1
    assert count_of(get(client, "/library/?outcome=employment")) == 0
    assert count_of(get(client, "/library/?outcome=exports&outcome=wages")) == 1  # no repeats


def test_an_unknown_filter_value_says_so_and_shows_nothing(client):
    ResourceFactory()
    response = get(client, "/library/?topic=does-not-exist")
    assert count_of(response) == 0
    assert "has a value we do not know" in response.content.decode()


def test_sorting_by_newest_and_by_downloads(client):
    now = timezone.now()
    old = ResourceFactory(title="Old", published_at=now - timezone.timedelta(days=30))
    ResourceFactory(title="New", published_at=now)
    Resource.objects.filter(pk=old.pk).update(download_count=10)

    assert titles(get(client, "/library/")) == ["New", "Old"]
    assert titles(get(client, "/library/?sort=downloads")) == ["Old", "New"]
    assert titles(get(client, "/library/?sort=title")) == ["New", "Old"]


def test_search_ranks_a_title_match_first(client):
    ResourceFactory(title="Guía general", summary="Menciona la palabra exportacion una vez.")
    ResourceFactory(title="Exportación de servicios", summary="Sobre otro tema.")
    ranked = titles(get(client, "/library/?q=exportacion"))
    assert len(ranked) == 2
    if connection.vendor == "postgresql":  # SQLite has no ranking: any order is fine there
        assert ranked[0] == "Exportación de servicios"


def test_urls_are_shareable_and_carry_the_filters_to_pages_and_exports(client):
    topic = TopicFactory(slug="financing")
    for n in range(25):
        ResourceFactory(title=f"Recurso {n:02d}", topics=[topic], languages=["es"])
    html = get(client, "/library/?topic=financing&language=es&sort=title").content.decode()
    assert 'href="?topic=financing&amp;language=es&amp;sort=title&amp;page=2"' in html
    assert 'href="/en/library/export.ris?topic=financing&amp;language=es&amp;sort=title"' in html
    second = get(client, "/library/?topic=financing&language=es&sort=title&page=2")
    assert titles(second)[0] == "Recurso 20"


def test_the_htmx_request_gets_only_the_body(client):
    ResourceFactory()
    response = client.get("/library/?type=guide", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="directory-layout" id="library-body">')
    assert "<html" not in html


def bulk_resources(n: int, topics, start: int = 0) -> None:
    now = timezone.now()
    created = Resource.objects.bulk_create(
        [
            Resource(
                slug=f"bulk-{start + i}",
                title=f"Metodología de clúster {start + i}",
                summary="Resumen",
                type=["guide", "report", "impact_evaluation"][i % 3],
                year=2000 + i % 25,
                authors=["Pérez, Ana"],
                status=Resource.Status.PUBLISHED,
                published_at=now - timezone.timedelta(minutes=i),
                search_document=f"metodologia de cluster {start + i} resumen",
            )
            for i in range(n)
        ]
    )
    through = Resource.topics.through
    through.objects.bulk_create(
        [
            through(resource_id=r.pk, topic_id=topics[i % len(topics)].pk)
            for i, r in enumerate(created)
        ]
    )
    ResourceLanguage.objects.bulk_create(
        [
            ResourceLanguage(resource=r, language=["es", "en", "pt"][i % 3])
            for i, r in enumerate(created)
        ]
    )
    ResourceCountry.objects.bulk_create(
        [
            ResourceCountry(resource=r, country=["MX", "CL", "BR"][i % 3])
            for i, r in enumerate(created)
        ]
    )
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchVector

        Resource.objects.filter(pk__in=[r.pk for r in created]).update(
            search_vector=SearchVector("search_document", config="simple")
        )
    evidence = Evidence.objects.bulk_create(
        [
            Evidence(resource=r, method="did", direction="positive")
            for r in created
            if r.type == "impact_evaluation"
        ]
    )
    assert evidence
    # A bulk load writes around the signals: the search listing is rebuilt as the sweep does.
    from library import services

    assert services.search_listings_rebuild() == n


def queries_for(client, url: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url",
    [
        "/library/",
        "/library/?topic=t0&language=es&country=MX",
        "/library/?q=metodologia&sort=downloads",
        "/library/?method=did&year=2002",
        "/library/export.ris?type=guide",
    ],
)
def test_the_list_uses_a_fixed_number_of_queries_at_10_and_1000_resources(client, url):
    topics = [TopicFactory(slug=f"t{i}") for i in range(4)]
    bulk_resources(10, topics)
    small = queries_for(client, url)
    bulk_resources(990, topics, start=10)
    assert Resource.objects.published().count() == 1000
    large = queries_for(client, url)
    assert small == large, f"{url}: {small} queries at 10, {large} at 1,000"
    assert large <= 16


@pytest.mark.parametrize("url", ["/library/", "/library/?q=metodologia&type=guide"])
def test_the_counts_are_cached_until_the_library_changes(client, url):
    from library.selectors import library_changed

    bulk_resources(30, [TopicFactory(slug="t0")])
    cache.clear()

    def facet_statements():
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return [
            q
            for q in captured
            if "GROUPING SETS" in q["sql"]
            or 'COUNT("library_searchlisting' in q["sql"]
            or 'FROM "library_facetcount"' in q["sql"]  # without filters: the kept counts
        ]

    assert facet_statements()  # cold: counted
    assert facet_statements() == []  # warm: the counts and the total come from the cache
    library_changed()
    assert facet_statements()


def test_a_plain_search_matches_once_for_all_facets(client):
    bulk_resources(30, [TopicFactory(slug="t0")])
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        client.get("/library/?q=metodologia")
    marker = '"search_vector" @@' if connection.vendor == "postgresql" else '"search_document" LIKE'
    searches = [q["sql"] for q in captured if marker in q["sql"]]
    # The ranked page, and one scan for the six facets and total (on SQLite, without GROUPING
    # SETS, the matches' ids up to the cap, which each facet's GROUP BY then reads).
    assert len(searches) == 2


def test_postgresql_has_the_gin_index_for_search():
    if connection.vendor != "postgresql":
        pytest.skip("the GIN index exists on PostgreSQL only; SQLite matches search_document")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'library_resource_search_gin'"
        )
        (definition,) = cursor.fetchone()
    assert "USING gin (search_vector)" in definition


LIBRARY_SAYS_MORE = {
    "es": "Más de 1 resultados para «exportacion»",
    "en": "More than 1 results for “exportacion”",
    "pt-br": "Mais de 1 resultados para “exportacion”",
}


@pytest.mark.parametrize("language", ["es", "en", "pt-br"])
def test_a_search_past_the_cap_says_more_and_lists_the_newest(client, monkeypatch, language):
    from iapt_platform.lib import search

    monkeypatch.setattr(search, "COUNT_CAP", 1)
    now = timezone.now()
    ResourceFactory(
        title="Exportación de servicios", type="guide", published_at=now - timezone.timedelta(1)
    )
    ResourceFactory(title="Guía de exportación", type="report", published_at=now)
    prefix = "" if language == "es" else f"/{language}"
    response = client.get(f"{prefix}/library/?q=exportacion")
    html = response.content.decode()

    assert LIBRARY_SAYS_MORE[language] in html
    assert response.context["browse"].more is True
    assert response.context["browse"].sort == "newest"  # not ranked: past the cap
    assert titles(response) == ["Guía de exportación"]  # the newest, no further than counted
    # The facets list what matches, without claiming counts.
    assert re.search(r'name="type" value="guide">[^<]*</label>', html)
    assert '<span class="count">' not in html.split('id="results"')[0]


def test_a_search_at_the_cap_is_counted_and_ranked(client, monkeypatch):
    from iapt_platform.lib import search

    monkeypatch.setattr(search, "COUNT_CAP", 2)
    ResourceFactory(title="Exportación de servicios", type="guide")
    ResourceFactory(title="Guía de exportación", type="report")
    response = get(client, "/library/?q=exportacion")
    html = response.content.decode()

    assert count_of(response) == 2
    assert response.context["browse"].more is False
    assert response.context["browse"].sort == "relevance"
    assert re.search(r'name="type" value="guide"> Guide or toolkit <span class="count">\(1\)', html)


def test_a_repeated_search_renders_its_results_from_the_cache(client):
    bulk_resources(30, [TopicFactory(slug="t0")])
    get(client, "/library/?q=metodologia")  # counts, ids and the rendered results kept
    with CaptureQueriesContext(connection) as captured:
        again = get(client, "/library/?q=metodologia")
    assert count_of(again) == 30
    assert not [q["sql"] for q in captured if '"library_resource"' in q["sql"]]
