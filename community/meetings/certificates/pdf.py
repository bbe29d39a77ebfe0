"""The certificate of attendance as a PDF: one A4 landscape page, written with fpdf2 in the
attendee's language and time zone, with the verification address printed and as a QR code.

The text is set in DejaVu Sans, vendored beside this module (see fonts/LICENSE) and embedded as a
subset, so that names in Latin scripts with any accent, Greek or Cyrillic print as written, with no
font on the reader's machine. Scripts DejaVu Sans does not cover (Chinese, Japanese, Korean) and
those that need shaping (Arabic, Devanagari) do not print correctly: the README says so.
"""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import qrcode
from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from fpdf import FPDF
from fpdf.enums import XPos, YPos

# fontTools logs every step of subsetting a font at INFO: dozens of lines per certificate.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVuSans"
PRIMARY = (11, 85, 99)  # --color-primary of static/css/site.css
TEXT = (29, 42, 53)
MUTED = (79, 93, 105)


@dataclass(frozen=True)
class Content:
    """What one certificate says, already in the attendee's language and zone."""

    name: str
    activity: str
    date: str
    hours: str
    organiser: str
    verification_url: str
    code: str
    issued: str


def hours_text(hours: Decimal) -> str:
    """2 -> "2 hours", 1.5 -> "1.5 hours" (the decimal mark of the active language)."""
    whole = hours == hours.to_integral_value()
    number = formats.number_format(int(hours) if whole else hours, use_l10n=True)
    return ngettext("%(hours)s hour", "%(hours)s hours", 1 if hours == 1 else 2) % {"hours": number}


def date_span(starts: datetime, ends: datetime, zone: str) -> str:
    """The meeting's day in `zone` (or its first and last days, for a meeting over several)."""
    tz = zoneinfo.ZoneInfo(zone)
    first, last = starts.astimezone(tz).date(), ends.astimezone(tz).date()
    if first == last:
        return formats.date_format(first, "DATE_FORMAT")
    return _("%(first)s to %(last)s") % {
        "first": formats.date_format(first, "DATE_FORMAT"),
        "last": formats.date_format(last, "DATE_FORMAT"),
    }


def content_for(certificate, *, language: str, time_zone: str) -> Content:
    """The certificate's text in `language`, its dates in `time_zone`."""
    from django.urls import reverse

    meeting = certificate.meeting
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(time_zone)):
        title = getattr(meeting, f"title_{language.replace('-', '_')}", "") or meeting.title_es
        return Content(
            name=certificate.name,
            activity=title,
            date=date_span(meeting.starts_at, meeting.ends_at, time_zone),
            hours=hours_text(meeting.training_hours),
            organiser=_("CEPAL and the community of the IAPT Platform"),
            verification_url=settings.SITE_URL
            + reverse("meetings:certificate_verify", args=[certificate.code]),
            code=certificate.code,
            issued=formats.date_format(
                timezone.localtime(certificate.issued_at).date(), "DATE_FORMAT"
            ),
        )


def render(content: Content, *, language: str) -> bytes:
    """The PDF's bytes."""
    with translation.override(language):
        return _Writer(content).write()


