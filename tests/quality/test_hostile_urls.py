"""NUL bytes and invalid UTF-8 in any path or query parameter are refused with a 400 before any
database query (PostgreSQL refuses NUL in a string: `/meetings/feed/%00.ics` was a 500 there).

Every URL pattern of the resolver is tried with NUL and %FF in each of its parameters, and with
every query parameter the code reads set to them, signed in as a staff moderator (who reaches the
most views). Run it on PostgreSQL too: DATABASE_URL=postgres://... ."""

import re

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django.utils import translation

from iapt_platform.accounts import roles

pytestmark = pytest.mark.django_db

BAD = ("%00", "%FF", "a%00b", "%C3%28")  # NUL, a lone byte, NUL inside, a broken sequence
SAMPLES = ("1", "x", "bib", "csv", "html", "es")
GROUP = re.compile(r"\((?:\?P<\w+>)?[^()]*\)\??")


def _sample(converter) -> str:
    return next(s for s in SAMPLES if re.fullmatch(converter.regex, s))


def _routes(patterns, prefix=""):
    """(route text, {parameter: sample}, converters) for every URL pattern, nested ones too."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            regex = not isinstance(pattern.pattern, RoutePattern)
            yield route, None if regex else pattern.pattern.converters


def _urls(route: str, converters: dict, bad: str):
    """The route with `bad` in each parameter in turn (the others given a valid sample)."""
    route = route.replace("^", "").replace("$", "").replace("\\.", ".")
    names = [] if converters is None else re.findall(r"<(?:\w+:)?(\w+)>", route)
    if names:
        for name in names:

            def value(match, name=name):
                own = match.group(1)
                return bad if own == name else _sample(converters[own])

            yield "/" + re.sub(r"<(?:\w+:)?(\w+)>", value, route)
        return
    groups = GROUP.findall(route)
    for index in range(len(groups)):
        count = iter(range(len(groups)))
        yield "/" + GROUP.sub(
            lambda m, count=count, index=index: bad if next(count) == index else "x", route
        )
    if not groups:
        yield "/" + route + "?"  # no parameter in the path: only the query is tried


def _query_parameters() -> list[str]:
    """Every query parameter the code reads by name, and every field of the filter forms."""
    from pathlib import Path

    from initiatives.filters import InitiativeFilter
    from library.filters import ResourceFilterForm

    root = Path(__file__).resolve().parents[2]
    found = set(InitiativeFilter.base_filters) | set(ResourceFilterForm.base_fields)
    for app in ("iapt_platform", "initiatives", "community", "library", "newsletter"):
        for source in (root / app).rglob("*.py"):
            found |= set(
                re.findall(
                    r"(?:GET|query_params|params)\.(?:get|getlist)\(\s*\"(\w+)\"",
                    source.read_text(),
                )
            )
    return sorted(found | {"next", "page_size", "format"})


@pytest.fixture
def staff(moderator_with_totp):
    moderator_with_totp.is_staff = moderator_with_totp.is_superuser = True
    moderator_with_totp.save()
    assert roles.is_moderator(moderator_with_totp)
    client = Client(raise_request_exception=False)
    client.force_login(moderator_with_totp)
    return client


def test_nul_and_invalid_utf8_in_any_parameter_are_refused_before_any_query(staff):
    parameters = _query_parameters()
    tried, wrong = set(), []
    with translation.override("es"):  # public pages by their unprefixed route
        routes = list(_routes(get_resolver().url_patterns))
    for route, converters in routes:
        for bad in BAD:
            for url in _urls(route, converters, bad):
                if url.endswith("?"):
                    url += "&".join(f"{name}={bad}" for name in parameters)
                tried.add(url)
                with CaptureQueriesContext(connections["default"]) as queries:
                    response = staff.get(url)
                if response.status_code != 400 or len(queries):
                    wrong.append(f"{response.status_code} {len(queries)} queries {url[:90]}")
    assert "/meetings/feed/%00.ics" in tried
    assert "/library/x/download/?" not in tried  # parameters in the path are tried one by one
    assert len(tried) > 1000
    assert not wrong, f"{len(wrong)} of {len(tried)}:\n" + "\n".join(
        sorted(wrong, reverse=True)[:40]
    )


def test_query_parameters_are_also_tried_on_urls_with_parameters_in_the_path(staff):
    for url in ("/library/?q=%00", "/initiatives/?country=%FF", "/api/resources/?topic=a%00b"):
        assert staff.get(url).status_code == 400
    response = staff.get("/meetings/feed/x.ics?token=%00")
    assert response.status_code == 400
    assert b"\x00" not in response.content


def test_valid_non_ascii_text_still_reaches_the_pages(client):
    assert client.get("/library/?q=Educa%C3%A7%C3%A3o").status_code == 200
    assert client.get("/initiatives/?q=caf%C3%A9+%2B+a%25").status_code == 200
    assert client.get("/stories/%C3%B1and%C3%BA/").status_code == 404


def test_the_api_refuses_a_malformed_address_in_json_as_its_schema_documents(client):
    # The OpenAPI schema documents a JSON body for a 400; the fuzzer sends NUL in a filter.
    for url in ("/api/initiatives/?country=%00", "/api/resources/%FF/", "/api/sectors/?x=a%00"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert response["Content-Type"] == "application/json", url
        assert "detail" in response.json(), url
    assert client.get("/library/?q=%00")["Content-Type"].startswith("text/html")
