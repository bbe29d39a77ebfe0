"""The one way an uploaded document leaves the platform: as a download, never rendered inline,
named after what the file is.

The type is the one the upload validator detected from the content; the sender's name keeps its
words but never its extension, so a PDF sent as `report.html` leaves as `report.pdf` and
`invoice.pdf.exe` as `invoice.pdf` (a browser or a desktop opens a file by its extension).

With local storage the web worker streams the file. On S3-style storage (MEDIA_STORAGE=s3) the
worker only checks permissions and redirects to an address of the bucket signed for
SIGNED_URL_SECONDS, which makes the bucket answer with the same disposition, type and caching.
"""

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponseBase, HttpResponseRedirect

# The types the upload validator produces and their extensions; anything else is sent as a
# generic binary named `.bin`, which no system opens as a page or a program.
EXTENSIONS = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "text/csv": "csv",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    # Not uploaded by anyone: the "download my data" archives the platform builds itself.
    "application/zip": "zip",
}
SAFE_MIMETYPES = set(EXTENSIONS)
# Other spellings of the same extension, kept when the sender used them.
_ALIASES = {"jpg": {"jpg", "jpeg", "jpe"}}


SIGNED_URL_SECONDS = 60  # long enough to start a download, too short to pass the link around
MAX_NAME = 150  # the length of the name columns (Attachment.original_name, Material's)


def name_for_type(name: str, mimetype: str) -> str:
    """`name` with the extension of `mimetype`: the sender's one when it already says so, else
    the last extension replaced (or, when the part before it already says so, dropped). At most
    MAX_NAME characters: a long name loses the end of its stem, never its extension."""
    typed = _typed_name(name, mimetype)
    if len(typed) <= MAX_NAME:
        return typed
    stem, _dot, ext = typed.rpartition(".")
    return f"{stem[: MAX_NAME - len(ext) - 1].rstrip('. ')}.{ext}"


def _typed_name(name: str, mimetype: str) -> str:
    ext = EXTENSIONS.get(mimetype, "bin")
    same = _ALIASES.get(ext, {ext})
    name = name.strip()
    stem, dot, last = name.rpartition(".")
    if not dot:
        stem, last = name, ""
    if not stem.strip(". "):
        return f"file.{ext}"
    if last.lower() in same:
        return name
    if stem.rpartition(".")[2].lower() in same and "." in stem:
        return stem
    return f"{stem}.{ext}"


def attachment_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback name and the exact name in RFC 5987 form."""
    fallback = "".join(c for c in name if 32 <= ord(c) < 127 and c not in '"\\;') or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_download(
    file, *, filename: str, mimetype: str, cache: str = "private, max-age=3600"
) -> HttpResponseBase:
    """The file as an attachment under a name that says the detected type, with a safe content
    type: streamed (nosniff, sandboxed) from local storage, or a redirect to a short-lived signed
    address of the bucket that answers with the same headers."""
    content_type = mimetype if mimetype in SAFE_MIMETYPES else "application/octet-stream"
    disposition = attachment_disposition(name_for_type(filename, mimetype))
    if settings.MEDIA_STORAGE == "s3":
        return _signed_redirect(file, disposition=disposition, content_type=content_type)
    response = FileResponse(file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _signed_redirect(file, *, disposition: str, content_type: str) -> HttpResponseRedirect:
    url = file.storage.url(
        file.name,
        parameters={
            "ResponseContentDisposition": disposition,
            "ResponseContentType": content_type,
            "ResponseCacheControl": "private, no-store",
        },
        expire=SIGNED_URL_SECONDS,
    )
    response = HttpResponseRedirect(url)
    # The address expires within a minute: neither the browser nor a proxy may keep the redirect.
    response["Cache-Control"] = "private, no-store"
    return response
