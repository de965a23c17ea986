"""News items (动态信息及影像): what happened at an activity, with its pictures and a short
video, reported within N days after the activity's last session ends (the clock, NewsDue).

- A NewsItem is submitted by the filing organization's side (news.publish). Where the
  campaign asks for it (news_review_required) it waits, not public, until someone deciding
  for the receiving level (the filing organization's parent) publishes it or returns it with
  a reason; otherwise it publishes at once. It can be withdrawn at any time.
- Lateness is measured at the item's FIRST submission against the activity's due time.
- NewsDue is the clock: one row per approved activity, maintained by services, so the
  reporting dashboard (sciweek.reports) counts rows grouped by path prefix instead of
  looping over organizations."""
from enum import nonmember

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_IMAGES = 9  # pictures per item (a WeChat post's nine-grid)


class NewsStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("退回修改")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤下")

    # Items that count for the clock (first_news_at, with_images): reported and not taken back.
    COUNTS = nonmember(("submitted", "published"))
    # What the filer may still fix and submit again.
    EDITABLE = nonmember(("returned",))


class NewsItem(models.Model):
    Status = NewsStatus

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="news")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="news",
                                     verbose_name=_("报送单位"))
    activity = models.ForeignKey("activities.Activity", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="news", verbose_name=_("相关活动"))
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"))
    video = models.ForeignKey("media.MediaAsset", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("视频"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    # Lateness, fixed at the first submission (a returned and resubmitted item keeps it).
    due_at = models.DateTimeField(_("报送时限"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("首次报送时间"), null=True, blank=True)
    late_seconds = models.PositiveIntegerField(_("逾期秒数"), null=True, blank=True,
                                               help_text=_("按首次报送时间计；按时报送为空或 0。"))
    is_late = models.BooleanField(_("超过报送时限"), default=False)  # late_seconds > 0, kept for old readers
    waiting_since = models.DateTimeField(_("等待审核起始时间"), null=True, blank=True)
    # Rows written without the services (the demo) are published now; services set it explicitly.
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, default=timezone.now, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    withdrawn_at = models.DateTimeField(_("撤下时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("动态信息")
        verbose_name_plural = _("动态信息")
        indexes = [
            models.Index(fields=["campaign", "status", "published_at"]),
            # The receiving levels' review queue: waiting items, oldest first.
            models.Index(fields=["status", "waiting_since"], name="news_waiting_idx",
                         condition=models.Q(status="submitted")),
            models.Index(fields=["activity", "status"], name="news_activity_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(late_seconds__isnull=True) | models.Q(late_seconds__gte=0),
                                   name="news_late_seconds_not_negative"),
        ]

    def __str__(self):
        return self.title

    @property
    def scope_organization(self):
        return self.organization

    @property
    def late_display(self) -> str:
        """"逾期 2 天 5 小时" (how late its first submission was), "" when on time."""
        from .lateness import late_label

        return late_label(self.late_seconds)


class NewsImage(models.Model):
    """One picture of a news item (checked by the media intake: a real image, within the size
    and pixel limits, location data stripped, thumbnail in asset.poster)."""

    item = models.ForeignKey(NewsItem, on_delete=models.CASCADE, related_name="images")
    asset = models.OneToOneField("media.MediaAsset", on_delete=models.PROTECT, related_name="news_image")
    caption = models.CharField(_("图片说明"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("动态信息图片")
        verbose_name_plural = _("动态信息图片")

    def __str__(self):
        return self.caption or str(self.asset_id)


class NewsDue(models.Model):
    """The news clock of one approved activity: when it starts (the end of the last session,
    else the end of the last day, Asia/Shanghai), when news is due (N days later, N from the
    nearest regional plan, else the campaign), and what has been reported so far."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    activity = models.OneToOneField("activities.Activity", on_delete=models.CASCADE, related_name="news_due")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=255)  # organization.path, for GROUP BY on path prefixes
    clock_starts_at = models.DateTimeField(_("计时起点"))
    within_days = models.PositiveSmallIntegerField(_("报送时限（天）"))
    due_at = models.DateTimeField(_("报送时限"))
    first_news_at = models.DateTimeField(_("首条动态报送时间"), null=True, blank=True)
    on_time = models.BooleanField(_("按时报送"), default=False)
    with_images = models.BooleanField(_("有图片"), default=False)
    reminded_at = models.DateTimeField(_("到期前提醒时间"), null=True, blank=True)
    nudged_at = models.DateTimeField(_("催报时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("动态信息报送时限")
        verbose_name_plural = _("动态信息报送时限")
        indexes = [
            models.Index(fields=["campaign", "org_path"], name="news_due_campaign_path_idx"),
            models.Index(fields=["campaign", "clock_starts_at"], name="news_due_campaign_clock_idx"),
            # The reminder sweep: still nothing reported, not yet reminded, due soon.
            models.Index(fields=["due_at"], name="news_due_reminder_idx",
                         condition=models.Q(first_news_at__isnull=True, reminded_at__isnull=True)),
            # The dashboard's list of what is still missing, most overdue first (a LIMIT that
            # stops early instead of sorting every clock of the nation).
            models.Index(fields=["campaign", "due_at", "id"], name="news_due_missing_idx",
                         condition=models.Q(first_news_at__isnull=True)),
            # The dashboard's live part: the clocks due within the current hour.
            models.Index(fields=["campaign", "due_at"], name="news_due_campaign_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(due_at__gte=models.F("clock_starts_at")),
                                   name="news_due_after_clock_start"),
        ]

    def __str__(self):
        return f"{self.activity_id} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def scope_organization(self):
        return self.organization


class NewsTally(models.Model):
    """The news clocks of one subtree, counted by the hour their clock starts (UTC) and the days
    allowed: what the reporting dashboard reads instead of every clock of the nation.

    A row per (subtree, start hour, days) for every organization at depth >= 2 and its
    descendants; none for the root, so the national dashboard reads its children's rows and no
    single row takes every submission of the country. Kept by ``news.tally`` in the same
    transaction as every write to a clock (``apply``), rebuilt by ``rebuild_news_dues``. A
    clock's due time is its start plus N days exactly, so a row's due hour is its start hour
    plus N days: the only rows the tally cannot answer for a given moment are those of the
    current hour (started or due within it); the dashboard counts those clocks live."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=255)  # the subtree's organization path
    depth = models.PositiveSmallIntegerField()
    start_hour = models.DateTimeField()
    within_days = models.PositiveSmallIntegerField()
    due_hour = models.DateTimeField()
    clocks = models.IntegerField(default=0)
    reported = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    complete = models.IntegerField(default=0)  # reported with pictures

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "path", "start_hour", "within_days"],
                                    name="news_tally_key"),
        ]
        indexes = [models.Index(fields=["campaign", "depth", "path"], name="news_tally_level_idx")]

    def __str__(self):
        return f"{self.path} {self.start_hour:%Y-%m-%d %H}h +{self.within_days}d: {self.clocks}"
