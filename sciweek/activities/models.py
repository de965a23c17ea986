"""Activities (重点项目/活动) and open days (开放活动) filed by the organizer network."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Activity(models.Model):
    class Kind(models.TextChoices):
        PROJECT = "project", _("重点项目/活动")
        OPEN_DAY = "open_day", _("开放活动")

    class Level(models.TextChoices):
        NATIONAL = "national", _("全国重大示范活动")
        PROVINCIAL = "provincial", _("省级")
        CITY = "city", _("市级")
        UNIT = "unit", _("单位")

    class Format(models.TextChoices):
        ONLINE = "online", _("线上")
        ONSITE = "onsite", _("线下")
        HYBRID = "hybrid", _("线上线下结合")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("审核中")
        RETURNED = "returned", _("退回修改")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("未通过")
        WITHDRAWN = "withdrawn", _("已撤回")
        CANCELLED = "cancelled", _("已取消")

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="activities")
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices, default=Kind.PROJECT)
    title = models.CharField(_("名称"), max_length=200)
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="filed_activities",
        verbose_name=_("填报单位"),
    )
    hosts = models.ManyToManyField(
        "organizations.Organization", through="ActivityHost", related_name="hosted_activities",
        verbose_name=_("主办/承办单位"),
    )
    level = models.CharField(_("级别"), max_length=16, choices=Level.choices, default=Level.UNIT)
    is_key = models.BooleanField(
        _("列入方案的重点活动"), default=False,
        help_text=_("省级重大科普活动或各市重点科普活动，在工作方案中逐项列出。"),
    )
    key_position = models.PositiveSmallIntegerField(_("方案中的序号"), null=True, blank=True)
    flagship = models.ForeignKey(
        "campaigns.FlagshipActivity", null=True, blank=True, on_delete=models.SET_NULL, related_name="activities",
        verbose_name=_("所属重大示范活动"),
    )
    content_areas = models.ManyToManyField("campaigns.ContentArea", blank=True, verbose_name=_("内容方向"))
    format = models.CharField(_("举办形式"), max_length=16, choices=Format.choices, default=Format.ONSITE)
    division = models.ForeignKey(
        "organizations.Division", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("举办地")
    )
    address = models.CharField(_("地址"), max_length=255, blank=True)
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    audience = models.CharField(_("面向对象"), max_length=128, blank=True)
    expected_participants = models.PositiveIntegerField(_("预计参与人数"), null=True, blank=True)
    description = models.TextField(_("内容、形式和宣传"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["campaign", "key_position", "id"]
        indexes = [
            models.Index(fields=["campaign", "status", "kind"]),
            models.Index(fields=["campaign", "level", "is_key"]),
            models.Index(fields=["organization", "status"]),
        ]

    def __str__(self):
        return self.title

    @property
    def scope_organization(self):
        return self.organization


class ActivityHost(models.Model):
    class Role(models.TextChoices):
        HOST = "host", _("主办")
        ORGANIZER = "organizer", _("承办")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="host_links")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.HOST)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["role", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "organization", "role"], name="activity_host_unique")
        ]

    def __str__(self):
        return f"{self.get_role_display()}: {self.organization_id}"


class Session(models.Model):
    """One time slot of an activity or open day, optionally with limited places."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("名额"), null=True, blank=True, help_text=_("留空表示不限"))
    seats_taken = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("场次")
        verbose_name_plural = _("场次")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(seats_taken__lte=models.F("capacity")),
                name="session_seats_within_capacity",
            ),
            models.CheckConstraint(condition=models.Q(ends_at__gte=models.F("starts_at")), name="session_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.activity} {self.starts_at:%m-%d %H:%M}"

    @property
    def scope_organization(self):
        return self.activity.organization
