"""Contests with judges and prizes (讲解大赛、微视频大赛、实验展演、优秀科普作品推荐).

One judging engine serves the four kinds at every level of the tree. A *contest* belongs to a
campaign and the organization that runs it; it has categories, rounds (preliminary, final) and
prize tiers. An *entry* is submitted by a unit or recommended by an organization down the tree
(in ranked order, within the quota the contest gives that organization's region; what is over
quota is cut by rank).

A round has a rubric of weighted criteria and a panel of judges. Assignments give each entry at
least k judges and each judge at most a cap; a judge whose organization is the entry's (or above
or below it in the tree) is conflicted automatically, a judge may declare a conflict too, and a
conflicted judge is never assigned, never sees and never scores that entry. A score locks on
submit; a chief judge may reopen one with a reason (audit log). Each submitted score updates the
round's results at once: aggregate (trimmed mean, mean or median, to one decimal), explicit
tie-breaks, rank and prize tier. Results go out for public notice (公示) with objections before
they are final; final awards carry a certificate code for their verification address.

What must hold whatever the interleaving is held by the database: one assignment per judge and
entry and round, one score per assignment, one result per entry and round, one award per entry
and contest, unique recommendation ranks, and the public vote's caps (counter rows moved only
by conditional UPDATEs, see services.cast_vote).
"""
import secrets
from decimal import Decimal
from enum import nonmember

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def new_certificate_code() -> str:
    """96 random bits: an award's verification address cannot be guessed."""
    return secrets.token_urlsafe(12)


class Contest(models.Model):
    class Kind(models.TextChoices):
        SPEAKING = "speaking", _("科普讲解大赛")
        MICRO_VIDEO = "micro_video", _("科普微视频大赛")
        EXPERIMENT = "experiment", _("科学实验展演")
        WORKS = "works", _("优秀科普作品推荐")

    class Status(models.TextChoices):
        DRAFT = "draft", _("筹备中")
        OPEN = "open", _("征集中")
        JUDGING = "judging", _("评审中")
        PUBLICITY = "publicity", _("公示中")
        FINAL = "final", _("结果已公布")

        # Statuses in which the public sees the contest.
        PUBLIC = nonmember(("open", "judging", "publicity", "final"))

    class Aggregation(models.TextChoices):
        TRIMMED_MEAN = "trimmed_mean", _("去掉一个最高分和一个最低分后取平均")
        MEAN = "mean", _("平均分")
        MEDIAN = "median", _("中位数")

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="contests",
                                 verbose_name=_("科技活动周"))
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT,
                                     related_name="contests", verbose_name=_("主办单位"))
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=120)
    slug = models.SlugField(_("网址名"), max_length=60)
    description = models.TextField(_("大赛简介"), blank=True)
    rules = models.TextField(_("参赛规则"), blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    entries_open_at = models.DateTimeField(_("征集开始"), null=True, blank=True)
    entries_close_at = models.DateTimeField(_("征集截止"), null=True, blank=True)
    # Entry rules
    requires_video = models.BooleanField(_("作品须上传视频"), default=False)
    requires_aired_url = models.BooleanField(_("须填写已播出的网址"), default=False)
    max_entries_per_first_author = models.PositiveSmallIntegerField(
        _("每位第一作者最多作品数"), null=True, blank=True, validators=[MinValueValidator(1)])
    # Who may enter: units below the organizer, or only organizations that recommend (with quotas).
    by_recommendation = models.BooleanField(_("由下级推荐参赛"), default=False)
    default_quota = models.PositiveSmallIntegerField(_("每个地区默认推荐名额"), null=True, blank=True)
    # Judging
    anonymous_judging = models.BooleanField(_("匿名评审（评委看不到作者和单位）"), default=False)
    judges_per_entry = models.PositiveSmallIntegerField(_("每件作品至少评委数"), default=3,
                                                        validators=[MinValueValidator(1)])
    max_entries_per_judge = models.PositiveSmallIntegerField(_("每位评委最多评审作品数"), null=True, blank=True)
    publicity_days = models.PositiveSmallIntegerField(_("公示天数"), default=7, validators=[MinValueValidator(1)])
    # Public vote (optional): its share of the final result is capped by the contest rules.
    vote_enabled = models.BooleanField(_("开放网络投票"), default=False)
    vote_share_percent = models.PositiveSmallIntegerField(
        _("网络投票占最终成绩的比例（%）"), default=0, validators=[MaxValueValidator(30)])
    votes_per_entry_per_day = models.PositiveSmallIntegerField(_("每人每天对每件作品最多投票数"), default=3)
    votes_per_category_per_day = models.PositiveSmallIntegerField(_("每人每天每个组别最多投票数"), default=15)
    votes_open_at = models.DateTimeField(_("投票开始"), null=True, blank=True)
    votes_close_at = models.DateTimeField(_("投票截止"), null=True, blank=True)
    # Bumped by every change the public pages and the live board show (results, entries).
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign", "organization__path", "kind", "id"]
        verbose_name = _("大赛")
        verbose_name_plural = _("大赛")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "slug"], name="contest_slug_per_campaign"),
            models.CheckConstraint(condition=Q(vote_share_percent__lte=30), name="contest_vote_share_capped"),
        ]

    def __str__(self):
        return self.title

    @property
    def scope_organization(self):
        return self.organization


