"""A resource's page not kept (a miss: the load bench picks them among 50,000) asks for its
initiatives, projects and collections only when it may have some (`resources_linked`, kept under
the library's version), and a resource's first link shows on its next page."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from library.models import Collection, CollectionItem
from tests.factories import InitiativeFactory

from .factories import ResourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def page(resource) -> str:
    response = Client().get(f"/en/library/{resource.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_resource_without_links_asks_for_none_of_them():
    linked, alone = ResourceFactory(title="Con enlaces"), ResourceFactory(title="Sin enlaces")
    linked.initiatives.add(InitiativeFactory(name="Clúster del Cacao"))
    cache.clear()
    assert "Clúster del Cacao" in page(linked)
    with CaptureQueriesContext(connection) as captured:
        page(alone)
    tables = " ".join(q["sql"] for q in captured.captured_queries)
    for table in ("initiatives_initiative", "matchmaking_project", "library_collection"):
        assert f'FROM "{table}"' not in tables


def test_a_resources_first_initiative_and_collection_show_on_its_next_page(committed):
    resource = ResourceFactory(title="Guía del cacao fino")
    assert "Related initiatives" not in page(resource)  # kept: "no resource is linked" with it
    with committed():
        resource.initiatives.add(InitiativeFactory(name="Clúster del Cacao"))
    assert "Clúster del Cacao" in page(resource)
    with committed():
        kit = Collection.objects.create(
            slug="kit", title_en="A starter kit for cluster directors", is_published=True
        )
        CollectionItem.objects.create(collection=kit, resource=resource, order=1)
    assert "A starter kit for cluster directors" in page(resource)
