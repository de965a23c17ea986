"""What a filing must contain before it can be submitted, and the attendance caps that
campaign and regional rules put on on-site activities. Messages are for the filer."""
from dataclasses import dataclass

from django.utils.translation import gettext as _

from sciweek.campaigns.models import RegionalPlan
from sciweek.organizations.selectors import ancestor_paths

from .models import Activity


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


def attendance_errors(activity: Activity, session_capacities: list[int | None] | None = None) -> list[str]:
    """Breaches of the attendance caps by the safety plan or by a session's capacity."""
    if not activity.is_onsite:
        return []
    errors = []
    cap = attendance_cap(activity)
    limit = cap.limit_for(activity.venue_capacity)
    if cap.percent is not None and not activity.venue_capacity:
        errors.append(_("本届规定线下活动人数不得超过场馆容量的 %(p)s%%，请填写场馆额定容量。") % {"p": cap.percent})
    if limit is not None and activity.safety_max_attendance and activity.safety_max_attendance > limit:
        errors.append(_("最大同时在场人数 %(n)s 超过了规定上限 %(limit)s 人。") % {
            "n": activity.safety_max_attendance, "limit": limit})
    if session_capacities is None:
        session_capacities = list(activity.sessions.values_list("capacity", flat=True)) if activity.pk else []
    bounds = [x for x in (limit, activity.safety_max_attendance) if x]
    ceiling = min(bounds) if bounds else None
    for number, capacity in enumerate(session_capacities, start=1):
        if ceiling is not None and capacity is not None and capacity > ceiling:
            errors.append(_("第 %(i)s 场的名额 %(n)s 超过了最大同时在场人数 %(limit)s。") % {
                "i": number, "n": capacity, "limit": ceiling})
        if ceiling is not None and capacity is None:
            errors.append(_("第 %(i)s 场须填写名额（线下活动限流）。") % {"i": number})
    return errors


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
    from sciweek.campaigns.selectors import is_online_only

    if activity.is_onsite and is_online_only(activity.campaign, activity.organization):
        return [_("本届（本地区）科技活动周已改为线上举办，请把举办形式改为“线上”并填写线上渠道。")]
    return []
