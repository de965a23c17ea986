"""What a purpose accepts (container, codecs, duration, size, resolution), and the one check
that compares a file's measured streams with it.

The figures compared are the probe's (the real streams), never the file's name or what an
upload form claims. Limits are inclusive: 180.0 s passes a 3-minute maximum, 180.5 s does not.
Durations are compared in whole milliseconds (what the asset stores); resolutions in either
orientation (as displayed: after an image's EXIF orientation, a video's display matrix).
Animated images (GIF, APNG, animated WebP) are refused whatever the formats allowed: the site
keeps images as re-encoded stills."""
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .models import MediaAsset, format_duration

MB = 1024 * 1024


@dataclass(frozen=True)
class MediaRequirements:
    kinds: frozenset = frozenset({MediaAsset.Kind.VIDEO})
    containers: frozenset = frozenset()  # empty: any container probe knows
    video_codecs: frozenset = frozenset()
    min_seconds: float | None = None
    max_seconds: float | None = None
    max_bytes: int = 200 * MB
    min_width: int | None = None
    min_height: int | None = None
    max_width: int | None = None
    max_height: int | None = None
    need_audio: bool = False
    image_formats: frozenset = field(default=frozenset({"jpeg", "png", "webp"}))
    max_pixels: int | None = None


VIDEO_2_TO_5_MIN = MediaRequirements(
    kinds=frozenset({MediaAsset.Kind.VIDEO}), containers=frozenset({"mp4", "mov"}),
    video_codecs=frozenset({"h264", "hevc"}), min_seconds=120, max_seconds=300, max_bytes=200 * MB,
    min_width=640, min_height=360)
SUMMARY_VIDEO = MediaRequirements(
    kinds=frozenset({MediaAsset.Kind.VIDEO}), containers=frozenset({"mp4", "mov"}),
    video_codecs=frozenset({"h264", "hevc"}), max_seconds=180, max_bytes=200 * MB)
IMAGE = MediaRequirements(kinds=frozenset({MediaAsset.Kind.IMAGE}), max_bytes=10 * MB, max_pixels=40_000_000)

# Shown to people: the names they know, not FFmpeg's.
CONTAINER_LABELS = {"mp4": "MP4", "mov": "MOV", "webm": "WebM", "matroska": "MKV", "avi": "AVI", "mpegts": "TS",
                    "3gp": "3GP", "jpeg": "JPG", "png": "PNG", "webp": "WebP", "gif": "GIF"}
CODEC_LABELS = {"h264": "H.264", "hevc": "H.265 (HEVC)", "mpeg4": "MPEG-4 Part 2", "vp8": "VP8", "vp9": "VP9",
                "av1": "AV1", "mpeg2video": "MPEG-2"}


def _names(values, labels) -> str:
    return "、".join(sorted(labels.get(v, v) for v in values))


def _ms(seconds) -> Decimal:
    return Decimal(str(seconds)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def check(probe, requirements: MediaRequirements) -> list[str]:
    """Every way the file misses the requirements, each naming the measured figure and the
    limit (an empty list: accepted)."""
    r = requirements
    messages = []
    if probe.size is not None and r.max_bytes and probe.size > r.max_bytes:
        messages.append(_("文件大小 %(found)s 超过上限 %(limit)s。") % {
            "found": filesizeformat(probe.size), "limit": filesizeformat(r.max_bytes)})
    if probe.kind not in r.kinds:
        if r.kinds == {MediaAsset.Kind.IMAGE}:
            messages.append(_("这里需要上传图片（%(formats)s），您的文件是视频。") % {
                "formats": _names(r.image_formats, CONTAINER_LABELS)})
        else:
            messages.append(_("这里需要上传视频，您的文件是图片。"))
        return messages
    if probe.kind == MediaAsset.Kind.IMAGE:
        if r.image_formats and probe.container not in r.image_formats:
            messages.append(_("图片格式 %(found)s 不符合要求，请上传 %(allowed)s 格式。") % {
                "found": CONTAINER_LABELS.get(probe.container, probe.container),
                "allowed": _names(r.image_formats, CONTAINER_LABELS)})
        if probe.frames > 1:
            # The site keeps a still picture it re-encodes without metadata; an animation's first
            # frame is often blank or a fade, so it is refused rather than cut to one frame.
            messages.append(_("这是一张动图（%(n)s 帧），这里只接收静态图片，请另存为静态的 %(allowed)s 图片后上传。") % {
                "n": probe.frames, "allowed": _names(r.image_formats - {"gif"} or r.image_formats, CONTAINER_LABELS)})
        if r.max_pixels and probe.width * probe.height > r.max_pixels:
            messages.append(_("图片尺寸 %(w)s×%(h)s（%(mp).1f 百万像素）超过上限 %(limit)s 百万像素。") % {
                "w": probe.width, "h": probe.height, "mp": probe.width * probe.height / 1e6,
                "limit": r.max_pixels // 1_000_000})
    else:
        if r.containers and probe.container not in r.containers:
            messages.append(_("视频格式 %(found)s 不符合要求，请上传 %(allowed)s 格式。") % {
                "found": CONTAINER_LABELS.get(probe.container, probe.container),
                "allowed": _names(r.containers, CONTAINER_LABELS)})
        if r.video_codecs and probe.video_codec not in r.video_codecs:
            messages.append(_("视频编码 %(found)s 不符合要求，须为 %(allowed)s。") % {
                "found": CODEC_LABELS.get(probe.video_codec, probe.video_codec),
                "allowed": _names(r.video_codecs, CODEC_LABELS)})
        duration = _ms(probe.duration_seconds)
        if r.min_seconds is not None and duration < _ms(r.min_seconds):
            messages.append(_("视频时长 %(found)s 短于下限 %(limit)s。") % {
                "found": format_duration(duration, precise=True), "limit": format_duration(r.min_seconds, precise=True)})
        if r.max_seconds is not None and duration > _ms(r.max_seconds):
            messages.append(_("视频时长 %(found)s 超过上限 %(limit)s。") % {
                "found": format_duration(duration, precise=True), "limit": format_duration(r.max_seconds, precise=True)})
        if r.need_audio and not probe.audio_codec:
            messages.append(_("视频没有声音，本项要求有声音。"))
    # Either orientation: a portrait 360×640 phone video meets a 640×360 minimum.
    long_side, short_side = max(probe.width, probe.height), min(probe.width, probe.height)
    size = {"w": probe.width, "h": probe.height}
    if r.min_width or r.min_height:
        need_long, need_short = max(r.min_width or 0, r.min_height or 0), min(r.min_width or 0, r.min_height or 0)
        if long_side < need_long or short_side < need_short:
            messages.append(_("分辨率 %(w)s×%(h)s 低于要求的 %(mw)s×%(mh)s。") % {
                **size, "mw": r.min_width or 0, "mh": r.min_height or 0})
    if r.max_width and r.max_height:
        most_long, most_short = max(r.max_width, r.max_height), min(r.max_width, r.max_height)
        if long_side > most_long or short_side > most_short:
            messages.append(_("分辨率 %(w)s×%(h)s 超过上限 %(mw)s×%(mh)s。") % {
                **size, "mw": r.max_width, "mh": r.max_height})
    return messages
