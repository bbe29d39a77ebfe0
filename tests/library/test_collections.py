import pytest

from library.models import Collection, CollectionItem, Resource

from .factories import ResourceFactory

pytestmark = pytest.mark.django_db


def test_a_collection_lists_its_published_resources_in_order(client):
    kit = Collection.objects.create(
        slug="starter-kit", title_en="A starter kit for cluster directors", is_published=True
    )
    first = ResourceFactory(title="Primero")
    second = ResourceFactory(title="Segundo")
    hidden = ResourceFactory(title="Borrador", status=Resource.Status.DRAFT)
    CollectionItem.objects.create(collection=kit, resource=second, order=2)
    CollectionItem.objects.create(collection=kit, resource=first, order=1, note_en="Start here")
    CollectionItem.objects.create(collection=kit, resource=hidden, order=0)

    html = client.get(
        "/en/library/collections/starter-kit/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "A starter kit for cluster directors" in html
    assert html.index("Primero") < html.index("Segundo")
    assert "Start here" in html and "Borrador" not in html
    listing = client.get("/en/library/collections/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 resources" in listing
    assert (
        "A starter kit for cluster directors"
        in client.get(f"/en/library/{first.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


def test_an_unpublished_collection_is_not_found(client):
    Collection.objects.create(slug="draft-kit", title="Borrador", is_published=False)
    assert client.get("/library/collections/draft-kit/").status_code == 404
    assert "Borrador" not in client.get("/library/collections/").content.decode()


def test_an_initiative_page_can_list_its_published_resources(rf):
    from django.template import Context, Template

    from tests.factories import InitiativeFactory

    initiative = InitiativeFactory()
    linked = ResourceFactory(title="Sobre esta iniciativa")
    linked.initiatives.add(initiative)
    draft = ResourceFactory(title="Borrador enlazado", status=Resource.Status.DRAFT)
    draft.initiatives.add(initiative)
    html = Template("{% load library_tags %}{% initiative_resources initiative %}").render(
        Context({"initiative": initiative})
    )
    assert "Sobre esta iniciativa" in html and "Borrador enlazado" not in html
