"""The one upload validator: kinds decided by content, bombs and tricks refused."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from iapt_platform.lib.uploads import clean_upload, display_name

DOCS = {"pdf", "docx", "xlsx", "pptx", "odt", "csv", "image"}


def pdf_bytes() -> bytes:
    import pypdfium2

    document = pypdfium2.PdfDocument.new()
    document.new_page(200, 200)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def office(kind_prefix: str, extra: dict | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(f"{kind_prefix}document.xml", "<doc/>")
        for name, content in (extra or {}).items():
            z.writestr(name, content)
    return out.getvalue()


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_real_files_are_accepted_under_our_own_names():
    pdf = clean_upload(upload("../../etc/passwd.pdf", pdf_bytes()), kinds=DOCS)
    assert pdf.kind == "pdf" and pdf.content.name.endswith(".pdf") and "/" not in pdf.content.name
    assert pdf.original_name == "passwd.pdf"
    assert clean_upload(upload("a.docx", office("word/")), kinds=DOCS).kind == "docx"
    assert clean_upload(upload("a.xlsx", office("xl/")), kinds=DOCS).kind == "xlsx"
    assert clean_upload(upload("a.csv", "país;año\nPerú;2020\n".encode()), kinds=DOCS).kind == "csv"
    img = io.BytesIO()
    Image.new("RGB", (10, 10)).save(img, "JPEG")
    assert clean_upload(upload("photo.jpg", img.getvalue()), kinds=DOCS).kind == "image"


@pytest.mark.parametrize(
    ("name", "data", "kinds"),
    [
        ("report.pdf", b"<html><script>alert(1)</script></html>", {"pdf"}),
        ("report.pdf", b"%PDF-1.7\nnot really a pdf", {"pdf"}),
        (
            "pic.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            {"image", "pdf"},
        ),
        ("pic.png", b"<svg onload=alert(1)>", {"image"}),
        ("book.xlsx", b"PK\x03\x04garbage", {"xlsx"}),
        ("data.csv", b"a,b\x00c", {"csv"}),
        ("page.csv", b"<html><body>hi</body></html>", {"csv"}),
        ("x.docx", office("xl/"), {"docx"}),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused(name, data, kinds):
    with pytest.raises(ValidationError):
        clean_upload(upload(name, data), kinds=kinds)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_a_zip_bomb_in_an_xlsx_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/sheet.xml", b"\x00" * (300 * 1024 * 1024))
    assert len(out.getvalue()) < 1_000_000
    with pytest.raises(ValidationError, match="compression bomb"):
        clean_upload(upload("bomb.xlsx", out.getvalue()), kinds={"xlsx"})


def test_size_cap_and_empty_files():
    with pytest.raises(ValidationError, match="the limit is"):
        clean_upload(upload("big.pdf", b"%PDF-" + b"0" * 1024), kinds={"pdf"}, max_bytes=100)
    with pytest.raises(ValidationError, match="empty"):
        clean_upload(upload("empty.pdf", b""), kinds={"pdf"})


def test_display_names_lose_paths_and_control_characters():
    assert display_name("..\\..\\windows\\evil.pdf") == "evil.pdf"
    assert display_name("a\x00b\nc.pdf") == "abc.pdf"
    assert display_name("../") == "file"
