"""The shared search (iapt_platform.lib.search) on whichever database the tests run."""

import pytest
from django.urls import reverse

from initiatives import selectors, services
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db


def test_a_term_matches_word_prefixes_not_the_inside_of_words(client):
    for name, description in [
        ("Cacao de Tabasco", ""),
        ("Red de productores", "Reúne a los cacaoteros de la costa."),
        ("Clúster de Educação", "Formação técnica e educação profissional."),
    ]:
        initiative = InitiativeFactory(name=name, description=description)
        services.initiative_refresh_search(initiative=initiative)
    selectors.registry_changed()

    response = client.get(reverse("initiatives:list"), {"q": "cacao"})

    found = [i.name for i in response.context["page"].object_list]
    assert sorted(found) == ["Cacao de Tabasco", "Red de productores"]
    assert "Educação" not in response.content.decode()
