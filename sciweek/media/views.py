"""The chunked upload endpoints (JSON, CSRF-protected: the widget sends the token header) and
playback with HTTP range requests.

Each chunk is a short request no larger than MEDIA_CHUNK_BYTES, refused by its
Content-Length before the body is read; the declared size of the whole file is checked
against the purpose's limit at start (413). Errors use the API's one JSON shape
(core.errors.json_error), in the reader's language.
"""
import json
import os
import re

from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sciweek.core.errors import json_error
from sciweek.core.uploads import StorageFull, storage_full_message

from . import services
from .models import MediaAsset, UploadSession
from .registry import get_purpose

STREAM_BLOCK = 64 * 1024


def _messages(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def _refused(status: int, code: str, error: ValidationError, **details):
    messages = _messages(error)
    return json_error(status, code, " ".join(messages), {"messages": messages, **details})


def _session_urls(session: UploadSession) -> dict:
    from django.urls import reverse

    return {"chunk": reverse("media:upload_chunk", args=[session.token]),
            "status": reverse("media:upload_status", args=[session.token]),
            "finish": reverse("media:upload_finish", args=[session.token])}


def _session_state(session: UploadSession) -> dict:
    return {"token": session.token, "received": session.received_bytes, "size": session.expected_size,
            "status": session.status, "chunk_bytes": services.chunk_bytes(), "urls": _session_urls(session)}


def _read_json(request) -> dict:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST.dict()


@require_POST
def upload_start(request):
    data = _read_json(request)
    purpose = get_purpose(str(data.get("purpose") or ""))
    if purpose is None:
        return json_error(404, "unknown_purpose", _("未知的上传用途。"))
    if not purpose.may_upload(request):
        return json_error(403, "forbidden", _("您没有在这里上传文件的权限。"))
    try:
        size = int(data.get("size"))
    except (TypeError, ValueError):
        return json_error(400, "bad_request", _("请求缺少文件大小。"))
    try:
        session = services.start_upload(purpose=purpose.name, filename=str(data.get("filename") or ""), size=size,
                                        owner=request.user)
    except services.TooLarge as error:
        return _refused(413, "too_large", error, limit=purpose.requirements.max_bytes)
    except ValidationError as error:
        return _refused(422, "refused", error)
    except StorageFull:
        return json_error(507, "storage_full", storage_full_message())
    return JsonResponse(_session_state(session), status=201)


def _own_session(request, token: str) -> UploadSession:
    session = get_object_or_404(UploadSession, token=token)
    # Signed in when it started: only that account continues it (others get 404, as for a wrong token).
    if session.owner_id is not None and session.owner_id != request.user.pk:
        raise Http404
    return session


def _not_found():
    return json_error(404, "not_found", _("找不到这次上传，请重新选择文件上传。"))


@require_GET
def upload_status(request, token):
    try:
        session = _own_session(request, token)
    except Http404:
        return _not_found()
    state = _session_state(session)
    state["asset"] = session.asset_id
    response = JsonResponse(state)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["PUT", "POST"])
