"""What a file really is: its leading bytes first, then its streams as FFmpeg (PyAV) or Pillow
read them — never its name, nor the duration its header claims.

Two steps, so a hostile file meets FFmpeg only when it has to:

1. ``sniff`` (here, in the worker): the magic bytes must be one of the video containers or
   image formats we know. Text (HTML named .jpg, an m3u8/ffconcat playlist naming
   /etc/passwd or a URL, SVG) and anything unknown is refused before FFmpeg sees it —
   FFmpeg's own probing would happily follow a playlist.
2. ``probe_child.py`` (a child process killed after MEDIA_PROBE_TIMEOUT, with memory, CPU and
   file-size limits) opens the file with the one demuxer the sniff named, only the ``file``
   protocol, and measures the streams; Pillow reads images there too, under its
   decompression-bomb guard, and writes there the copy of an image the site keeps
   (``normalize_to``: upright, no metadata) and its thumbnail.

Sizes are as displayed: an image's after its EXIF orientation, a video's after its display
matrix (a phone video shot upright is reported, and its poster drawn, taller than wide).
"""
import json
import os
import subprocess  # noqa: S404 — the child is our own script, with a fixed argv
import sys
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sciweek.core.uploads import FULL_ERRNOS, StorageFull

CHILD = Path(__file__).resolve().with_name("probe_child.py")
# The most pixels any image may have before we decode it (a purpose may ask for fewer).
MAX_IMAGE_PIXELS = 50_000_000
HEAD_BYTES = 512

CONTENT_TYPES = {"mp4": "video/mp4", "mov": "video/quicktime", "3gp": "video/3gpp", "webm": "video/webm",
                 "matroska": "video/x-matroska", "avi": "video/x-msvideo", "mpegts": "video/mp2t",
                 "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}
EXTENSIONS = {"mp4": "mp4", "mov": "mov", "3gp": "3gp", "webm": "webm", "matroska": "mkv", "avi": "avi",
              "mpegts": "ts", "jpeg": "jpg", "png": "png", "webp": "webp", "gif": "gif"}


class Refused(ValidationError):
    """The file is not something we read (or not readable at all); the message says why."""


@dataclass(frozen=True)
class Probe:
    kind: str  # MediaAsset.Kind value
    container: str  # "mp4", "mov", "webm", "matroska", … or the image format: "jpeg", "png", …
    video_codec: str
    audio_codec: str
    duration_seconds: Decimal | None  # milliseconds, from the packets of the video stream
    width: int
    height: int
    size: int = 0
    frames: int = 1  # an image's frames: more than one is an animation (requirements.check refuses it)
    rotation: int = 0  # a video's display rotation, degrees clockwise (0, 90, 180, 270)

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.container]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.container]


@dataclass(frozen=True)
class Sniffed:
    kind: str
    container: str  # what we call it (and store)
    reader: str  # the demuxer (probe_child.DEMUXERS) or the image format


_MOV_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}


def sniff(head: bytes) -> Sniffed:
    """The kind and format named by the leading bytes; Refused for anything else."""
    if not head:
        raise Refused(_("文件是空的（0 字节），请重新选择文件。"), code="empty")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            raise Refused(_("暂不支持 HEIC/AVIF 格式，请转为 JPG 或 PNG 后再上传。"), code="heif")
        if brand == b"qt  ":
            return Sniffed("video", "mov", "mov")
        if brand.startswith(b"3g"):
            return Sniffed("video", "3gp", "mov")
        return Sniffed("video", "mp4", "mov")
    if head[4:8] in _MOV_ATOMS:
        return Sniffed("video", "mov", "mov")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Sniffed("video", "webm" if b"webm" in head[:64] else "matroska", "matroska")
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return Sniffed("video", "avi", "avi")
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return Sniffed("image", "webp", "webp")
    if len(head) > 376 and head[0] == head[188] == head[376] == 0x47:
        return Sniffed("video", "mpegts", "mpegts")
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image", "jpeg", "jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image", "png", "png")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed("image", "gif", "gif")
    if _looks_like_text(head):
        raise Refused(_("文件内容是文本（例如网页、播放列表或 SVG），不是视频或图片，未予接收。"), code="text")
    raise Refused(_("无法识别文件格式：请上传 MP4、MOV 等视频或 JPG、PNG、WebP 图片。"), code="unknown")


