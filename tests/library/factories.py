"""Factories and files for library tests."""

import io
import zipfile

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from library import services
from library.demo import minimal_pdf
from library.models import Resource, ResourceCountry, ResourceLanguage, Topic
from tests.factories import TaxonomyFactory

TopicFactory = factory.make_factory(Topic, FACTORY_CLASS=TaxonomyFactory)


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"resource-{n}")
    title = factory.Sequence(lambda n: f"Guía de clústeres número {n}")
    summary = "Un resumen del recurso."
    type = Resource.Type.GUIDE
    year = 2022
    authors = factory.LazyFunction(lambda: ["Pérez, Ana"])
    publisher = "CEPAL"
    status = Resource.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    external_url = "https://example.org/guide"

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)

    @factory.post_generation
    def languages(self, create, extracted, **kwargs):
        if create:
            for code in extracted or [self.title_language]:
                ResourceLanguage.objects.create(resource=self, language=code)

    @factory.post_generation
    def countries(self, create, extracted, **kwargs):
        if create:
            for code in extracted or []:
                ResourceCountry.objects.create(resource=self, country=code)

    @factory.post_generation
    def indexed(self, create, extracted, **kwargs):
        if create and extracted is not False:
            services.resource_refresh_search(resource=self)


def pdf_bytes(*lines: str) -> bytes:
    return minimal_pdf(list(lines) or ["Un documento de prueba."])


def pdf_upload(name: str = "guia.pdf", *lines: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(*lines), content_type="application/pdf")


def xlsx_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sheet1.xml", b"\x00" * (300 * 1024 * 1024))
    return out.getvalue()


def media_files(root) -> set[str]:
    """Every stored file: under MEDIA_ROOT ("media/...") and in the private storage ("private/...")."""
    from pathlib import Path

    private = Path(Resource._meta.get_field("file").storage.location)
    found = set()
    for prefix, base in (("media", Path(root)), ("private", private)):
        found |= {f"{prefix}/{p.relative_to(base)}" for p in base.rglob("*") if p.is_file()}
    return found