def upload_chunk(request, token):
    try:
        session = _own_session(request, token)
    except Http404:
        return _not_found()
    limit = services.chunk_bytes()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        offset = int(request.GET.get("offset", ""))
    except ValueError:
        return json_error(400, "bad_request", _("请求缺少上传位置。"))
    if length > limit:  # before reading the body
        return json_error(413, "chunk_too_large", _("每次发送的数据不能超过 %(mb)s MB。") % {"mb": limit // (1024 * 1024)},
                          {"limit": limit})
    data = request.read(limit + 1)
    try:
        received = services.receive_chunk(session, offset, data)
    except services.OffsetMismatch as error:
        return _refused(409, "offset", error, received=error.expected)
    except services.TooLarge as error:
        return _refused(413, "chunk_too_large", error)
    except services.UploadClosed as error:
        return _refused(410, "closed", error)
    except StorageFull:
        return json_error(507, "storage_full", storage_full_message())
    return JsonResponse({"received": received, "size": session.expected_size})


@require_POST
def upload_finish(request, token):
    try:
        session = _own_session(request, token)
    except Http404:
        return _not_found()
    try:
        asset = services.finish_upload(session)
    except services.OffsetMismatch as error:
        return _refused(409, "incomplete", error, received=error.expected)
    except services.UploadClosed as error:
        return _refused(410, "closed", error)
    except StorageFull:
        return json_error(507, "storage_full", storage_full_message())
    except ValidationError as error:
        return _refused(422, "refused", error)
    body = {"asset": asset.pk, "kind": asset.kind, "duplicate_of": asset.duplicate_of_id,
            "original_name": asset.original_name, "duration": asset.duration_display,
            "width": asset.width, "height": asset.height, "size": asset.size,
            "poster": services.signed_url(asset, part="poster") if asset.poster else None,
            "message": _("文件已通过检查。")}
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


# --- playback -----------------------------------------------------------------------------------

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int):
    """(start, end) inclusive, None for the whole file (no header, a malformed one, or several
    ranges: RFC 9110 lets a server ignore Range), "unsatisfiable" for a range past the end."""
    match = _RANGE.match((header or "").strip().replace(" ", ""))
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":
        suffix = int(last)
        if suffix == 0:
            return "unsatisfiable"
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if end < start and last:
        return None
    if start >= size:
        return "unsatisfiable"
    return start, min(end, size - 1)


def _read_range(path: str, start: int, length: int):
    with open(path, "rb") as file:
        file.seek(start)
        while length > 0:
            block = file.read(min(STREAM_BLOCK, length))
            if not block:
                return
            length -= len(block)
            yield block


def _playback(request, asset_id: int, part: str):
    asset = get_object_or_404(MediaAsset, pk=asset_id)
    fieldfile = asset.file if part == "file" else asset.poster
    if not fieldfile:
        raise Http404
    if not asset.is_public:
        state = services.signature_state(asset.pk, request.GET.get("s"))
        if state == "invalid":
            raise Http404  # without a valid signature a private asset does not exist
        if state == "expired":
            return HttpResponse(_("播放地址已过期，请刷新页面后再播放。"), status=403,
                                content_type="text/plain; charset=utf-8")
    storage = fieldfile.storage
    if not isinstance(storage, FileSystemStorage):
        # S3 and the like: the storage's own (presigned, short-lived) address serves ranges itself.
        try:
            url = storage.url(fieldfile.name, expire=300)
        except TypeError:
            url = storage.url(fieldfile.name)
        return HttpResponseRedirect(url)
    path = storage.path(fieldfile.name)
    try:
        size = os.stat(path).st_size
    except FileNotFoundError as error:
        raise Http404 from error
    content_type = asset.content_type if part == "file" else "image/jpeg"
    etag = f'"{asset.sha256[:32]}{"" if part == "file" else "-poster"}"'
    wanted = parse_range(request.headers.get("Range"), size)
    if_range = request.headers.get("If-Range")
    if wanted is not None and if_range and if_range != etag:
        wanted = None  # the client's copy is another file: send this one whole
    if wanted == "unsatisfiable":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif wanted is None:
        if request.headers.get("If-None-Match") == etag:
            response = HttpResponse(status=304)
        else:
            response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115 — closed by Django
            response["Content-Length"] = str(size)
    else:
        start, end = wanted
        response = StreamingHttpResponse(_read_range(path, start, end - start + 1), status=206,
                                         content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "public, max-age=3600" if asset.is_public else "private, max-age=300"
    return response


@require_http_methods(["GET", "HEAD"])
def play_file(request, asset_id):
    return _playback(request, asset_id, "file")


@require_http_methods(["GET", "HEAD"])
def play_poster(request, asset_id):
    return _playback(request, asset_id, "poster")
