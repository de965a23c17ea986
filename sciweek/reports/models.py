"""Summary reports (活动总结) up the reporting lines: a unit to its city, a city (with its
accepted units' material) to its province, a province to the national committee.

One row per participating organization and campaign, made when it first takes part (an
approved filing in its subtree), so the rows *are* the list of who is expected to report: the
reporting dashboard counts them with one GROUP BY on path prefixes (``org_path``), live."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sciweek.core.fields import URLField


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("未报送")
    SUBMITTED = "submitted", _("待接收")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已接收")


# The filer may edit these; the receiving level decides on SUBMITTED; both count as "in".
ReportStatus.EDITABLE = frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED})
ReportStatus.IN = frozenset({ReportStatus.SUBMITTED, ReportStatus.ACCEPTED})


class Figure(models.TextChoices):
    """The figures a summary reports, filled in from the platform's data."""

    ACTIVITIES = "activities", _("举办活动（项）")
    SESSIONS = "sessions", _("场次")
    BOOKINGS = "bookings", _("预约（人次）")
    CHECK_INS = "check_ins", _("入场核验（人次）")
    PARTICIPANTS = "participants", _("参与（人次，填报）")
    ONLINE_VIEWS = "online_views", _("线上观看（人次）")


class SummaryReport(models.Model):
    Status = ReportStatus

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="summary_reports")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT,
                                     related_name="summary_reports", verbose_name=_("报送单位"))
    # Whom it reports to: the parent in the reporting lines when the row was made (kept, so a
    # later move in the tree does not send a submitted report elsewhere).
    receiver = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("接收单位"))
    org_path = models.CharField(max_length=255)  # organization.path, for counting by subtree
    status = models.CharField(_("状态"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    # Expected to report: it (or its subtree) has an approved filing this campaign. A row that
    # stops being expected is kept (what was typed stays) but not counted.
    expected = models.BooleanField(default=True)
    title = models.CharField(_("标题"), max_length=120, blank=True)
    body = models.TextField(_("总结正文"), blank=True)  # sanitized HTML (core.richtext)
    video = models.ForeignKey("media.MediaAsset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("总结视频"))
    complete = models.BooleanField(_("材料齐全"), default=False)  # recomputed on every change (services)
    due_on = models.DateField(_("截止日期"), null=True, blank=True)  # the receiver's deadline, when made
    extended_until = models.DateField(_("延期至"), null=True, blank=True)
    first_submitted_at = models.DateTimeField(_("首次报送时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    on_time = models.BooleanField(_("按时报送"), null=True)  # decided at the first submission
    decided_at = models.DateTimeField(_("接收或退回时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    return_reason = models.TextField(_("退回理由"), blank=True)
    returns = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    reminded_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)  # bumped by every change (optimistic locking)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("活动总结")
        verbose_name_plural = _("活动总结")
        ordering = ["org_path"]
        constraints = [models.UniqueConstraint(fields=["campaign", "organization"], name="one_summary_per_campaign")]
        indexes = [models.Index(fields=["campaign", "expected", "org_path"]),
                   models.Index(fields=["receiver", "status"])]

    def __str__(self):
        return self.title or f"{self.organization} {self.campaign_id}"

    @property
    def scope_organization(self):
        return self.organization

    @property
    def effective_due_on(self):
        return self.extended_until or self.due_on


class ReportImage(models.Model):
    report = models.ForeignKey(SummaryReport, on_delete=models.CASCADE, related_name="images")
    asset = models.ForeignKey("media.MediaAsset", on_delete=models.PROTECT, related_name="+")
    caption = models.CharField(_("图片说明"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["report", "asset"], name="report_image_once")]

    def __str__(self):
        return self.caption or str(self.asset_id)


class MediaCoverage(models.Model):
    """A media report about the activities (媒体报道): outlet, title, date, link."""

    report = models.ForeignKey(SummaryReport, on_delete=models.CASCADE, related_name="coverage")
    outlet = models.CharField(_("媒体"), max_length=64)
    title = models.CharField(_("报道标题"), max_length=200)
    published_on = models.DateField(_("日期"))
    url = URLField(_("链接"), max_length=500, blank=True)

    class Meta:
        ordering = ["published_on", "id"]
        verbose_name = _("媒体报道")
        verbose_name_plural = _("媒体报道")

    def __str__(self):
        return f"{self.outlet}：{self.title}"


class ReportFigure(models.Model):
    """A figure as the platform counted it and, where the filer corrected it, as reported."""

    report = models.ForeignKey(SummaryReport, on_delete=models.CASCADE, related_name="figures")
    key = models.CharField(max_length=20, choices=Figure.choices)
    computed = models.PositiveIntegerField(null=True, blank=True)  # None: the platform does not know it
    reported = models.PositiveIntegerField(_("更正后的数字"), null=True, blank=True)
    reason = models.CharField(_("更正理由"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "key"], name="one_figure_per_key"),
            models.CheckConstraint(condition=models.Q(reported__isnull=True) | ~models.Q(reason=""),
                                   name="figure_correction_has_reason"),
        ]

    def __str__(self):
        return f"{self.key}={self.value}"

    @property
    def value(self):
        return self.reported if self.reported is not None else self.computed


class ReportEvent(models.Model):
    """The trail of a report: who submitted, returned, accepted, extended it, when and why."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("报送")
        RETURNED = "returned", _("退回")
        ACCEPTED = "accepted", _("接收")
        EXTENDED = "extended", _("批准延期")
        REOPENED = "reopened", _("撤回接收")

    report = models.ForeignKey(SummaryReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"
