"""Holes in fragments kept for every reader (iapt_platform/lib/holes.py): filled as the templates'
own filters would write the same values for the reader, and only where the writer left them."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy, ngettext_lazy

from iapt_platform.lib.holes import Holes, fill

LABELS = {
    "edit": gettext_lazy("Edit"),
    "flags": ngettext_lazy("%(counter)s flag", "%(counter)s flags", "counter"),
    "edited_by": gettext_lazy("edited by %(name)s"),
}
MOMENTS = [
    datetime(2026, 3, 10, 3, 30, 15, 123456, tzinfo=UTC),
    datetime(2026, 3, 10, 14, 30, tzinfo=UTC),  # the same day or the next, the same minute
    datetime(2026, 1, 1, 0, 0, tzinfo=UTC),  # midnight in UTC, the day before in the Americas
    datetime(2026, 6, 15, 17, 0, tzinfo=UTC),  # noon in Bogotá
    datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # the hour Europe's clocks go back
    datetime(2026, 9, 6, 3, 59, tzinfo=UTC),
]
ZONES = ["UTC", "America/Bogota", "America/Sao_Paulo", "Asia/Tokyo", "Europe/Madrid"]


@pytest.mark.parametrize("language", ["es", "en", "pt-br"])
def test_dates_and_sizes_are_written_as_the_template_filters_write_them(language):
    marks = Holes(LABELS)
    with marks.neutral():
        kept = "|".join(f"{marks.iso(m)} {marks.when(m)}" for m in MOMENTS) + marks.size(2_500_000)
    for zone in ZONES:
        with translation.override(language), timezone.override(ZoneInfo(zone)):
            expected = "|".join(
                f"{formats.date_format(timezone.localtime(m), 'c')} "
                f"{formats.date_format(timezone.localtime(m), 'DATETIME_FORMAT')}"
                for m in MOMENTS
            ) + str(filesizeformat(2_500_000))
            assert fill(kept, [marks.mark], labels=LABELS, token="t") == expected


def test_labels_are_in_the_reader_s_language_and_their_values_escaped():
    marks = Holes(LABELS)
    with marks.neutral():
        kept = f"{marks.labels['edit']} {marks.plural('flags', 2)} " + marks.text(
            "edited_by", name="<b>Ana</b> & Co"
        )
    with translation.override("pt-br"):
        assert fill(kept, [marks.mark], labels=LABELS, token="t") == (
            "Editar 2 sinalizações editada por &lt;b&gt;Ana&lt;/b&gt; &amp; Co"
        )
    with translation.override("en"):
        assert fill(kept, [marks.mark], labels=LABELS, token="t") == (
            "Edit 2 flags edited by &lt;b&gt;Ana&lt;/b&gt; &amp; Co"
        )


def test_addresses_take_the_reader_s_prefix_and_forms_their_token():
    marks = Holes(LABELS)
    kept = f'<a href="{marks.address("/community/p/7/")}">x</a><input value="{marks.token}">'
    for language, prefix in (("es", ""), ("en", "/en"), ("pt-br", "/pt-br")):
        with translation.override(language):
            assert fill(kept, [marks.mark], labels=LABELS, token="tok") == (
                f'<a href="{prefix}/community/p/7/">x</a><input value="tok">'
            )


def test_only_the_writer_s_holes_are_filled_never_text_that_looks_like_one():
    marks, other = Holes(LABELS), Holes(LABELS)
    written_by_a_member = f"{other.labels['edit']} hole0123456789abcdef0123tedit."
    kept = f"{marks.labels['edit']}: {written_by_a_member}"
    with translation.override("es"):
        assert fill(kept, [marks.mark], labels=LABELS, token="t") == (
            f"Editar: {written_by_a_member}"
        )
