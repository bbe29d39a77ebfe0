"""The API's schema and its answers agree: every value a filter parameter's schema allows is
accepted, and a value it does not allow is the documented 400 (an unknown country or sector was a
400 where the schema said "any string")."""

import json

import pytest
from rest_framework.throttling import AnonRateThrottle

from tests.factories import InitiativeFactory, ProgrammeFactory, SectorFactory
from tests.library.factories import ResourceFactory, TopicFactory

pytestmark = pytest.mark.django_db


def _parameters(client, path: str) -> dict[str, dict]:
    schema = json.loads(client.get("/api/schema/?format=json").content)
    parameters = schema["paths"][path]["get"]["parameters"]
    return {p["name"]: p["schema"] for p in parameters if p["in"] == "query"}


def _allowed(schema: dict) -> dict:
    return schema["items"] if schema.get("type") == "array" else schema


@pytest.mark.parametrize("path", ["/api/initiatives/", "/api/resources/", "/api/opportunities/"])
def test_every_value_the_schema_allows_is_accepted_and_others_are_the_documented_400(
    client, path, monkeypatch
):
    # Hundreds of requests from one address: the per-address limit (its own tests) stays out.
    monkeypatch.setattr(AnonRateThrottle, "allow_request", lambda self, request, view: True)
    sector = SectorFactory(slug="agrifood")
    ProgrammeFactory(slug="pro-ecuador")
    TopicFactory(slug="financing")
    InitiativeFactory(country="EC", sectors=[sector])
    ResourceFactory()
    wrong = []
    for name, schema in _parameters(client, path).items():
        allowed = _allowed(schema)
        assert allowed.get("type") != "array", f"{name}: an array of arrays"
        if "enum" in allowed:
            for value in allowed["enum"]:
                if client.get(path, {name: value}).status_code != 200:
                    wrong.append(f"{name}={value} is in the schema's enum but refused")
            if client.get(path, {name: "zz-not-a-value"}).status_code != 400:
                wrong.append(f"{name}: a value outside the enum is not the documented 400")
        elif (
            allowed.get("type") == "string"
            and "pattern" not in allowed
            and client.get(path, {name: "anything at all"}).status_code != 200
        ):
            wrong.append(f"{name}: the schema says any string, the API refuses one")
    assert not wrong, "\n".join(wrong)


def test_countries_and_sectors_are_documented_with_their_values(client):
    SectorFactory(slug="agrifood")
    parameters = _parameters(client, "/api/initiatives/")
    assert "EC" in _allowed(parameters["country"])["enum"]
    assert "US" not in _allowed(parameters["country"])["enum"]  # the region's countries only
    assert _allowed(parameters["sector"])["enum"] == ["agrifood"]
