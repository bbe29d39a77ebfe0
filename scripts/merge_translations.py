"""Merge translated JSON files into the catalogues (used when translating a batch of new strings).

Usage: python scripts/merge_translations.py file.json [file.json ...]
Each file is a list of {"id": str | [singular, plural], "context": str | None, "es": ..., "pt_BR": ...};
a plural may also be given as {"id": singular, "plural": plural}. For plurals "es" and "pt_BR" are
lists (one form per plural form of the language).
"""

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent


def main(paths: list[str]) -> None:
    entries = {}
    for path in paths:
        for item in json.loads(Path(path).read_text()):
            if isinstance(item["id"], list):
                message_id = tuple(item["id"])
            elif item.get("plural"):  # {"id": singular, "plural": plural} says the same
                message_id = (item["id"], item["plural"])
            else:
                message_id = item["id"]
            key = (message_id, item.get("context"))
            entries[key] = item
    for language in ("es", "pt_BR"):
        po_path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=language)
        applied = 0
        for message in catalog:
            if not message.id:
                continue
            item = entries.get((message.id, message.context))
            if item is None or not item.get(language):
                continue
            value = item[language]
            message.string = tuple(value) if isinstance(message.id, tuple) else value
            message.flags.discard("fuzzy")
            applied += 1
        with po_path.open("wb") as f:
            write_po(f, catalog, width=100)
        print(f"{language}: {applied} entries")


if __name__ == "__main__":
    main(sys.argv[1:])
