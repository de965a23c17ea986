"""News items (动态信息): what happened at an activity, reported within N days of it."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NewsItem(models.Model):
    class Status(models.TextChoices):
        PUBLISHED = "published", _("已发布")
        WITHDRAWN = "withdrawn", _("已撤下")

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="news")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="news",
                                     verbose_name=_("报送单位"))
    activity = models.ForeignKey("activities.Activity", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="news", verbose_name=_("相关活动"))
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    is_late = models.BooleanField(_("超过报送时限"), default=False)
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("动态信息")
        verbose_name_plural = _("动态信息")
        indexes = [models.Index(fields=["campaign", "status", "published_at"])]

    def __str__(self):
        return self.title

    @property
    def scope_organization(self):
        return self.organization
