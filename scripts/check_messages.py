"""Fail when the source has strings that the catalogues do not hold yet (makemessages is due).

Runs Django's makemessages on a throw-away copy of the project and compares the message ids with
locale/es. Needs GNU gettext (CI installs it); without it the check says so and passes.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
IGNORE = {
    ".venv",
    ".git",
    "node_modules",
    "staticfiles",
    "media",
    "private-media",
    "var",
    "bench",
    "tests",
}


def ids(po_path: Path) -> set:
    with po_path.open("rb") as f:
        return {(m.id, m.context) for m in read_po(f) if m.id}


def main() -> int:
    if shutil.which("xgettext") is None:
        print("check_messages: GNU gettext is not installed; skipping the catalogue check")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "project"
        shutil.copytree(
            ROOT,
            copy,
            ignore=lambda d, names: [
                n for n in names if n in IGNORE or n.endswith((".mo", ".pyc"))
            ],
        )
        env = {**os.environ, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "iapt_platform.settings"}
        env.pop("DATABASE_URL", None)
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "--locale", "es", "--no-obsolete", "-v0"],
            cwd=copy,
            env=env,
            check=True,
        )
        missing = ids(copy / "locale" / "es" / "LC_MESSAGES" / "django.po") - ids(
            ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"
        )
    if missing:
        print(
            "check_messages: these strings are not in the catalogues; run `make messages` and translate:"
        )
        for msgid, _context in sorted(missing, key=str)[:40]:
            print("  ", msgid)
        return 1
    print("check_messages: the catalogues hold every string of the source")
    return 0


if __name__ == "__main__":
    sys.exit(main())
