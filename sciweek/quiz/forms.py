"""The quiz console's forms: a question (its options as rows), a quiz (its rules as rows), the
pool filter, the Excel upload.

A question's rules are services.question_problems' (the same function the Excel import and
the API call); `problems_by_part` only says which part of the question each message is
about, so the form can put it on the field concerned.
"""
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Audience, Difficulty, Question, QuestionKind, Quiz
from .services import OptionIn

MAX_OPTIONS = 8
NEW_QUESTION_ROWS = 4
TF_TRUE, TF_FALSE = "true", "false"


def fine_options(kind: str) -> list[OptionIn]:
    """Options that meet the rules for this kind (to tell the stem's problems from the options')."""
    if kind == QuestionKind.MULTIPLE:
        return [OptionIn("甲", True), OptionIn("乙", True), OptionIn("丙", False)]
    if kind == QuestionKind.TRUE_FALSE:
        return services.true_false_options(True)
    return [OptionIn("甲", True), OptionIn("乙", False)]


def _fine_key(kind: str, count: int) -> list[bool]:
    if kind == QuestionKind.MULTIPLE:
        return [i < 2 for i in range(count)]
    return [i == 0 for i in range(count)]


def problems_by_part(kind: str, stem: str, options: list[OptionIn]) -> dict[str, list[str]]:
    """services.question_problems, split by what each message is about: "stem", "options"
    (their number or texts) or "answer" (which are correct)."""
    found = services.question_problems(kind, stem, options)
    if not found:
        return {}
    stem_only = set(services.question_problems(kind, stem, fine_options(kind)))
    with_fine_key = set(services.question_problems(
        kind, "题", [OptionIn(o.text, right) for o, right in zip(options, _fine_key(kind, len(options)), strict=True)]))
    parts: dict[str, list[str]] = {}
    for message in found:
        if message in stem_only:
            part = "stem"
        elif message in with_fine_key:
            part = "options"
        else:
            part = "answer"
        parts.setdefault(part, []).append(message)
    return parts


class QuestionForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("题库所属单位"), coerce=int)
    kind = forms.ChoiceField(label=_("题型"), choices=QuestionKind.choices, widget=forms.RadioSelect,
                             initial=QuestionKind.SINGLE)
    stem = forms.CharField(label=_("题干"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 3}))
    tf_answer = forms.ChoiceField(
        label=_("判断题的答案"), required=False, widget=forms.RadioSelect,
        choices=[(TF_TRUE, _("“正确”是答案")), (TF_FALSE, _("“错误”是答案"))],
        help_text=_("判断题的两个选项固定为“正确”“错误”；选择题不用填这一项。"))
    explanation = forms.CharField(label=_("解析"), required=False, max_length=1000,
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("答题者作答后看到，说明为什么。"))
    difficulty = forms.TypedChoiceField(label=_("难度"), coerce=int, choices=Difficulty.choices,
                                        initial=Difficulty.MEDIUM)
    topic = forms.CharField(label=_("内容领域"), required=False, max_length=64,
                            widget=forms.TextInput(attrs={"list": "topic-suggestions", "autocomplete": "off"}),
                            help_text=_("可从本届活动周的内容方向中选择，也可以自己填写。"))
    audiences = forms.MultipleChoiceField(label=_("适用对象"), required=False, choices=Audience.choices,
                                          widget=forms.CheckboxSelectMultiple, help_text=_("都不选表示适合所有人。"))

    def __init__(self, *args, organizations=(), question: Question | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        if question is not None:
            del self.fields["organization"]
        else:
            self.fields["organization"].choices = [(o.pk, o.name) for o in organizations]

    def clean(self):
        data = super().clean()
        if data.get("kind") == QuestionKind.TRUE_FALSE and not data.get("tf_answer"):
            self.add_error("tf_answer", _("请选择判断题的答案。"))
        return data


class OptionForm(forms.Form):
    text = forms.CharField(label=_("选项内容"), required=False, max_length=200)
    correct = forms.BooleanField(label=_("正确答案"), required=False)
    DELETE = forms.BooleanField(label=_("删除"), required=False)


OptionFormSet = forms.formset_factory(OptionForm, extra=0, max_num=MAX_OPTIONS, absolute_max=MAX_OPTIONS,
                                      validate_max=True)


def chosen_options(formset) -> list[OptionIn]:
    """The option rows to keep, from a valid formset: not deleted, and with a text or a tick."""
    kept = []
    for row in formset.forms:
        data = row.cleaned_data
        if not data or data.get("DELETE"):
            continue
        if (data.get("text") or "").strip() or data.get("correct"):
            kept.append(OptionIn(data.get("text") or "", bool(data.get("correct"))))
    return kept


def option_rows_from(data, prefix: str = "options") -> list[dict]:
    """The option rows as typed (not validated): for re-showing the form after adding or
    removing a row."""
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), MAX_OPTIONS)
    except (TypeError, ValueError):
        total = 0
    rows = []
    for i in range(total):
        if data.get(f"{prefix}-{i}-DELETE"):
            continue
        rows.append({"text": data.get(f"{prefix}-{i}-text", "")[:200], "correct": bool(data.get(f"{prefix}-{i}-correct"))})
    return rows


