"""Media intake (checks, storage, posters) and the resumable chunked upload that feeds it;
playback addresses. One module for contests' entry videos, news items and summary reports.

- ``intake`` probes the real streams, checks the purpose's requirements, hashes, copies the
  file into the default storage under a random name and writes the row last: a refusal (a
  ValidationError with localized messages) leaves neither the source, nor a stored file,
  nor a row. Identical files are flagged (``duplicate_of``), not refused: the owning app
  decides whether a second entry with the same video is a problem.
- A video is kept byte for byte (players apply its display matrix themselves); its poster
  is a frame turned as it is displayed. An image is never kept as uploaded: the probe's
  child (where every decode of an upload runs, under its limits) re-encodes it upright (EXIF orientation applied), in its own format (JPEG quality
  88, PNG, WebP lossless if it was), without EXIF, GPS, XMP, text chunks or comments (an ICC
  profile stays: it is colour, not a fact about the photo), and makes its thumbnail (the
  ``poster``: JPEG, at most 480 px, no metadata, sRGB). Animations are refused.
- Uploads come in chunks (``receive_chunk``) no larger than MEDIA_CHUNK_BYTES, each a short
  request: no worker is held by a slow phone, a broken connection resumes where the server
  says it stopped, and a chunk sent twice is written once. ``received_bytes`` moves only by
  a conditional UPDATE.
- Playback of a private asset needs a signed, time-limited address (``signed_url``); the
  owning app decides who is given one.
"""
import hashlib
import logging
import os
import secrets
import shutil
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sciweek.core.uploads import FULL_ERRNOS, StorageFull, save_upload

from .models import MediaAsset, UploadSession
from .probe import Refused, probe
from .registry import get_purpose
from .requirements import MediaRequirements, check

logger = logging.getLogger("sciweek.media")

SIGNING_SALT = "sciweek.media.playback"
MAX_OPEN_UPLOADS = 5  # unfinished uploads per person: each may reserve up to max_bytes of disk
NAME_LENGTH = 120


class TooLarge(ValidationError):
    """A declared size or a chunk above the limit (the view answers 413)."""


class OffsetMismatch(ValidationError):
    """A chunk that does not start where the upload stands; ``expected`` says where it does."""

    def __init__(self, message, expected: int):
        super().__init__(message, code="offset")
        self.expected = expected


class UploadClosed(ValidationError):
    """The upload is finished, refused or expired: start a new one."""


# --- names and places ---------------------------------------------------------------------------

def upload_temp_dir() -> Path:
    configured = getattr(settings, "MEDIA_UPLOAD_TEMP_DIR", "")
    path = Path(configured) if configured else Path(settings.MEDIA_ROOT).parent / "media-uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sanitize_name(name: str) -> str:
    """The name people gave the file, for display only: no folders ("../../etc/x.mp4" is
    "x.mp4"), no control or bidi characters. Storage names are always random."""
    import unicodedata

    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = name.strip(". ")
    if len(name) > NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        name = (stem[:NAME_LENGTH - len(extension) - 1] + dot + extension) if dot and len(extension) <= 10 \
            else name[:NAME_LENGTH]
    return name or "file"


def size_message(size: int, limit: int) -> str:
    return _("文件大小 %(found)s 超过上限 %(limit)s。") % {"found": filesizeformat(size), "limit": filesizeformat(limit)}


def empty_message() -> str:
    return _("文件是空的（0 字节），请重新选择文件。")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


# --- intake -------------------------------------------------------------------------------------

