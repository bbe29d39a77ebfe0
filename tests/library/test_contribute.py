"""Members propose resources; moderators decide; bad files are refused and nothing is stored."""

import datetime
import io
import re
import struct
import zipfile

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from iapt_platform.moderation.models import ModerationItem
from iapt_platform.moderation.services import moderation_decide
from library import forms as library_forms
from library import tasks
from library.forms import ResourceForm
from library.models import Evidence, Resource

from .factories import (
    ResourceFactory,
    TopicFactory,
    media_files,
    pdf_bytes,
    pdf_upload,
    xlsx_bomb,
)

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    topic = TopicFactory(slug="financing", name_en="Cluster financing")
    data = {
        "title": "Guía de financiamiento para clústeres",
        "title_language": "es",
        "summary": "Cómo combinar fondos públicos y cuotas de socios.",
        "summary_language": "es",
        "type": "guide",
        "topics": [str(topic.pk)],
        "languages": ["es", "en"],
        "countries": ["EC", "PE"],
        "year": "2023",
        "authors": "Pérez, Ana María\nCEPAL",
        "publisher": "CEPAL",
        "licence": "cc-by-4.0",
        "external_url": "",
    }
    data.update(overrides)
    return data


def propose(client, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/library/propose/", data, HTTP_ACCEPT_LANGUAGE="en")


def test_a_member_proposes_a_pdf_and_it_waits_for_a_moderator(
    en_member_client, en_member, django_capture_on_commit_callbacks, _media
):
    client = Client()  # a visitor
    upload = pdf_upload("Guía práctica.pdf", "Anexo con la palabra zanahoria.")
    response = propose(
        en_member_client, django_capture_on_commit_callbacks, **form_data(file=upload)
    )

    assert response.status_code == 302
    assert response["Location"] == "/en/library/mine/"  # the member reads English
    resource = Resource.objects.get()
    assert resource.status == Resource.Status.IN_REVIEW
    assert resource.contributed_by == en_member
    assert resource.authors == ["Pérez, Ana María", "CEPAL"]
    assert sorted(resource.languages) == ["en", "es"]
    assert sorted(str(c) for c in resource.countries) == ["EC", "PE"]
    assert resource.file_name == "Guía práctica.pdf"
    assert resource.file.name.startswith("library/files/")
    assert "Guía" not in resource.file.name  # stored under our own name
    # The task ran after the commit: thumbnail and text exist, and feed the search document.
    assert "zanahoria" in resource.extracted_text
    assert resource.thumbnail.name.endswith(".png")
    assert "zanahoria" in resource.search_document
    item = ModerationItem.objects.get(kind="resource")
    assert item.status == "pending" and item.object_id == resource.pk
    assert item.country == "EC"
    # Not public yet: the visitor neither finds nor opens it.
    assert client.get(f"/library/{resource.slug}/").status_code == 404
    assert "Guía de financiamiento" not in client.get("/library/?q=zanahoria").content.decode()
    assert en_member_client.get(f"/en/library/{resource.slug}/").status_code == 200
    page = en_member_client.get("/en/library/mine/", HTTP_ACCEPT_LANGUAGE="en")
    assert "In review" in page.content.decode()


def test_a_file_proposed_while_the_broker_is_away_is_processed_by_the_periodic_sweep(
    en_member_client, django_capture_on_commit_callbacks, broker_down, monkeypatch
):
    upload = pdf_upload("Guía práctica.pdf", "Anexo con la palabra zanahoria.")
    response = propose(
        en_member_client, django_capture_on_commit_callbacks, **form_data(file=upload)
    )

    assert response.status_code == 302
    resource = Resource.objects.get()
    assert resource.status == Resource.Status.IN_REVIEW
    assert resource.processed_at is None and not resource.thumbnail
    # The broker is back; the sweep leaves a file alone while its own task may still be coming,
    # then processes it.
    monkeypatch.undo()
    later = timezone.now() + datetime.timedelta(minutes=11)
    assert tasks.process_unprocessed_files() == 0
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert tasks.process_unprocessed_files() == 1
    resource.refresh_from_db()
    assert resource.processed_at is not None and resource.thumbnail.name.endswith(".png")
    assert "zanahoria" in resource.search_document
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert tasks.process_unprocessed_files() == 0


def test_the_sweep_leaves_alone_links_and_files_untouched_for_a_day(_media):
    from django.core.files.base import ContentFile

    stale = ResourceFactory(external_url="")
    stale.file.save("old.pdf", ContentFile(pdf_bytes("viejo")))
    ResourceFactory()  # a link, no file: nothing to process
    # A file that still has not been processed a day later is one the worker cannot finish:
    # it is not tried again every ten minutes for ever.
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        assert tasks.process_unprocessed_files() == 0
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=23)):
        assert tasks.process_unprocessed_files() == 1