class QuizForm(forms.ModelForm):
    organization_choice = forms.TypedChoiceField(label=_("主办单位"), coerce=int)

    SECTIONS = [
        (_("基本信息"), ["organization_choice", "title", "slug", "description", "audience", "opens_at", "closes_at"]),
        (_("时间和次数"), ["seconds_per_question", "seconds_per_attempt", "scored_attempts_per_day",
                       "scored_attempts_total", "score_rule", "practice_enabled", "pass_percent"]),
        (_("防作弊"), ["min_seconds_per_answer", "accounts_per_device"]),
        (_("答题者登记"), ["asks_region", "asks_school"]),
        (_("奖项"), ["prize_basis", "first_prizes", "second_prizes", "third_prizes"]),
    ]

    class Meta:
        model = Quiz
        fields = ["title", "slug", "description", "audience", "opens_at", "closes_at", "seconds_per_question",
                  "seconds_per_attempt", "scored_attempts_per_day", "scored_attempts_total", "score_rule",
                  "practice_enabled", "pass_percent", "min_seconds_per_answer", "accounts_per_device", "asks_region",
                  "asks_school", "prize_basis", "first_prizes", "second_prizes", "third_prizes"]
        widgets = {
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "description": forms.Textarea(attrs={"rows": 3}),
            "score_rule": forms.RadioSelect,
            "prize_basis": forms.RadioSelect,
            "audience": forms.RadioSelect,
        }

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["organization_choice"]
        else:
            self.fields["organization_choice"].choices = [(o.pk, o.name) for o in organizations]
        self.fields["pass_percent"].validators.append(MaxValueValidator(100))
        self.fields["pass_percent"].widget.attrs.update(min=0, max=100)
        for name in ("seconds_per_question", "seconds_per_attempt"):
            self.fields[name].validators.append(MinValueValidator(5))
            self.fields[name].widget.attrs["min"] = 5
        for name in ("scored_attempts_per_day", "scored_attempts_total"):
            self.fields[name].validators.append(MinValueValidator(1))
            self.fields[name].widget.attrs["min"] = 1
        self.fields["seconds_per_question"].help_text = _("留空为不限；每题限时和每次限时至少设一项。")
        self.fields["seconds_per_attempt"].help_text = _("留空为不限。")
        self.fields["first_prizes"].help_text = _("按名额时填人数，按比例时填百分比（如 5 表示前 5%）。")

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        campaign = self.instance.campaign
        if campaign is not None and Quiz.objects.filter(campaign=campaign, slug=slug).exclude(
                pk=self.instance.pk).exists():
            raise forms.ValidationError(_("本届活动周已有答题活动使用这个网址名，请换一个。"))
        return slug

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("结束时间必须晚于开始时间。"))
        basis = data.get("prize_basis")
        if basis == Quiz.PrizeBasis.SHARE:
            total = sum(data.get(n) or 0 for n in ("first_prizes", "second_prizes", "third_prizes"))
            if total > 100:
                self.add_error("third_prizes", _("按比例评奖时，三个奖项的比例合计不能超过 100%。"))
        return data

    def sections(self):
        for title, names in self.SECTIONS:
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                yield title, fields


class RuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("题型"), choices=QuestionKind.choices)
    difficulty = forms.TypedChoiceField(label=_("难度"), required=False, coerce=int, empty_value=None,
                                        choices=[("", _("不限"))] + list(Difficulty.choices))
    count = forms.IntegerField(label=_("题数"), required=False, min_value=1, max_value=200)
    points = forms.IntegerField(label=_("每题分值"), min_value=0, max_value=100, initial=5)
    DELETE = forms.BooleanField(label=_("删除"), required=False)


RuleFormSet = forms.formset_factory(RuleForm, extra=0, max_num=20, absolute_max=20, validate_max=True)


def chosen_rules(formset) -> list[dict]:
    """The rule rows to keep, from a valid formset (rows without a count are left out)."""
    rules = []
    for row in formset.forms:
        data = row.cleaned_data
        if not data or data.get("DELETE") or not data.get("count"):
            continue
        rules.append({"kind": data["kind"], "difficulty": data.get("difficulty"), "count": data["count"],
                      "points": data["points"] if data.get("points") is not None else 5})
    return rules


def rule_rows_from(data, prefix: str = "rules") -> list[dict]:
    """The rule rows as typed (not validated), for re-showing the form after adding a row."""
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), 20)
    except (TypeError, ValueError):
        total = 0
    rows = []
    for i in range(total):
        if data.get(f"{prefix}-{i}-DELETE"):
            continue
        rows.append({name: data.get(f"{prefix}-{i}-{name}", "") for name in ("kind", "difficulty", "count", "points")})
    return rows


def rule_totals(rules: list[dict]) -> tuple[int, int]:
    """(questions per attempt, full marks) of these rules; rows not filled in count as 0."""
    questions = score = 0
    for rule in rules:
        try:
            count, points = int(rule.get("count") or 0), int(rule.get("points") or 0)
        except (TypeError, ValueError):
            continue
        questions += count
        score += count * points
    return questions, score


class PoolFilterForm(forms.Form):
    topic = forms.CharField(label=_("内容领域"), required=False, max_length=64)
    kind = forms.ChoiceField(label=_("题型"), required=False, choices=[("", _("全部"))] + list(QuestionKind.choices))
    difficulty = forms.TypedChoiceField(label=_("难度"), required=False, coerce=int, empty_value=None,
                                        choices=[("", _("全部"))] + list(Difficulty.choices))


class ReviewNoteForm(forms.Form):
    """The reason for returning questions: for the ticked ones, or (with `number`) for one."""

    note = forms.CharField(label=_("退回原因（批量退回时必填）"), required=False, max_length=255,
                           widget=forms.TextInput(attrs={"size": 40}))

    def __init__(self, *args, number: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if number is not None:
            self.fields["note"].label = _("第 %(n)s 题的退回原因") % {"n": number}
            self.fields["note"].widget = forms.Textarea(attrs={"rows": 2})


class ImportForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("题库所属单位"), coerce=int)
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"),
        widget=forms.ClearableFileInput(attrs={
            "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
        help_text=_("请使用本平台下载的题目模板。每一行都会检查；有误的行不导入，并在下面列出。"),
        error_messages={"empty": _("文件是空的。"), "required": _("请选择要上传的 Excel 文件。")})
    submit = forms.TypedChoiceField(
        label=_("导入后"), coerce=lambda v: v == "1", widget=forms.RadioSelect, initial="0",
        choices=[("0", _("保存为草稿（检查后再提交审核）")), ("1", _("直接提交审核"))])

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [(o.pk, o.name) for o in organizations]