def intake(source_path, *, original_name: str, requirements: MediaRequirements, actor=None, purpose: str = "",
           remove_source: bool = True) -> MediaAsset:
    """Check the file at ``source_path`` and keep it as a MediaAsset, or raise ValidationError
    (localized messages). ``source_path`` is removed either way unless ``remove_source`` is
    False (the caller then owns it).

    For an image the stored file is the re-encoded copy (see the module's docstring): its
    ``width``/``height`` are as displayed (after the EXIF orientation) and ``size`` is the
    stored file's, while ``sha256`` is that of the bytes as uploaded, so the same photo
    uploaded twice is flagged as a duplicate whatever the encoder does (and existing assets,
    hashed before images were re-encoded, still match a new upload of the same file)."""
    source = Path(source_path)
    work = Path(tempfile.mkdtemp(prefix="intake-", dir=upload_temp_dir()))
    stored = []
    try:
        size = source.stat().st_size
        if size == 0:
            raise Refused(empty_message(), code="empty")
        if requirements.max_bytes and size > requirements.max_bytes:
            raise TooLarge(size_message(size, requirements.max_bytes), code="too_large")
        poster_path = work / "poster.jpg"
        normalized_path = work / "normalized"
        measured = probe(source, poster_to=poster_path, normalize_to=normalized_path)
        messages = check(measured, requirements)
        if messages:
            raise ValidationError(messages, code="requirements")
        keep = source
        if measured.kind == MediaAsset.Kind.IMAGE:
            if not (normalized_path.exists() and normalized_path.stat().st_size):
                raise Refused(_("图片文件不完整或已损坏，无法读取。"), code="damaged_image")
            keep = normalized_path
            size = keep.stat().st_size
        digest = _sha256(source)
        earlier = MediaAsset.objects.filter(sha256=digest).order_by("pk").values_list("pk", flat=True).first()
        asset = MediaAsset(
            kind=MediaAsset.Kind(measured.kind), purpose=purpose, original_name=sanitize_name(original_name),
            size=size, sha256=digest, content_type=measured.content_type, container=measured.container,
            video_codec=measured.video_codec, audio_codec=measured.audio_codec,
            duration_seconds=measured.duration_seconds if measured.kind == MediaAsset.Kind.VIDEO else None,
            width=measured.width or None, height=measured.height or None, duplicate_of_id=earlier,
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None)
        base = uuid.uuid4().hex
        with keep.open("rb") as file:
            save_upload(asset.file, f"{base}.{measured.extension}", File(file))
        stored.append(asset.file)
        if poster_path.exists() and poster_path.stat().st_size:
            with poster_path.open("rb") as file:
                save_upload(asset.poster, f"{base}-poster.jpg", File(file))
            stored.append(asset.poster)
        asset.save()
        if earlier:
            logger.info("media asset %s duplicates %s (sha256 %s)", asset.pk, earlier, digest)
        return asset
    except BaseException:
        for fieldfile in stored:
            try:
                fieldfile.storage.delete(fieldfile.name)
            except Exception:  # noqa: BLE001 — the refusal must still reach the user
                logger.exception("could not remove %s after a failed intake", fieldfile.name)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if remove_source:
            source.unlink(missing_ok=True)


def intake_upload(upload, *, requirements: MediaRequirements, actor=None, purpose: str = "") -> MediaAsset:
    """``intake`` for a file that came with an ordinary form (a news item's picture): copied to
    a temp file of our own first, so the request's own temp file stays the request's."""
    if requirements.max_bytes and upload.size > requirements.max_bytes:
        raise TooLarge(size_message(upload.size, requirements.max_bytes), code="too_large")
    descriptor, name = tempfile.mkstemp(prefix="form-", suffix=".part", dir=upload_temp_dir())
    try:
        with os.fdopen(descriptor, "wb") as target:
            for chunk in upload.chunks():
                target.write(chunk)
    except OSError as error:
        Path(name).unlink(missing_ok=True)
        if error.errno in FULL_ERRNOS:
            raise StorageFull(error.errno, f"media temp file: {error.strerror}") from error
        raise
    return intake(name, original_name=upload.name, requirements=requirements, actor=actor, purpose=purpose)


# --- chunked uploads ----------------------------------------------------------------------------

def chunk_bytes() -> int:
    return int(getattr(settings, "MEDIA_CHUNK_BYTES", 4 * 1024 * 1024))


