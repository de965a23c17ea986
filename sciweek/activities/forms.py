from django import forms
from django.utils.translation import gettext_lazy as _

from sciweek.campaigns.models import ContentArea, FlagshipActivity
from sciweek.organizations.models import Division

from .models import Activity, Session

PROJECT_FIELDS = [
    "title", "level", "flagship", "format", "content_areas", "supervising_department",
    "starts_on", "ends_on", "audience", "expected_participants", "budget",
    "description", "format_description", "publicity_plan",
    "live_stream_url", "online_exhibition_url", "video_url", "wechat_account", "mini_program_path",
    "division", "address", "latitude", "longitude", "venue_capacity",
    "safety_max_attendance", "safety_measures", "safety_responsible",
    "lead_name", "contact_name", "contact_phone", "contact_email",
]
OPEN_DAY_FIELDS = [
    "title", "format", "content_areas", "facilities", "description", "starts_on", "ends_on", "open_hours",
    "audience", "booking_method", "expected_participants",
    "live_stream_url", "online_exhibition_url", "video_url", "wechat_account", "mini_program_path",
    "division", "address", "latitude", "longitude", "venue_capacity",
    "safety_max_attendance", "safety_measures", "safety_responsible",
    "contact_name", "contact_phone", "contact_email",
]
SECTIONS = [
    (_("基本信息"), ["title", "level", "flagship", "format", "content_areas", "host_names", "organizer_names",
                  "supervising_department", "facilities"]),
    (_("时间与对象"), ["starts_on", "ends_on", "open_hours", "audience", "expected_participants", "budget",
                   "booking_method"]),
    (_("内容、形式和宣传"), ["description", "format_description", "publicity_plan"]),
    (_("线上渠道"), ["live_stream_url", "online_exhibition_url", "video_url", "wechat_account", "mini_program_path"]),
    (_("举办地"), ["division", "address", "latitude", "longitude", "venue_capacity"]),
    (_("安全和疫情防控方案（线下活动必填）"), ["safety_max_attendance", "safety_measures", "safety_responsible"]),
    (_("负责人与联系方式（不公开）"), ["lead_name", "contact_name", "contact_phone", "contact_email"]),
]


class FilingForm(forms.ModelForm):
    host_names = forms.CharField(
        label=_("主办单位"), required=False, max_length=500,
        help_text=_("多个单位用顿号“、”分隔。平台上已有的单位会自动关联。"),
    )
    organizer_names = forms.CharField(label=_("承办单位"), required=False, max_length=500,
                                      help_text=_("多个单位用顿号“、”分隔。"))

    class Meta:
        model = Activity
        fields = sorted(set(PROJECT_FIELDS) | set(OPEN_DAY_FIELDS))
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 4}),
            "format_description": forms.Textarea(attrs={"rows": 3}),
            "publicity_plan": forms.Textarea(attrs={"rows": 3}),
            "facilities": forms.Textarea(attrs={"rows": 3}),
            "safety_measures": forms.Textarea(attrs={"rows": 3}),
            "content_areas": forms.CheckboxSelectMultiple,
            "contact_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, activity: Activity, content_areas, **kwargs):
        super().__init__(*args, instance=activity, **kwargs)
        wanted = PROJECT_FIELDS if activity.kind == Activity.Kind.PROJECT else OPEN_DAY_FIELDS
        for name in list(self.fields):
            if name not in wanted and name not in ("host_names", "organizer_names"):
                del self.fields[name]
        if activity.kind == Activity.Kind.OPEN_DAY:
            self.fields["title"].help_text = _("例如：河北大学生命科学实验室向公众开放")
            del self.fields["organizer_names"]
        self.fields["content_areas"].queryset = content_areas
        self.fields["content_areas"].required = False
        if "flagship" in self.fields:
            self.fields["flagship"].queryset = FlagshipActivity.objects.filter(campaign=activity.campaign)
        province = activity.organization.division.code[:2] if activity.organization.division_id else None
        divisions = Division.objects.filter(code__startswith=province) if province else Division.objects.all()
        self.fields["division"].queryset = divisions.order_by("code")
        self.fields["division"].label_from_instance = lambda d: f"{d.code} {d.name}"
        for field in self.fields.values():
            field.required = False  # drafts save partially; submission checks completeness
        self.fields["title"].required = True

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("结束日期不能早于开始日期。"))
        return data

    def sections(self):
        for title, names in SECTIONS:
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                yield title, fields


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = ["starts_at", "ends_at", "capacity"]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] < data["starts_at"]:
            self.add_error("ends_at", _("结束时间不能早于开始时间。"))
        return data


SessionFormSet = forms.modelformset_factory(Session, form=SessionForm, extra=2, can_delete=True)


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("审核意见"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


def content_areas_for(activity: Activity):
    """National content areas plus the focus areas of every regional plan above the filer."""
    from django.db.models import Q

    from sciweek.organizations.selectors import ancestor_paths

    return ContentArea.objects.filter(
        Q(plan__isnull=True) | Q(plan__organization__path__in=ancestor_paths(activity.organization, include_self=True)),
        campaign=activity.campaign,
    ).order_by("plan_id", "position")