def test_approval_publishes_and_emails_the_contributor(
    en_member_client, lib_moderator, django_capture_on_commit_callbacks
):
    client = Client()
    propose(
        en_member_client,
        django_capture_on_commit_callbacks,
        **form_data(file=pdf_upload("g.pdf", "La palabra escondida es ornitorrinco.")),
    )
    item = ModerationItem.objects.get(kind="resource")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moderation_decide(item=item, moderator=lib_moderator, action="approve", comment="")

    resource = Resource.objects.get()
    assert resource.status == Resource.Status.PUBLISHED and resource.published_at
    assert [m.to for m in mail.outbox] == [["contributor@example.org"]]
    assert "approved" in mail.outbox[0].body
    response = client.get("/en/library/?q=ornitorrinco", HTTP_ACCEPT_LANGUAGE="en")
    assert "Guía de financiamiento para clústeres" in response.content.decode()


def test_changes_requested_let_the_contributor_edit_and_send_again(
    en_member_client, lib_moderator, django_capture_on_commit_callbacks
):
    propose(
        en_member_client,
        django_capture_on_commit_callbacks,
        **form_data(external_url="https://example.org/guide"),
    )
    resource = Resource.objects.get()
    item = ModerationItem.objects.get(kind="resource")
    with django_capture_on_commit_callbacks(execute=True):
        moderation_decide(
            item=item, moderator=lib_moderator, action="request_changes", comment="Add the year"
        )
    resource.refresh_from_db()
    assert resource.status == Resource.Status.DRAFT

    page = en_member_client.get(f"/en/library/{resource.slug}/edit/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Pérez, Ana María\nCEPAL" in page.content.decode()  # the authors, one per line
    with django_capture_on_commit_callbacks(execute=True):
        response = en_member_client.post(
            f"/library/{resource.slug}/edit/",
            form_data(external_url="https://example.org/guide", year="2021"),
        )
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.status == Resource.Status.IN_REVIEW and resource.year == 2021
    item.refresh_from_db()
    assert item.status == "pending"


def test_only_the_contributor_edits_and_only_when_changes_were_asked(
    en_member_client, django_capture_on_commit_callbacks
):
    client = Client()
    from tests.factories import UserFactory

    propose(
        en_member_client,
        django_capture_on_commit_callbacks,
        **form_data(external_url="https://example.org/guide"),
    )
    resource = Resource.objects.get()
    response = en_member_client.get(f"/en/library/{resource.slug}/edit/")
    assert response.status_code == 302  # in review: not editable, back to the page
    assert response["Location"] == f"/en/library/{resource.slug}/"
    client.force_login(UserFactory())
    assert client.get(f"/en/library/{resource.slug}/edit/").status_code == 404  # not theirs


def test_rejection_keeps_it_private(
    en_member_client, lib_moderator, django_capture_on_commit_callbacks
):
    client = Client()
    propose(
        en_member_client,
        django_capture_on_commit_callbacks,
        **form_data(external_url="https://example.org/guide"),
    )
    item = ModerationItem.objects.get(kind="resource")
    with django_capture_on_commit_callbacks(execute=True):
        moderation_decide(item=item, moderator=lib_moderator, action="reject", comment="Spam")
    resource = Resource.objects.get()
    assert resource.status == Resource.Status.REJECTED
    assert client.get(f"/library/{resource.slug}/").status_code == 404


def test_an_impact_evaluation_carries_its_evidence(
    en_member_client, django_capture_on_commit_callbacks
):
    from tests.factories import SectorFactory

    SectorFactory(slug="tourism")
    data = form_data(
        type="impact_evaluation",
        external_url="https://example.org/study",
        method="did",
        outcomes=["exports", "employment"],
        direction="positive",
        sector="tourism",
        period_start="2012",
        period_end="2018",
    )
    response = propose(en_member_client, django_capture_on_commit_callbacks, **data)
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.method == "did" and evidence.direction == "positive"
    assert sorted(evidence.outcomes) == ["employment", "exports"]
    assert evidence.sector.slug == "tourism"
    assert (evidence.period_start, evidence.period_end) == (2012, 2018)


def test_an_impact_evaluation_without_method_is_refused_and_the_form_kept(en_member_client):
    data = form_data(type="impact_evaluation", external_url="https://example.org/study")
    response = en_member_client.post("/library/propose/", data, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Say which method the evaluation used." in html
    assert "Tick at least one outcome" in html
    assert 'value="Guía de financiamiento para clústeres"' in html
    assert not Resource.objects.exists()


def test_a_file_or_a_link_is_needed_and_links_must_be_web_addresses(en_member_client):
    response = en_member_client.post("/library/propose/", form_data(), HTTP_ACCEPT_LANGUAGE="en")
    assert "Upload a file or give a link" in response.content.decode()
    response = en_member_client.post(
        "/library/propose/",
        form_data(external_url="javascript:alert(1)"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Enter a valid URL." in response.content.decode()
    assert not Resource.objects.exists()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.mark.parametrize(
    ("field", "name", "content", "message"),
    [
        ("file", "report.pdf", HTML, "not accepted here"),
        ("file", "drawing.svg", SVG, "not accepted here"),
        ("cover", "cover.svg", SVG, "not an image we accept"),
        ("file", "report.pdf", b"%PDF-1.7\n1 0 obj garbage, not a PDF at all", "not really a PDF"),
        ("file", "figures.xlsx", None, "compression bomb"),
        ("file", "../../../etc/cron.d/evil.pdf", HTML, "not accepted here"),
        ("file", "data.csv", b"<html><body>not a table</body></html>", "not accepted here"),
    ],
)
def test_bad_files_are_refused_nothing_is_stored_and_the_form_is_kept(
    en_member_client, _media, field, name, content, message
):
    before = media_files(_media)
    if content is None:
        content = xlsx_bomb()
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    data = form_data(**{field: upload})
    if field == "cover":
        data["file"] = pdf_upload("fine.pdf")
    response = en_member_client.post("/library/propose/", data, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'role="alert"' in html
    # What the member typed is still there.
    assert 'value="Guía de financiamiento para clústeres"' in html
    assert "Cómo combinar fondos públicos y cuotas de socios." in html
    assert "Pérez, Ana María\nCEPAL" in html
    assert '<option value="PE" selected>' in html
    # Nothing stored.
    assert not Resource.objects.exists()
    assert not ModerationItem.objects.exists()
    assert media_files(_media) == before


def test_a_file_over_the_cap_is_refused(en_member_client, _media, monkeypatch):
    before = media_files(_media)
    monkeypatch.setattr(library_forms, "FILE_MAX_BYTES", 50_000)
    big = pdf_bytes("big") + b"%" + b"x" * 60_000
    response = en_member_client.post(
        "/library/propose/",
        form_data(file=SimpleUploadedFile("big.pdf", big)),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert "the limit is 48.8" in html
    assert 'value="Guía de financiamiento para clústeres"' in html
    assert not Resource.objects.exists()
    assert media_files(_media) == before


@pytest.mark.parametrize(
    "name", ["..\\..\\boot.pdf", "report\x00.html.pdf", "tab\tname.pdf", "bell\x07.pdf"]
)
def test_names_with_folders_or_nul_bytes_are_refused(db, name, _media):
    """Django's parser strips folders and control characters from the names it reads, and its
    UploadedFile drops anything before a "/"; a name that still has backslashes or control
    characters reached the form another way, and is refused."""
    TopicFactory()
    before = media_files(_media)
    form = ResourceForm(data=form_data(), files={"file": SimpleUploadedFile(name, pdf_bytes("ok"))})
    assert not form.is_valid()
    assert "contains folders or control characters" in str(form.errors["file"])
    assert media_files(_media) == before


def test_a_name_with_folders_sent_over_http_cannot_choose_where_it_is_stored(
    en_member_client, django_capture_on_commit_callbacks, _media
):
    before = media_files(_media)
    upload = SimpleUploadedFile("../../../../tmp/evil\x00.pdf", pdf_bytes("ok"))
    propose(en_member_client, django_capture_on_commit_callbacks, **form_data(file=upload))
    resource = Resource.objects.get()
    new = media_files(_media) - before
    # The file and its first-page picture, in the private storage, under names we chose.
    assert new == {f"private/{resource.file.name}", f"private/{resource.thumbnail.name}"}
    assert re.fullmatch(r"library/files/[0-9a-f]{32}\.pdf", resource.file.name)
    assert resource.file_name == "evil.pdf"  # folders and the NUL byte gone before us


def _odt(*, compression=zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text", compression)
        archive.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _patch_mimetype_entry(data: bytes, *, flag: int | None = None, method: int | None = None):
    """Set the flags or the compression method of the `mimetype` entry in both its headers."""
    data = bytearray(data)
    central = data.index(b"PK\x01\x02")  # the first central record is the mimetype's
    for header, flag_at in ((0, 6), (central, 8)):
        if flag is not None:
            struct.pack_into("<H", data, header + flag_at, flag)
        if method is not None:
            struct.pack_into("<H", data, header + flag_at + 2, method)
    return bytes(data)


def _crafted_odf(kind: str) -> bytes:
    if kind == "bad CRC":
        data = bytearray(_odt())
        data[30 + len("mimetype")] ^= 0x01  # first byte of the stored text
        return bytes(data)
    if kind == "encrypted flag":
        return _patch_mimetype_entry(_odt(), flag=0x1)
    if kind == "unknown compression":
        return _patch_mimetype_entry(_odt(), method=99)
    data = bytearray(_odt(compression=zipfile.ZIP_DEFLATED))  # corrupt deflate
    start = 30 + len("mimetype")
    data[start : start + 8] = b"\xff" * 8
    return bytes(data)


@pytest.mark.parametrize(
    "kind", ["bad CRC", "encrypted flag", "unknown compression", "corrupt deflate"]
)
def test_a_crafted_odf_file_is_refused_with_a_message_not_an_error(en_member_client, _media, kind):
    before = media_files(_media)
    upload = SimpleUploadedFile("acta.odt", _crafted_odf(kind))
    response = en_member_client.post(
        "/library/propose/", form_data(file=upload), HTTP_ACCEPT_LANGUAGE="en"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "This office file is damaged or is not what its name says." in html
    assert 'value="Guía de financiamiento para clústeres"' in html
    assert not Resource.objects.exists()
    assert media_files(_media) == before
