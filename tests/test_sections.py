"""One section registry (iapt_platform.lib.sections) behind the home page and a joint project's
page: sections render in their order, then in the order they were registered; None leaves one out."""

import pytest
from django.test import RequestFactory
from django.utils import translation

from iapt_platform.lib import home
from iapt_platform.lib.sections import SectionRegistry
from initiatives.matchmaking import hooks

TEMPLATE = "includes/filters_summary.html"  # any template: the tests read the order, not the HTML


def test_sections_render_by_order_then_by_registration():
    registry = SectionRegistry()
    seen = []

    def context(name):
        def build(request, *args):
            seen.append((name, args))
            return {}

        return build

    registry.register("late", template=TEMPLATE, context=context("late"), order=30)
    registry.register("early", template=TEMPLATE, context=context("early"), order=10)
    registry.register("tie-first", template=TEMPLATE, context=context("tie-first"), order=20)
    registry.register("tie-second", template=TEMPLATE, context=context("tie-second"), order=20)
    registry.register("gone", template=TEMPLATE, context=context("gone"), order=5)
    registry.unregister("gone")

    assert [s.key for s in registry.sections()] == ["early", "tie-first", "tie-second", "late"]
    rendered = registry.render(RequestFactory().get("/"), "page object")
    assert len(rendered) == 4
    assert seen == [
        (name, ("page object",)) for name in ("early", "tie-first", "tie-second", "late")
    ]


def test_a_section_without_context_is_left_out_and_shared_values_reach_every_template():
    registry = SectionRegistry()
    registry.register("none", template=TEMPLATE, context=lambda request: None, order=1)
    registry.register("shared", template=TEMPLATE, context=lambda request: {}, order=2)
    registry.register("own", template=TEMPLATE, context=lambda request: {"active": 5}, order=3)
    with translation.override("en"):
        rendered = registry.render(RequestFactory().get("/"), active=2)
    assert len(rendered) == 2
    assert "Filters (2 active)" in rendered[0]
    assert "Filters (5 active)" in rendered[1]  # a section's own context wins


def test_the_home_page_and_the_project_page_use_the_shared_registry():
    assert isinstance(home.HOME_SECTIONS, SectionRegistry)
    assert isinstance(hooks.PROJECT_SECTIONS, SectionRegistry)
    # What the apps register in their AppConfig.ready(), in the order the pages show it.
    assert [s.key for s in home.HOME_SECTIONS.sections()] == [
        "initiatives",
        "stories",
        "opportunities",
        "library",
        "community",
        "meetings",
    ]
    assert [s.key for s in hooks.PROJECT_SECTIONS.sections()] == ["meetings", "resources"]


@pytest.mark.django_db
def test_the_home_page_shows_its_sections_in_order(client):
    from tests.factories import InitiativeFactory
    from tests.library.factories import ResourceFactory
    from tests.stories.factories import StoryFactory

    InitiativeFactory(name="Clúster de Prueba del Orden")
    StoryFactory(title_en="A story to order")
    ResourceFactory(title="Guía para ordenar")
    html = client.get("/en/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    positions = [
        html.index("Clúster de Prueba del Orden"),
        html.index("A story to order"),
        html.index("Guía para ordenar"),
    ]
    assert positions == sorted(positions)


def test_a_section_with_a_version_is_kept_per_version_language_and_time_zone():
    from django.core.cache import cache
    from django.utils import timezone

    cache.clear()
    registry = SectionRegistry("kept")
    version = {"n": 1}
    calls = []

    def context(request):
        calls.append(translation.get_language())
        return {"active": len(calls)}

    registry.register("latest", template=TEMPLATE, context=context, version=lambda: version["n"])
    left_out = []
    registry.register(
        "none", template=TEMPLATE, context=lambda r: left_out.append(1), version=lambda: 1
    )
    request = RequestFactory().get("/")

    first = registry.render(request)
    assert registry.render(request) == first
    assert calls == ["en"]  # the second page asked nothing
    assert left_out == [1]  # a section left out is kept as "nothing"
    with translation.override("es"):
        registry.render(request)
    with timezone.override("America/Lima"):
        registry.render(request)
    assert len(calls) == 3
    version["n"] = 2  # the content changed (CacheVersion.bump)
    assert registry.render(request) != first
    assert len(calls) == 4
