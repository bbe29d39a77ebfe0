"""Backup, wipe, restore: the pages render the same (`manage.py backup` and `restore`).

On PostgreSQL (CI) the restore goes into a database of its own, created here, so that the test
database of the other tests is never dropped; on SQLite into the (flushed) test database.
"""

import contextlib
import io
import re
from pathlib import Path

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from iapt_platform.ops import services
from library.models import Resource
from tests.factories import InitiativeFactory
from tests.initiatives.helpers import png_bytes
from tests.library.factories import ResourceFactory, pdf_bytes

pytestmark = pytest.mark.django_db(transaction=True)

VOLATILE = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'), 'name="csrfmiddlewaretoken"'),
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
    (re.compile(r'"csrfToken": "[^"]*"|csrf[-_]token" content="[^"]*"'), "csrf"),
]


def _seed() -> tuple[list[str], list[Path]]:
    first, *_ = InitiativeFactory.create_batch(3)
    first.logo.save("logo.png", ContentFile(png_bytes()), save=True)
    resource = ResourceFactory(title="Guía de respaldo")
    resource.file.save("guia.pdf", ContentFile(pdf_bytes("Respaldo y restauración")), save=True)
    pages = ["/", "/initiatives/", f"/initiatives/{first.slug}/", "/library/"]
    pages.append(f"/library/{resource.slug}/")
    return pages, [Path(first.logo.path), Path(resource.file.path)]


def _render(client, pages: list[str]) -> dict[str, str]:
    cache.clear()  # pages from the database, not from what the cache kept
    html = {}
    for page in pages:
        response = client.get(page, HTTP_ACCEPT_LANGUAGE="es")
        assert response.status_code == 200, page
        text = response.content.decode()
        for pattern, replacement in VOLATILE:
            text = pattern.sub(replacement, text)
        html[page] = text
    return html


@contextlib.contextmanager
def _empty_database():
    """PostgreSQL: point `default` at a new, empty database. SQLite: flush the test database."""
    if connection.vendor != "postgresql":
        call_command("flush", interactive=False, verbosity=0)
        yield
        return
    original = connection.settings_dict["NAME"]
    name = f"{original}_restored"[:63]
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_wipe_restore_renders_the_same_pages(client, tmp_path):
    with time_machine.travel("2026-05-04 10:00Z", tick=False):
        pages, files = _seed()
        before = _render(client, pages)
        contents = {path: path.read_bytes() for path in files}
        call_command("backup", to=tmp_path / "backup", stdout=io.StringIO())

        for path in files:
            path.unlink()
        with _empty_database():
            assert not Resource.objects.exists() if connection.vendor == "sqlite" else True
            call_command("restore", source=tmp_path / "backup", replace=True, verbosity=0)
            assert _render(client, pages) == before
            assert {path: path.read_bytes() for path in files} == contents

            # Over a database that has tables: only with --replace, and the same again.
            with pytest.raises(CommandError, match="not empty"):
                call_command("restore", source=tmp_path / "backup", replace=False)
            call_command("restore", source=tmp_path / "backup", replace=True, verbosity=0)
            assert _render(client, pages) == before


def test_a_damaged_or_foreign_backup_is_refused(tmp_path):
    InitiativeFactory()
    manifest = services.backup_create(to=tmp_path / "backup")
    assert manifest["migrations"]["initiatives"]
    with pytest.raises(services.BackupError, match="not empty"):
        services.backup_create(to=tmp_path / "backup")
    dump = next(p for p in (tmp_path / "backup").iterdir() if p.name.startswith("database."))
    dump.write_bytes(dump.read_bytes()[:-10])
    with pytest.raises(services.BackupError, match="damaged"):
        services.backup_restore(source=tmp_path / "backup", replace=True)
    with pytest.raises(services.BackupError, match="manifest"):
        services.backup_restore(source=tmp_path, replace=True)
