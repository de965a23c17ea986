"""The online science quiz (科普知识网络答题).

A *question bank* belongs to an organization; a question is used by a quiz only once a
reviewer approved it. A *quiz* belongs to a campaign and an organization and sets its rules:
the mix drawn per attempt (``DrawRule``), time limits, how many scored attempts a person has per
day and in all, which score counts, practice mode, a pass mark and prize tiers.

An *attempt* is dealt on the server: its ``AttemptQuestion`` rows hold the options in the order
this taker sees them and a snapshot of the answer key, which never leaves the server before the
question is answered. The rules that must hold whatever the interleaving are constraints:
one attempt in progress per person and quiz (a double-clicked start returns it), at most the
quiz's scored attempts per day and in all (numbered slots with unique constraints), one answer
per question (answered_at set by a conditional UPDATE), and one standing per person and quiz
(``Standing``, the row every ranking reads), written once per finished attempt.
"""
import secrets
from enum import nonmember

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


def new_certificate_code() -> str:
    """96 random bits: a certificate's verification address cannot be guessed."""
    return secrets.token_urlsafe(12)


class Audience(models.TextChoices):
    PRIMARY = "primary", _("小学生")
    SECONDARY = "secondary", _("中学生")
    PUBLIC = "public", _("社会公众")


class QuestionKind(models.TextChoices):
    TRUE_FALSE = "true_false", _("判断题")
    SINGLE = "single", _("单选题")
    MULTIPLE = "multiple", _("多选题")


class Difficulty(models.IntegerChoices):
    EASY = 1, _("容易")
    MEDIUM = 2, _("中等")
    HARD = 3, _("较难")


