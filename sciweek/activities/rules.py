"""The rules a filing keeps, in one place for every way in: the console form, the Excel
importer, the API and submission. Messages are for the filer, localized.

- Field rules judge the values a filer gives (any subset: drafts are partial). The form's
  clean and the importer's row check call the same functions, so a value refused in one is
  refused in the other, with the same words.
- Attendance caps: what the campaign and the regional plans above the filer allow on site.
- Completeness (`missing_for_submission`) decides what a filing needs before submission.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from sciweek.campaigns.models import RegionalPlan
from sciweek.campaigns.selectors import is_online_only
from sciweek.organizations.selectors import ancestor_paths

from .models import Activity

ONSITE_FORMATS = (Activity.Format.ONSITE, Activity.Format.HYBRID)
# One activity, even a national online one, is not expected to reach more people than
# this; larger numbers are typing mistakes and would distort the participant statistics.
MAX_EXPECTED_PARTICIPANTS = 10_000_000
PHONE = re.compile(r"[0-9+\-() 转ext.,、/]{5,32}", flags=re.IGNORECASE)
FULLWIDTH = str.maketrans("０１２３４５６７８９：．，－／（）", "0123456789:.,-/()")


@dataclass(frozen=True)
class Problem:
    """One broken rule: the field it is about (an Activity field, or a session's
    `session_starts_at` / `session_ends_at` / `session_capacity` with the session's number),
    and what to tell the filer."""

    field: str
    message: str
    session: int | None = None  # 1-based number of the session concerned
    missing: bool = False  # something is absent rather than wrong: a draft may still lack it


def quoted(value) -> str:
    text = str(value)
    return "“" + (text if len(text) <= 40 else text[:40] + "…") + "”"


# --- field rules ----------------------------------------------------------------------

def normalize_phone(value: str) -> str:
    """Phone numbers as typed on a Chinese keyboard (full-width digits and marks) -> ASCII."""
    return (value or "").translate(FULLWIDTH).strip()


def phone_error(value: str) -> str | None:
    if value and not PHONE.fullmatch(value):
        return _("无法识别的电话号码%(v)s") % {"v": quoted(value)}
    return None


def expected_participants_error(number: int | None) -> str | None:
    if number is not None and number > MAX_EXPECTED_PARTICIPANTS:
        return _("预计参与人数 %(n)s 超过了 %(max)s，请核实后填写。") % {"n": number, "max": MAX_EXPECTED_PARTICIPANTS}
    return None


def peak_attendance_error(peak: int | None, venue_capacity: int | None) -> str | None:
    """The safety plan's peak attendance cannot exceed what the venue is rated for."""
    if peak and venue_capacity and peak > venue_capacity:
        return _("最大同时在场人数 %(n)s 超过了场馆额定容量 %(venue)s 人。") % {"n": peak, "venue": venue_capacity}
    return None


def activity_window(campaign) -> tuple[date, date]:
    """The days on which the campaign's activities and sessions may take place: the week, or
    the window the campaign sets around it (Campaign.activities_from / activities_until)."""
    return campaign.activity_window


def outside_window_error(day: date, window: tuple[date, date]) -> str | None:
    first, last = window
    if first <= day <= last:
        return None
    return _("%(day)s 不在本届活动日期（%(start)s 至 %(end)s）内") % {"day": day, "start": first, "end": last}


def date_problems(starts_on: date | None, ends_on: date | None, window: tuple[date, date]) -> list[Problem]:
    """An activity takes place within the campaign's window (the week, unless the campaign
    sets a wider one), and ends after it starts."""
    problems = []
    if starts_on is not None and (error := outside_window_error(starts_on, window)):
        problems.append(Problem("starts_on", error))
    if starts_on and ends_on and ends_on < starts_on:
        problems.append(Problem("ends_on", _("结束日期 %(end)s 早于开始日期 %(start)s") % {
            "end": ends_on, "start": starts_on}))
    elif ends_on is not None and (error := outside_window_error(ends_on, window)):
        problems.append(Problem("ends_on", error))  # one message per field: an end before the start says that
    return problems


def venue_province(division_id: str | None, province_division_id: str | None = None) -> str | None:
    """Where a filer's activities may take place: the province (first two digits of the
    GB/T 2260 code) of the filing organization, else of its provincial-level node; None
    means anywhere (an organization without a place)."""
    code = division_id or province_division_id
    return code[:2] if code else None


def division_error(code: str, province: str | None) -> str | None:
    if province and not code.startswith(province):
        return _("行政区划代码 %(code)s 不存在或不在本省范围内") % {"code": code}
    return None


def field_problems(values: dict, *, window: tuple[date, date]) -> list[Problem]:
    """The field rules on whatever `values` holds (Activity field names; absent = not given);
    `window` is activity_window(campaign)."""
    problems = []
    for key, error in (
        ("contact_phone", phone_error(values.get("contact_phone") or "")),
        ("expected_participants", expected_participants_error(values.get("expected_participants"))),
        ("safety_max_attendance", peak_attendance_error(values.get("safety_max_attendance"),
                                                        values.get("venue_capacity"))),
    ):
        if error:
            problems.append(Problem(key, error))
    return problems + date_problems(values.get("starts_on"), values.get("ends_on"), window)


def session_problems(sessions: list[tuple[datetime, datetime, int | None]], starts_on: date | None,
                     ends_on: date | None, window: tuple[date, date] | None = None) -> list[Problem]:
    """Each session ends after it starts and lies within the activity's dates, and within the
    campaign's window (`window`, activity_window(campaign)) when the dates are not given yet."""
    problems = []
    for number, (starts_at, ends_at, _capacity) in enumerate(sessions, start=1):
        if ends_at <= starts_at:
            problems.append(Problem("session_ends_at", _("第 %(i)s 场的结束时间应晚于开始时间。") % {"i": number},
                                    number))
        day = timezone.localtime(starts_at).date() if timezone.is_aware(starts_at) else starts_at.date()
        if starts_on and ends_on and not (starts_on <= day <= ends_on):
            problems.append(Problem("session_starts_at", _("场次日期 %(day)s 不在活动日期（%(start)s 至 %(end)s）内") % {
                "day": day, "start": starts_on, "end": ends_on}, number))
        elif window is not None and (error := outside_window_error(day, window)):
            problems.append(Problem("session_starts_at", _("第 %(i)s 场：%(error)s") % {"i": number, "error": error},
                                    number))
    return problems


# --- attendance caps --------------------------------------------------------------------

@dataclass(frozen=True)
class AttendanceCap:
    percent: int | None  # of the venue's rated capacity
    absolute: int | None

    def limit_for(self, venue_capacity: int | None) -> int | None:
        limits = []
        if self.percent is not None and venue_capacity:
            limits.append(venue_capacity * self.percent // 100)
        if self.absolute is not None:
            limits.append(self.absolute)
        return min(limits) if limits else None


def attendance_cap(activity: Activity) -> AttendanceCap:
    """The strictest of the campaign's rule and every regional plan above the filer."""
    campaign = activity.campaign
    percents = [campaign.attendance_cap_percent] if campaign.attendance_cap_percent is not None else []
    absolutes = [campaign.max_gathering] if campaign.max_gathering is not None else []
    plans = RegionalPlan.objects.filter(
        campaign=campaign, organization__path__in=ancestor_paths(activity.organization, include_self=True)
    ).values_list("attendance_cap_percent", "max_gathering")
    for percent, absolute in plans:
        if percent is not None:
            percents.append(percent)
        if absolute is not None:
            absolutes.append(absolute)
    return AttendanceCap(min(percents) if percents else None, min(absolutes) if absolutes else None)


def attendance_problems(cap: AttendanceCap, *, format: str, venue_capacity: int | None, peak: int | None,
                        session_capacities: list[int | None]) -> list[Problem]:
    """Breaches of the attendance caps by the safety plan's peak or by a session's places.
    On-site and hybrid activities only."""
    if format not in ONSITE_FORMATS:
        return []
    problems = []
    limit = cap.limit_for(venue_capacity)
    if cap.percent is not None and not venue_capacity:
        problems.append(Problem("venue_capacity", _(
            "本届规定线下活动人数不得超过场馆容量的 %(p)s%%，请填写场馆额定容量。") % {"p": cap.percent}, missing=True))
    if limit is not None and peak and peak > limit:
        problems.append(Problem("safety_max_attendance", _("最大同时在场人数 %(n)s 超过了规定上限 %(limit)s 人。") % {
            "n": peak, "limit": limit}))
    bounds = [x for x in (limit, peak) if x]
    ceiling = min(bounds) if bounds else None
    if ceiling is None:
        return problems
    for number, capacity in enumerate(session_capacities, start=1):
        if capacity is None:
            problems.append(Problem("session_capacity", _("第 %(i)s 场须填写名额（线下活动限流）。") % {"i": number},
                                    number, missing=True))
        elif capacity > ceiling:
            problems.append(Problem("session_capacity", _("第 %(i)s 场的名额 %(n)s 超过了最大同时在场人数 %(limit)s。") % {
                "i": number, "n": capacity, "limit": ceiling}, number))
    return problems


def attendance_errors(activity: Activity, session_capacities: list[int | None] | None = None) -> list[str]:
    """The attendance problems of a saved filing (what blocks its submission)."""
    if session_capacities is None:
        session_capacities = list(activity.sessions.values_list("capacity", flat=True)) if activity.pk else []
    if activity.format not in ONSITE_FORMATS:
        return []
    return [p.message for p in attendance_problems(
        attendance_cap(activity), format=activity.format, venue_capacity=activity.venue_capacity,
        peak=activity.safety_max_attendance, session_capacities=session_capacities)]


def filing_errors(activity: Activity) -> list[str]:
    """Every rule a saved filing breaks (checked again at submission: a draft saved in parts,
    or before a rule tightened, may break one)."""
    values = {name: getattr(activity, name) for name in (
        "contact_phone", "expected_participants", "safety_max_attendance", "venue_capacity", "starts_on", "ends_on")}
    window = activity_window(activity.campaign)
    problems = field_problems(values, window=window)
    if activity.pk:
        problems += session_problems(list(activity.sessions.values_list("starts_at", "ends_at", "capacity")),
                                     activity.starts_on, activity.ends_on, window)
    return [p.message for p in problems] + attendance_errors(activity) + online_only_errors(activity)


# --- completeness -----------------------------------------------------------------------

def missing_for_submission(activity: Activity) -> list[str]:
    """Everything a filer still has to fill in, in the order of the form."""
    missing = []

    def need(condition, message):
        if not condition:
            missing.append(message)

    need(activity.title.strip(), _("活动名称"))
    need(activity.host_links.filter(role="host").exists() or activity.other_hosts.strip(), _("主办单位"))
    if activity.kind == Activity.Kind.PROJECT:
        need(activity.content_areas.exists(), _("内容方向（至少选一项）"))
        need(activity.description.strip(), _("活动内容"))
        need(activity.lead_name.strip(), _("项目负责人"))
        need(activity.audience.strip(), _("面向对象"))
    else:
        need(activity.facilities.strip(), _("开放的设施"))
        need(activity.open_hours.strip(), _("开放时间"))
        need(activity.booking_method.strip(), _("预约方式"))
        need(activity.description.strip(), _("开放内容"))
    need(activity.starts_on and activity.ends_on, _("活动日期"))
    need(activity.contact_name.strip() and activity.contact_phone.strip(), _("联系人和联系电话"))
    if activity.format in (Activity.Format.ONLINE, Activity.Format.HYBRID):
        need(any([activity.live_stream_url, activity.online_exhibition_url, activity.video_url,
                  activity.wechat_account, activity.mini_program_path]), _("至少一个线上渠道（直播、网络展厅、视频、公众号或小程序）"))
    if activity.is_onsite:
        need(activity.division_id and activity.address.strip(), _("举办地和地址"))
        need(activity.sessions.exists(), _("至少一个场次"))
        need(activity.safety_max_attendance and activity.safety_measures.strip() and activity.safety_responsible.strip(),
             _("安全和疫情防控方案（最大在场人数、防控措施、责任人）"))
    if activity.kind == Activity.Kind.OPEN_DAY:
        need(activity.sessions.exists() and not activity.sessions.filter(capacity__isnull=True).exists(),
             _("每个开放场次的名额"))
    return missing


def online_only_errors(activity: Activity) -> list[str]:
    """When the campaign or a region above the filer went online-only (网络科技活动周),
    on-site activities cannot be submitted; hybrid ones must drop their on-site part."""
    if activity.is_onsite and is_online_only(activity.campaign, activity.organization):
        return [_("本届（本地区）科技活动周已改为线上举办，请把举办形式改为“线上”并填写线上渠道。")]
    return []