class Category(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("组别"), max_length=60)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["contest", "position", "id"]
        verbose_name = _("组别")
        verbose_name_plural = _("组别")
        constraints = [models.UniqueConstraint(fields=["contest", "name"], name="contest_category_name")]

    def __str__(self):
        return self.name


class Quota(models.Model):
    """How many entries an organization (a province, a department) may recommend."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="quotas")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("推荐单位"))
    places = models.PositiveSmallIntegerField(_("推荐名额"))

    class Meta:
        ordering = ["contest", "organization__path"]
        constraints = [models.UniqueConstraint(fields=["contest", "organization"], name="contest_quota_per_org")]

    def __str__(self):
        return f"{self.organization} × {self.places}"


class Round(models.Model):
    class Kind(models.TextChoices):
        PRELIMINARY = "preliminary", _("初赛")
        FINAL = "final", _("决赛")

    class Status(models.TextChoices):
        PENDING = "pending", _("未开始")
        SCORING = "scoring", _("评分中")
        CLOSED = "closed", _("已结束")

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="rounds")
    kind = models.CharField(_("轮次"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=60)
    position = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    aggregation = models.CharField(_("计分方法"), max_length=16, choices=Contest.Aggregation.choices,
                                   default=Contest.Aggregation.TRIMMED_MEAN)
    normalize = models.BooleanField(
        _("按评委标准化"), default=False,
        help_text=_("消除评委打分松紧的差异：每位评委的分数换算到全体评委的平均尺度，原始分和换算分都保留。"))
    is_live = models.BooleanField(_("现场决赛（大屏实时显示成绩）"), default=False)
    advance_count = models.PositiveSmallIntegerField(_("晋级名额"), null=True, blank=True)
    starts_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # Bumped on every submitted score: the live board's and the results' cache key.
    version = models.PositiveIntegerField(default=1)
    # The last mark (RoundMarks.seq) the stored results include (services.compute_results).
    computed_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["contest", "position", "id"]
        verbose_name = _("轮次")
        verbose_name_plural = _("轮次")
        constraints = [models.UniqueConstraint(fields=["contest", "position"], name="contest_round_position")]

    def __str__(self):
        return self.name

    @property
    def scope_organization(self):
        return self.contest.organization


class RoundMarks(models.Model):
    """A round's mark counter, apart from the Round row: a judge's submit takes the next number
    in its own transaction while a results recompute holds the Round row's lock. The numbers
    let one recompute stand for every mark committed before it began (services.compute_results)."""

    round = models.OneToOneField(Round, primary_key=True, on_delete=models.CASCADE, related_name="marks")
    seq = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.round_id}: {self.seq}"


class Criterion(models.Model):
    """One line of a round's rubric: its weight (share of 100) and the range judges mark in."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("评分项"), max_length=60)
    description = models.CharField(_("评分要点"), max_length=300, blank=True)
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    min_points = models.DecimalField(_("最低分"), max_digits=6, decimal_places=2, default=0)
    max_points = models.DecimalField(_("最高分"), max_digits=6, decimal_places=2)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["round", "position", "id"]
        verbose_name = _("评分项")
        verbose_name_plural = _("评分项")
        constraints = [
            models.CheckConstraint(condition=Q(max_points__gt=models.F("min_points")), name="criterion_range"),
        ]

    def __str__(self):
        return self.name