class Question(models.Model):
    Kind = QuestionKind
    Difficulty = Difficulty

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已通过")
        RETURNED = "returned", _("已退回")
        RETIRED = "retired", _("已停用")

    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT,
                                     related_name="quiz_questions", verbose_name=_("题库所属单位"))
    kind = models.CharField(_("题型"), max_length=16, choices=Kind.choices)
    difficulty = models.PositiveSmallIntegerField(_("难度"), choices=Difficulty.choices, default=Difficulty.MEDIUM)
    stem = models.TextField(_("题干"), max_length=500)
    explanation = models.TextField(_("解析"), max_length=1000, blank=True)
    topic = models.CharField(_("内容领域"), max_length=64, blank=True,
                             help_text=_("如：展示科技战疫成效"))
    audiences = models.JSONField(_("适用对象"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    review_note = models.CharField(_("审核意见"), max_length=255, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    source_key = models.CharField(max_length=32, blank=True, help_text="key in an imported bank (demo, Excel row)")
    is_demo = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("题目")
        verbose_name_plural = _("题目")
        ordering = ["id"]
        indexes = [models.Index(fields=["organization", "status", "kind", "difficulty"])]
        constraints = [
            models.CheckConstraint(condition=Q(difficulty__gte=1, difficulty__lte=3), name="question_difficulty_1_3"),
        ]

    def __str__(self):
        return self.stem[:40]

    @property
    def scope_organization(self):
        return self.organization


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(_("选项"), max_length=200)
    is_correct = models.BooleanField(_("正确答案"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("选项")
        verbose_name_plural = _("选项")

    def __str__(self):
        return self.text


class Quiz(models.Model):
    Audience = Audience

    class Status(models.TextChoices):
        DRAFT = "draft", _("未发布")
        PUBLISHED = "published", _("已发布")
        WITHDRAWN = "withdrawn", _("已撤下")

    class ScoreRule(models.TextChoices):
        BEST = "best", _("取最高成绩")
        LAST = "last", _("取最后一次成绩")

    class PrizeBasis(models.TextChoices):
        COUNT = "count", _("按名额（人）")
        SHARE = "share", _("按比例（%）")

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="quizzes")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT,
                                     related_name="quizzes", verbose_name=_("主办单位"))
    slug = models.SlugField(_("网址名"), max_length=48, help_text=_("用于网址，如 school-quiz"))
    title = models.CharField(_("名称"), max_length=120)
    description = models.TextField(_("说明"), blank=True)
    audience = models.CharField(_("面向"), max_length=16, choices=Audience.choices, default=Audience.PUBLIC)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("结束时间"))
    seconds_per_question = models.PositiveSmallIntegerField(_("每题限时（秒）"), null=True, blank=True)
    seconds_per_attempt = models.PositiveIntegerField(_("每次答题限时（秒）"), null=True, blank=True)
    scored_attempts_per_day = models.PositiveSmallIntegerField(_("每天计分次数"), null=True, blank=True, default=1,
                                                               help_text=_("留空为不限"))
    scored_attempts_total = models.PositiveSmallIntegerField(_("计分总次数"), null=True, blank=True,
                                                             help_text=_("留空为不限"))
    score_rule = models.CharField(_("计分方式"), max_length=8, choices=ScoreRule.choices, default=ScoreRule.BEST)
    practice_enabled = models.BooleanField(_("开放练习模式（不计分、不限次数）"), default=True)
    pass_percent = models.PositiveSmallIntegerField(_("及格线（得分率 %）"), default=60)
    min_seconds_per_answer = models.DecimalField(
        _("最快合理答题速度（秒/题）"), max_digits=4, decimal_places=1, default=2,
        help_text=_("平均每题用时低于此值的答题将被标记待核查"))
    accounts_per_device = models.PositiveSmallIntegerField(
        _("同一设备或地址账号上限"), default=3, help_text=_("超过此数的账号的答题将被标记待核查"))
    asks_region = models.BooleanField(_("答题者需登记所在地区"), default=True)
    asks_school = models.BooleanField(_("答题者需登记学校"), default=False)
    prize_basis = models.CharField(_("奖项评定"), max_length=8, choices=PrizeBasis.choices, default=PrizeBasis.COUNT)
    first_prizes = models.PositiveIntegerField(_("一等奖"), default=0)
    second_prizes = models.PositiveIntegerField(_("二等奖"), default=0)
    third_prizes = models.PositiveIntegerField(_("三等奖"), default=0)
    leaderboard_version = models.PositiveIntegerField(default=1, help_text="bumped when Redis may hold a stale board")
    bank_version = models.PositiveIntegerField(
        default=1, help_text="bumped (F() + 1) by every change of the pool, the rules or a pooled question: "
                             "the key of the cached bank reads, with updated_at")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_demo = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("答题活动")
        verbose_name_plural = _("答题活动")
        ordering = ["-opens_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "slug"], name="quiz_slug_per_campaign"),
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="quiz_closes_after_opening"),
            models.CheckConstraint(condition=Q(pass_percent__lte=100), name="quiz_pass_percent_le_100"),
        ]
        indexes = [models.Index(fields=["campaign", "status", "opens_at"])]

    def __str__(self):
        return self.title

    @property
    def scope_organization(self):
        return self.organization


class DrawRule(models.Model):
    """One line of the mix dealt per attempt: ``count`` questions of ``kind`` (and difficulty,
    when set), each worth ``points``."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="draw_rules")
    kind = models.CharField(_("题型"), max_length=16, choices=QuestionKind.choices)
    difficulty = models.PositiveSmallIntegerField(_("难度"), choices=Difficulty.choices, null=True, blank=True,
                                                  help_text=_("留空为不限"))
    count = models.PositiveSmallIntegerField(_("题数"))
    points = models.PositiveSmallIntegerField(_("每题分值"), default=5)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("抽题规则")
        verbose_name_plural = _("抽题规则")
        constraints = [models.CheckConstraint(condition=Q(count__gte=1), name="draw_rule_count_positive")]

    def __str__(self):
        return f"{self.get_kind_display()} × {self.count}"


class QuizQuestion(models.Model):
    """A question in a quiz's pool (what the draw rules draw from)."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="pool")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="in_quizzes")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["quiz", "question"], name="question_once_per_quiz")]

    def __str__(self):
        return f"{self.quiz_id}:{self.question_id}"


class Registration(models.Model):
    """What a taker registers for a quiz: where they are (a division) and their school."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="registrations")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_registrations")
    display_name = models.CharField(_("姓名或昵称"), max_length=32)
    division = models.ForeignKey("organizations.Division", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("所在地区"))
    province_code = models.CharField(max_length=6, blank=True)
    city_code = models.CharField(max_length=6, blank=True)
    school_name = models.CharField(_("学校"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("答题登记")
        verbose_name_plural = _("答题登记")
        constraints = [models.UniqueConstraint(fields=["quiz", "person"], name="one_registration_per_quiz")]
        indexes = [models.Index(fields=["quiz", "province_code"]), models.Index(fields=["quiz", "city_code"])]

    def __str__(self):
        return self.display_name


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("答题中")
    FINISHED = "finished", _("已交卷")
    EXPIRED = "expired", _("超时自动交卷")

    # Scored and final: nothing in it changes any more.
    DONE = nonmember(("finished", "expired"))


class Attempt(models.Model):
    Status = AttemptStatus

    class Review(models.TextChoices):
        NONE = "", _("无")
        FLAGGED = "flagged", _("待核查")
        CLEARED = "cleared", _("核查通过")
        DISQUALIFIED = "disqualified", _("取消成绩")

    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quiz_attempts")
    registration = models.ForeignKey(Registration, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="attempts")
    is_practice = models.BooleanField(_("练习"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    # Scored attempts take numbered slots: the unique constraints below are the limits.
    day = models.DateField(null=True, blank=True, help_text="the local day of a scored attempt")
    day_slot = models.PositiveSmallIntegerField(null=True, blank=True)
    number = models.PositiveSmallIntegerField(null=True, blank=True, help_text="nth scored attempt of this person")
    started_at = models.DateTimeField()
    deadline_at = models.DateTimeField(help_text="the server's deadline for the whole attempt")
    finished_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveIntegerField(null=True, blank=True)
    max_score = models.PositiveIntegerField(default=0)
    correct_count = models.PositiveSmallIntegerField(null=True, blank=True)
    question_count = models.PositiveSmallIntegerField(default=0)
    time_used_ms = models.PositiveIntegerField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    device_id = models.CharField(max_length=64, blank=True)
    review = models.CharField(_("核查"), max_length=16, choices=Review.choices, blank=True, default="")
    flags = models.JSONField(default=list, blank=True, help_text="why it was flagged")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    certificate_code = models.CharField(max_length=24, unique=True, default=new_certificate_code)

    class Meta:
        verbose_name = _("答题记录")
        verbose_name_plural = _("答题记录")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "person"], condition=Q(status="in_progress"),
                                    name="one_attempt_in_progress"),
            models.UniqueConstraint(fields=["quiz", "person", "day", "day_slot"], condition=Q(is_practice=False),
                                    name="scored_attempt_day_slot"),
            models.UniqueConstraint(fields=["quiz", "person", "number"], condition=Q(is_practice=False),
                                    name="scored_attempt_number"),
            models.CheckConstraint(
                condition=Q(is_practice=True, day_slot__isnull=True, number__isnull=True)
                | Q(is_practice=False, day__isnull=False, day_slot__isnull=False, number__isnull=False),
                name="scored_attempt_has_slots"),
            models.CheckConstraint(
                condition=Q(status="in_progress", finished_at__isnull=True, score__isnull=True)
                | (~Q(status="in_progress") & Q(finished_at__isnull=False, score__isnull=False,
                                                time_used_ms__isnull=False)),
                name="attempt_scored_once_when_final"),
        ]
        indexes = [models.Index(fields=["quiz", "status", "deadline_at"]),
                   models.Index(fields=["quiz", "ip_address"]), models.Index(fields=["quiz", "device_id"]),
                   models.Index(fields=["quiz", "review"]),
                   # the sweep of every quiz's overdue attempts (close_overdue), without a scan
                   models.Index(fields=["deadline_at"], condition=Q(status="in_progress"),
                                name="attempt_open_deadline")]

    def __str__(self):
        return f"{self.quiz_id}/{self.pk}"

    @property
    def scope_organization(self):
        return self.quiz.organization

    @property
    def is_final(self) -> bool:
        return self.status in AttemptStatus.DONE

    @property
    def passed(self) -> bool:
        return bool(self.is_final and self.max_score and self.score * 100 >= self.quiz.pass_percent * self.max_score)


class AttemptQuestion(models.Model):
    """One question of one attempt as dealt: the options in this taker's order and the key
    (a snapshot, so editing the bank never changes a dealt attempt)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="sheet")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    option_order = models.JSONField(help_text="option ids in the order shown")
    correct_options = models.JSONField(help_text="the key: option ids; server only")
    points = models.PositiveSmallIntegerField()
    served_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    chosen = models.JSONField(null=True, blank=True)
    is_correct = models.BooleanField(null=True)
    in_time = models.BooleanField(null=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="sheet_position_once"),
            models.UniqueConstraint(fields=["attempt", "question"], name="sheet_question_once"),
            models.CheckConstraint(condition=Q(answered_at__isnull=True, chosen__isnull=True)
                                   | Q(answered_at__isnull=False, chosen__isnull=False, is_correct__isnull=False),
                                   name="sheet_answer_complete"),
        ]

    def __str__(self):
        return f"{self.attempt_id}#{self.position}"


