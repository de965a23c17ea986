"""Commendations (表彰): a level's list of excellent organizing units (优秀组织单位) and
individuals (优秀个人) for a campaign, drawn from the ranking of one of its evaluations within
quotas, edited with reasons, approved, put out for public notice (公示), then final.

- ``Commendation``: the list of one commending level (the evaluation's organization), its
  title and decision text (为表彰…), its status (draft → proposed → approved → notice → final,
  or withdrawn) and the notice period.
- ``CommendationCategory``: one quota (excellent units of one peer group, or individuals).
- ``Candidate``: a unit (drawn from the ranking with its rank and total, or added by the level
  with a reason) or a named person (name, unit and role only: no phone, no ID number); removed
  with a reason rather than deleted, so the trail shows who left the list and why.
- ``Objection``: raised during the notice (by the public, or recorded by the level), handled
  with an outcome; the list cannot become final while one is open.
- ``CommendationEvent``: the trail of the list's transitions."""
from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_certificate_code() -> str:
    """96 random bits: a certificate's verification address cannot be guessed."""
    return secrets.token_urlsafe(12)


class CommendationStatus(models.TextChoices):
    DRAFT = "draft", _("草拟中")
    PROPOSED = "proposed", _("待审定")
    APPROVED = "approved", _("已审定")
    NOTICE = "notice", _("公示中")
    FINAL = "final", _("已公布")
    WITHDRAWN = "withdrawn", _("已撤销")


# The candidates may be changed while drafting; the public sees a list on notice or final.
CommendationStatus.EDITABLE = frozenset({CommendationStatus.DRAFT})
CommendationStatus.PUBLIC = frozenset({CommendationStatus.NOTICE, CommendationStatus.FINAL})
CommendationStatus.LIVE = frozenset(set(CommendationStatus) - {CommendationStatus.WITHDRAWN})


class Kind(models.TextChoices):
    UNIT = "unit", _("优秀组织单位")
    INDIVIDUAL = "individual", _("优秀个人")