class PrizeTier(models.Model):
    """一等奖, 二等奖 …: by a count, by a share of the ranked entries, or (neither) all the rest."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="prize_tiers")
    name = models.CharField(_("奖项"), max_length=30)
    position = models.PositiveSmallIntegerField(default=0)
    count = models.PositiveSmallIntegerField(_("名额"), null=True, blank=True)
    share_percent = models.PositiveSmallIntegerField(_("比例（%）"), null=True, blank=True,
                                                     validators=[MinValueValidator(1), MaxValueValidator(100)])

    class Meta:
        ordering = ["contest", "position", "id"]
        verbose_name = _("奖项")
        verbose_name_plural = _("奖项")
        constraints = [
            models.UniqueConstraint(fields=["contest", "name"], name="prize_tier_name"),
            models.CheckConstraint(condition=~(Q(count__isnull=False) & Q(share_percent__isnull=False)),
                                   name="prize_tier_count_or_share"),
        ]

    def __str__(self):
        return self.name


class Entry(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已报送")
        OVER_QUOTA = "over_quota", _("超出推荐名额")
        WITHDRAWN = "withdrawn", _("已撤回")
        DISQUALIFIED = "disqualified", _("取消资格")

        # What is judged and ranked.
        IN_CONTEST = nonmember(("submitted",))

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="entries")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="entries", verbose_name=_("组别"))
    number = models.PositiveIntegerField(_("作品编号"))  # shown to anonymous judges instead of names
    title = models.CharField(_("作品名称"), max_length=120)
    summary = models.TextField(_("作品简介"), blank=True)
    first_author = models.CharField(_("第一作者"), max_length=40)
    team_members = models.CharField(_("其他作者/团队成员"), max_length=300, blank=True,
                                    help_text=_("多人用顿号“、”分隔。"))
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT,
                                     related_name="contest_entries", verbose_name=_("报送单位"))
    recommended_by = models.ForeignKey("organizations.Organization", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="recommended_entries",
                                       verbose_name=_("推荐单位"))
    recommendation_rank = models.PositiveSmallIntegerField(_("推荐排序"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    originality_attested_at = models.DateTimeField(_("原创承诺时间"))
    aired_url = models.URLField(_("已播出网址"), blank=True)
    video = models.ForeignKey("media.MediaAsset", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("视频"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contest", "number"]
        verbose_name = _("参赛作品")
        verbose_name_plural = _("参赛作品")
        constraints = [
            models.UniqueConstraint(fields=["contest", "number"], name="entry_number_per_contest"),
            models.UniqueConstraint(fields=["contest", "recommended_by", "recommendation_rank"],
                                    condition=Q(recommendation_rank__isnull=False),
                                    name="entry_recommendation_rank"),
        ]
        indexes = [models.Index(fields=["contest", "status", "category"]),
                   models.Index(fields=["contest", "first_author"])]

    def __str__(self):
        return self.title

    @property
    def scope_organization(self):
        return self.organization

    @property
    def code(self) -> str:
        return f"{self.number:03d}"


class Panel(models.Model):
    """The judges of one round (and one category, or all of them)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="panels")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="panels",
                                 verbose_name=_("组别"))
    name = models.CharField(_("评审组"), max_length=60)

    class Meta:
        ordering = ["round", "id"]
        verbose_name = _("评审组")
        verbose_name_plural = _("评审组")

    def __str__(self):
        return self.name


class PanelJudge(models.Model):
    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="judges")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contest_panels")
    is_chief = models.BooleanField(_("评审组长"), default=False)

    class Meta:
        ordering = ["panel", "-is_chief", "id"]
        constraints = [models.UniqueConstraint(fields=["panel", "judge"], name="panel_judge_once")]

    def __str__(self):
        return f"{self.panel} · {self.judge}"


class Conflict(models.Model):
    """A judge who must not judge an entry: found from the tree, or declared."""

    class Kind(models.TextChoices):
        SAME_ORGANIZATION = "same_org", _("同一单位")
        TREE = "tree", _("上下级单位")
        DECLARED = "declared", _("本人申报")

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="conflicts")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contest_conflicts")
    kind = models.CharField(_("回避原因"), max_length=12, choices=Kind.choices)
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry", "judge"]
        constraints = [models.UniqueConstraint(fields=["entry", "judge"], name="conflict_once")]

    def __str__(self):
        return f"{self.judge} ⟂ {self.entry}"


class Assignment(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="assignments")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="assignments")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contest_assignments")
    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="assignments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round", "entry__number", "judge_id"]
        constraints = [models.UniqueConstraint(fields=["round", "entry", "judge"], name="assignment_once")]
        indexes = [models.Index(fields=["judge", "round"])]

    def __str__(self):
        return f"{self.round} · {self.entry} · {self.judge}"


