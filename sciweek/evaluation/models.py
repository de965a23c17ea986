"""Evaluations (评估): a campaign's scheme set by one level (the evaluating organization) to
rank the organizations below it.

- A scheme is pillars (组织成效, 宣传报道, 材料报送 …) holding indicators. An indicator is either
  computed from the platform's data (a key registered in ``indicators.py``) or scored by the
  level's reviewers with a comment (``source = "scored"``). Each has a weight, a direction
  (high or low is good), a normalization (min-max within the peer group, or against a target)
  and its colour bands.
- Peer groups say who is compared with whom (the cities, the provincial departments, the units
  of a kind); subjects are the organizations evaluated, each in one peer group.
- Freezing writes the snapshot (every subject × indicator: raw value, score, band; every
  subject: total, rank, band, name) and the scheme as it was; later data or edits do not move
  it. Publishing makes the ranking public; afterwards the level may mark next year's support."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

SCORED = "scored"  # Indicator.source of the indicators reviewers score


class Evaluation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("方案编制中")
        SCORING = "scoring", _("评分中")
        FROZEN = "frozen", _("已定格")
        PUBLISHED = "published", _("已发布")

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="evaluations")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT,
                                     related_name="evaluations", verbose_name=_("评估单位"))
    name = models.CharField(_("评估名称"), max_length=120)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    evaluated_on = models.DateField(_("评估日期"), help_text=_("在这一天定格方案和数据。"))
    # The total's colour bands (a score of 0–100): high at or above band_high, low below band_low.
    band_high = models.DecimalField(_("优良线"), max_digits=5, decimal_places=2, default=Decimal("80"))
    band_low = models.DecimalField(_("警示线"), max_digits=5, decimal_places=2, default=Decimal("60"))
    # The scheme as it was frozen (pillars, indicators, weights, peer groups), for the record.
    scheme_snapshot = models.JSONField(default=dict, blank=True)
    frozen_at = models.DateTimeField(_("定格时间"), null=True, blank=True)
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("评估")
        verbose_name_plural = _("评估")
        ordering = ["-campaign__year", "organization__path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "organization", "name"], name="evaluation_name_once"),
            models.CheckConstraint(condition=models.Q(band_low__lte=models.F("band_high")),
                                   name="evaluation_bands_ordered"),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "scoring"]) | models.Q(frozen_at__isnull=False),
                name="evaluation_frozen_has_time"),
        ]
        indexes = [models.Index(fields=["organization", "campaign"])]

    def __str__(self):
        return self.name

    @property
    def scope_organization(self):
        return self.organization

    @property
    def is_frozen(self) -> bool:
        return self.status in (self.Status.FROZEN, self.Status.PUBLISHED)

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.SCORING)


class Pillar(models.Model):
    """A group of indicators (一级指标), shown as a column group with its subtotal."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="pillars")
    code = models.SlugField(_("代码"), max_length=24)
    name = models.CharField(_("名称"), max_length=60)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "code"], name="pillar_code_once")]

    def __str__(self):
        return self.name


class Indicator(models.Model):
    class Direction(models.TextChoices):
        HIGH = "high", _("越高越好")
        LOW = "low", _("越低越好")

    class Method(models.TextChoices):
        MINMAX = "minmax", _("组内极差")
        TARGET = "target", _("对照目标值")

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="indicators")
    pillar = models.ForeignKey(Pillar, on_delete=models.CASCADE, related_name="indicators")
    code = models.SlugField(_("代码"), max_length=32)  # the same code across years (last year's figure)
    name = models.CharField(_("名称"), max_length=80)
    source = models.CharField(_("数据来源"), max_length=32)  # a key of indicators.REGISTRY, or SCORED
    weight = models.DecimalField(_("权重"), max_digits=6, decimal_places=2, default=Decimal("10"),
                                 validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000"))])
    direction = models.CharField(_("方向"), max_length=4, choices=Direction.choices, default=Direction.HIGH)
    method = models.CharField(_("计分方法"), max_length=8, choices=Method.choices, default=Method.MINMAX)
    target = models.DecimalField(_("目标值"), max_digits=12, decimal_places=2, null=True, blank=True)
    unit = models.CharField(_("单位"), max_length=12, blank=True)
    # Colour bands of the indicator's score (0–100).
    band_high = models.DecimalField(_("优良线"), max_digits=5, decimal_places=2, default=Decimal("80"))
    band_low = models.DecimalField(_("警示线"), max_digits=5, decimal_places=2, default=Decimal("60"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["pillar__position", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "code"], name="indicator_code_once"),
            models.CheckConstraint(condition=models.Q(weight__gte=0), name="indicator_weight_not_negative"),
            models.CheckConstraint(condition=models.Q(band_low__lte=models.F("band_high")),
                                   name="indicator_bands_ordered"),
            models.CheckConstraint(condition=~models.Q(method="target") | models.Q(target__gt=0),
                                   name="indicator_target_given"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_scored(self) -> bool:
        return self.source == SCORED


class PeerGroup(models.Model):
    """Who is compared with whom: the organizations of these kinds at this depth below the
    evaluating level (relative_depth 1: its direct children; empty: anywhere below)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="peer_groups")
    key = models.SlugField(_("代码"), max_length=24)
    label = models.CharField(_("名称"), max_length=40)
    kinds = models.JSONField(_("组织类型"), default=list)
    relative_depth = models.PositiveSmallIntegerField(_("相对层级"), null=True, blank=True, default=1)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "key"], name="peer_group_key_once")]

    def __str__(self):
        return self.label


class Subject(models.Model):
    """An organization evaluated, in its peer group; after freezing it carries its standing."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="subjects")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="+")
    peer_group = models.ForeignKey(PeerGroup, on_delete=models.CASCADE, related_name="subjects")
    org_path = models.CharField(max_length=255)
    # Written by freeze (the snapshot): the name then, the total, the rank in the peer group, the band.
    name = models.CharField(max_length=128, blank=True)
    total = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    band = models.CharField(max_length=8, blank=True)
    # Set by the evaluating level after publishing: next year's key-project support.
    support_next_year = models.BooleanField(_("下一年度重点项目支持"), default=False)
    support_note = models.CharField(_("支持说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["peer_group__position", "org_path"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "organization"], name="subject_once")]
        indexes = [models.Index(fields=["organization", "evaluation"])]

    def __str__(self):
        return self.name or str(self.organization_id)

    @property
    def scope_organization(self):
        return self.organization


class ReviewerScore(models.Model):
    """A reviewer's score (0–100) of a scored indicator for one subject, with the reason."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="reviewer_scores")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="reviewer_scores")
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))])
    comment = models.TextField(_("评分说明"))
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    scored_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["indicator", "subject"], name="one_score_per_cell"),
            models.CheckConstraint(condition=models.Q(score__gte=0, score__lte=100), name="reviewer_score_range"),
        ]

    def __str__(self):
        return f"{self.indicator_id}/{self.subject_id}={self.score}"


class SnapshotValue(models.Model):
    """One frozen cell: the raw value on the evaluation date, its score and band."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="snapshot_values")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="snapshot_values")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="snapshot_values")
    raw = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    score = models.DecimalField(max_digits=7, decimal_places=2)
    band = models.CharField(max_length=8)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subject", "indicator"], name="snapshot_cell_once")]
        indexes = [models.Index(fields=["evaluation", "subject"])]

    def __str__(self):
        return f"{self.subject_id}/{self.indicator_id}={self.raw}"
