"""Media assets (videos, images) that passed intake, and the chunked uploads that bring them.

An asset's row is written only after its file (and poster) are in storage, so no row ever
points at a missing file; a refused file leaves neither row nor file (services.intake).
``poster`` is an asset's small picture: a video's frame, an image's thumbnail."""
import math

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .probe_child import POSTER_MAX_SIDE, THUMBNAIL_MAX_SIDE


def fit_within(width: int, height: int, side: int) -> tuple[int, int]:
    """(width, height) shrunk to fit a side × side box, rounded as Pillow's ``thumbnail`` rounds
    (the aspect ratio kept as closely as whole pixels allow); never enlarged."""
    if width <= side and height <= side:
        return width, height
    aspect = width / height
    if aspect >= 1:
        height = max(min(math.floor(side / aspect), math.ceil(side / aspect),
                         key=lambda n: 0 if n == 0 else abs(aspect - side / n)), 1)
        return side, height
    width = max(min(math.floor(side * aspect), math.ceil(side * aspect), key=lambda n: abs(aspect - n / side)), 1)
    return width, side


def format_duration(seconds, *, precise: bool = False) -> str:
    """"3:05" (whole seconds); precise keeps up to the milliseconds the decision was made on:
    "3:00.5", "2:59.9" — a message must not show "3:00" for a video refused as too long."""
    if seconds is None:
        return ""
    total_ms = round(float(seconds) * 1000)
    if not precise:
        total_ms = round(total_ms / 1000) * 1000
    minutes, ms = divmod(total_ms, 60_000)
    whole, fraction = divmod(ms, 1000)
    text = f"{minutes}:{whole:02d}"
    if fraction:
        text += "." + f"{fraction:03d}".rstrip("0")
    return text


class MediaAsset(models.Model):
    class Kind(models.TextChoices):
        VIDEO = "video", _("视频")
        IMAGE = "image", _("图片")

    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    purpose = models.CharField(_("用途"), max_length=64, blank=True, db_index=True)
    file = models.FileField(_("文件"), upload_to="media/%Y/%m/", max_length=200)
    poster = models.FileField(_("封面"), upload_to="media/%Y/%m/", max_length=200, null=True, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=120)
    size = models.BigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64, db_index=True)
    content_type = models.CharField(max_length=64)
    container = models.CharField(_("封装格式"), max_length=32)
    video_codec = models.CharField(_("视频编码"), max_length=32, blank=True)
    audio_codec = models.CharField(_("音频编码"), max_length=32, blank=True)
    duration_seconds = models.DecimalField(_("时长（秒）"), max_digits=10, decimal_places=3, null=True, blank=True)
    width = models.PositiveIntegerField(_("宽度"), null=True, blank=True)
    height = models.PositiveIntegerField(_("高度"), null=True, blank=True)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="duplicates", verbose_name=_("与之相同的文件"))
    # The owning app decides who sees an asset: a private one is played only through a signed,
    # time-limited address (services.signed_url); the app sets this when, e.g., results publish.
    is_public = models.BooleanField(_("公开"), default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("媒体文件")
        verbose_name_plural = _("媒体文件")
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="media_asset_size_positive"),
            models.CheckConstraint(condition=models.Q(kind="image") | models.Q(duration_seconds__gt=0),
                                   name="media_video_has_duration"),
        ]

    def __str__(self):
        return self.original_name

    @property
    def duration_display(self) -> str:
        return format_duration(self.duration_seconds)

    @property
    def poster_size(self) -> tuple[int, int]:
        """The poster's width and height as intake draws it (an image's thumbnail, a video's
        frame as displayed), for ``<img width height>`` (no layout shift); (0, 0) unknown."""
        if not (self.width and self.height):
            return 0, 0
        side = THUMBNAIL_MAX_SIDE if self.kind == self.Kind.IMAGE else POSTER_MAX_SIDE
        return fit_within(self.width, self.height, side)


class UploadSession(models.Model):
    """One resumable upload: chunks are written at their offsets into ``temp_path`` and
    ``received_bytes`` moves only by a conditional UPDATE (services.receive_chunk)."""

    class Status(models.TextChoices):
        OPEN = "open", _("上传中")
        FINISHING = "finishing", _("检查中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("未通过")
        EXPIRED = "expired", _("已过期")

    token = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=64)
    filename = models.CharField(max_length=120)
    expected_size = models.BigIntegerField()
    received_bytes = models.BigIntegerField(default=0)
    temp_path = models.CharField(max_length=500)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    asset = models.ForeignKey(MediaAsset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(received_bytes__gte=0)
                                   & models.Q(received_bytes__lte=models.F("expected_size")),
                                   name="media_upload_received_within_size"),
            models.CheckConstraint(condition=models.Q(expected_size__gt=0), name="media_upload_size_positive"),
        ]

    def __str__(self):
        return f"{self.filename} ({self.received_bytes}/{self.expected_size})"
