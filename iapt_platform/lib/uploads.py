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

IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000  # a 60-megapixel bomb is refused before it is decoded
IMAGE_MAX_SIDE = 2000  # larger images are scaled down when re-encoded
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "png"}


@dataclass(frozen=True)
class CleanFile:
    content: ContentFile
    kind: str  # "image", later "pdf", "docx", ...
    mimetype: str


def clean_upload(upload, *, kinds: set[str], max_bytes: int | None = None) -> CleanFile:
    """Validate an uploaded file and return a safe copy, or raise ValidationError."""
    if upload is None or upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    limit = max_bytes or IMAGE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s."),
            code="too_large",
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
        )
    if "image" in kinds:
        return _clean_image(upload)
    raise ValidationError(_("This kind of file is not accepted here."), code="kind")


def _clean_image(upload) -> CleanFile:
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
    if picture.mode not in ("RGB", "RGBA"):
        picture = image.convert(
            "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
        )
    picture.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
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
    )
