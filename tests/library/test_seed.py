"""The demo seeder: enough resources, real PDFs processed, evidence for the map; idempotent."""

import pytest

from library import demo
from library.models import Collection, Evidence, Resource, ResourceLanguage
from tests.factories import SectorFactory

from .factories import media_files

pytestmark = pytest.mark.django_db


def test_the_seeder_fills_the_library_with_real_pdfs_and_is_idempotent(_media):
    for slug in ("agrifood", "tourism", "software-it", "metalworking", "logistics", "health"):
        SectorFactory(slug=slug)
    lines = []
    demo.seed(lines.append)

    published = Resource.objects.published()
    assert published.count() >= 40
    assert set(published.values_list("type", flat=True)) == set(Resource.Type.values)
    languages = set(ResourceLanguage.objects.values_list("language", flat=True))
    assert {"es", "en", "pt"} <= languages
    assert Evidence.objects.count() >= 10
    with_files = published.exclude(file="")
    assert with_files.count() >= 35
    for resource in with_files:
        assert resource.extracted_text, resource.slug
        assert resource.thumbnail, resource.slug
        assert resource.search_document
    assert Collection.objects.filter(is_published=True).count() == 2

    files = media_files(_media)
    total = Resource.objects.count()
    demo.seed(lines.append)
    assert Resource.objects.count() == total
    assert media_files(_media) == files


def test_the_hand_written_pdf_is_read_by_pdfium():
    import pypdfium2

    data = demo.minimal_pdf(["Metodología (versión 2) \\ clústeres", "segunda línea"])
    document = pypdfium2.PdfDocument(data)
    text = document[0].get_textpage().get_text_range()
    assert "Metodología (versión 2) \\ clústeres" in text and "segunda línea" in text
