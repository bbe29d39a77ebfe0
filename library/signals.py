"""Cache invalidation only: any write to the library changes the library version, which every
cached count and facet includes in its key (admin edits included)."""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from . import counts, selectors, services
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


def _resource_saved(sender, instance, **kwargs) -> None:
    # The search listing is derived data: rewritten in the same transaction, so that a search
    # in it sees the save, and a rolled-back save leaves the listing as it was.
    services.search_listings_refresh(resource_ids=[instance.pk])


def _resource_deleted(sender, instance, **kwargs) -> None:
    # The database drops its listing row by cascade, unseen by the facet counts: taken out here,
    # in the deleting transaction.
    counts.withdraw([instance.pk])


def _facet_row_changed(sender, instance, **kwargs) -> None:
    # A language, country or evidence row, or the topics: the resource's facet values changed.
    if kwargs.get("action") is not None:  # m2m_changed on the topics
        if not kwargs["action"].startswith("post_"):
            return
        ids = list(kwargs.get("pk_set") or ()) if kwargs.get("reverse") else [instance.pk]
        if kwargs.get("reverse") and kwargs["action"] == "post_clear":
            services.search_listings_rebuild()  # topic.resources.clear(): rare, whole sweep
            return
    else:
        origin = kwargs.get("origin")
        if isinstance(origin, Resource) or getattr(origin, "model", None) is Resource:
            return  # its resource is being deleted: the listing row goes with it
        ids = [instance.resource_id]
    services.search_listings_refresh(resource_ids=ids)


def connect() -> None:
    post_save.connect(_resource_saved, sender=Resource, dispatch_uid="library-search-listing")
    pre_delete.connect(_resource_deleted, sender=Resource, dispatch_uid="library-counts-delete")
    for row_model in (ResourceLanguage, ResourceCountry, Evidence):
        name = row_model.__name__
        post_save.connect(_facet_row_changed, sender=row_model, dispatch_uid=f"listing-{name}")
        post_delete.connect(
            _facet_row_changed, sender=row_model, dispatch_uid=f"listing-del-{name}"
        )
    m2m_changed.connect(
        _facet_row_changed, sender=Resource.topics.through, dispatch_uid="library-listing-topics"
    )
    models = (Resource, Topic, ResourceLanguage, ResourceCountry, Evidence, EvidenceOutcome)
    for model in (*models, Collection, CollectionItem):
        post_save.connect(_changed, sender=model, dispatch_uid=f"library-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"library-delete-{model.__name__}")
    # An initiative's page and a project's page list the resources linked to them.
    for field in ("topics", "initiatives", "projects"):
        through = getattr(Resource, field).through
        m2m_changed.connect(_changed, sender=through, dispatch_uid=f"library-{field}")
