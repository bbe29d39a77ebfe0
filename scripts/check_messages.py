"""Fail when the source has strings that the catalogues do not hold yet (makemessages is due).

Runs Django's makemessages on a throw-away copy of the project and compares the message ids with
locale/es. Needs GNU gettext (CI installs it); without it the check says so and passes.
"""

import ast
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


# The names xgettext is told to extract (Django's makemessages keywords): a translation function
# imported under any other name is invisible to it, and its strings stay English in every language.
KEYWORDS = {
    "_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy",
    "pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy",
}  # fmt: skip


def hidden_translation_calls(root: Path) -> list[str]:
    """Imports that give a translation function a name makemessages does not extract."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if IGNORE & set(relative.parts) or "migrations" in relative.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                for alias in node.names:
                    name = alias.asname or alias.name
                    if alias.name in KEYWORDS and name not in KEYWORDS:
                        found.append(f"{relative}:{node.lineno}: {alias.name} imported as {name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == "django.utils.translation" and alias.asname:
                        found.append(
                            f"{relative}:{node.lineno}: {alias.name} imported as {alias.asname}"
                        )
    return found


def ids(po_path: Path) -> set:
    with po_path.open("rb") as f:
        return {(m.id, m.context) for m in read_po(f) if m.id}


def main() -> int:
    hidden = hidden_translation_calls(ROOT)
    if hidden:
        print(
            "check_messages: makemessages cannot see these translation functions; import them as _"
        )
        for line in hidden:
            print("  ", line)
        return 1
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
