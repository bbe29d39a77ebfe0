"""Staff bulk import of initiatives from CSV or XLSX (django-import-export), dry run first."""

import io
from datetime import timedelta

import openpyxl
import pytest
import tablib
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.utils import timezone, translation

from initiatives import selectors
from initiatives.models import Initiative, Visibility
from initiatives.resources import InitiativeResource
from tests.factories import InitiativeFactory, ProgrammeFactory, SectorFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADERS = [
    "slug",
    "name",
    "kind",
    "country",
    "city",
    "latitude",
    "longitude",
    "sectors",
    "programme",
    "year_founded",
    "digital_focus",
    "contact_email",
    "contact_email_visibility",
]
GOOD = [
    "aguacate-michoacan",
    "Clúster del Aguacate de Michoacán",
    "cluster",
    "mx",
    "Uruapan",
    "19.411234",  # six decimals, as spreadsheets give them: rounded to the column's five
    "-102.05",
    "agrifood; logistics",
    "pro-mexico",
    "2012",
    "sí",
    "contacto@aguacate.example.org",
    "",
]
BAD_COUNTRY = [
    "zz-cluster",
    "Clúster de ninguna parte",
    "cluster",
    "ZZ",
    "",
    "",
    "",
    "agrifood",
    "",
    "",
    "",
    "",
    "",
]
BAD_PLACE_AND_YEAR = [
    "futuro-quito",
    "Clúster del Futuro",
    "cluster",
    "EC",
    "Quito",
    "40.4",  # Madrid, not Ecuador
    "-3.7",
    "agrifood",
    "",
    str(timezone.now().year + 3),
    "",
    "",
    "",
]


@pytest.fixture(autouse=True)
def _english():
    # Error messages are asserted in English, the source language.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def taxonomy():
    SectorFactory(slug="agrifood", name_es="Agroalimentario")
    SectorFactory(slug="logistics", name_es="Logística")
    ProgrammeFactory(slug="pro-mexico", name="Programa de Clústeres de México", country="MX")


def dataset(*rows: list[str]) -> tablib.Dataset:
    return tablib.Dataset(*rows, headers=HEADERS)


def errors_by_row(result) -> dict[int, dict[str, list[str]]]:
    return {row.number: row.error_dict for row in result.invalid_rows}


def test_the_dry_run_reports_each_bad_row_with_its_errors_and_saves_nothing():
    result = InitiativeResource().import_data(
        dataset(GOOD, BAD_COUNTRY, BAD_PLACE_AND_YEAR), dry_run=True
    )

    assert result.has_validation_errors()
    assert not result.has_errors()  # no crash: only data problems, each on its row
    errors = errors_by_row(result)
    assert set(errors) == {2, 3}
    assert set(errors[2]) == {"country"}
    assert "ZZ" in errors[2]["country"][0]
    assert set(errors[3]) == {"latitude", "year_founded"}
    assert "outside" in errors[3]["latitude"][0]
    assert "future" in errors[3]["year_founded"][0]
    assert [row.import_type for row in result.rows] == ["new", "invalid", "invalid"]
    assert Initiative.objects.count() == 0


def test_the_good_row_imports_published_verified_and_searchable(
    django_capture_on_commit_callbacks,
):
    version = selectors.registry_version()
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        result = InitiativeResource().import_data(dataset(GOOD), dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["new"] == 1
    initiative = Initiative.objects.get(slug="aguacate-michoacan")
    assert initiative.name == "Clúster del Aguacate de Michoacán"
    assert initiative.country.code == "MX"
    assert str(initiative.latitude) == "19.41123"
    assert sorted(s.slug for s in initiative.sectors.all()) == ["agrifood", "logistics"]
    assert initiative.programme.slug == "pro-mexico"
    assert initiative.digital_focus is True
    # An empty visibility cell keeps the cautious default, never "public".
    assert initiative.contact_email_visibility == Visibility.MEMBERS
    assert initiative.status == Initiative.Status.PUBLISHED
    assert initiative.published_at >= before
    assert initiative.last_verified_at >= before
    assert initiative.history.latest().history_change_reason == "imported by staff"
    # Searchable, accents or not, by name and by sector.
    assert "aguacate" in initiative.search_document and "logistica" in initiative.search_document
    _fs, found, invalid = selectors.initiative_filtered(QueryDict("q=aguacate michoacan"))
    assert not invalid and [i.slug for i in found] == ["aguacate-michoacan"]
    assert selectors.registry_version() > version


def test_the_dry_run_of_a_good_file_writes_nothing_either():
    result = InitiativeResource().import_data(dataset(GOOD), dry_run=True)

    assert not result.has_validation_errors()
    assert result.totals["new"] == 1
    assert Initiative.objects.count() == 0


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("sectors", "agrifood;nope", "Unknown sector: nope."),
        ("sectors", "", "Give at least one sector."),
        ("programme", "nope", "Unknown programme: nope."),
        ("latitude", "diecinueve", "is not a number"),
        ("year_founded", "2012.5", "Give a whole number."),
        ("digital_focus", "maybe", "Write yes or no."),
        ("kind", "bogus", "not a valid choice"),
        ("contact_email_visibility", "everyone", "not a valid choice"),
        ("contact_email", "not-an-email", "valid email"),
    ],
)
def test_a_bad_cell_is_a_row_error_naming_its_column(column, value, message):
    row = list(GOOD)
    row[HEADERS.index(column)] = value

    result = InitiativeResource().import_data(dataset(row), dry_run=True)

    assert not result.has_errors()
    errors = errors_by_row(result)[1]
    field = "sectors" if column == "sectors" else column
    assert any(message in e for e in errors[field]), errors


