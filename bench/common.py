"""What the benchmark scripts share: their environment, their database, and how they sum up.

The scripts run as files (`.venv/bin/python bench/x.py`), so this module is imported as `common`
from the script's own folder.
"""

from __future__ import annotations

import math
import os
import secrets
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def configure_environment(*, database_url: str, redis_url: str) -> None:
    """Production settings (DEBUG off) on the benchmark's own database and Redis (defaults only:
    DATABASE_URL and REDIS_URL in the shell win)."""
    os.environ.setdefault("DATABASE_URL", database_url)
    os.environ.setdefault("REDIS_URL", redis_url)
    os.environ["DJANGO_SETTINGS_MODULE"] = "iapt_platform.settings"
    os.environ["DEBUG"] = "false"
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))


def create_database_if_missing(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def fmt(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)
