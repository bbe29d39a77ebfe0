import pytest
from django.core.files.base import ContentFile

from library import services
from library.models import Resource

from .factories import ResourceFactory, TopicFactory, pdf_bytes

pytestmark = pytest.mark.django_db


def test_the_api_lists_published_resources_with_the_browse_filters(client):
    topic = TopicFactory(slug="api-topic", name_en="API topic")
    study = ResourceFactory(
        slug="estudio", type="impact_evaluation", topics=[topic], languages=["es", "en"],
        countries=["PE"], authors=["Pérez, Ana", "CEPAL"],
    )  # fmt: skip
    services.evidence_save(resource=study, method="rct", direction="positive", outcomes=["wages"])
    ResourceFactory(slug="otro", type="guide")
    ResourceFactory(slug="borrador", status=Resource.Status.DRAFT)

    everything = client.get("/api/resources/").json()
    assert everything["count"] == 2
    data = client.get("/api/resources/?topic=api-topic&language=en&method=rct").json()
    assert [r["slug"] for r in data["results"]] == ["estudio"]
    item = data["results"][0]
    assert item["authors"] == ["Pérez, Ana", "CEPAL"]
    assert item["countries"] == ["PE"] and sorted(item["languages"]) == ["en", "es"]
    assert item["evidence"]["method"] == "rct" and item["evidence"]["outcomes"] == ["wages"]
    assert item["url"] == "http://testserver/library/estudio/"
    assert item["download_url"] is None
    assert client.get("/api/resources/borrador/").status_code == 404


def test_the_api_refuses_unknown_values_and_links_files_through_the_view(client):
    assert client.get("/api/resources/?type=novel").status_code == 400
    assert client.get("/api/resources/?year=1800").status_code == 400
    assert client.get("/api/resources/?topic=no-such-topic").json()["count"] == 0
    resource = ResourceFactory(slug="con-archivo")
    resource.file.save("a.pdf", ContentFile(pdf_bytes("x")))
    item = client.get("/api/resources/con-archivo/").json()
    assert item["download_url"] == "http://testserver/library/con-archivo/download/"
    assert "/media/" not in str(item)


def test_the_api_searches_inside_documents_and_lists_topics(client):
    resource = ResourceFactory(slug="texto")
    resource.extracted_text = "una palabra escondida: quimera"
    resource.save()
    services.resource_refresh_search(resource=resource)
    ResourceFactory()
    assert [r["slug"] for r in client.get("/api/resources/?q=quimera").json()["results"]] == [
        "texto"
    ]
    topics = client.get("/api/topics/").json()
    assert {"slug", "name", "resource_count"} <= set(topics[0])
    schema = client.get("/api/schema/").content.decode()
    assert "/api/resources/" in schema
