"""One column specification (initiatives.columns) read by every format: each open-data column is
in the API, the CSV, the XLSX and the GeoJSON with the same value, each import column in the
staff's file, and each contact column follows the privacy rule for every audience of every format.
"""

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from initiatives import columns
from initiatives.columns import Kind, Use
from initiatives.models import Initiative, Visibility
from initiatives.resources import InitiativeResource
from tests.factories import InitiativeFactory, ProgrammeFactory, SectorFactory, UserFactory

pytestmark = pytest.mark.django_db

MEMBERS_EMAIL = "members.only@cacao.example.org"
HIDDEN_PHONE = "+593 99 123 4567"


@pytest.fixture
def cacao():
    """Every column given, moments with microseconds, the email for members, the phone hidden."""
    initiative = InitiativeFactory(
        slug="cacao",
        name="Clúster del Cacao",
        acronym="CCE",
        kind=Initiative.Kind.CLUSTER,
        country="EC",
        subdivision="EC-E",
        territory="Esmeraldas",
        latitude=Decimal("0.96817"),
        longitude=Decimal("-79.65172"),
        sectors=[
            SectorFactory(slug="tourism", order=2),
            SectorFactory(slug="agrifood", order=1),
        ],
        value_chain="Cacao fino de aroma",
        stage=Initiative.Stage.DEVELOPING,
        year_founded=2015,
        programme=ProgrammeFactory(slug="pro-ecuador", name="Programa de Clústeres"),
        website="https://cacao.example.org",
        managing_organisation="Asociación de Cacaoteros",
        legal_form=Initiative.LegalForm.ASSOCIATION,
        members_micro_small_firms=40,
        members_medium_firms=3,
        members_large_firms=1,
        members_universities=2,
        members_public_bodies=4,
        members_civil_society=5,
        staff_fte=Decimal("3.5"),
        digital_focus=True,
        digital_topics=["ecommerce", "data_ai"],
        funding_sources=["public"],
        contact_name="Carla Cacao",
        contact_email=MEMBERS_EMAIL,
        contact_email_visibility=Visibility.MEMBERS,
        contact_phone=HIDDEN_PHONE,
        contact_phone_visibility=Visibility.HIDDEN,
        last_verified_at=datetime(2026, 3, 4, 15, 30, 12, 345678, tzinfo=UTC),
        published_at=datetime(2025, 11, 2, 9, 8, 7, 654321, tzinfo=UTC),
    )
    initiative.managers.add(UserFactory(email="manager@cacao.example.org"))
    return initiative


def _body(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def _downloads(client) -> dict[str, dict]:
    """The initiative's row in each download, keyed by header."""
    rows = {}
    body = _body(client.get(reverse("initiatives:export", args=["csv"])))
    rows["csv"] = next(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    body = _body(client.get(reverse("initiatives:export", args=["xlsx"])))
    header, first, *_rest = openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows(
        values_only=True
    )
    rows["xlsx"] = dict(zip(header, first, strict=True))
    body = _body(client.get(reverse("initiatives:export", args=["geojson"])))
    rows["geojson"] = json.loads(body)["features"][0]["properties"]
    return rows


def _as_text(value) -> str:
    """A cell as the CSV writes it, whatever format it came from."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(Decimal(str(value)).normalize(), "f")
    if isinstance(value, list):
        return ";".join(str(v["slug"] if isinstance(v, dict) else v) for v in value)
    return str(value)


def _api_as_text(column: columns.Column, value) -> str:
    if column.kind in (Kind.COUNTRY, Kind.SUBDIVISION):
        return value["code"]
    if column.kind is Kind.PROGRAMME:
        return value["name"]
    return _as_text(value)


def test_every_open_data_column_has_the_same_value_in_the_api_and_every_download(client, cacao):
    api = client.get("/api/initiatives/").json()["results"][0]
    detail = client.get("/api/initiatives/cacao/").json()
    downloads = _downloads(client)

    mismatches = []
    for column in columns.columns(Use.OPEN):
        expected = _api_as_text(column, api[column.key])
        assert _api_as_text(column, detail[column.key]) == expected, column.key
        for fmt, row in downloads.items():
            got = _as_text(row.get(column.download_header, "(missing)"))
            if fmt != "csv" and column.kind is Kind.DECIMAL:
                got = _as_text(float(got))
            if got != expected:
                mismatches.append(f"{column.key} in {fmt}: {got!r}, the API: {expected!r}")
        if column.kind in (Kind.COUNTRY, Kind.SUBDIVISION):
            for fmt, row in downloads.items():
                assert row[f"{column.download_header}_name"] == api[column.key]["name"], fmt
    assert not mismatches, "\n".join(mismatches)
    # The detail adds its own columns and nothing else.
    assert list(detail) == columns.keys(columns.api_columns(detail=True))
    assert list(api) == columns.keys(columns.columns(Use.OPEN))


def test_the_downloads_have_the_open_data_columns_in_order_and_nothing_else(client, cacao):
    downloads = _downloads(client)

    expected = []
    for column in columns.columns(Use.OPEN):
        expected.append(column.download_header)
        if column.kind in (Kind.COUNTRY, Kind.SUBDIVISION):
            expected.append(f"{column.download_header}_name")
    for row in downloads.values():
        assert list(row) == expected


def test_the_staff_file_has_every_import_column_and_agrees_with_the_open_data(client, cacao):
    exported = InitiativeResource().export(queryset=Initiative.objects.filter(pk=cacao.pk))
    row = exported.dict[0]
    csv_row = _downloads(client)["csv"]

    assert exported.headers == columns.keys(columns.columns(Use.IMPORT))
    for column in columns.columns(Use.IMPORT | Use.OPEN):
        if Use.IMPORT not in column.uses or Use.OPEN not in column.uses:
            continue
        if column.kind in (Kind.CONTACT, Kind.PROGRAMME):
            continue  # the owners' view, and the programme by slug: below
        staff = str(row[column.key])
        if column.kind is Kind.YES_NO:
            staff = {"1": "true", "0": "false"}[staff]  # the staff file writes 1 or 0
        assert staff == csv_row[column.download_header], column.key
    assert row["programme"] == "pro-ecuador"


@pytest.mark.parametrize("reader", ["visitor", "member", "manager", "moderator"])
def test_each_contact_column_is_public_only_in_the_api_and_every_download(
    client, cacao, member, moderator, reader
):
    """The API and the downloads are the open data: whoever asks, even the initiative's own
    managers or staff, gets what the public may see."""
    who = {"member": member, "manager": cacao.managers.get(), "moderator": moderator}.get(reader)
    if who is not None:
        client.force_login(who)
    api = client.get("/api/initiatives/cacao/").json()
    downloads = _downloads(client)

    for column in columns.columns(Use.OPEN):
        if column.kind is not Kind.CONTACT:
            continue
        assert api[column.key] is None
        for fmt, row in downloads.items():
            assert row[column.download_header] in ("", None), (column.key, fmt)


def test_the_staff_file_carries_each_contact_column_as_its_owners_see_it(cacao):
    """A round trip must not erase what the public does not see."""
    exported = InitiativeResource().export(queryset=Initiative.objects.filter(pk=cacao.pk))
    row = exported.dict[0]

    contact = [c.key for c in columns.columns(Use.IMPORT) if c.kind is Kind.CONTACT]
    assert contact == ["contact_email", "contact_phone"]
    assert (row["contact_email"], row["contact_phone"]) == (MEMBERS_EMAIL, HIDDEN_PHONE)
    assert (row["contact_email_visibility"], row["contact_phone_visibility"]) == (
        "members",
        "hidden",
    )
