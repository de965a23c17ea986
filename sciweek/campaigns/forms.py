from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Campaign, RegionalPlan


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "theme", "starts_on", "ends_on", "online_only", "allow_late_filing", "news_within_days",
                  "attendance_cap_percent", "max_gathering", "summary_video_max_seconds", "is_published"]
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("结束日期不能早于开始日期。"))
        return data


class RegionalPlanForm(forms.ModelForm):
    class Meta:
        model = RegionalPlan
        fields = ["title", "theme", "online_only", "planned_total", "attendance_cap_percent", "max_gathering"]
        help_texts = {"theme": _("留空则使用全国主题。"), "planned_total": _("工作方案中写明的活动总数，用于与实际备案数对照。")}
