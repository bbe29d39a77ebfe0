"""Where uploaded documents live, and when they leave.

Public pictures (logos, covers, avatars) use the default storage, served under MEDIA_URL. Documents
whose reading depends on who asks (forum attachments of private categories, library files under
review, meeting materials) use the private storage: never under MEDIA_URL, reachable only through
a view that checks permissions and answers with lib.downloads.file_download.

A file lives as long as a row names it. django-cleanup (FileCleanupConfig, last in INSTALLED_APPS)
deletes the file a file field named before a save that replaced it, and the files of a deleted row,
once the transaction commits: a rolled-back change keeps them. It does not know that two rows may
name the same file (a registry entry and its edit, which copies the logo's name): `keep_shared`
keeps a file that some row still names when the deletion runs. Files named elsewhere than in a
file field (a story's image sizes, a resource's pictures written with `update()`) go through
`delete_on_commit`, with the same rule.
"""

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import models, transaction
from django_cleanup.apps import CleanupConfig
from django_cleanup.signals import cleanup_pre_delete


def private_storage() -> Storage:
    return storages["private"]


class PrivateFileSystemStorage(FileSystemStorage):
    """Local private storage: files have no URL, so no template can link to them by mistake."""

    def url(self, name):
        raise ValueError("Private files are served through a view that checks permissions.")


def is_named(name: str) -> bool:
    """True when a file field of some row names `name` (file names are unique across storages:
    each kind of file has its own folder and the upload gets a random name)."""
    return any(
        model._base_manager.filter(**{field.name: name}).exists()
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
    )


def delete_on_commit(storage: Storage, names: Iterable[str]) -> None:
    """Delete these files once the transaction commits (at once outside one), except those a row
    names by then."""
    names = [name for name in names if name]

    def delete() -> None:
        for name in names:
            if not is_named(name):
                storage.delete(name)

    if names:
        transaction.on_commit(delete)


def keep_shared(sender: Any, file: Any, **kwargs: Any) -> None:
    """django-cleanup is about to delete `file` (after the commit): when a row still names it,
    empty this copy of the field's value, whose deletion then does nothing (FieldFile.delete of an
    unnamed file). The copy belongs to django-cleanup; the row's own value is untouched."""
    if file.name and is_named(file.name):
        file.name = None


class FileCleanupConfig(CleanupConfig):
    """django-cleanup, with files shared by two rows kept until the last one lets them go."""

    def ready(self) -> None:
        super().ready()
        cleanup_pre_delete.connect(keep_shared, dispatch_uid="iapt_keep_shared_files")
