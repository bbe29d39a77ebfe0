"""Source strings are English: locale/en holds msgstr = msgid for every entry.

Run by `make messages` after makemessages. Every entry is rewritten, so that a fuzzy guess of
msgmerge (a neighbouring string's text) can never stay in the English catalogue.
"""

from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent

for po_path in (ROOT / "locale" / "en" / "LC_MESSAGES").glob("*.po"):
    with po_path.open("rb") as f:
        catalog = read_po(f, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            message.string = (message.id[0], message.id[1])
        else:
            message.string = message.id
        message.flags.discard("fuzzy")
    with po_path.open("wb") as f:
        write_po(f, catalog, width=100)
