"""Pictures are decoded within a memory budget: a small file of many pixels must not take a
worker's memory. Measured in a fresh process (its peak resident memory), before and after."""

import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
MEASURE = """
import json, os, re, sys
import django


def peak_mb():
    # The process's own high-water mark (VmHWM starts afresh at exec, unlike ru_maxrss, which
    # a child inherits from the process that forked it).
    status = open("/proc/self/status").read()
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) / 1024

django.setup()
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from iapt_platform.lib.uploads import clean_upload

data = open(sys.argv[1], "rb").read()
before = peak_mb()
translation.activate("en")
try:
    clean = clean_upload(SimpleUploadedFile("picture", data), kinds={"image"})
    outcome = {"accepted": clean.mimetype}
except ValidationError as error:
    outcome = {"refused": error.messages[0]}
outcome["before_mb"] = before
outcome["growth_mb"] = peak_mb() - before
print(json.dumps(outcome))
"""


def measure(path: Path) -> dict:
    result = subprocess.run(  # noqa: S603 (our own script, with this interpreter)
        [sys.executable, "-c", MEASURE, str(path)],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def picture(path: Path, size: tuple[int, int], mode: str, fmt: str) -> Path:
    Image.MAX_IMAGE_PIXELS = None  # only while making the test picture
    try:
        image = Image.new(mode, size, "white")
        ImageDraw.Draw(image).rectangle((10, 10, size[0] // 3, size[1] // 3), fill="teal")
        image.save(path, fmt)
    finally:
        Image.MAX_IMAGE_PIXELS = 89_478_485
    return path


def test_a_png_of_many_pixels_in_a_small_file_is_refused_before_it_is_decoded(tmp_path):
    path = picture(tmp_path / "plan.png", (6300, 6300), "RGBA", "PNG")
    assert path.stat().st_size < 200_000  # 170 KB, under the 40-megapixel cap
    outcome = measure(path)
    assert outcome.get("refused", "").startswith(
        "The image is 6300 by 6300 pixels; PNG, WebP and GIF pictures may have at most "
        "12 megapixels."
    )
    assert outcome["growth_mb"] < 32  # 367 MB when it was decoded


def test_a_large_photo_is_reduced_while_it_is_decoded(tmp_path):
    outcome = measure(picture(tmp_path / "photo.jpg", (8000, 5000), "RGB", "JPEG"))
    assert outcome.get("accepted") == "image/jpeg"
    assert outcome["growth_mb"] < 100  # 221 MB when decoded at full size, 68 at half


def test_pngs_at_the_cap_are_accepted_within_the_budget(tmp_path):
    # Grey with transparency is scaled before it is converted (172 MB before, 127 after).
    for mode in ("RGBA", "LA"):
        outcome = measure(picture(tmp_path / f"screen-{mode}.png", (4000, 3000), mode, "PNG"))
        assert outcome.get("accepted") == "image/png"
        assert outcome["growth_mb"] < 150, mode
