"""The one way an uploaded document leaves the platform: as a download, never rendered inline."""

from django.http import FileResponse

# Types the upload validator produces; anything else is sent as a generic binary.
SAFE_MIMETYPES = {
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "text/csv",
    "image/png",
    "image/jpeg",
    "image/webp",
}


def file_download(
    file, *, filename: str, mimetype: str, cache: str = "private, max-age=3600"
) -> FileResponse:
    """A FileResponse with `Content-Disposition: attachment`, nosniff and a safe content type."""
    response = FileResponse(
        file.open("rb"),
        as_attachment=True,
        filename=filename or "file",
        content_type=mimetype if mimetype in SAFE_MIMETYPES else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
