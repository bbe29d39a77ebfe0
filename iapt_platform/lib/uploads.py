"""The one upload validator: every file a person sends goes through `clean_upload`.

The kind is decided from the content, never from the name or the browser's content type; the
size is capped; images are decoded with a pixel cap (decompression bombs), re-encoded (which drops
metadata and anything hidden after the image data) and given a name of our own. SVG is never
accepted as an image: it can carry scripts.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from iapt_platform.lib.downloads import name_for_type

IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000  # a 60-megapixel bomb is refused before it is decoded
# PNG, WebP and GIF cannot be decoded at a reduced size (JPEG can, see `draft` below): the whole
# picture sits in memory at 4 bytes a pixel, and converting and scaling it takes about as much
# again. A 6300 x 6300 PNG of 170 KB took a worker from 100 to 468 MB; at 12 megapixels (a
# 4000 x 3000 photo or a 4K screenshot) a picture costs about 130 MB at most, once.
IMAGE_MAX_PIXELS_LOSSLESS = 12_000_000
IMAGE_MAX_SIDE = 2000  # larger images are scaled down when re-encoded
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "png"}


DOCUMENT_MAX_BYTES = 25 * 1024 * 1024
ZIP_MAX_UNCOMPRESSED = 200 * 1024 * 1024  # an office file that inflates past this is a bomb
ZIP_MAX_RATIO = 100
ZIP_MAX_ENTRIES = 10_000

# kind -> (extension, MIME type)
DOCUMENT_KINDS = {
    "pdf": ("pdf", "application/pdf"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "odt": ("odt", "application/vnd.oasis.opendocument.text"),
    "ods": ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    "odp": ("odp", "application/vnd.oasis.opendocument.presentation"),
    "csv": ("csv", "text/csv"),
}
OOXML_PARTS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}


@dataclass(frozen=True)
class CleanFile:
    content: ContentFile
    kind: str  # "image", "pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "csv"
    mimetype: str
    # The sender's file name, cleaned and with the extension of what the file is, for display
    # and downloads only.
    original_name: str = ""


def clean_upload(upload, *, kinds: set[str], max_bytes: int | None = None) -> CleanFile:
    """Validate an uploaded file and return a safe copy, or raise ValidationError."""
    if upload is None or upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    limit = max_bytes or (IMAGE_MAX_BYTES if kinds == {"image"} else DOCUMENT_MAX_BYTES)
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s."),
            code="too_large",
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    original = display_name(getattr(upload, "name", "") or "")
    if head.startswith(b"%PDF-") and "pdf" in kinds:
        return _clean_pdf(upload, original)
    if head.startswith(b"PK\x03\x04") and kinds & {"docx", "xlsx", "pptx", "odt", "ods", "odp"}:
        return _clean_zip_document(upload, original, kinds)
    if "image" in kinds and not head.startswith((b"%PDF-", b"PK\x03\x04")):
        try:
            return _clean_image(upload, original)
        except ValidationError:
            if "csv" not in kinds:
                raise
    if "csv" in kinds:
        upload.seek(0)  # Pillow may have read part of the file before refusing it
        return _clean_csv(upload, original)
    raise ValidationError(
        _("This kind of file is not accepted here. Accepted: %(kinds)s."),
        code="kind",
        params={"kinds": ", ".join(sorted(k.upper() for k in kinds))},
    )


def display_name(name: str) -> str:
    """The sender's file name without folders, control characters or NUL bytes (display only)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*')
    return name.strip(". ")[:150] or "file"


def _named(data: bytes, kind: str, original: str) -> CleanFile:
    ext, mimetype = DOCUMENT_KINDS[kind]
    return CleanFile(
        content=ContentFile(data, name=f"{uuid.uuid4().hex}.{ext}"),
        kind=kind,
        mimetype=mimetype,
        original_name=name_for_type(original, mimetype),
    )


def _clean_pdf(upload, original: str) -> CleanFile:
    import pypdfium2

    data = upload.read()
    try:
        document = pypdfium2.PdfDocument(data)
        pages = len(document)
        document.close()
    except pypdfium2.PdfiumError:
        raise ValidationError(
            _("This PDF file is damaged or is not really a PDF."), code="bad_pdf"
        ) from None
    if pages == 0:
        raise ValidationError(_("This PDF file has no pages."), code="bad_pdf")
    return _named(data, "pdf", original)


