"""Cache invalidation only: any write to the library changes the library version, which every
cached count and facet includes in its key (admin edits included)."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from . import selectors
from .models import (
    Collection,
    CollectionItem,
    Evidence,
    EvidenceOutcome,
    Resource,
    ResourceCountry,
    ResourceLanguage,
    Topic,
)


def _changed(sender, **kwargs) -> None:
    selectors.LIBRARY_VERSION.bump_around_commit()


def connect() -> None:
    models = (Resource, Topic, ResourceLanguage, ResourceCountry, Evidence, EvidenceOutcome)
    for model in (*models, Collection, CollectionItem):
        post_save.connect(_changed, sender=model, dispatch_uid=f"library-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"library-delete-{model.__name__}")
    # An initiative's page and a project's page list the resources linked to them.
    for field in ("topics", "initiatives", "projects"):
        through = getattr(Resource, field).through
        m2m_changed.connect(_changed, sender=through, dispatch_uid=f"library-{field}")
