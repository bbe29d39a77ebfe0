import pytest
from django.core.files.base import ContentFile

from iapt_platform.lib.downloads import file_download
from iapt_platform.lib.storage import private_storage


def test_a_download_is_never_rendered_inline(tmp_path):
    storage = private_storage()
    name = storage.save("tests/page.html", ContentFile(b"<script>alert(1)</script>"))
    try:
        response = file_download(storage.open(name), filename='pa"ge.html', mimetype="text/html")
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        pdf = file_download(storage.open(name), filename="a.pdf", mimetype="application/pdf")
        assert pdf["Content-Type"] == "application/pdf"
    finally:
        storage.delete(name)


def test_private_files_have_no_public_url():
    with pytest.raises(ValueError):
        private_storage().url("community/attachments/a.pdf")
