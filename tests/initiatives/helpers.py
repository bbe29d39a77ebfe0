"""Building blocks for registry tests: a complete draft, images, bulk data."""

import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from iapt_platform.moderation.models import ModerationItem
from iapt_platform.moderation.services import moderation_decide
from initiatives import services
from initiatives.models import Initiative
from tests.factories import SectorFactory


def png_bytes(size=(64, 64), color=(11, 85, 99)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def png_upload(name="logo.png", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(**kwargs), content_type="image/png")


def complete_draft(
    user, *, name="Clúster Lácteo de Cayambe", country="EC", submit=False
) -> Initiative:
    initiative = services.initiative_start(user=user, name=name, country=country, kind="cluster")
    sector = SectorFactory(slug="agrifood", name_es="Agroalimentario", name_en="Agrifood")
    data = {
        "description": "Productores de leche y queserías de Cayambe.",
        "contact_name": "Rosa Quishpe",
        "city": "Cayambe",
        "latitude": Decimal("-0.04"),
        "longitude": Decimal("-78.14"),
        "sectors": [sector],
    }
    initiative = services.initiative_save_step(initiative=initiative, user=user, data=data, step=5)
    if submit:
        services.initiative_submit(initiative=initiative, user=user)
    return initiative


def decide(initiative: Initiative, moderator, action: str, comment: str = "") -> None:
    item = ModerationItem.objects.get(object_id=initiative.pk, status__in=["pending"])
    moderation_decide(item=item, moderator=moderator, action=action, comment=comment)
