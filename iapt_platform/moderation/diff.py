"""A word-level comparison of the public version with the proposed one, for the item page.

Python's difflib is enough: the texts are a few thousand words at most, a moderator needs words
marked rather than patches, and every token is escaped here before it is wrapped in <del> or <ins>,
so no library's own HTML output (which escapes by its own rules) reaches the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .content import Pair

# Words, runs of white space, and single punctuation marks, so that an edit marks whole words.
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Row:
    label: str
    public: SafeString
    proposed: SafeString
    changed: bool


def _tokens(text: str) -> list[str]:
    return _TOKENS.findall(text)


def compare_text(public: str, proposed: str) -> tuple[SafeString, SafeString]:
    """Both texts escaped, removed words in <del> on the left and added words in <ins> on the right."""
    old, new = _tokens(public), _tokens(proposed)
    left: list[str] = []
    right: list[str] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        removed = escape("".join(old[i1:i2]))
        added = escape("".join(new[j1:j2]))
        if op == "equal":
            left.append(removed)
            right.append(added)
            continue
        if removed:
            left.append(f"<del>{removed}</del>")
        if added:
            right.append(f"<ins>{added}</ins>")
    return mark_safe("".join(left)), mark_safe("".join(right))  # noqa: S308 (escaped above)


def compare(public: list[Pair], proposed: list[Pair]) -> list[Row]:
    """One row per label, in the proposed order; a label on one side only compares with ""."""
    before = dict(public)
    rows = []
    labels = [label for label, _value in proposed]
    labels += [label for label, _value in public if label not in dict(proposed)]
    after = dict(proposed)
    for label in labels:
        old, new = before.get(label, ""), after.get(label, "")
        left, right = compare_text(old, new)
        rows.append(Row(label=label, public=left, proposed=right, changed=old != new))
    return rows
