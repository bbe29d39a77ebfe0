"""Every download is named after what the file is (the type the upload validator detected), never
after the extension its sender chose: forum attachments, meeting materials and library files."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from community.meetings.models import Material
from community.models import Attachment
from iapt_platform.lib.downloads import name_for_type
from tests.community import factories as forum
from tests.community.conftest import pdf_bytes
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db

PDF = "application/pdf"
# A valid PDF with a page of HTML after it: a browser opening it from disk as .html runs the script.
POLYGLOT = pdf_bytes() + b"\n<html><body><script>alert(document.domain)</script></body></html>\n"


@pytest.mark.parametrize(
    ("sent", "mimetype", "served"),
    [
        ("report.html", PDF, "report.pdf"),
        ("invoice.pdf.exe", PDF, "invoice.pdf"),
        ("Plan 2025.pdf", PDF, "Plan 2025.pdf"),
        ("Plan 2025.PDF", PDF, "Plan 2025.PDF"),
        ("notes", PDF, "notes.pdf"),
        ("chart.gif", "image/png", "chart.png"),
        ("photo.jpeg", "image/jpeg", "photo.jpeg"),
        ("datos.txt", "text/csv", "datos.csv"),
        ("acta.docx.js", "application/vnd.oasis.opendocument.text", "acta.docx.odt"),
        ("page.html", "text/html", "page.bin"),
        ("", PDF, "file.pdf"),
        (".pdf", PDF, "file.pdf"),
    ],
)
def test_a_download_takes_the_extension_of_the_detected_type(sent, mimetype, served):
    assert name_for_type(sent, mimetype) == served


@pytest.fixture
def established_member(member, monkeypatch):
    from community import services

    monkeypatch.setattr(services, "NEW_MEMBER_POSTS", 0)
    forum.profile(member, handle="marta")
    return member


def test_forum_attachments_are_named_after_what_they_are(member, established_member):
    thread = forum.thread(member)
    client = Client()
    client.force_login(member)
    response = client.post(
        reverse("community:thread_new", args=[thread.category.slug]),
        {
            "title": "Informe con adjuntos",
            "body": "Los dos documentos de la reunión.",
            "attachments": [
                SimpleUploadedFile("report.html", POLYGLOT, content_type="text/html"),
                SimpleUploadedFile("invoice.pdf.exe", pdf_bytes(), content_type="text/plain"),
            ],
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    attachments = Attachment.objects.filter(post__thread__title="Informe con adjuntos")
    assert sorted(a.original_name for a in attachments) == ["invoice.pdf", "report.pdf"]

    page = client.get(response["Location"]).content.decode()
    assert ">report.pdf</a>" in page and ">invoice.pdf</a>" in page
    assert "report.html" not in page and "invoice.pdf.exe" not in page
    for attachment in attachments:
        download = client.get(attachment.get_absolute_url())
        assert download["Content-Type"] == PDF
        assert f"filename*=UTF-8''{attachment.original_name}" in download["Content-Disposition"]


def test_files_stored_under_the_senders_extension_still_leave_under_the_detected_one(
    member, client
):
    """Rows kept from before the rule (an attachment or a material named `.html` or `.exe`)."""
    post = forum.thread(member).posts.get()
    attachment = Attachment.objects.create(
        post=post,
        file=ContentFile(POLYGLOT, name="a.pdf"),
        kind="pdf",
        mimetype=PDF,
        original_name="report.html",
        size=len(POLYGLOT),
    )
    material = Material.objects.create(
        meeting=MeetingFactory(),
        title="Invoice",
        file=ContentFile(pdf_bytes(), name="b.pdf"),
        original_name="invoice.pdf.exe",
        mimetype=PDF,
    )
    signed_in = Client()
    signed_in.force_login(member)
    forum_download = signed_in.get(reverse("community:attachment", args=[attachment.pk]))
    assert "filename*=UTF-8''report.pdf" in forum_download["Content-Disposition"]
    assert 'filename="report.pdf"' in forum_download["Content-Disposition"]
    material_download = client.get(reverse("meetings:material", args=[material.pk]))
    assert "filename*=UTF-8''invoice.pdf" in material_download["Content-Disposition"]
    assert ".exe" not in material_download["Content-Disposition"]
    thread_page = signed_in.get(post.thread.get_absolute_url()).content.decode()
    assert ">report.pdf</a>" in thread_page and "report.html" not in thread_page


def test_a_long_name_keeps_its_detected_extension_within_the_column():
    # Found by the hostile-files corpus: a 150-character "x.html" became 151 characters as ".pdf".
    from iapt_platform.lib.downloads import MAX_NAME, name_for_type

    named = name_for_type("x" * 146 + ".html", "application/pdf")
    assert len(named) <= MAX_NAME and named.endswith(".pdf")
    assert name_for_type("informe.pdf", "application/pdf") == "informe.pdf"