class Score(models.Model):
    """A judge's marks for one assignment. `points` maps criterion id → points; `total` is the
    weighted sum on a 100 scale; `normalized` the same after per-judge normalisation (if the
    round uses it). Locked once submitted: only a chief judge's reopen unlocks it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("未提交")
        SUBMITTED = "submitted", _("已提交")

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="score")
    points = models.JSONField(default=dict)
    total = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    normalized = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True)
    reopened_count = models.PositiveSmallIntegerField(default=0)
    # The round's mark number of the last submit or reopen (RoundMarks.seq).
    mark_seq = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(
            condition=Q(status="draft") | Q(total__isnull=False, submitted_at__isnull=False),
            name="score_submitted_complete")]

    def __str__(self):
        return f"{self.assignment} = {self.total}"


class Result(models.Model):
    """An entry's standing in a round, rewritten by services.compute_results."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="results")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="results")
    judges_score = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    vote_score = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    score = models.DecimalField(max_digits=5, decimal_places=1, null=True)  # what ranks
    scores_in = models.PositiveSmallIntegerField(default=0)
    scores_expected = models.PositiveSmallIntegerField(default=0)
    rank = models.PositiveIntegerField(null=True)
    tied = models.BooleanField(default=False)  # shares its rank after every tie-break
    tie_break = models.CharField(max_length=120, blank=True)  # which rule separated it from the one above
    prize_tier = models.ForeignKey(PrizeTier, null=True, on_delete=models.SET_NULL, related_name="+")
    advances = models.BooleanField(default=False)

    class Meta:
        ordering = ["round", "rank", "entry__number"]
        constraints = [models.UniqueConstraint(fields=["round", "entry"], name="result_once")]

    def __str__(self):
        return f"{self.round} · {self.entry} #{self.rank}"


class Objection(models.Model):
    """An objection raised in real name during the public notice (公示)."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="objections")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="objections")
    name = models.CharField(_("姓名"), max_length=40)
    phone = models.CharField(_("联系电话"), max_length=20)
    text = models.TextField(_("异议内容"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    response = models.TextField(_("处理意见"), blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.entry} · {self.name}"


class Publication(models.Model):
    """The results put out for public notice, then made final."""

    contest = models.OneToOneField(Contest, on_delete=models.CASCADE, related_name="publication")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="+")
    publicity_starts_at = models.DateTimeField()
    publicity_ends_at = models.DateTimeField()
    finalized_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")

    def __str__(self):
        return f"{self.contest} · {self.publicity_starts_at:%Y-%m-%d}"


class Award(models.Model):
    """A prize as finally awarded; its certificate code makes the verification address."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="awards")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="awards")
    tier = models.ForeignKey(PrizeTier, on_delete=models.PROTECT, related_name="awards")
    rank = models.PositiveIntegerField()
    score = models.DecimalField(max_digits=5, decimal_places=1)
    certificate_code = models.CharField(max_length=24, unique=True, default=new_certificate_code)
    awarded_at = models.DateTimeField()

    class Meta:
        ordering = ["contest", "rank", "entry__number"]
        constraints = [models.UniqueConstraint(fields=["contest", "entry"], name="award_once")]

    def __str__(self):
        return f"{self.entry} · {self.tier}"


class Vote(models.Model):
    """One public vote by a phone-verified participant. Voided votes stay, with why and by whom."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="votes")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contest_votes")
    day = models.DateField()
    ip = models.GenericIPAddressField(null=True)
    device = models.CharField(max_length=64, blank=True)  # a hash, never the raw identifier
    flagged = models.BooleanField(default=False)  # part of a burst from one device or address
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["entry", "voided_at"]), models.Index(fields=["contest", "ip", "created_at"]),
                   models.Index(fields=["contest", "device", "created_at"])]

    def __str__(self):
        return f"{self.voter_id} → {self.entry_id} ({self.day})"


class VoteCounter(models.Model):
    """A voter's votes of one day, per entry (entry set) or per category (entry null). The caps
    hold because a vote moves both counters by conditional UPDATEs in one transaction."""

    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(Entry, null=True, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    used = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["voter", "entry", "day"], condition=Q(entry__isnull=False),
                                    name="vote_counter_entry"),
            models.UniqueConstraint(fields=["voter", "category", "day"], condition=Q(entry__isnull=True),
                                    name="vote_counter_category"),
        ]

    def __str__(self):
        return f"{self.voter_id} · {self.day} · {self.used}"
