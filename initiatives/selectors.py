from django.db.models import QuerySet

from .models import Initiative


def initiative_list_public() -> QuerySet[Initiative]:
    return Initiative.objects.published().select_related("programme").prefetch_related("sectors")


def initiative_latest(*, limit: int) -> QuerySet[Initiative]:
    return initiative_list_public().order_by("-published_at", "name")[:limit]
