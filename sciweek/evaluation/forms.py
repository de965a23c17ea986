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
