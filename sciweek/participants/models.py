"""The public person: a phone number (and a name for tickets), and the one-time codes that
sign them in. The tables keep the names they had under reservations (no data moved)."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else "****"


class Profile(models.Model):
    """What a member of the public gives us: a phone number (and a name for tickets)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="public_profile")
    phone = models.CharField(_("手机号"), max_length=11, unique=True)
    name = models.CharField(_("称呼"), max_length=32, blank=True)
    consent_at = models.DateTimeField(_("同意隐私政策时间"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "reservations_profile"
        verbose_name = _("公众用户")
        verbose_name_plural = _("公众用户")

    def __str__(self):
        return self.masked_phone

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class OneTimeCode(models.Model):
    """A sign-in code sent by SMS. Only a hash is stored; it dies after 5 tries or 5 minutes."""

    phone = models.CharField(max_length=11, db_index=True)
    code_hash = models.CharField(max_length=64)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "reservations_onetimecode"
        indexes = [models.Index(fields=["phone", "created_at"], name="reservation_phone_32580c_idx"),
                   models.Index(fields=["ip_address", "created_at"], name="reservation_ip_addr_eb7d94_idx")]

    def __str__(self):
        return mask_phone(self.phone)