class Commendation(models.Model):
    Status = CommendationStatus

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="commendations")
    evaluation = models.ForeignKey("evaluation.Evaluation", on_delete=models.PROTECT, related_name="commendations",
                                   verbose_name=_("依据的评估"))
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT,
                                     related_name="commendations", verbose_name=_("表彰单位"))
    title = models.CharField(_("名单标题"), max_length=120)
    decision_text = models.TextField(_("表彰决定"), max_length=2000)
    status = models.CharField(_("状态"), max_length=12, choices=CommendationStatus.choices,
                              default=CommendationStatus.DRAFT)
    notice_starts_on = models.DateField(_("公示开始日期"), null=True, blank=True)
    notice_ends_on = models.DateField(_("公示结束日期"), null=True, blank=True)
    # Where objections go, shown on the public notice: an office, not a person's phone.
    notice_contact = models.CharField(_("受理异议的部门和联系方式"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    approved_at = models.DateTimeField(_("审定时间"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("撤销理由"), blank=True)
    drawn_at = models.DateTimeField(_("生成候选名单时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # set by every service (queryset updates too)

    class Meta:
        verbose_name = _("表彰名单")
        verbose_name_plural = _("表彰名单")
        ordering = ["-campaign__year", "organization__path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation"], condition=~Q(status="withdrawn"),
                                    name="one_live_commendation_per_evaluation"),
            models.CheckConstraint(
                condition=~Q(status__in=["notice", "final"])
                | Q(notice_starts_on__isnull=False, notice_ends_on__isnull=False),
                name="commendation_notice_has_period"),
            models.CheckConstraint(
                condition=Q(notice_starts_on__isnull=True) | Q(notice_ends_on__gte=models.F("notice_starts_on")),
                name="commendation_notice_ordered"),
            models.CheckConstraint(condition=~Q(status="withdrawn") | ~Q(withdrawn_reason=""),
                                   name="commendation_withdrawal_has_reason"),
        ]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self):
        return self.title

    @property
    def scope_organization(self):
        return self.organization

    @property
    def is_public(self) -> bool:
        return self.status in CommendationStatus.PUBLIC


class CommendationCategory(models.Model):
    """One quota: excellent units of a peer group of the evaluation (or of all of them), or
    excellent individuals."""

    commendation = models.ForeignKey(Commendation, on_delete=models.CASCADE, related_name="categories")
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=60)
    peer_group = models.CharField(_("比较组"), max_length=24, blank=True)  # the evaluation's key; "" all
    peer_group_label = models.CharField(max_length=40, blank=True)
    quota = models.PositiveSmallIntegerField(_("名额"))
    # Kept over the quota (ties at the boundary, or an added unit): why, required to propose.
    over_quota_reason = models.CharField(_("超出名额的理由"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("表彰类别")
        verbose_name_plural = _("表彰类别")
        constraints = [
            models.UniqueConstraint(fields=["commendation", "kind", "peer_group"], name="category_once"),
            models.CheckConstraint(condition=Q(kind="unit") | Q(peer_group=""), name="individuals_have_no_group"),
            models.CheckConstraint(condition=Q(quota__gte=1), name="category_quota_positive"),
        ]

    def __str__(self):
        return self.name

    @property
    def scope_organization(self):
        return self.commendation.organization


class Candidate(models.Model):
    class Source(models.TextChoices):
        RANKED = "ranked", _("按评估排名")
        ADDED = "added", _("本级增补")

    commendation = models.ForeignKey(Commendation, on_delete=models.CASCADE, related_name="candidates")
    category = models.ForeignKey(CommendationCategory, on_delete=models.CASCADE, related_name="candidates")
    kind = models.CharField(max_length=12, choices=Kind.choices)  # the category's (for constraints)
    # The unit commended, or the unit the person works in.
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("单位"))
    person_name = models.CharField(_("姓名"), max_length=40, blank=True)
    person_role = models.CharField(_("职务或职称"), max_length=60, blank=True)
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices)
    rank = models.PositiveIntegerField(_("评估排名"), null=True, blank=True)
    total = models.DecimalField(_("评估总分"), max_digits=7, decimal_places=2, null=True, blank=True)
    peer_group_label = models.CharField(max_length=40, blank=True)
    reason = models.CharField(_("增补理由"), max_length=200, blank=True)
    # Tied at the quota's boundary: drawn with the others of the same rank, beyond the quota.
    tied_at_boundary = models.BooleanField(_("名额线并列"), default=False)
    removed = models.BooleanField(default=False)
    removed_reason = models.CharField(_("删除理由"), max_length=200, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    position = models.PositiveIntegerField(default=0)
    # Once final: the level marks an awardee unit for next year's key-project support.
    support_next_year = models.BooleanField(_("下一年度重点项目支持"), default=False)
    certificate_code = models.CharField(max_length=24, unique=True, default=new_certificate_code)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category__position", "category_id", "position", "id"]
        verbose_name = _("表彰候选")
        verbose_name_plural = _("表彰候选")
        constraints = [
            models.CheckConstraint(condition=(Q(kind="unit") & Q(person_name=""))
                                   | (Q(kind="individual") & ~Q(person_name="")),
                                   name="candidate_named_when_individual"),
            models.CheckConstraint(condition=~Q(source="added") | ~Q(reason=""), name="added_candidate_has_reason"),
            models.CheckConstraint(condition=Q(source="added") | Q(rank__isnull=False),
                                   name="ranked_candidate_has_rank"),
            models.CheckConstraint(condition=Q(removed=False) | ~Q(removed_reason=""),
                                   name="removed_candidate_has_reason"),
            models.CheckConstraint(condition=Q(kind="unit") | Q(support_next_year=False),
                                   name="support_for_units_only"),
            # A unit is commended once per list (an individual's unit may appear many times).
            models.UniqueConstraint(fields=["commendation", "organization"],
                                    condition=Q(kind="unit", removed=False), name="unit_commended_once"),
        ]
        indexes = [models.Index(fields=["commendation", "removed"])]

    def __str__(self):
        return self.display_name

    @property
    def scope_organization(self):
        return self.commendation.organization

    @property
    def display_name(self) -> str:
        return self.person_name if self.kind == Kind.INDIVIDUAL else self.organization.name


class Objection(models.Model):
    """An objection to the list during its notice: from the public form (name and contact
    optional) or recorded by the level (a letter, a call), handled with an outcome."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    class Source(models.TextChoices):
        PUBLIC = "public", _("网上提交")
        RECORDED = "recorded", _("本级登记")

    commendation = models.ForeignKey(Commendation, on_delete=models.CASCADE, related_name="objections")
    candidate = models.ForeignKey(Candidate, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="objections", verbose_name=_("针对的候选"))
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PUBLIC)
    name = models.CharField(_("姓名"), max_length=40, blank=True)
    contact = models.CharField(_("联系方式"), max_length=60, blank=True)
    text = models.TextField(_("异议内容"), max_length=2000)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    response = models.TextField(_("处理意见"), blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        constraints = [models.CheckConstraint(condition=Q(status="open") | ~Q(response=""),
                                              name="commendation_objection_handled_with_response")]

    def __str__(self):
        return f"{self.commendation_id} · {self.get_status_display()}"

    @property
    def scope_organization(self):
        return self.commendation.organization


class CommendationEvent(models.Model):
    """The trail of a list: drawn, proposed, returned, approved, notice, final, withdrawn."""

    class Action(models.TextChoices):
        CREATED = "created", _("创建")
        DRAWN = "drawn", _("按排名生成候选")
        PROPOSED = "proposed", _("提交审定")
        RETURNED = "returned", _("退回修改")
        APPROVED = "approved", _("审定通过")
        NOTICE = "notice", _("开始公示")
        FINAL = "final", _("公布最终名单")
        WITHDRAWN = "withdrawn", _("撤销")

    commendation = models.ForeignKey(Commendation, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"
