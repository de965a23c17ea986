from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Campaign, RegionalPlan


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "theme", "starts_on", "ends_on", "activities_from", "activities_until", "online_only", "allow_late_filing", "news_within_days",
                  "attendance_cap_percent", "max_gathering", "summary_video_max_seconds", "news_review_required",
                  "summary_min_images", "summary_grace_days", "is_published"]
        widgets = {name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
                   for name in ("starts_on", "ends_on", "activities_from", "activities_until")}

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("结束日期不能早于开始日期。"))
        # The window lies around the week (the model's constraints say the same).
        if starts_on and data.get("activities_from") and data["activities_from"] > starts_on:
            self.add_error("activities_from", _("活动日期最早可为的日期不能晚于活动周开始日期（%(day)s）。") % {
                "day": starts_on})
        if ends_on and data.get("activities_until") and data["activities_until"] < ends_on:
            self.add_error("activities_until", _("活动日期最晚可为的日期不能早于活动周结束日期（%(day)s）。") % {
                "day": ends_on})
        return data


class RegionalPlanForm(forms.ModelForm):
    class Meta:
        model = RegionalPlan
        fields = ["title", "theme", "online_only", "planned_total", "attendance_cap_percent", "max_gathering",
                  "news_within_days"]
        help_texts = {"theme": _("留空则使用全国主题。"), "planned_total": _("工作方案中写明的活动总数，用于与实际备案数对照。")}
