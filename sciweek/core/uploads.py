"""A full disk during an upload (issue 11, F5): a localized 507, nothing half-written left.

Three places can meet ENOSPC (or EDQUOT, EFBIG) while a file comes in:

1. The multipart parser spooling the upload to FILE_UPLOAD_TEMP_DIR. `TemporaryFileUploadHandler`
   below closes and removes its temp file and raises `StorageFull`. The parse usually happens
   inside `CsrfViewMiddleware.process_view` (its first reader of ``request.POST``), where no
   middleware can catch it: a middleware's ``get_response`` never raises (Django turns the
   exception into the 500 page on the way out), and ``process_exception`` sees only what views
   raise. So `StorageFullMiddleware`, placed just before the CSRF middleware, reads the upload
   itself in ``process_view`` whenever the CSRF middleware would, and answers 507 on failure.
2. A view that reads the upload itself (``csrf_exempt``): its `StorageFull` reaches
   `StorageFullMiddleware.process_exception`.
3. The copy into storage. `FileSystemStorage` (for STORAGES["default"]) and `save_upload`
   (for a given FieldFile, whatever its storage) remove the partial file and raise
   `StorageFull`; the callers write the file before the row, so no row points at it.

Every 507 closes the request's uploaded temp files at once (they would otherwise stay until
the response is closed: a disk that stays full for the next request) and reads what is left
of the body, so the client gets the answer rather than a reset connection.
"""
import contextlib
import errno
import logging
import os

from django.conf import settings
from django.core.files import uploadhandler
from django.core.files.storage import FileSystemStorage as DjangoFileSystemStorage
from django.http import RawPostDataException, UnreadablePostError
from django.utils import translation
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

from . import errors

logger = logging.getLogger("sciweek.uploads")

FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class StorageFull(OSError):
    """The disk (or the quota) is full: nothing of this upload was kept."""


def is_storage_full(exc: BaseException | None) -> bool:
    return isinstance(exc, StorageFull) or (isinstance(exc, OSError) and exc.errno in FULL_ERRNOS)


def _storage_full(error: OSError, where: str) -> StorageFull:
    return StorageFull(error.errno, f"{where}: {error.strerror or error}")


# --- 1. the spool -----------------------------------------------------------------------------

class TemporaryFileUploadHandler(uploadhandler.TemporaryFileUploadHandler):
    """Django's handler, but a full disk removes the half-written temp file (closing it: an
    unlinked file that stays open keeps its space) and raises StorageFull."""

    def new_file(self, *args, **kwargs):
        try:
            super().new_file(*args, **kwargs)
        except OSError as error:
            if error.errno not in FULL_ERRNOS:
                raise
            raise _storage_full(error, "upload temp file") from error

    def receive_data_chunk(self, raw_data, start):
        try:
            return super().receive_data_chunk(raw_data, start)
        except OSError as error:
            self._fail(error)

    def file_complete(self, file_size):
        try:
            self.file.flush()  # the last buffered chunk may be the one that does not fit
            return super().file_complete(file_size)
        except OSError as error:
            self._fail(error)

    def _fail(self, error: OSError):
        self.discard()  # whatever the error, this upload is lost: so is its temp file
        if error.errno not in FULL_ERRNOS:
            raise error
        raise _storage_full(error, "upload temp file") from error

    def discard(self):
        """Close and remove the temp file. Closing flushes the rest of the buffer, which fails
        again on a full disk; the descriptor is closed all the same."""
        file = getattr(self, "file", None)
        if file is None:
            return
        path = file.temporary_file_path()
        try:
            file.close()
        except OSError:
            pass
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
        del self.file


# --- 3. the copy into storage -----------------------------------------------------------------

def _remove_partial(storage, name: str) -> None:
    try:
        storage.delete(name)
    except Exception:  # noqa: BLE001 — the 507 must still be answered; the sweep finds what is left
        logger.exception("could not remove the partial file %s", name)


@deconstructible(path="sciweek.core.uploads.FileSystemStorage")
class FileSystemStorage(DjangoFileSystemStorage):
    """Django's FileSystemStorage leaves the half-written file behind on a full disk; this one
    removes it and raises StorageFull.

    ``save`` has already picked a free name, and ``_save`` creates the file with O_EXCL, so the
    file at that name is this call's own unless another writer took the name in between (then
    ``_save`` moves to a new name it does not return: that file is left to the orphan sweep)."""

    def _save(self, name, content):
        existed = self.exists(name)
        try:
            return super()._save(name, content)
        except OSError as error:
            if error.errno not in FULL_ERRNOS:
                raise
            if not existed:
                _remove_partial(self, name)
            raise _storage_full(error, f"storage {name}") from error