def _looks_like_text(head: bytes) -> bool:
    # The head may end inside a multi-byte character: try it shortened by up to three bytes.
    for cut in range(4):
        try:
            text = head[:len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return all(c.isprintable() or c in "\r\n\t\ufeff" for c in text)
    return head.startswith((b"\xff\xfe", b"\xfe\xff"))  # UTF-16 with its byte-order mark


def _seconds(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def probe(path, *, poster_to=None, normalize_to=None) -> Probe:
    """Measure the file at ``path``; with ``poster_to``, also write a JPEG poster there (a
    frame of a video, turned as it is displayed; a thumbnail of an image, at most
    THUMBNAIL_MAX_SIDE). With ``normalize_to``, an image (not an animation) is also written
    there as the site keeps it: upright, in its own format, without EXIF, XMP, text chunks or
    comments (its ICC profile kept); nothing is written there for a video. Raises Refused
    with a localized message (StorageFull when the disk is full)."""
    path = Path(path)
    size = path.stat().st_size
    with path.open("rb") as file:
        head = file.read(HEAD_BYTES)
    found = sniff(head)
    timeout = float(getattr(settings, "MEDIA_PROBE_TIMEOUT", 15))
    result = _run_child(found, path, poster_to, timeout, normalize_to)
    if not result.get("ok"):
        details = result.get("details") or {}
        if result.get("code") == "write_failed" and details.get("errno") in FULL_ERRNOS:
            raise StorageFull(details["errno"], f"media probe output for {path.name}")
        raise _refusal(result.get("code"), details)
    return Probe(kind=result["kind"], container=found.container, video_codec=result["video_codec"] or "",
                 audio_codec=result["audio_codec"] or "", duration_seconds=_seconds(result["duration_seconds"]),
                 width=int(result["width"] or 0), height=int(result["height"] or 0), size=size,
                 frames=int(result.get("frames") or 1), rotation=int(result.get("rotation") or 0))


def _run_child(found: Sniffed, path: Path, poster_to, timeout: float, normalize_to=None) -> dict:
    argv = [sys.executable, "-I", str(CHILD), found.kind, str(path), found.reader,
            str(poster_to) if poster_to else "-", str(MAX_IMAGE_PIXELS), str(timeout),
            str(normalize_to) if normalize_to else "-"]
    # A bare environment: nothing of the worker's (proxies, credentials) reaches FFmpeg.
    environment = {"PATH": os.defpath, "LC_ALL": "C.UTF-8"}
    try:
        done = subprocess.run(argv, capture_output=True, timeout=timeout, env=environment,  # noqa: S603
                              stdin=subprocess.DEVNULL, check=False, cwd=path.parent)
    except subprocess.TimeoutExpired as error:  # run() has killed the child
        raise Refused(_("检查文件超时（超过 %(s)s 秒），文件可能已损坏，未予接收。") % {"s": f"{timeout:g}"},
                      code="timeout") from error
    try:
        return json.loads(done.stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        # Killed by a limit or crashed inside FFmpeg: the file is what made it so.
        return {"ok": False, "code": "crashed", "details": {"returncode": done.returncode}}


def _refusal(code: str, details: dict) -> Refused:
    damaged = _("文件不完整或已损坏（可能上传中断或文件被截断），无法读取。请重新导出后上传。")
    messages = {
        "damaged": damaged,
        "truncated": damaged,
        "no_frames": damaged,
        "no_video": _("文件里没有视频画面。"),
        "undecodable": _("视频画面无法解码，文件可能已损坏。"),
        "damaged_image": _("图片文件不完整或已损坏，无法读取。"),
        "too_many_pixels": _("图片像素过多（超过 %(limit)s 百万像素），可能是恶意文件，未予接收。") % {
            "limit": int(details.get("limit") or MAX_IMAGE_PIXELS) // 1_000_000},
        "too_big_to_read": _("文件太复杂，读取时超出了内存限制，未予接收。"),
    }
    return Refused(messages.get(code, _("无法读取该文件，文件可能已损坏。")), code=code or "crashed")
