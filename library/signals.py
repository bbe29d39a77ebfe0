"""Cache invalidation only: any write to the library changes the library version, which every
cached count and facet includes in its key (admin edits included)."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from . import selectors
from .models import Evidence, EvidenceOutcome, Resource, ResourceCountry, ResourceLanguage, Topic


def _changed(sender, **kwargs) -> None:
    transaction.on_commit(selectors.library_changed)


def connect() -> None:
    for model in (Resource, Topic, ResourceLanguage, ResourceCountry, Evidence, EvidenceOutcome):
        post_save.connect(_changed, sender=model, dispatch_uid=f"library-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"library-delete-{model.__name__}")
    m2m_changed.connect(_changed, sender=Resource.topics.through, dispatch_uid="library-topics")
