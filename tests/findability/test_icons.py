"""The favicon set: files of the sizes browsers and phones ask for, linked from every page, and
/favicon.ico answered without the database."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from .head import read_head

STATIC = Path(settings.BASE_DIR) / "static"


@pytest.mark.django_db
def test_favicon_ico_answers_at_the_root_without_the_database(member):
    client = Client()
    client.force_login(member)  # a browser sends its session cookie with the request too
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/favicon.ico")
        touch = client.get("/apple-touch-icon.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content) == (STATIC / "img" / "favicon.ico").read_bytes()
    assert touch.status_code == 200 and touch["Content-Type"] == "image/png"
    assert len(queries) == 0


def test_the_icon_files_have_the_sizes_browsers_ask_for():
    with Image.open(STATIC / "img" / "favicon.ico") as ico:
        assert ico.format == "ICO" and ico.ico.sizes() == {(16, 16), (32, 32), (48, 48)}
    for name, size in (
        ("icon-32.png", (32, 32)),
        ("apple-touch-icon.png", (180, 180)),
        ("icon-192.png", (192, 192)),
        ("icon-512.png", (512, 512)),
        ("social-card-es.png", (1200, 630)),
        ("social-card-en.png", (1200, 630)),
        ("social-card-pt-br.png", (1200, 630)),
    ):
        with Image.open(STATIC / "img" / name) as image:
            assert (image.format, image.size) == ("PNG", size), name
    with Image.open(STATIC / "img" / "apple-touch-icon.png") as image:
        # iOS puts its own rounded corners on a square picture: no transparent corner.
        assert image.convert("RGBA").getpixel((0, 0))[3] == 255
    with Image.open(STATIC / "img" / "icon-192.png") as image:
        assert image.convert("RGB").getpixel((96, 10)) == (11, 85, 99)  # the mark's colour


def test_the_manifest_names_icons_that_exist():
    manifest = json.loads((STATIC / "site.webmanifest").read_text())
    for icon in manifest["icons"]:
        with Image.open(STATIC / icon["src"]) as image:
            assert "{}x{}".format(*image.size) == icon["sizes"]
    assert manifest["theme_color"] == "#0b5563"


@pytest.mark.django_db
def test_every_page_links_the_icons_and_the_manifest(client):
    head = read_head(client.get("/").text)
    hrefs = [*head.links["icon"], *head.links["apple-touch-icon"], *head.links["manifest"]]
    assert len(hrefs) == 4
    for href in hrefs:
        assert finders.find(href.removeprefix(settings.STATIC_URL)), href