def start_upload(*, purpose: str, filename: str, size: int, owner) -> UploadSession:
    registered = get_purpose(purpose)
    if registered is None:
        raise ValidationError(_("未知的上传用途。"), code="purpose")
    if size <= 0:
        raise Refused(empty_message(), code="empty")
    limit = registered.requirements.max_bytes
    if limit and size > limit:
        raise TooLarge(size_message(size, limit), code="too_large")
    owner = owner if getattr(owner, "is_authenticated", False) else None
    if owner is not None:
        open_uploads = UploadSession.objects.filter(owner=owner, status=UploadSession.Status.OPEN,
                                                    expires_at__gt=timezone.now())
        if open_uploads.count() >= MAX_OPEN_UPLOADS:
            raise ValidationError(_("您还有 %(n)s 个未完成的上传，请先完成或等待其过期后再上传。") % {
                "n": MAX_OPEN_UPLOADS}, code="too_many")
    temp_path = upload_temp_dir() / f"{uuid.uuid4().hex}.part"
    temp_path.touch(exist_ok=False)
    try:
        return UploadSession.objects.create(
            token=secrets.token_urlsafe(32), purpose=purpose, filename=sanitize_name(filename), expected_size=size,
            temp_path=str(temp_path), owner=owner, expires_at=timezone.now() + settings.MEDIA_UPLOAD_TTL)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise


def _state(session: UploadSession) -> dict:
    return UploadSession.objects.filter(pk=session.pk).values("received_bytes", "status", "expires_at").get()


def _closed_message(status: str) -> str:
    if status == UploadSession.Status.EXPIRED:
        return _("这次上传已过期，请重新选择文件上传。")
    return _("这次上传已经结束，请重新选择文件上传。")


def receive_chunk(session: UploadSession, offset: int, data: bytes) -> int:
    """Write ``data`` at ``offset``; returns the bytes received so far. A chunk the server
    already has (a retry after a lost answer) changes nothing; one that would leave a gap is
    refused with OffsetMismatch naming the offset to continue from."""
    state = _state(session)
    if state["status"] != UploadSession.Status.OPEN or state["expires_at"] <= timezone.now():
        raise UploadClosed(_closed_message(state["status"]), code="closed")
    if len(data) > chunk_bytes():
        raise TooLarge(_("每次发送的数据不能超过 %(limit)s。") % {"limit": filesizeformat(chunk_bytes())},
                       code="chunk_too_large")
    received = state["received_bytes"]
    if offset < 0 or offset > received:
        raise OffsetMismatch(_("上传位置不对：服务器已收到 %(n)s 字节，请从这里继续。") % {"n": received}, received)
    end = offset + len(data)
    if end > session.expected_size:
        raise TooLarge(_("发送的数据超过了开始上传时声明的文件大小。"), code="beyond_size")
    if end <= received:
        return received
    _write_at(session.temp_path, received, memoryview(data)[received - offset:])
    moved = UploadSession.objects.filter(pk=session.pk, received_bytes=received,
                                         status=UploadSession.Status.OPEN).update(received_bytes=end)
    if not moved:
        # Another request for this upload moved first (the same chunk sent twice at once).
        now = _state(session)["received_bytes"]
        if now >= end:
            return now
        raise OffsetMismatch(_("上传位置不对：服务器已收到 %(n)s 字节，请从这里继续。") % {"n": now}, now)
    session.received_bytes = end
    return end


def _write_at(path: str, position: int, data) -> None:
    try:
        descriptor = os.open(path, os.O_WRONLY)
    except FileNotFoundError as error:
        raise UploadClosed(_closed_message(UploadSession.Status.EXPIRED), code="closed") from error
    try:
        written = 0
        while written < len(data):
            written += os.pwrite(descriptor, data[written:], position + written)
    except OSError as error:
        # Nothing past the confirmed offset may stay: the retry writes it again.
        try:
            os.ftruncate(descriptor, position)
        except OSError:
            pass
        if error.errno in FULL_ERRNOS:
            raise StorageFull(error.errno, f"media upload {path}: {error.strerror}") from error
        raise
    finally:
        os.close(descriptor)


