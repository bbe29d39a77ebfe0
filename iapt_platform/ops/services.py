"""Backup and restore of the database and the uploaded files.

A backup is a directory: `database.pgdump` (PostgreSQL, `pg_dump -Fc`) or `database.sqlite3`
(SQLite, its online backup API), `media.tar.gz` and `private-media.tar.gz` (the public and the
private uploads, when they are on local disk; a bucket is backed up with its own tools), and
`manifest.json` (versions, the migrations applied, each file's SHA-256). A restore checks the
manifest and the checksums, then replaces the database and the files with the backup's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import django
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
MANIFEST = "manifest.json"
STORAGE_FILES = {"default": "media.tar.gz", "private": "private-media.tar.gz"}


class BackupError(Exception):
    """What stops a backup or a restore, said for the operator."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_environment(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq's variables for the client tools (the password never appears in `ps`)."""
    env = dict(os.environ)
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": (settings_dict.get("OPTIONS") or {}).get("sslmode"),
    }
    env.update({key: str(value) for key, value in values.items() if value})
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        # Fixed arguments: PostgreSQL's client tools, with paths and settings of our own.
        subprocess.run(command, env=env, check=True, capture_output=True, text=True)  # noqa: S603
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools).") from error
    except subprocess.CalledProcessError as error:
        raise BackupError(f"{command[0]} failed: {error.stderr.strip()}") from error


def _migrations(alias: str) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connections[alias]).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _local_storages() -> dict[str, Path]:
    """The storages kept on local disk, by name; the others (a bucket) are not in the backup."""
    local = {}
    for name in STORAGE_FILES:
        storage = storages[name]
        if isinstance(storage, FileSystemStorage):
            local[name] = Path(storage.location)
    return local


# --- Backup ---------------------------------------------------------------------------------------
def backup_create(*, to: Path, alias: str = "default") -> dict[str, Any]:
    """Write a backup into the directory `to` (created; it must be empty). Returns the manifest."""
    to = Path(to)
    if to.exists() and any(to.iterdir()):
        raise BackupError(f"{to} is not empty: give a new directory.")
    to.mkdir(parents=True, exist_ok=True)
    connection = connections[alias]
    files: dict[str, str] = {}

    if connection.vendor == "postgresql":
        dump = to / "database.pgdump"
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--file={dump}"],
            _pg_environment(connection.settings_dict),
        )
    elif connection.vendor == "sqlite":
        dump = to / "database.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(dump)
        try:
            connection.connection.backup(target)  # consistent even while the site writes
        finally:
            target.close()
    else:
        raise BackupError(f"No backup for a {connection.vendor} database.")
    files[dump.name] = _sha256(dump)

    local = _local_storages()
    for name, archive_name in STORAGE_FILES.items():
        if name not in local:
            continue
        archive = to / archive_name
        with tarfile.open(archive, "w:gz") as tar:
            if local[name].exists():
                tar.add(local[name], arcname=".")
        files[archive_name] = _sha256(archive)

    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": connection.vendor,
        "django": django.get_version(),
        "python": platform.python_version(),
        "migrations": _migrations(alias),
        "storages": {
            name: ("local" if name in local else "not included: back up the bucket")
            for name in STORAGE_FILES
        },
        "files": files,
    }
    (to / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


# --- Restore --------------------------------------------------------------------------------------
def _read_manifest(source: Path) -> dict[str, Any]:
    path = source / MANIFEST
    if not path.exists():
        raise BackupError(f"{source} has no {MANIFEST}: not a backup made by `manage.py backup`.")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    for name, expected in manifest["files"].items():
        if not (source / name).exists() or _sha256(source / name) != expected:
            raise BackupError(f"{name} is missing or damaged (its SHA-256 differs).")
    return manifest


def _has_tables(alias: str) -> bool:
    connection = connections[alias]
    with connection.cursor() as cursor:
        return bool(connection.introspection.table_names(cursor))


def _wipe_postgresql(alias: str) -> None:
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")
    connection.close()


def backup_restore(*, source: Path, alias: str = "default", replace: bool = False) -> dict:
    """Replace the database and the local uploads with the backup in `source`.

    A database with tables is replaced only with `replace=True`. Returns the manifest."""
    source = Path(source)
    manifest = _read_manifest(source)
    connection = connections[alias]
    if manifest["database"] != connection.vendor:
        raise BackupError(
            f"The backup is of a {manifest['database']} database; this one is {connection.vendor}."
        )
    if _has_tables(alias) and not replace:
        raise BackupError("The database is not empty: add --replace to replace it.")

    if connection.vendor == "postgresql":
        _wipe_postgresql(alias)
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={connection.settings_dict['NAME']}",
                str(source / "database.pgdump"),
            ],
            _pg_environment(connection.settings_dict),
        )
    else:
        connection.ensure_connection()
        backup = sqlite3.connect(source / "database.sqlite3")
        try:
            backup.backup(connection.connection)  # replaces every page of the live database
        finally:
            backup.close()
        connection.close()

    local = _local_storages()
    for name, archive_name in STORAGE_FILES.items():
        if name not in local or archive_name not in manifest["files"]:
            continue
        root = local[name]
        if root.exists():
            for child in root.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(source / archive_name, "r:gz") as tar:
            tar.extractall(root, filter="data")  # no absolute paths, links out or devices
    return manifest


def migrations_missing(*, alias: str = "default") -> list[str]:
    """The code's migrations that the restored database has not applied (run `migrate`)."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connections[alias])
    return sorted(
        f"{app}.{name}"
        for app, name in loader.graph.nodes
        if (app, name) not in loader.applied_migrations
    )
