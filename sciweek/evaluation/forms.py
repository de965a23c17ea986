"""Forms of the evaluation pages (labels in Chinese, the source language)."""
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Indicator


class EvaluationForm(forms.Form):
    name = forms.CharField(label=_("评估名称"), max_length=120)
    evaluated_on = forms.DateField(label=_("评估日期"), help_text=_("在这一天定格方案和数据，格式：2020-09-30。"),
                                   widget=forms.DateInput(attrs={"type": "date"}))


class IndicatorForm(forms.Form):
    """One indicator's settings in the scheme table (prefix = indicator id)."""

    weight = forms.DecimalField(label=_("权重"), min_value=Decimal("0"), max_value=Decimal("1000"), decimal_places=2)
    direction = forms.ChoiceField(label=_("方向"), choices=Indicator.Direction.choices)
    method = forms.ChoiceField(label=_("计分方法"), choices=Indicator.Method.choices)
    target = forms.DecimalField(label=_("目标值"), required=False, min_value=Decimal("0.01"), decimal_places=2,
                                max_digits=12)
    band_high = forms.DecimalField(label=_("优良线"), min_value=Decimal("0"), max_value=Decimal("100"),
                                   decimal_places=2)
    band_low = forms.DecimalField(label=_("警示线"), min_value=Decimal("0"), max_value=Decimal("100"),
                                  decimal_places=2)

    def clean(self):
        data = super().clean()
        if data.get("method") == Indicator.Method.TARGET and not data.get("target"):
            self.add_error("target", _("对照目标值计分须填写目标值。"))
        high, low = data.get("band_high"), data.get("band_low")
        if high is not None and low is not None and low > high:
            self.add_error("band_low", _("警示线不能高于优良线。"))
        return data


class ScoreForm(forms.Form):
    """A reviewer's score of one scored indicator (prefix = indicator id)."""

    score = forms.DecimalField(label=_("得分（0–100）"), min_value=Decimal("0"), max_value=Decimal("100"),
                               decimal_places=2, max_digits=5)
    comment = forms.CharField(label=_("评分说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class SupportForm(forms.Form):
    support = forms.BooleanField(label=_("下一年度重点项目支持"), required=False)
    note = forms.CharField(label=_("支持说明"), max_length=200, required=False)


class NewIndicatorForm(forms.Form):
    """An indicator added on the scheme page: a data source of the platform, or scored by
    reviewers (then it needs a name)."""

    pillar = forms.TypedChoiceField(label=_("方面"), coerce=int)
    source = forms.ChoiceField(label=_("数据来源"))
    name = forms.CharField(label=_("名称"), max_length=80, required=False,
                           help_text=_("平台数据的指标可不填，用数据来源的名称。"))
    weight = forms.DecimalField(label=_("权重"), min_value=Decimal("0"), max_value=Decimal("1000"), decimal_places=2,
                                initial=Decimal("10"))
    direction = forms.ChoiceField(label=_("方向"), required=False,
                                  choices=[("", _("按数据来源（默认）")), *Indicator.Direction.choices])

    def __init__(self, *args, pillars=(), sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pillar"].choices = [(p.pk, p.name) for p in pillars]
        self.fields["source"].choices = list(sources)

    def clean(self):
        from .models import SCORED

        data = super().clean()
        if data.get("source") == SCORED and not (data.get("name") or "").strip():
            self.add_error("name", _("评审打分的指标须填写名称。"))
        return data


class PeerGroupForm(forms.Form):
    """A peer group: organizations of the chosen kinds, directly below or anywhere below."""

    label = forms.CharField(label=_("分组名称"), max_length=40)
    kinds = forms.MultipleChoiceField(label=_("组织类型"), widget=forms.CheckboxSelectMultiple)
    relative_depth = forms.ChoiceField(label=_("范围"), choices=[("1", _("直属下级")), ("", _("全部下级"))],
                                       required=False, initial="1")

    def __init__(self, *args, **kwargs):
        from sciweek.organizations.models import Organization

        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = Organization.Kind.choices
