"""A campaign is one year's science week: dates, themes, content areas, flagships, deadlines."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Campaign(models.Model):
    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    name = models.CharField(_("名称"), max_length=128)
    theme = models.CharField(_("全国主题"), max_length=128)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    # Some campaigns let activities run in a window around the week (e.g. the whole month of
    # the week); unset, activities and their sessions fall within the week's own dates.
    activities_from = models.DateField(
        _("活动日期最早可为"), null=True, blank=True,
        help_text=_("留空表示与活动周开始日期相同。本届允许活动在活动周前后举办时填写（如活动周所在月份）。"),
    )
    activities_until = models.DateField(
        _("活动日期最晚可为"), null=True, blank=True, help_text=_("留空表示与活动周结束日期相同。"),
    )
    notice_title = models.CharField(_("通知标题"), max_length=255, blank=True)
    notice_number = models.CharField(_("文号"), max_length=64, blank=True)
    notice_date = models.DateField(_("发文日期"), null=True, blank=True)
    online_only = models.BooleanField(
        _("网络科技活动周"), default=False, help_text=_("开启后，整届活动周改为线上举办。")
    )
    allow_late_filing = models.BooleanField(_("截止后仍可备案（标记为逾期）"), default=True)
    attendance_cap_percent = models.PositiveSmallIntegerField(
        _("线下活动人数上限（占场馆容量的百分比）"), null=True, blank=True,
        help_text=_("例如 疫情期间限流 50%。留空表示不限。"),
    )
    max_gathering = models.PositiveIntegerField(_("线下活动人数绝对上限"), null=True, blank=True)
    news_within_days = models.PositiveSmallIntegerField(_("动态信息报送时限（活动后天数）"), default=3)
    summary_video_max_seconds = models.PositiveSmallIntegerField(_("总结视频最长（秒）"), default=180)
    news_review_required = models.BooleanField(
        _("动态信息须经上级审核后发布"), default=False,
        help_text=_("开启后，单位报送的动态信息由上级单位审核通过才公开。"))
    summary_min_images = models.PositiveSmallIntegerField(_("活动总结最少图片数"), default=3)
    summary_grace_days = models.PositiveSmallIntegerField(
        _("总结截止后可补报天数"), default=10,
        help_text=_("截止日期后这些天内仍可报送（记为逾期）；再往后须由接收单位批准延期。"))
    is_published = models.BooleanField(_("已发布"), default=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("科技活动周")
        verbose_name_plural = _("科技活动周")
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="campaign_dates_ordered"),
            # The window lies around the week: it may widen the week's dates, never cut into them.
            models.CheckConstraint(
                condition=models.Q(activities_from__isnull=True) | models.Q(activities_from__lte=models.F("starts_on")),
                name="campaign_window_starts_before_week",
                violation_error_message=_("活动日期最早可为的日期不能晚于活动周开始日期。")),
            models.CheckConstraint(
                condition=models.Q(activities_until__isnull=True) | models.Q(activities_until__gte=models.F("ends_on")),
                name="campaign_window_ends_after_week",
                violation_error_message=_("活动日期最晚可为的日期不能早于活动周结束日期。")),
        ]

    def __str__(self):
        return self.name

    @property
    def activity_window(self) -> tuple:
        """The first and last day on which the campaign's activities and sessions may take place."""
        return self.activities_from or self.starts_on, self.activities_until or self.ends_on


class RegionalPlan(models.Model):
    """A region's (or department's) own plan for the campaign: its theme and online switch."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="regional_plans")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="plans")
    title = models.CharField(_("方案名称"), max_length=128, blank=True)
    theme = models.CharField(_("地方主题"), max_length=128, blank=True)
    online_only = models.BooleanField(_("本地区线上举办"), default=False)
    planned_total = models.PositiveIntegerField(_("方案计划活动数"), null=True, blank=True)
    attendance_cap_percent = models.PositiveSmallIntegerField(
        _("本地区线下活动人数上限（占场馆容量的百分比）"), null=True, blank=True,
        help_text=_("比全国规定更严时填写。"),
    )
    max_gathering = models.PositiveIntegerField(_("本地区线下活动人数绝对上限"), null=True, blank=True)
    news_within_days = models.PositiveSmallIntegerField(
        _("本地区动态信息报送时限（活动后天数）"), null=True, blank=True, help_text=_("留空则沿用上级的规定。"))

    class Meta:
        verbose_name = _("地方工作方案")
        verbose_name_plural = _("地方工作方案")
        constraints = [models.UniqueConstraint(fields=["campaign", "organization"], name="one_plan_per_org")]

    def __str__(self):
        return f"{self.campaign.year} {self.organization}"

    @property
    def scope_organization(self):
        return self.organization


class ContentArea(models.Model):
    """A national content area (plan = None) or a region's focus area (plan set)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="content_areas")
    plan = models.ForeignKey(RegionalPlan, null=True, blank=True, on_delete=models.CASCADE, related_name="focus_areas")
    name = models.CharField(_("名称"), max_length=64)
    description = models.TextField(_("说明"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan_id", "position", "id"]
        verbose_name = _("内容方向")
        verbose_name_plural = _("内容方向")

    def __str__(self):
        return self.name


class MainVenueEvent(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="main_venue_events")
    name = models.CharField(_("名称"), max_length=128)
    starts_on = models.DateField(_("日期"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=128, blank=True)
    hosts = models.CharField(_("主办"), max_length=255, blank=True)
    description = models.TextField(_("说明"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("主场活动")
        verbose_name_plural = _("主场活动")

    def __str__(self):
        return self.name


class FlagshipActivity(models.Model):
    """One of the national committee's flagship demonstration activities (重大示范活动)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="flagships")
    number = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("名称"), max_length=128)

    class Meta:
        ordering = ["number"]
        verbose_name = _("重大示范活动")
        verbose_name_plural = _("重大示范活动")
        constraints = [models.UniqueConstraint(fields=["campaign", "number"], name="flagship_number_unique")]

    def __str__(self):
        return self.name


class Deadline(models.Model):
    """A due date set by a receiving organization for what its subtree reports to it.

    Hebei's summary deadline (09-10) binds Hebei's units; Hebei itself answers to the
    national committee's 09-21.
    """

    class Kind(models.TextChoices):
        FILING = "filing", _("重点项目备案")
        NEWS = "news", _("动态信息报送")
        SUMMARY = "summary", _("活动总结报送")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deadlines")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="deadlines_set",
        verbose_name=_("接收单位"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    due_on = models.DateField(_("截止日期"))
    receiver_office = models.CharField(_("报送至"), max_length=128, blank=True)

    class Meta:
        ordering = ["due_on"]
        verbose_name = _("截止日期")
        verbose_name_plural = _("截止日期")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "organization", "kind"], name="one_deadline_per_kind")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.due_on}"

    @property
    def scope_organization(self):
        return self.organization
