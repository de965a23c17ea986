from django import forms
from django.utils.translation import gettext_lazy as _

from sciweek.campaigns.models import Campaign, RegionalPlan
from sciweek.organizations.models import Division, Organization


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "short_name", "kind", "division", "address", "website"]

    def __init__(self, *args, parent: Organization | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        anchor = parent or (self.instance if self.instance.pk else None)
        division = anchor.division if anchor else None
        qs = Division.objects.all()
        if division is not None:
            # Offer the divisions of the parent's province; reporting lines may still cross
            # provinces (admins of the national committee see every province).
            qs = qs.filter(code__startswith=division.code[:2])
        elif anchor is not None:
            qs = qs.filter(level=Division.Level.PROVINCE)
        self.fields["division"].queryset = qs.order_by("code")
        self.fields["division"].label_from_instance = lambda d: f"{d.code} {d.name}"
        self.fields["kind"].choices = [c for c in Organization.Kind.choices if c[0] != Organization.Kind.COMMITTEE]


class RegionalPlanForm(forms.ModelForm):
    class Meta:
        model = RegionalPlan
        fields = ["title", "theme", "online_only", "planned_total", "attendance_cap_percent", "max_gathering"]
        help_texts = {"theme": _("留空则使用全国主题。"), "planned_total": _("工作方案中写明的活动总数，用于与实际备案数对照。")}


class OrganizationSearchForm(forms.Form):
    q = forms.CharField(label=_("名称"), required=False, max_length=64)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部类型")), *Organization.Kind.choices])


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
