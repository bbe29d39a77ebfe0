"""Compile locale/*/LC_MESSAGES/*.po into .mo files with Babel (no GNU gettext needed).

Fuzzy entries are left out, as msgfmt does. Only catalogues newer than their .mo are rebuilt.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent

for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
    mo_path = po_path.with_suffix(".mo")
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        continue
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=po_path.parent.parent.name)
    with mo_path.open("wb") as mo_file:
        write_mo(mo_file, catalog, use_fuzzy=False)
    print(f"compiled {po_path.relative_to(ROOT)}")
