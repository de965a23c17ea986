"""Bearer tokens for the JSON API. Only a SHA-256 hash of a token is stored; the token itself
is shown once, when it is created (``sciweek create_api_token USERNAME``)."""
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "sw_"  # noqa: S105 - a public marker that makes tokens recognisable, not a secret
PREFIX_LENGTH = len(TOKEN_PREFIX) + 8  # what lists and the admin show: "sw_" + 8 characters


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        """Tokens that authenticate now: not revoked, not expired, of an active user."""
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, user__is_active=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=_("用户"))
    name = models.CharField(_("用途"), max_length=64, blank=True)
    prefix = models.CharField(_("令牌前缀"), max_length=16, db_index=True,
                              help_text=_("令牌的开头几位，用于辨认，不能用于认证。"))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True, help_text=_("留空表示长期有效"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("接口访问令牌")
        verbose_name_plural = _("接口访问令牌")

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(cls, user, *, name: str = "", days: int | None = 90) -> tuple["ApiToken", str]:
        """Create a token for `user`; returns it with the plain key (never stored)."""
        key = TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires_at = timezone.now() + timedelta(days=days) if days else None
        # Issued at a sign-in, so used now: the first calls that follow do not write it again.
        token = cls.objects.create(user=user, name=name, prefix=key[:PREFIX_LENGTH], key_hash=hash_key(key),
                                   expires_at=expires_at, last_used_at=timezone.now())
        return token, key

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class RateCounter(models.Model):
    """A fixed-window request counter in the database, for when the cache cannot count (Redis
    down or hung): one row per (key, window), created or incremented by one atomic upsert
    (`sciweek.api.ratelimit.count_in_db`); rows whose window has ended are swept."""

    key = models.CharField(max_length=200)
    window_start = models.BigIntegerField()  # Unix seconds
    hits = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="api_ratecounter_key_window")]

    def __str__(self):
        return f"{self.key} @ {self.window_start}: {self.hits}"
