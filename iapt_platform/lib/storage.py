"""Where uploaded documents live.

Public pictures (logos, covers, avatars) use the default storage, served under MEDIA_URL. Documents
whose reading depends on who asks (forum attachments of private categories, library files under
review, meeting materials) use the private storage: never under MEDIA_URL, reachable only through
a view that checks permissions and answers with lib.downloads.file_download.
"""

from django.core.files.storage import FileSystemStorage, Storage, storages


def private_storage() -> Storage:
    return storages["private"]


class PrivateFileSystemStorage(FileSystemStorage):
    """Local private storage: files have no URL, so no template can link to them by mistake."""

    def url(self, name):
        raise ValueError("Private files are served through a view that checks permissions.")
