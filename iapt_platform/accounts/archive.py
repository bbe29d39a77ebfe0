"""The ZIP of "download my data": one readable JSON file per registered part, the person's own
files beside them, and a README in the person's language that says what each file holds.

The accounts app knows no other app: the parts are whatever iapt_platform.accounts.personal_data
has registered (each app its own reader, in its AppConfig.ready()).
"""

from __future__ import annotations

import json
import logging
import shutil
import zipfile
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import personal_data

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024


def archive_write(*, user: Any, out: IO[bytes]) -> list[str]:
    """Write the archive of `user` to `out` (a file opened for binary writing); the names of the
    parts written, in order."""
    parts: list[dict[str, Any]] = []
    # Readers that put a translated text in the archive (a consent's words) speak the person's.
    with (
        translation.override(user.language),
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        for key, reader in personal_data.exports():
            portion = reader(user)
            text = json.dumps(portion.data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
            archive.writestr(f"{key}.json", text + "\n")
            written = [name for name, file in portion.files if _copy(archive, key, name, file)]
            parts.append({"key": key, "files": written})
        archive.writestr("README.txt", _readme(user=user, parts=parts))
    return [part["key"] for part in parts]


def _copy(archive: zipfile.ZipFile, key: str, name: str, file: Any) -> bool:
    """Stream one stored file into the archive under files/<part>/<name>; False when the storage
    has lost it (the archive is still worth having without it)."""
    try:
        source = file.open("rb")
    except (OSError, ValueError):
        logger.warning("data export: %s is missing from storage", file.name)
        return False
    with source, archive.open(f"files/{key}/{name}", "w", force_zip64=True) as target:
        shutil.copyfileobj(source, target, CHUNK)
    return True


def _readme(*, user: Any, parts: list[dict[str, Any]]) -> str:
    descriptions = personal_data.export_descriptions()
    with translation.override(user.language), timezone.override(user.time_zone):
        return render_to_string(
            "accounts/data_export_readme.txt",
            {
                "user": user,
                "created_at": timezone.now(),
                "parts": [
                    {**part, "description": str(descriptions.get(part["key"], ""))}
                    for part in parts
                ],
            },
        )
