"""`make run` with no variables: honcho starts the web server, a REAL Celery worker and beat on the
embedded broker (kombu's filesystem transport under VAR_DIR) and a SQLite file. A bulletin
scheduled a minute ago is started by beat's every-minute dispatch and sent by the worker within
three minutes; SIGINT to honcho's process group (what Ctrl-C in the terminal sends) leaves no
process behind.

The processes are the ones of `make run` (Procfile.dev, the settings with no REDIS_URL), on a
database file and a VAR_DIR of their own, so a developer's server and parallel runs are not
touched. On SQLite the migrated test database is copied to the file (faster than migrating it);
on PostgreSQL (CI) the file is migrated.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(__file__).resolve().parents[1]
SUBSCRIBERS = 3
WITHIN = 180  # seconds: the issue's promise, from the scheduled time to the last message

CREATE_SCHEDULED_ISSUE = f"""
from datetime import timedelta
from django.utils import timezone
from newsletter.models import Block, Edition, Issue, Subscriber
issue = Issue.objects.create(number=901, status=Issue.Status.SCHEDULED,
                             scheduled_at=timezone.now() - timedelta(minutes=1))
Edition.objects.create(issue=issue, language="es", subject="Boletín programado")
Edition.objects.create(issue=issue, language="en", subject="Scheduled bulletin")
Block.objects.create(issue=issue, kind="intro", content={{
    "es": {{"title": "Hola", "body": "Texto", "image_alt": ""}},
    "en": {{"title": "Hello", "body": "Text", "image_alt": ""}}}})
for n in range({SUBSCRIBERS}):
    Subscriber.objects.create(email=f"reader{{n}}@example.org", language="es" if n % 2 else "en",
                              status=Subscriber.Status.CONFIRMED)
print(issue.pk)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(tmp_path: Path, port: int, marker: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "CELERY", "PYTEST"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "iapt_platform.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "VAR_DIR": str(tmp_path / "var"),
            "EMAIL_FILE_PATH": str(tmp_path / "mail"),
            "DEBUG": "true",
            "SECRET_KEY": settings.SECRET_KEY,
            "SITE_URL": f"http://127.0.0.1:{port}",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "IAPT_EMBEDDED_TEST": marker,  # how the test finds every process it started
        }
    )
    return env


def _prepare_database(tmp_path: Path, env: dict[str, str]) -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(tmp_path / "db.sqlite3")) as target:
            connection.connection.backup(target)
    else:
        _manage(env, "migrate", "--noinput", "-v0")


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 (fixed arguments, our own code)
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def _ours(marker: str) -> list[int]:
    """Every live process whose environment carries this run's marker."""
    found = []
    needle = f"IAPT_EMBEDDED_TEST={marker}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                status = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if status != "Z":  # a zombie is gone, waiting for its parent to read its status
                    found.append(int(entry.name))
    return found


def _sent(database: Path, issue_id: int) -> int:
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        db.execute("PRAGMA busy_timeout = 5000")
        (count,) = db.execute(
            "SELECT COUNT(*) FROM newsletter_delivery WHERE issue_id = ? AND status = 'sent'",
            (issue_id,),
        ).fetchone()
    return count


def _get(url: str) -> int:
    with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
        return response.status
    return 0


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc (Linux)")
def test_make_run_sends_a_scheduled_bulletin_and_ctrl_c_leaves_nothing(tmp_path):
    port = _free_port()
    marker = uuid.uuid4().hex
    env = _environment(tmp_path, port, marker)
    _prepare_database(tmp_path, env)
    issue_id = int(_manage(env, "shell", "-c", CREATE_SCHEDULED_ISSUE))
    scheduled = time.monotonic() - 60

    log = tmp_path / "honcho.log"
    with log.open("wb") as output:
        honcho = subprocess.Popen(  # noqa: S603 (fixed arguments: make run's own command)
            [str(BASE_DIR / ".venv" / "bin" / "honcho"), "start", "-f", "Procfile.dev"],
            cwd=BASE_DIR,
            env=env,
            start_new_session=True,  # a process group of its own, as in a terminal
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        served = 0
        while _sent(tmp_path / "db.sqlite3", issue_id) < SUBSCRIBERS:
            assert honcho.poll() is None, "honcho stopped"
            assert time.monotonic() - scheduled < WITHIN, "not sent within three minutes"
            served = served or _get(f"http://127.0.0.1:{port}/")
            time.sleep(1)
        took = time.monotonic() - scheduled
        print(f"sent {took:.0f} s after the scheduled time")
        assert served == 200 or _get(f"http://127.0.0.1:{port}/") == 200
        assert len(_ours(marker)) >= 5  # honcho, the web server, the worker and its pool, beat
    finally:
        os.killpg(honcho.pid, signal.SIGINT)  # Ctrl-C
        with contextlib.suppress(subprocess.TimeoutExpired):
            honcho.wait(timeout=30)
        left = _ours(marker)
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if honcho.poll() is None:
            honcho.kill()
            honcho.wait()
    assert not left, f"left behind after Ctrl-C: {left}\n{log.read_text(errors='replace')[-3000:]}"
    assert took < WITHIN

    # The file backend writes what one connection sent to one file.
    mail = "".join(path.read_text(errors="replace") for path in (tmp_path / "mail").iterdir())
    assert mail.count("List-Unsubscribe-Post:") == SUBSCRIBERS
    for n in range(SUBSCRIBERS):
        assert f"To: reader{n}@example.org" in mail
