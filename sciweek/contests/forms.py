"""The contests' console forms: a contest with its categories and prize tiers, a round with its
rubric (criteria as rows), panels, judges, quotas, a unit's entry, the judge's score sheet, and
the small forms behind the organizer's buttons (a reason, an objection's decision).

Field rules that belong to the domain (a score's range, quotas, entry windows, the per-author
limit) are the services'; these forms only check what a person typed before it reaches them.
"""
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from sciweek.core.templatetags.sciweek import zh

from .models import Category, Contest, Criterion, Entry, Round

DATETIME = {"attrs": {"type": "datetime-local"}, "format": "%Y-%m-%dT%H:%M"}
MAX_ROWS = 30  # categories, tiers or criteria of one contest: far more than any real one has


def _datetime():
    return forms.DateTimeInput(**DATETIME)


class ContestForm(forms.ModelForm):
    organization_choice = forms.TypedChoiceField(label=_("主办单位"), coerce=int)

    SECTIONS = [
        (_("基本信息"), ["organization_choice", "title", "slug", "kind", "description", "rules"]),
        (_("作品征集"), ["entries_open_at", "entries_close_at", "by_recommendation", "default_quota",
                      "max_entries_per_first_author", "requires_video", "requires_aired_url"]),
        (_("评审"), ["anonymous_judging", "judges_per_entry", "max_entries_per_judge", "publicity_days"]),
        (_("网络投票"), ["vote_enabled", "vote_share_percent", "votes_per_entry_per_day",
                      "votes_per_category_per_day", "votes_open_at", "votes_close_at"]),
    ]

    class Meta:
        model = Contest
        fields = ["title", "slug", "kind", "description", "rules", "entries_open_at", "entries_close_at",
                  "by_recommendation", "default_quota", "max_entries_per_first_author", "requires_video",
                  "requires_aired_url", "anonymous_judging", "judges_per_entry", "max_entries_per_judge",
                  "publicity_days", "vote_enabled", "vote_share_percent", "votes_per_entry_per_day",
                  "votes_per_category_per_day", "votes_open_at", "votes_close_at"]
        widgets = {
            "entries_open_at": _datetime(), "entries_close_at": _datetime(),
            "votes_open_at": _datetime(), "votes_close_at": _datetime(),
            "description": forms.Textarea(attrs={"rows": 3}), "rules": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["organization_choice"]
        else:
            self.fields["organization_choice"].choices = [(o.pk, o.name) for o in organizations]
        self.fields["slug"].help_text = _("公众页面网址的一部分，只用小写字母、数字和连字符，如 speaking-2020。")
        self.fields["default_quota"].help_text = _("由下级推荐时，每个推荐单位默认可推荐的作品数；留空为不限。"
                                                   "可在大赛页面为个别单位另设名额。")
        self.fields["max_entries_per_judge"].help_text = _("留空为不限。")
        self.fields["vote_share_percent"].help_text = _("最多 30%；只计入最后一轮的成绩。")
        for name in ("judges_per_entry", "publicity_days", "max_entries_per_first_author", "max_entries_per_judge"):
            self.fields[name].widget.attrs["min"] = 1
        self.fields["vote_share_percent"].widget.attrs.update(min=0, max=30)

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        campaign_id = self.instance.campaign_id
        if campaign_id and Contest.objects.filter(campaign_id=campaign_id, slug=slug).exclude(
                pk=self.instance.pk).exists():
            raise forms.ValidationError(_("本届活动周已有大赛使用这个网址名，请换一个。"))
        return slug

    def clean(self):
        data = super().clean()
        for start, end in (("entries_open_at", "entries_close_at"), ("votes_open_at", "votes_close_at")):
            if data.get(start) and data.get(end) and data[end] <= data[start]:
                self.add_error(end, _("截止时间必须晚于开始时间。"))
        if data.get("vote_enabled") and not data.get("vote_share_percent"):
            self.add_error("vote_share_percent", _("开放网络投票时，请填写投票占最终成绩的比例。"))
        return data

    def sections(self):
        for title, names in self.SECTIONS:
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                yield title, fields


class RowForm(forms.Form):
    """A row of a table of rows: an existing row's id (hidden), and a 删除 box."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    DELETE = forms.BooleanField(label=_("删除"), required=False)

    def kept(self) -> bool:
        return bool(self.cleaned_data) and not self.cleaned_data.get("DELETE") and not self.is_blank()

    def is_blank(self) -> bool:
        return not any(v not in (None, "") for k, v in self.cleaned_data.items() if k not in ("id", "DELETE"))


class CategoryRow(RowForm):
    name = forms.CharField(label=_("组别"), max_length=60, required=False)
    field_order = ["name", "DELETE", "id"]


class TierRow(RowForm):
    name = forms.CharField(label=_("奖项"), max_length=30, required=False)
    count = forms.IntegerField(label=_("名额"), required=False, min_value=1, max_value=32767)
    share_percent = forms.IntegerField(label=_("比例（%）"), required=False, min_value=1, max_value=100)
    field_order = ["name", "count", "share_percent", "DELETE", "id"]

    def clean(self):
        data = super().clean()
        if data.get("count") and data.get("share_percent"):
            self.add_error("share_percent", _("名额和比例只填一项；都不填表示其余全部。"))
        if (data.get("count") or data.get("share_percent")) and not (data.get("name") or "").strip():
            self.add_error("name", _("请填写奖项名称。"))
        return data


class CriterionRow(RowForm):
    name = forms.CharField(label=_("评分项"), max_length=60, required=False)
    description = forms.CharField(label=_("评分要点"), max_length=300, required=False)
    weight = forms.DecimalField(label=_("权重"), required=False, min_value=Decimal("0.01"), max_digits=5,
                                decimal_places=2)
    min_points = forms.DecimalField(label=_("最低分"), required=False, max_digits=6, decimal_places=2)
    max_points = forms.DecimalField(label=_("最高分"), required=False, max_digits=6, decimal_places=2)
    field_order = ["name", "description", "weight", "min_points", "max_points", "DELETE", "id"]

    def clean(self):
        data = super().clean()
        if self.is_blank() or data.get("DELETE"):
            return data
        if not (data.get("name") or "").strip():
            self.add_error("name", _("请填写评分项名称。"))
        if data.get("weight") is None:
            self.add_error("weight", _("请填写权重。"))
        if data.get("max_points") is None:
            self.add_error("max_points", _("请填写最高分。"))
        low = data.get("min_points") if data.get("min_points") is not None else Decimal(0)
        if data.get("max_points") is not None and data["max_points"] <= low:
            self.add_error("max_points", _("最高分必须大于最低分。"))
        return data


class BaseRows(forms.BaseFormSet):
    def kept_rows(self) -> list[dict]:
        return [f.cleaned_data for f in self.forms if f.kept()]


class CategoryRows(BaseRows):
    def clean(self):
        names = [(r.get("name") or "").strip() for r in self.kept_rows()]
        if len(names) != len(set(names)):
            raise forms.ValidationError(_("组别名称不能重复。"))
        if not names:
            raise forms.ValidationError(_("至少设一个组别。"))


class TierRows(BaseRows):
    def clean(self):
        names = [(r.get("name") or "").strip() for r in self.kept_rows()]
        if len(names) != len(set(names)):
            raise forms.ValidationError(_("奖项名称不能重复。"))


class CriterionRows(BaseRows):
    def clean(self):
        if any(f.errors for f in self.forms):
            return
        if not self.kept_rows():
            raise forms.ValidationError(_("至少设一个评分项。"))


def _rows(form, formset):
    return forms.formset_factory(form, formset=formset, extra=0, max_num=MAX_ROWS, absolute_max=MAX_ROWS,
                                 validate_max=True)


CategoryFormSet = _rows(CategoryRow, CategoryRows)
TierFormSet = _rows(TierRow, TierRows)
CriterionFormSet = _rows(CriterionRow, CriterionRows)
EXTRA_ROWS = 2  # blank rows offered below the saved ones (a blank row is ignored)


def category_rows(contest: Contest | None) -> list[dict]:
    saved = [{"id": c.pk, "name": c.name} for c in contest.categories.all()] if contest and contest.pk else []
    return saved + [{} for _i in range(EXTRA_ROWS)]


def tier_rows(contest: Contest | None) -> list[dict]:
    if contest is None or contest.pk is None:
        return [{"name": "一等奖", "count": 1}, {"name": "二等奖", "count": 2}, {"name": "三等奖", "count": 3},
                {"name": "优秀奖"}] + [{}]
    return [{"id": t.pk, "name": t.name, "count": t.count, "share_percent": t.share_percent}
            for t in contest.prize_tiers.all()] + [{} for _i in range(EXTRA_ROWS)]


def criterion_rows(rnd: Round | None) -> list[dict]:
    if rnd is None or rnd.pk is None:
        return [{"name": "内容", "weight": 50, "min_points": 0, "max_points": 10},
                {"name": "表达", "weight": 40, "min_points": 0, "max_points": 10},
                {"name": "效果", "weight": 10, "min_points": 0, "max_points": 10}]
    return [{"id": c.pk, "name": c.name, "description": c.description, "weight": c.weight,
             "min_points": c.min_points, "max_points": c.max_points} for c in rnd.criteria.all()] + [{}]


class RoundForm(forms.ModelForm):
    class Meta:
        model = Round
        fields = ["kind", "name", "aggregation", "normalize", "is_live", "advance_count", "starts_at", "ends_at"]
        widgets = {"starts_at": _datetime(), "ends_at": _datetime(), "aggregation": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advance_count"].help_text = _("初赛每个组别晋级下一轮的作品数；最后一轮不用填。")

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("结束时间必须晚于开始时间。"))
        return data


class PanelForm(forms.Form):
    name = forms.CharField(label=_("评审组名称"), max_length=60)
    category = forms.ModelChoiceField(label=_("组别"), queryset=Category.objects.none(), required=False,
                                      empty_label=_("全部组别"))

    def __init__(self, *args, contest: Contest, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(contest=contest)


class JudgeForm(forms.Form):
    username = forms.CharField(label=_("评委的用户名"), max_length=150,
                               help_text=_("评委须已在其单位开通“评委”角色。"))
    is_chief = forms.BooleanField(label=_("评审组长"), required=False)


class QuotaForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("推荐单位"), coerce=int)
    places = forms.IntegerField(label=_("推荐名额"), min_value=0, max_value=32767)

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [(o.pk, o.name) for o in organizations]


class EntryFilterForm(forms.Form):
    category = forms.TypedChoiceField(label=_("组别"), coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部"))] + list(Entry.Status.choices))

    def __init__(self, *args, contest: Contest, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("全部"))] + [(c.pk, c.name) for c in contest.categories.all()]


class EntryForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("报送单位"), coerce=int)
    category = forms.TypedChoiceField(label=_("组别"), coerce=int)
    title = forms.CharField(label=_("作品名称"), max_length=120)
    first_author = forms.CharField(label=_("第一作者"), max_length=40)
    team_members = forms.CharField(label=_("其他作者/团队成员"), max_length=300, required=False,
                                   help_text=_("多人用顿号“、”分隔。"))
    summary = forms.CharField(label=_("作品简介"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    aired_url = forms.URLField(label=_("已播出网址"), required=False, assume_scheme="https")
    recommended_by = forms.TypedChoiceField(label=_("推荐单位"), coerce=int, required=False, empty_value=None,
                                            help_text=_("以本单位名义向大赛推荐时选择；由单位自行报送时留空。"))
    recommendation_rank = forms.IntegerField(label=_("推荐排序"), required=False, min_value=1, max_value=999,
                                             help_text=_("本单位推荐作品中的排序（1 为最优先）；超出名额的按排序截去。"))
    attested = forms.BooleanField(
        label=_("本单位确认：作品为原创，不侵犯他人著作权、肖像权等权利，如有问题由报送单位负责。"), required=True,
        error_messages={"required": _("请确认作品为原创，未侵犯他人著作权。")})

    def __init__(self, *args, contest: Contest, organizations=(), recommenders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [(o.pk, o.name) for o in organizations]
        self.fields["category"].choices = [(c.pk, c.name) for c in contest.categories.all()]
        if recommenders:
            self.fields["recommended_by"].choices = [("", _("不以推荐方式报送"))] + [(o.pk, o.name)
                                                                             for o in recommenders]
            if contest.by_recommendation:
                self.fields["recommended_by"].required = True
                self.fields["recommended_by"].help_text = _("这个大赛只接受下级单位推荐的作品。")
        else:
            del self.fields["recommended_by"]
            del self.fields["recommendation_rank"]
        if not contest.requires_aired_url:
            self.fields["aired_url"].help_text = _("已在电视、网络等公开播出的，填写播出网址。")

    def clean(self):
        data = super().clean()
        if data.get("recommended_by") and not data.get("recommendation_rank"):
            self.add_error("recommendation_rank", _("推荐作品须填写推荐排序（从 1 开始）。"))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionForm(forms.Form):
    decision = forms.ChoiceField(label=_("处理结果"), widget=forms.RadioSelect,
                                 choices=[("upheld", _("异议成立")), ("dismissed", _("异议不成立"))])
    response = forms.CharField(label=_("处理意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("会告知异议人；异议成立需要取消作品资格的，请在作品列表中操作。"))


class VoidVotesForm(forms.Form):
    by = forms.ChoiceField(label=_("按什么作废"), widget=forms.RadioSelect,
                           choices=[("ip", _("IP 地址")), ("device", _("设备标识"))], initial="ip")
    value = forms.CharField(label=_("IP 地址或设备标识"), max_length=64)
    reason = forms.CharField(label=_("作废理由"), max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("by") == "ip" and data.get("value"):
            try:
                forms.GenericIPAddressField().clean(data["value"].strip())
            except forms.ValidationError:
                self.add_error("value", _("请填写有效的 IP 地址。"))
        return data


class ScoreForm(forms.Form):
    """One number per criterion of the round. The range check is the service's (its message
    names the criterion); the inputs carry min/max/step so a phone shows the right keypad and
    contest-score.js can add up the weighted total as the judge types."""

    def __init__(self, *args, criteria: list[Criterion], **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for c in criteria:
            low, high = c.min_points.normalize(), c.max_points.normalize()
            self.fields[f"c{c.pk}"] = forms.CharField(
                label=zh(c.name),  # data: marked as Chinese on an English page required=False, max_length=12,
                help_text=_("%(min)s–%(max)s 分，权重 %(weight)s") % {
                    "min": _plain(low), "max": _plain(high), "weight": _plain(c.weight.normalize())},
                widget=forms.NumberInput(attrs={
                    "inputmode": "decimal", "min": _plain(low), "max": _plain(high), "step": "0.01",
                    "data-weight": str(c.weight), "data-min": str(c.min_points), "data-max": str(c.max_points),
                    "class": "score-input", "autocomplete": "off"}))

    def points(self) -> dict[int, str]:
        return {c.pk: (self.data.get(f"c{c.pk}") or "").strip() for c in self.criteria}


def _plain(value: Decimal) -> str:
    """10 rather than 1E+1 (Decimal.normalize's exponent form)."""
    return format(value, "f")
