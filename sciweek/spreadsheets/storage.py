"""Where uploaded workbooks are kept: never under a public URL.

On local disk they live next to MEDIA_ROOT (``<var>/private/``), outside anything a web
server or ``static()`` serves. With S3-compatible storage configured, the default storage is
used (private objects, signed URLs only). Files are named by a random UUID.
"""
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property


def private_root() -> Path:
    configured = getattr(settings, "SCIWEEK_PRIVATE_ROOT", None)
    return Path(configured) if configured else Path(settings.MEDIA_ROOT).parent / "private"


@deconstructible(path="sciweek.spreadsheets.storage.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    """A file system storage rooted at private_root(), re-read when MEDIA_ROOT changes (tests)."""

    @cached_property
    def base_location(self):
        return str(private_root())

    @cached_property
    def location(self):
        return str(Path(self.base_location).resolve())

    def url(self, name):
        raise ValueError("private files have no URL; serve them through an authorising view")


_private = PrivateStorage()


def private_storage():
    """The storage for ImportJob.file (a callable, so migrations do not freeze a backend)."""
    if "S3" in settings.STORAGES["default"]["BACKEND"]:
        return default_storage
    return _private