def _clean_zip_document(upload, original: str, kinds: set[str]) -> CleanFile:
    import zipfile
    import zlib

    refused = ValidationError(
        _("This office file is damaged or is not what its name says."), code="bad_office"
    )
    data = upload.read()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise refused from None
    total = sum(i.file_size for i in infos)
    if (
        len(infos) > ZIP_MAX_ENTRIES
        or total > ZIP_MAX_UNCOMPRESSED
        or total > ZIP_MAX_RATIO * max(len(data), 1)
    ):
        raise ValidationError(
            _("This file expands to far more than its size (a compression bomb)."), code="zip_bomb"
        )
    names = {i.filename for i in infos}
    if any(n.startswith("/") or ".." in n.split("/") for n in names):
        raise refused
    if any(i.flag_bits & 0x1 for i in infos):  # encrypted entries: nobody could open the file
        raise refused
    if "[Content_Types].xml" in names:
        for kind, prefix in OOXML_PARTS.items():
            if kind in kinds and any(n.startswith(prefix) for n in names):
                return _named(data, kind, original)
        raise refused
    if "mimetype" in names:
        try:
            with archive.open("mimetype") as entry:
                declared = entry.read(100).decode("ascii", "replace").strip()
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, OSError):
            # A bad CRC, an unknown compression method or a corrupt deflate stream.
            raise refused from None
        for kind in ("odt", "ods", "odp"):
            if kind in kinds and declared == DOCUMENT_KINDS[kind][1]:
                return _named(data, kind, original)
    raise refused


def _clean_csv(upload, original: str) -> CleanFile:
    data = upload.read()
    if b"\x00" in data:
        raise ValidationError(_("This file is not a text (CSV) file."), code="bad_csv")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\r\n")
    if text.lstrip()[:1] == "<" or data[:2] == b"\x1f\x8b" or controls > len(text) // 100:
        # Markup, a compressed file, or binary data that merely decodes as Latin-1.
        raise ValidationError(_("This file is not a text (CSV) file."), code="bad_csv")
    return _named(text.encode("utf-8"), "csv", original)


def _clean_image(upload, original: str) -> CleanFile:
    refused = ValidationError(
        _("This file is not an image we accept. Use a PNG, JPEG, WebP or GIF picture."),
        code="not_image",
    )
    upload.seek(0)
    head = upload.read(512)
    upload.seek(0)
    # Pillow would happily read some text formats; a markup file renamed .png is refused at once.
    if head.lstrip()[:1] == b"<":
        raise refused
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.format not in IMAGE_FORMATS:
                raise refused
            width, height = image.size
            if width * height > IMAGE_MAX_PIXELS:
                raise ValidationError(
                    _("The image is %(w)s by %(h)s pixels; the limit is 40 megapixels."),
                    code="too_many_pixels",
                    params={"w": width, "h": height},
                )
            if image.format == "JPEG":
                # Decoded straight at 1/2, 1/4 or 1/8 of its size when that still leaves the
                # size we keep: a 40-megapixel photo costs a quarter of its pixels or less.
                image.draft(image.mode, (IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
            elif width * height > IMAGE_MAX_PIXELS_LOSSLESS:
                raise ValidationError(
                    _(
                        "The image is %(w)s by %(h)s pixels; PNG, WebP and GIF pictures may have "
                        "at most 12 megapixels. Make it smaller, or save it as a JPEG."
                    ),
                    code="too_many_pixels",
                    params={"w": width, "h": height},
                )
            image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refused from None
    except (OSError, SyntaxError, ValueError):
        raise refused from None

    source_format = image.format
    image.seek(0)  # the first frame of an animated GIF
    picture: Image.Image = image
    target = "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
    # Scale first, then convert the smaller picture: a full-size copy less. Palette and bilevel
    # pictures are converted first, since scaling them would pick pixels instead of blending.
    if picture.mode not in ("RGB", "RGBA", "L", "LA", "CMYK"):
        picture = image.convert(target)
    picture.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
    if picture.mode != target:
        picture = picture.convert(target)
    # Only the pixels travel on: Pillow would otherwise copy comments and other metadata over.
    clean = Image.new(picture.mode, picture.size)
    clean.paste(picture)
    picture = clean
    out = io.BytesIO()
    if source_format == "JPEG" and picture.mode == "RGB":
        picture.save(out, "JPEG", quality=85, optimize=True)
        ext, mimetype = "jpg", "image/jpeg"
    elif source_format == "WEBP":
        picture.save(out, "WEBP", quality=85)
        ext, mimetype = "webp", "image/webp"
    else:
        picture.save(out, "PNG", optimize=True)
        ext, mimetype = "png", "image/png"
    return CleanFile(
        content=ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{ext}"),
        kind="image",
        mimetype=mimetype,
        original_name=name_for_type(original, mimetype),
    )


def image_rendition(data: bytes, *, box: tuple[int, int]) -> ContentFile:
    """A smaller copy, fitting `box`, of an image that `clean_upload` (or our own code) encoded:
    JPEG, or PNG where there is transparency. Named by us, like every stored file."""
    with Image.open(io.BytesIO(data)) as opened:
        opened.draft("RGB", box)  # a JPEG decodes at a reduced size: less memory
        picture = opened.convert("RGBA" if "A" in opened.getbands() else "RGB")
    picture.thumbnail(box, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if picture.mode == "RGBA":
        picture.save(out, "PNG", optimize=True)
        ext = "png"
    else:
        picture.save(out, "JPEG", quality=82, optimize=True, progressive=True)
        ext = "jpg"
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{ext}")