def test_a_known_slug_updates_the_published_initiative_and_keeps_its_publication_date():
    published_at = timezone.now() - timedelta(days=400)
    existing = InitiativeFactory(
        slug="aguacate-michoacan", name="Old name", country="MX", published_at=published_at
    )

    result = InitiativeResource().import_data(dataset(GOOD), dry_run=False)

    assert result.totals["update"] == 1
    existing.refresh_from_db()
    assert existing.name == "Clúster del Aguacate de Michoacán"
    assert existing.published_at == published_at
    assert existing.last_verified_at > published_at
    assert Initiative.objects.count() == 1


def test_an_import_cannot_publish_a_promoters_draft_by_its_slug():
    draft = InitiativeFactory(
        slug="aguacate-michoacan",
        name="Borrador",
        status=Initiative.Status.IN_REVIEW,
        published_at=None,
    )

    result = InitiativeResource().import_data(dataset(GOOD), dry_run=False)

    assert "not published" in errors_by_row(result)[1]["slug"][0]
    draft.refresh_from_db()
    assert (draft.status, draft.name) == (Initiative.Status.IN_REVIEW, "Borrador")


@pytest.fixture
def staff_client(client):
    staff = UserFactory(email="staff@example.org", is_staff=True, is_superuser=True, language="en")
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)
    return client


def xlsx_file(*rows: list[str]) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(
        "initiatives.xlsx",
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def test_staff_see_the_per_row_errors_of_an_xlsx_in_the_admin_preview(staff_client):
    page = staff_client.get("/admin/initiatives/initiative/import/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<option value="0">csv</option>' in html
    assert '<option value="1">xlsx</option>' in html

    response = staff_client.post(
        "/admin/initiatives/initiative/import/",
        {"resource": "0", "format": "1", "import_file": xlsx_file(GOOD, BAD_COUNTRY)},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Clúster de ninguna parte" in html
    assert "ZZ" in html and "is not a valid choice" in html
    assert 'name="confirm"' not in html.lower() and "Confirm import" not in html
    assert Initiative.objects.count() == 0


def test_staff_import_a_clean_csv_after_the_preview(staff_client):
    content = (
        "\ufeff" + ",".join(HEADERS) + "\n" + ",".join(f'"{c}"' for c in GOOD) + "\n"
    ).encode()
    preview = staff_client.post(
        "/admin/initiatives/initiative/import/",
        {
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile("initiatives.csv", content, content_type="text/csv"),
        },
    )
    assert preview.status_code == 200
    assert Initiative.objects.count() == 0  # the preview saves nothing
    confirm = preview.context["confirm_form"]
    assert confirm is not None

    response = staff_client.post(
        "/admin/initiatives/initiative/process_import/",
        {name: field.value() for name, field in ((n, confirm[n]) for n in confirm.fields)},
    )

    assert response.status_code == 302
    initiative = Initiative.objects.get(slug="aguacate-michoacan")
    assert initiative.status == Initiative.Status.PUBLISHED
    assert "aguacate" in initiative.search_document


def test_a_moderator_without_the_add_right_cannot_import(client):
    moderator = UserFactory(email="mod@example.org", is_staff=True)
    TOTP.activate(moderator, generate_totp_secret())
    client.force_login(moderator)

    response = client.get("/admin/initiatives/initiative/import/")

    assert response.status_code == 403


def test_the_admin_lists_the_import_and_keeps_its_history(staff_client):
    InitiativeResource().import_data(dataset(GOOD), dry_run=False)
    initiative = Initiative.objects.get(slug="aguacate-michoacan")

    changelist = staff_client.get("/admin/initiatives/initiative/").content.decode()
    assert "href='/admin/initiatives/initiative/import/' class=\"import_link\"" in changelist
    history = staff_client.get(f"/admin/initiatives/initiative/{initiative.pk}/history/")
    assert history.status_code == 200
    assert "imported by staff" in history.content.decode()


def test_an_edit_in_the_admin_refreshes_the_search_document(
    staff_client, django_capture_on_commit_callbacks
):
    InitiativeResource().import_data(dataset(GOOD), dry_run=False)
    initiative = Initiative.objects.get(slug="aguacate-michoacan")
    url = f"/admin/initiatives/initiative/{initiative.pk}/change/"
    form = staff_client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is False or (not value and not isinstance(value, int)):
            # Unticked, empty or no file: a browser sends nothing.
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list) else value
    data["name"] = "Red Palta Hass"
    version = selectors.registry_version()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    initiative.refresh_from_db()
    assert initiative.name == "Red Palta Hass"
    assert "palta hass" in initiative.search_document
    assert selectors.registry_version() > version


def test_the_staff_export_round_trips_contact_details_whatever_their_visibility():
    # Staff hold the whole record (they approve it); a blanked cell would erase it on re-import.
    initiative = InitiativeFactory(
        slug="cacao-oculto",
        contact_email="hidden@cacao.example.org",
        contact_email_visibility=Visibility.HIDDEN,
        contact_phone="+593 99 123 4567",
        contact_phone_visibility=Visibility.HIDDEN,
    )
    exported = InitiativeResource().export(queryset=Initiative.objects.filter(pk=initiative.pk))
    row = dict(zip(exported.headers, exported[0], strict=True))
    assert (
        row["contact_phone"] == "+593 99 123 4567" and row["contact_phone_visibility"] == "hidden"
    )
    assert row["contact_email"] == "hidden@cacao.example.org"
    result = InitiativeResource().import_data(exported, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    initiative.refresh_from_db()
    assert (initiative.contact_phone, initiative.contact_phone_visibility) == (
        "+593 99 123 4567",
        "hidden",
    )
    assert initiative.contact_email == "hidden@cacao.example.org"
