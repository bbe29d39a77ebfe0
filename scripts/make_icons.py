"""Make the favicon set and the default link-preview cards from the platform's mark.

Usage: python scripts/make_icons.py  (no network; Pillow only)

The mark is static/img/favicon.svg: a rounded square and three circles. Pillow cannot read SVG, and
a rasteriser would be a new dependency, so this script reads the shapes and their colours from the
SVG itself (its <rect> and <circle> elements, nothing else) and draws them with Pillow, four times
larger, then scales down (smooth edges). Changing the SVG and running this again redraws them all.
The cards (1200x630, one per language) add the header's "IAPT" badge and the platform's name in
DejaVu Sans (packaged with most Linux systems: fonts-dejavu-core), the font the cards are drawn in.

Writes under static/: img/favicon.ico (16, 32, 48) and root/favicon.ico, root/apple-touch-icon.png
(browsers ask for these at the site's root; WHITENOISE_ROOT serves them there), img/icon-32.png, img/apple-touch-icon.png
(180, square: iOS rounds the corners itself), img/icon-192.png, img/icon-512.png,
img/social-card-{es,en,pt-br}.png and site.webmanifest. The files are committed; run this again
only when the mark changes.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
SVG = STATIC / "img" / "favicon.svg"
SUPERSAMPLE = 4

# The site's colours (static/css/site.css): primary, the accent of the "IAPT" badge, its text.
PRIMARY = "#0b5563"
ACCENT = "#f6c85f"
TEXT_ON_ACCENT = "#1d2a35"
ON_PRIMARY = "#ffffff"
SOFT_ON_PRIMARY = "#d7efe9"  # 10:1 on PRIMARY
EDGE = "#9fd8cb"  # the mark's third circle

FONT_DIRS = [
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
]

# The cards' words, as the interface says them ("IAPT Platform" and the site's description).
CARDS = {
    "es": (
        "Plataforma IAPT",
        "La comunidad de iniciativas clúster e iniciativas de articulación productiva "
        "territorial de América Latina y el Caribe.",
    ),
    "en": (
        "IAPT Platform",
        "The community of cluster initiatives and territorial productive articulation "
        "initiatives of Latin America and the Caribbean.",
    ),
    "pt-br": (
        "Plataforma IAPT",
        "A comunidade de iniciativas de clusters e de iniciativas de articulação produtiva "
        "territorial da América Latina e do Caribe.",
    ),
}

SVG_NS = "{http://www.w3.org/2000/svg}"


def read_mark(path: Path) -> tuple[float, list[tuple[str, dict[str, str]]]]:
    """The SVG's view box width and its shapes (tag, attributes) in drawing order."""
    root = ET.parse(path).getroot()  # noqa: S314 (our own file)
    box = [float(v) for v in root.get("viewBox", "0 0 32 32").split()]
    shapes = []
    for element in root:
        tag = element.tag.removeprefix(SVG_NS)
        if tag not in ("rect", "circle"):
            raise SystemExit(f"{path}: only <rect> and <circle> are drawn, found <{tag}>")
        shapes.append((tag, dict(element.attrib)))
    return box[2], shapes


def draw_mark(size: int, *, square: bool = False) -> Image.Image:
    """The mark at size x size pixels; `square` drops the rounded corners (apple-touch-icon)."""
    width, shapes = read_mark(SVG)
    big = size * SUPERSAMPLE
    scale = big / width
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for tag, a in shapes:
        if tag == "rect":
            x, y = float(a.get("x", 0)) * scale, float(a.get("y", 0)) * scale
            w, h = float(a["width"]) * scale, float(a["height"]) * scale
            radius = 0 if square else float(a.get("rx", 0)) * scale
            draw.rounded_rectangle((x, y, x + w - 1, y + h - 1), radius=radius, fill=a["fill"])
        else:
            cx, cy, r = (float(a[k]) * scale for k in ("cx", "cy", "r"))
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=a["fill"])
    return image.resize((size, size), Image.Resampling.LANCZOS)


def font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for directory in FONT_DIRS:
        if (directory / name).exists():
            return ImageFont.truetype(str(directory / name), size)
    raise SystemExit(f"{name} not found (install fonts-dejavu-core)")


def wrap(draw: ImageDraw.ImageDraw, text: str, face, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(candidate, font=face) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def card(name: str, description: str) -> Image.Image:
    """1200x630: the mark, the header's "IAPT" badge, the platform's name and what it is."""
    image = Image.new("RGB", (1200, 630), PRIMARY)
    draw = ImageDraw.Draw(image)
    # The mark's square is the card's own colour: a lighter edge sets it apart.
    draw.rounded_rectangle((74, 74, 286, 286), radius=44, fill=EDGE)
    mark = draw_mark(200)
    image.paste(mark, (80, 80), mark)
    badge_font = font(True, 64)
    left, top = 330, 135
    text_width = draw.textlength("IAPT", font=badge_font)
    draw.rounded_rectangle((left, top, left + text_width + 40, top + 90), radius=12, fill=ACCENT)
    draw.text((left + 20, top + 45), "IAPT", font=badge_font, fill=TEXT_ON_ACCENT, anchor="lm")
    draw.text((80, 390), name, font=font(True, 72), fill=ON_PRIMARY, anchor="ls")
    body = font(False, 38)
    y = 460
    for line in wrap(draw, description, body, 1040)[:4]:
        draw.text((80, y), line, font=body, fill=SOFT_ON_PRIMARY, anchor="ls")
        y += 52
    return image


def manifest() -> dict:
    return {
        "name": "IAPT Platform",
        "short_name": "IAPT",
        "icons": [
            {"src": "img/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "img/icon-512.png", "sizes": "512x512", "type": "image/png"},
        ],
        "start_url": "/",
        "display": "browser",
        "theme_color": PRIMARY,
        "background_color": ON_PRIMARY,
    }


def main() -> None:
    out = STATIC / "img"
    root = STATIC / "root"  # served at the site's root (WHITENOISE_ROOT): /favicon.ico
    root.mkdir(exist_ok=True)
    for place in (out, root):
        draw_mark(256).save(place / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    draw_mark(180, square=True).save(root / "apple-touch-icon.png", optimize=True)
    draw_mark(32).save(out / "icon-32.png", optimize=True)
    draw_mark(180, square=True).save(out / "apple-touch-icon.png", optimize=True)
    draw_mark(192).save(out / "icon-192.png", optimize=True)
    draw_mark(512).save(out / "icon-512.png", optimize=True)
    for language, (name, description) in CARDS.items():
        card(name, description).save(out / f"social-card-{language}.png", optimize=True)
    (STATIC / "site.webmanifest").write_text(json.dumps(manifest(), indent=2) + "\n")


if __name__ == "__main__":
    main()