def save_upload(fieldfile, name: str, content) -> None:
    """``fieldfile.save(name, content, save=False)`` on any storage, without a partial file on
    a full disk (StorageFull). The caller saves the row afterwards, so a failure leaves none.
    The name must be random (a UUID, as every caller's is): then ``target`` is this call's file."""
    storage = fieldfile.storage
    target = storage.get_available_name(fieldfile.field.generate_filename(fieldfile.instance, name),
                                        max_length=fieldfile.field.max_length)
    try:
        fieldfile.save(name, content, save=False)
    except OSError as error:
        if error.errno not in FULL_ERRNOS:
            raise
        fieldfile.name = None
        if storage.exists(target):
            _remove_partial(storage, target)
        if isinstance(error, StorageFull):
            raise
        raise _storage_full(error, f"storage {target}") from error


# --- the answer -------------------------------------------------------------------------------

def storage_full_message() -> str:
    return _("服务器的存储空间已满，本次提交的内容没有保存。请稍后再试，或联系活动组织单位。")


def storage_full_response(request):
    """507 Insufficient Storage: the API's JSON under /api/, the site's page elsewhere; rendered
    without the database or the session, like the 503 page."""
    release_uploads(request)
    with translation.override(errors._language(request)):
        if errors.is_api(request):
            return errors.json_error(507, "storage_full", storage_full_message())
        try:
            response = errors._page("507.html", 507, request)
        except Exception:  # noqa: BLE001 — the page must not fail: the last resort is still ours
            logger.exception("507 page failed to render")
            title = _("存储空间已满")
            response = errors._html(
                f'<!doctype html><html lang="{translation.get_language()}"><meta charset="utf-8">'
                f"<title>{title} · SciWeek</title><h1>{title}</h1><p>{storage_full_message()}</p></html>", 507)
    response["Cache-Control"] = "no-store"
    return response


def release_uploads(request) -> None:
    """Close (and so delete) the temp files of what was parsed, and read the rest of the body."""
    files = getattr(request, "_files", None)
    if files is not None:
        for _field, uploads in files.lists():
            for upload in uploads:
                path = getattr(upload, "temporary_file_path", None)
                try:
                    upload.close()
                    if path is not None and os.path.exists(path()):
                        os.remove(path())
                except OSError:
                    pass
    for handler in getattr(request, "_upload_handlers", None) or ():
        if isinstance(handler, TemporaryFileUploadHandler):
            handler.discard()
    # Bounded: LimitedStream stops at CONTENT_LENGTH, which RequestSizeLimitMiddleware capped.
    # Nothing to do if the client went away meanwhile.
    with contextlib.suppress(OSError, RawPostDataException):
        while request.read(64 * 1024):
            pass


class StorageFullMiddleware:
    """Turns a full disk during an upload into the 507 page (see the module's docstring).
    Goes right before CsrfViewMiddleware in MIDDLEWARE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code >= 400 and getattr(request, "_files", None):
            # A refused upload (a form error, a 4xx/5xx) frees its temp files before the answer
            # goes out rather than after: on a nearly full disk the next request needs the space.
            release_uploads(request)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        # The same requests CsrfViewMiddleware would parse: a POST to a protected view from a
        # client holding the CSRF cookie (without one it is refused unread, and stays so).
        if (request.method != "POST" or getattr(view_func, "csrf_exempt", False)
                or not request.content_type.startswith("multipart/")
                or not (settings.CSRF_USE_SESSIONS or settings.CSRF_COOKIE_NAME in request.COOKIES)):
            return None
        try:
            request.POST  # noqa: B018 — parsing is the point
        except UnreadablePostError:
            return None  # the client went away: CsrfViewMiddleware handles that as before
        except OSError as error:
            if not is_storage_full(error):
                raise
            return self._answer(request, error)
        return None

    def process_exception(self, request, exception):
        if not is_storage_full(exception):
            return None
        return self._answer(request, exception)

    @staticmethod
    def _answer(request, error):
        logger.error("Storage full on %s %s: %s", request.method, request.path, error)
        response = storage_full_response(request)
        response._has_been_logged = True  # the line above says more than Django's "Insufficient Storage"
        return response