def finish_upload(session: UploadSession) -> MediaAsset:
    """Run intake on a complete upload. Finishing twice returns the same asset; a refusal
    (ValidationError) ends the upload and removes its file; anything else (a full disk) keeps
    the received bytes so that finishing can be retried."""
    claimed = UploadSession.objects.filter(pk=session.pk, status=UploadSession.Status.OPEN,
                                           received_bytes=F("expected_size"),
                                           expires_at__gt=timezone.now()).update(
        status=UploadSession.Status.FINISHING)
    if not claimed:
        session.refresh_from_db()
        if session.status == UploadSession.Status.DONE and session.asset_id:
            return session.asset
        if session.status == UploadSession.Status.OPEN and session.received_bytes < session.expected_size:
            raise OffsetMismatch(_("文件还没有传完：服务器已收到 %(n)s / %(size)s 字节。") % {
                "n": session.received_bytes, "size": session.expected_size}, session.received_bytes)
        raise UploadClosed(_closed_message(session.status), code="closed")
    registered = get_purpose(session.purpose)
    try:
        if registered is None:
            raise ValidationError(_("未知的上传用途。"), code="purpose")
        asset = intake(session.temp_path, original_name=session.filename, requirements=registered.requirements,
                       actor=session.owner, purpose=session.purpose, remove_source=False)
    except ValidationError:
        Path(session.temp_path).unlink(missing_ok=True)
        UploadSession.objects.filter(pk=session.pk).update(status=UploadSession.Status.FAILED)
        session.status = UploadSession.Status.FAILED
        raise
    except BaseException:
        UploadSession.objects.filter(pk=session.pk).update(status=UploadSession.Status.OPEN)
        raise
    Path(session.temp_path).unlink(missing_ok=True)
    UploadSession.objects.filter(pk=session.pk).update(status=UploadSession.Status.DONE, asset=asset)
    session.status, session.asset = UploadSession.Status.DONE, asset
    return asset


def purge_expired_uploads(now=None) -> int:
    """Remove expired uploads (their files first). Returns how many went."""
    now = now or timezone.now()
    expired = list(UploadSession.objects.filter(expires_at__lte=now).exclude(
        status=UploadSession.Status.FINISHING).values_list("pk", "temp_path"))
    for _pk, path in expired:
        Path(path).unlink(missing_ok=True)
    UploadSession.objects.filter(pk__in=[pk for pk, _path in expired]).delete()
    return len(expired)


# --- playback -----------------------------------------------------------------------------------

def public_url(asset: MediaAsset, *, part: str = "file") -> str:
    """The unsigned address: it plays only while ``asset.is_public``."""
    return reverse(f"media:{part}", args=[asset.pk])


def signed_url(asset: MediaAsset, *, ttl: int = 3600, part: str = "file") -> str:
    """An address that plays the asset (``part`` "file" or "poster") for ``ttl`` seconds,
    public or not. The owning app decides who is given one."""
    token = signing.dumps([asset.pk, int(time.time()) + int(ttl)], salt=SIGNING_SALT, compress=False)
    return f"{public_url(asset, part=part)}?{urlencode({'s': token})}"


def signature_state(asset_id: int, token: str | None) -> str:
    """"valid", "expired" or "invalid" (missing, forged, or another asset's)."""
    if not token:
        return "invalid"
    try:
        signed_id, expires = signing.loads(token, salt=SIGNING_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return "invalid"
    if signed_id != asset_id:
        return "invalid"
    return "valid" if expires >= time.time() else "expired"



def recheck(asset: MediaAsset, requirements: MediaRequirements) -> list[str]:
    """A stored asset against (other) requirements, from the figures measured at intake (its real
    streams, never its name): an app whose limit is stricter than the upload purpose's (a
    campaign's own maximum video length) checks again when it attaches the asset."""
    from .probe import Probe

    measured = Probe(kind=asset.kind, container=asset.container, video_codec=asset.video_codec,
                     audio_codec=asset.audio_codec, duration_seconds=asset.duration_seconds or Decimal(0),
                     width=asset.width or 0, height=asset.height or 0, size=asset.size)
    return check(measured, requirements)