class Standing(models.Model):
    """A person's counted result in a quiz (best or last scored attempt, as the quiz says):
    what every ranking, leaderboard and prize list reads. One row per person and quiz."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="standings")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_standings")
    attempt = models.OneToOneField(Attempt, on_delete=models.CASCADE, related_name="standing")
    score = models.PositiveIntegerField()
    time_used_ms = models.PositiveIntegerField()
    finished_at = models.DateTimeField()
    display_name = models.CharField(max_length=32, blank=True)
    province_code = models.CharField(max_length=6, blank=True)
    city_code = models.CharField(max_length=6, blank=True)
    school_name = models.CharField(max_length=64, blank=True)
    disqualified = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["quiz", "person"], name="one_standing_per_person")]
        indexes = [
            models.Index(F("quiz"), F("score").desc(), F("time_used_ms"), F("finished_at"), name="standing_rank"),
            models.Index(F("quiz"), F("province_code"), F("score").desc(), F("time_used_ms"), F("finished_at"),
                         name="standing_rank_province"),
            models.Index(F("quiz"), F("city_code"), F("score").desc(), F("time_used_ms"), F("finished_at"),
                         name="standing_rank_city"),
            models.Index(F("quiz"), F("school_name"), F("score").desc(), F("time_used_ms"), F("finished_at"),
                         name="standing_rank_school"),
        ]

    def __str__(self):
        return f"{self.quiz_id}:{self.person_id} {self.score}"
