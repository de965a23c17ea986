"""The console's filing form. Its clean applies the field rules of activities.rules, the
same functions the Excel importer's row check calls."""
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sciweek.campaigns.models import ContentArea, FlagshipActivity
from sciweek.organizations.models import Division, Organization
from sciweek.organizations.selectors import ancestor_paths

from . import rules
from .hosts import lookup_path
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
        province = venue_province(activity.organization)
        divisions = Division.objects.filter(code__startswith=province) if province else Division.objects.all()
        self.fields["division"].queryset = divisions.order_by("code")
        self.fields["division"].label_from_instance = lambda d: f"{d.code} {d.name}"
        first, last = rules.activity_window(activity.campaign)
        for name in ("starts_on", "ends_on"):  # the date picker offers the allowed days; clean says why
            self.fields[name].widget.attrs.update(min=first.isoformat(), max=last.isoformat())
        self.fields["starts_on"].help_text = _("本届活动日期：%(start)s 至 %(end)s") % {"start": first, "end": last}
        for field in self.fields.values():
            field.required = False  # drafts save partially; submission checks completeness
        self.fields["title"].required = True

    def clean_contact_phone(self):
        return rules.normalize_phone(self.cleaned_data.get("contact_phone", ""))

    def clean(self):
        data = super().clean()
        activity = self.instance
        given = {name: value for name, value in data.items() if name in self.fields}
        problems = rules.field_problems(given, window=rules.activity_window(activity.campaign))
        problems += rules.attendance_problems(
            rules.attendance_cap(activity), format=given.get("format", activity.format),
            venue_capacity=given.get("venue_capacity"), peak=given.get("safety_max_attendance"), session_capacities=[])
        for problem in problems:
            # What is still missing is listed under 提交前检查, not refused: drafts save partially.
            if not problem.missing and problem.field in self.fields and problem.field in self.cleaned_data:
                self.add_error(problem.field, problem.message)
        return self.cleaned_data

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


# Session times are judged with the filing (check_sessions): the rules need its dates and caps.
# A plain formset, not a model formset: a draft's sessions are replaced as a whole on every save
# (services.replace_sessions), so a row carries no session id. An id would go stale whenever an
# autosave still in flight from the page lands after "保存草稿" and replaces the rows again; the
# next save would then be refused with "Id: 选择一个有效的选项" for a row the filer never touched.
SessionFormSet = forms.formset_factory(SessionForm, extra=2, can_delete=True)


def session_formset(activity, data=None):
    """The filing page's session rows: the saved sessions, then two blank rows. Posted rows are
    judged on what they hold alone; against the saved sessions as initial values, a row that
    repeats one would count as unchanged and be dropped."""
    if data is not None:
        return SessionFormSet(data, prefix="sessions")
    initial = [{"starts_at": s.starts_at, "ends_at": s.ends_at, "capacity": s.capacity}
               for s in Session.objects.filter(activity=activity).order_by("starts_at", "id")]
    return SessionFormSet(initial=initial, prefix="sessions")


def kept_sessions(formset) -> list[forms.Form]:
    """The session forms that describe a session to keep (not deleted, with both times)."""
    return [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("starts_at") and f.cleaned_data.get("ends_at")]


def check_sessions(form: FilingForm, formset) -> bool:
    """The session rules (times, within the activity's dates, places under the attendance
    caps), on a valid form and formset; marks the session concerned. True when none broke."""
    activity = form.instance
    data = form.cleaned_data

    def value(name):  # what the form holds, else what is saved (autosave keeps only valid fields)
        return data[name] if name in data else getattr(activity, name)

    kept = kept_sessions(formset)
    spans = [(f.cleaned_data["starts_at"], f.cleaned_data["ends_at"], f.cleaned_data.get("capacity")) for f in kept]
    problems = rules.session_problems(spans, value("starts_on"), value("ends_on"),
                                      rules.activity_window(activity.campaign))
    problems += rules.attendance_problems(
        rules.attendance_cap(activity), format=value("format"), venue_capacity=value("venue_capacity"),
        peak=value("safety_max_attendance"), session_capacities=[c for _s, _e, c in spans])
    broken = False
    for problem in problems:
        if problem.session is None or problem.missing:
            continue
        session_form = kept[problem.session - 1]
        field = problem.field.removeprefix("session_")
        if field in session_form.cleaned_data:
            session_form.add_error(field, problem.message)
        broken = True
    return not broken


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("审核意见"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


def venue_province(organization: Organization) -> str | None:
    """rules.venue_province for a filing organization (its provincial-level node read only
    when it has no division of its own)."""
    province_division = None
    if not organization.division_id:
        province_division = (Organization.objects.filter(path=lookup_path(organization))
                             .values_list("division_id", flat=True).first())
    return rules.venue_province(organization.division_id, province_division)


def content_areas_for(activity: Activity):
    """National content areas plus the focus areas of every regional plan above the filer."""
    return ContentArea.objects.filter(
        Q(plan__isnull=True) | Q(plan__organization__path__in=ancestor_paths(activity.organization, include_self=True)),
        campaign=activity.campaign,
    ).order_by("plan_id", "position")