class _Writer:
    def __init__(self, content: Content) -> None:
        self.content = content
        pdf = FPDF(orientation="L", unit="mm", format="A4")
        pdf.set_auto_page_break(False)
        pdf.set_margins(28, 20, 28)
        pdf.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        pdf.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        pdf.set_title(_("Certificate of attendance"))
        pdf.set_author(content.organiser)
        pdf.set_subject(content.activity)
        pdf.set_lang(translation.get_language() or settings.LANGUAGE_CODE)
        # A fixed date: the same certificate gives the same file on every download.
        pdf.set_creation_date(datetime(2000, 1, 1, tzinfo=zoneinfo.ZoneInfo("UTC")))
        self.pdf = pdf

    def write(self) -> bytes:
        pdf, content = self.pdf, self.content
        pdf.add_page()
        self._frame()
        width = pdf.w - pdf.l_margin - pdf.r_margin

        pdf.set_y(26)
        self._line(content.organiser.upper(), size=11, bold=True, color=PRIMARY)
        pdf.ln(8)
        self._line(_("Certificate of attendance"), size=30, bold=True, color=PRIMARY)
        pdf.ln(8)
        self._line(_("This certifies that"), size=13, color=MUTED)
        pdf.ln(3)
        self._fitted(content.name, size=26, bold=True, color=TEXT, width=width)
        pdf.ln(3)
        self._line(_("attended the training activity"), size=13, color=MUTED)
        pdf.ln(3)
        self._fitted(content.activity, size=17, bold=True, color=TEXT, width=width)
        pdf.ln(4)
        held = _("held on %(date)s, with a duration of %(hours)s.") % {
            "date": content.date,
            "hours": content.hours,
        }
        self._paragraph(held, size=13, color=TEXT, width=width)

        self._verification()
        return bytes(pdf.output())

    def _frame(self) -> None:
        pdf = self.pdf
        pdf.set_draw_color(*PRIMARY)
        pdf.set_line_width(1.2)
        pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
        pdf.set_line_width(0.3)
        pdf.rect(13, 13, pdf.w - 26, pdf.h - 26)

    def _font(self, *, size: float, bold: bool, color: tuple[int, int, int]) -> None:
        self.pdf.set_font(FAMILY, "B" if bold else "", size)
        self.pdf.set_text_color(*color)

    def _line(self, text: str, *, size: float, bold: bool = False, color=TEXT) -> None:
        self._font(size=size, bold=bold, color=color)
        self.pdf.cell(0, size * 0.45, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _paragraph(self, text: str, *, size: float, color, width: float, bold=False) -> None:
        self._font(size=size, bold=bold, color=color)
        self.pdf.multi_cell(width, size * 0.5, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _fitted(self, text: str, *, size: float, bold: bool, color, width: float) -> None:
        """One line when it fits at a size down to 60% of `size`, else wrapped at that size."""
        smallest = size * 0.6
        self._font(size=size, bold=bold, color=color)
        while size > smallest and self.pdf.get_string_width(text) > width:
            size -= 1
            self.pdf.set_font_size(size)
        self._paragraph(text, size=size, bold=bold, color=color, width=width)

    def _verification(self) -> None:
        pdf, content = self.pdf, self.content
        side = 30.0
        left, top = pdf.l_margin, pdf.h - 22 - side
        _draw_qr(pdf, content.verification_url, x=left, y=top, side=side)
        text_left = left + side + 6
        pdf.set_xy(text_left, top + 2)
        self._font(size=10, bold=True, color=TEXT)
        pdf.cell(0, 5, _("Verify this certificate at:"), new_x=XPos.LEFT, new_y=YPos.NEXT)
        self._font(size=10, bold=False, color=PRIMARY)
        pdf.multi_cell(
            pdf.w - pdf.r_margin - text_left,
            5,
            content.verification_url,
            align="L",
            link=content.verification_url,
            new_x=XPos.LEFT,
            new_y=YPos.NEXT,
        )
        self._font(size=9, bold=False, color=MUTED)
        pdf.cell(
            0,
            5,
            _("Code %(code)s · issued on %(date)s")
            % {"code": content.code, "date": content.issued},
            new_x=XPos.LEFT,
            new_y=YPos.NEXT,
        )


def _draw_qr(pdf: FPDF, data: str, *, x: float, y: float, side: float) -> None:
    """The QR code as filled rectangles (one per run of dark modules in a row): vector, sharp at
    any zoom, and no image library involved."""
    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    module = side / len(matrix)
    # Each rectangle reaches a hair into the next row, so that no seam shows between rows.
    seam = module * 0.04
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            pdf.rect(
                x + start * module,
                y + row_index * module,
                (column - start) * module + seam,
                module + seam,
                style="F",
            )
