"""Activities (重点项目/活动) and open days (开放活动) filed by the organizer network, their
sessions, and the review trail that takes them up the reporting line."""
from enum import nonmember

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sciweek.core.fields import URLField


class ActivityStatus(models.TextChoices):
    """The states of a filing (defined outside Activity so its Meta can name the groups)."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("审核中")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")
    CANCELLED = "cancelled", _("已取消")
    SUPERSEDED = "superseded", _("变更已并入")

    # Named groups: every query, index and export says which group it means.
    # What the public sees: approved, and cancelled after approval (shown as cancelled).
    PUBLIC = nonmember(("approved", "cancelled"))
    # What the work plan's counts count.
    COUNTED = nonmember(("approved",))
    # What the filer may still edit.
    EDITABLE = nonmember(("draft", "returned"))
    # Not yet decided: a filing (or change request) still on its way.
    OPEN = nonmember(("draft", "submitted", "returned"))
    # In the plan lists a province sends up: filed and not dropped.
    LISTED = nonmember(("submitted", "returned", "approved", "cancelled"))
    # Gone from the filer's own lists (a withdrawn filing, a merged change copy).
    RETIRED = nonmember(("withdrawn", "superseded"))


class Activity(models.Model):
    """One filing: a key project/activity (《重点项目备案表》) or an open day
    (《参与开放活动的科研机构和大学备案表》). Its status moves only through services."""

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

    Status = ActivityStatus

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
    other_hosts = models.CharField(_("其他主办单位"), max_length=255, blank=True,
                                   help_text=_("平台上没有的主办单位，用顿号分隔。"))
    other_organizers = models.CharField(_("其他承办单位"), max_length=255, blank=True)
    supervising_department = models.CharField(_("主管部门"), max_length=128, blank=True)
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

    # Online channels (网络科技活动周)
    live_stream_url = URLField(_("直播链接"), blank=True)
    online_exhibition_url = URLField(_("网络展厅链接"), blank=True)
    video_url = URLField(_("视频链接"), blank=True)
    wechat_account = models.CharField(_("微信公众号"), max_length=64, blank=True)
    mini_program_path = models.CharField(_("小程序路径"), max_length=255, blank=True)

    # Venue
    division = models.ForeignKey(
        "organizations.Division", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("举办地")
    )
    address = models.CharField(_("地址"), max_length=255, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True,
                                   validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True,
                                    validators=[MinValueValidator(-180), MaxValueValidator(180)])
    venue_capacity = models.PositiveIntegerField(_("场馆额定容量"), null=True, blank=True)

    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    audience = models.CharField(_("面向对象"), max_length=128, blank=True)
    expected_participants = models.PositiveIntegerField(_("预计参与人数"), null=True, blank=True)
    actual_participants = models.PositiveIntegerField(_("实际参与人数"), null=True, blank=True)
    budget = models.DecimalField(_("经费预算（万元）"), max_digits=10, decimal_places=2, null=True, blank=True,
                                 validators=[MinValueValidator(0)])
    description = models.TextField(_("活动内容"), blank=True)
    format_description = models.TextField(_("活动形式"), blank=True)
    publicity_plan = models.TextField(_("宣传方式"), blank=True)

    # Open day (开放活动) fields
    facilities = models.TextField(_("开放的设施（实验室、设备、展馆等）"), blank=True)
    open_hours = models.CharField(_("开放时间"), max_length=128, blank=True)
    booking_method = models.CharField(_("预约方式"), max_length=255, blank=True)

    # People: never shown publicly in full
    lead_name = models.CharField(_("项目负责人"), max_length=32, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)

    # Safety and epidemic-prevention plan (on-site activities)
    safety_max_attendance = models.PositiveIntegerField(_("最大同时在场人数"), null=True, blank=True)
    safety_measures = models.TextField(_("安全和疫情防控措施"), blank=True)
    safety_responsible = models.CharField(_("安全责任人"), max_length=32, blank=True)
    attestation_text = models.CharField(
        _("预约须确认的防疫承诺"), max_length=255, blank=True,
        help_text=_("例如：本人及同行人员近14天无中高风险地区旅居史，健康码为绿码。留空则不要求。"))

    # Workflow
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    review_level = models.ForeignKey(
        "organizations.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("当前审核层级"), help_text=_("正在审核这份备案的组织（沿上报关系逐级向上）。"),
    )
    final_level = models.ForeignKey(
        "organizations.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("终审层级"),
    )
    revises = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="change_requests",
        verbose_name=_("变更的原活动"),
        help_text=_("对已通过活动的变更：审核通过前，原活动保持公开。"),
    )
    is_late = models.BooleanField(_("逾期备案"), default=False)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    waiting_since = models.DateTimeField(_("进入当前审核层级的时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("通过时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=255, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="bumped by every transition (optimistic locking)")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
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
            models.Index(fields=["review_level", "status"]),
            models.Index(fields=["status", "starts_on"]),
            # The public catalog (approved or cancelled, not a change copy) in its default order,
            # and by place: index-only scans, so page 1 and page 200 read only what they show.
            models.Index(fields=["campaign", "starts_on", "id"], name="activity_public_date_idx",
                         condition=models.Q(status__in=list(ActivityStatus.PUBLIC), revises__isnull=True)),
            models.Index(fields=["campaign", "division", "starts_on", "id"], name="activity_public_division_idx",
                         condition=models.Q(status__in=list(ActivityStatus.PUBLIC), revises__isnull=True)),
            # selectors.data_version: the newest write of a campaign, one backwards seek.
            models.Index(fields=["campaign", "updated_at"], name="activity_campaign_updated_idx"),
            # The console home's "changed last" across campaigns: for a national or provincial
            # scope a backwards walk of this index, instead of sorting the scope's every filing
            # (480 ms → 7 ms for the nation on the national data).
            models.Index(fields=["updated_at"], name="activity_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="activity_dates_ordered",
            ),
            # One open change request per approved activity.
            models.UniqueConstraint(
                fields=["revises"], condition=models.Q(status__in=list(ActivityStatus.OPEN)),
                name="one_open_change_per_activity",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def scope_organization(self):
        return self.organization

    @property
    def is_onsite(self) -> bool:
        return self.format in (self.Format.ONSITE, self.Format.HYBRID)

    @property
    def is_editable(self) -> bool:
        return self.status in self.Status.EDITABLE

    def _names(self, role: str, extra: str) -> str:
        # Uses host_links as prefetched by selectors.with_hosts (no query per row there).
        names = [link.organization.display_name for link in self.host_links.all() if link.role == role]
        names += [n for n in extra.replace("，", "、").split("、") if n.strip()]
        return "、".join(names)

    @property
    def hosts_display(self) -> str:
        return self._names("host", self.other_hosts)

    @property
    def organizers_display(self) -> str:
        return self._names("organizer", self.other_organizers)

    @property
    def masked_phone(self) -> str:
        phone = self.contact_phone
        return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else ("****" if phone else "")


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
    max_group_size = models.PositiveSmallIntegerField(
        _("单次预约最多人数"), default=1, help_text=_("大于 1 时允许团体预约（如老师带班级），按人数占用名额。"))
    waitlist_enabled = models.BooleanField(_("约满后开放候补"), default=True)
    cancel_hours_before = models.PositiveSmallIntegerField(_("开始前多少小时内不可取消"), default=2)
    is_closed = models.BooleanField(_("停止预约"), default=False)
    cancelled_at = models.DateTimeField(_("场次取消时间"), null=True, blank=True)

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

    def save(self, *args, **kwargs):
        # seats_taken is a counter moved only by conditional UPDATEs (reservations.services);
        # saving a stale instance must never write its old count back.
        if self.pk is not None and not kwargs.get("force_insert") and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [f.attname for f in self._meta.concrete_fields
                                       if not f.primary_key and f.attname != "seats_taken"]
        super().save(*args, **kwargs)

    @property
    def scope_organization(self):
        return self.activity.organization


class Transition(models.Model):
    """Every state change of a filing: who, when, from, to, at which level, and why."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("提交")
        APPROVE = "approve", _("审核通过")
        FORWARD = "forward", _("通过并上报")
        RETURN = "return", _("退回修改")
        REJECT = "reject", _("不予通过")
        WITHDRAW = "withdraw", _("撤回")
        REOPEN = "reopen", _("重新编辑")
        CANCEL = "cancel", _("取消活动")
        PROPOSE_CHANGE = "propose_change", _("发起变更")
        APPLY_CHANGE = "apply_change", _("变更生效")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=16, choices=Action.choices)
    from_status = models.CharField(max_length=16, choices=Activity.Status.choices)
    to_status = models.CharField(max_length=16, choices=Activity.Status.choices)
    level = models.ForeignKey("organizations.Organization", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    comment = models.TextField(blank=True)
    snapshot = models.JSONField(default=dict, blank=True,
                                help_text="the filing's fields as submitted, to show reviewers what changed")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")

    def __str__(self):
        return f"{self.activity_id} {self.from_status}→{self.to_status}"


class Attachment(models.Model):
    """Images and documents attached to a filing; served only through an authorising view."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("图片")
        DOCUMENT = "document", _("附件")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    file = models.FileField(upload_to="filings/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name

    @property
    def scope_organization(self):
        return self.activity.organization


class Notification(models.Model):
    """A message in a staff member's console (also sent by e-mail in the background)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    message = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.message


class SearchToken(models.Model):
    """One jieba token of a public activity's text (see activities.search)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "activity"], name="search_token_unique")]

    def __str__(self):
        return self.token
