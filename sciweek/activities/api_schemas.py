"""What the API shows of activities and regions: request parameters, response schemas
(OpenAPI components) and the serializers that fill them, field by field. An allowlist on
purpose: a field added to Activity (a phone number, a budget, a reviewer) stays private until
someone adds it here."""
import re
from datetime import date, datetime
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Schema
from pydantic import BeforeValidator, Field

from sciweek.api.pagination import Page
from sciweek.api.schemas import MAX_ID, NO_CONTROL_CHARACTERS
from sciweek.campaigns.api_schemas import ContentAreaOut, OrganizationRef
from sciweek.organizations.models import Division

from .models import Activity, Session
from .selectors import BOOKABLE_STATES, booking_state

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

Kind = Literal["project", "open_day"]
Level = Literal["national", "provincial", "city", "unit"]
Format = Literal["online", "onsite", "hybrid"]
Status = Literal["approved", "cancelled"]


def _iso_date_only(value):
    """Pydantic would also read `day=0` as a Unix timestamp; the schema promises YYYY-MM-DD."""
    if isinstance(value, str) and not ISO_DATE.fullmatch(value):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


def _digits_as_int(value):
    """Query strings are text; Literal[1, 7] wants the number."""
    return int(value) if isinstance(value, str) and value.strip().isdigit() else value


# --- parameters ------------------------------------------------------------------------
# A parameter is either absent or valid: `format=` (empty) is a 422 like `format=tv`.
# Constraints sit on the inner type so that OpenAPI shows them as minimum/maximum/pattern.
DivisionCode = Annotated[str, Field(pattern=r"^\d{6}$")]
AreaId = Annotated[int, Field(ge=1, le=MAX_ID)]


class CatalogParams(Schema):
    """The portal's catalog filters (sciweek.activities.catalog.CatalogQuery), one to one."""

    q: Annotated[str, Field(max_length=50, pattern=NO_CONTROL_CHARACTERS,
                            description="关键词（中文分词检索标题、主办单位、地点、简介，多个词需同时命中）/ "
                                        "search words, all must match")] = ""
    division: Annotated[DivisionCode | None, Field(
        description="举办地行政区划代码（GB/T 2260，省、市或区县，含下级）/ division code, "
                    "province, city or county, subdivisions included", examples=["130000"])] = None
    day: Annotated[date | None, BeforeValidator(_iso_date_only), Field(
        description="日期：当天举办的活动（与 days=7 合用为自该日起的一周）/ activities on this day")] = None
    days: Annotated[Literal[1, 7], BeforeValidator(_digits_as_int), Field(
        description="1 = 当天，7 = 自 day 起一周 / 1 day or 7")] = 1
    area: Annotated[AreaId | None, Field(
        description="内容方向 id（全国内容方向或地方重点方向，见 campaigns/{year}）/ content area id")
    ] = None
    format: Annotated[Literal["online", "onsite"] | None, Field(
        description="online 线上 / onsite 线下（线上线下结合的活动两者都算）")] = None
    flagship: Annotated[bool, Field(description="只看重大示范活动 / flagship activities only")] = False
    kind: Annotated[Kind | None, Field(
        description="project 重点项目/活动，open_day 科研机构和大学开放活动")] = None
    audience: Annotated[str, Field(max_length=20, pattern=NO_CONTROL_CHARACTERS,
                                   description="面向对象包含该词，如“中小学生” / audience contains")] = ""
    bookable: Annotated[bool, Field(
        description="只看现在可以预约（有名额或可候补）的活动 / with a session that takes bookings now "
                    "(places left or a waiting list)")] = False
    sort: Annotated[Literal["date", "-date", "new", "title"], Field(
        description="date 按日期，-date 日期倒序，new 最新发布，title 按名称；同值按 id 排序，翻页稳定")] = "date"


# --- regions ---------------------------------------------------------------------------

class DivisionRef(Schema):
    code: str = Field(description="GB/T 2260 行政区划代码")
    name: str


class RegionCount(DivisionRef):
    activity_count: int = Field(description="公开活动数（与活动列表 division=code 的 count 一致）")


class RegionList(Schema):
    items: list[RegionCount]
    count: int


class PlanCountsOut(Schema):
    """Hebei 2020: 629 = 110 + 474 + 45."""

    total: int
    by_departments: int = Field(description="省直部门等本级单位的活动 / by the region's own departments")
    by_cities: int = Field(description="各市推荐的活动 / recommended by cities")
    open_sessions: int = Field(description="科研机构和大学开放活动场次 / open-day sessions")
    open_research_institutes: int
    open_universities: int


class KeyActivityOut(Schema):
    id: int
    position: int | None = Field(description="方案中的序号 / position in the plan")
    title: str
    hosts: str
    starts_on: date | None
    ends_on: date | None
    format: Format
    status: Status


class KeyActivityLists(Schema):
    provincial: list[KeyActivityOut] = Field(description="省级重大科普活动")
    city: list[KeyActivityOut] = Field(description="各市重点科普活动")


class RegionPlanOut(Schema):
    title: str
    theme: str
    online_only: bool
    planned_total: int | None
    focus_areas: list[ContentAreaOut]
    counts: PlanCountsOut = Field(description="工作方案中的活动统计（已通过的备案）")
    key_activities: KeyActivityLists


class RegionDetail(DivisionRef):
    level: Literal["province", "prefecture", "county"]
    parent: DivisionRef | None
    activity_count: int
    children: list[RegionCount] = Field(description="下级行政区划及其公开活动数 / subdivisions with counts")
    online_only: bool = Field(description="本地区活动是否全部线上（全国或本地区方案的设置）")
    organization: OrganizationRef | None = Field(description="对应的上报单位（类型为地区）/ reporting organization")
    plan: RegionPlanOut | None = Field(description="该地区有工作方案时：主题、统计和重点活动 / when it has a plan")


# --- activities ------------------------------------------------------------------------

class FlagshipRef(Schema):
    number: int
    name: str


class OnlineChannels(Schema):
    live_stream_url: str | None = Field(description="直播链接")
    online_exhibition_url: str | None = Field(description="网络展厅链接")
    video_url: str | None = Field(description="视频链接")
    wechat_account: str | None = Field(description="微信公众号")
    mini_program_path: str | None = Field(description="小程序路径")


class ActivitySummary(Schema):
    id: int
    title: str
    kind: Kind = Field(description="project 重点项目/活动，open_day 开放活动")
    level: Level = Field(description="national 全国重大示范，provincial 省级，city 市级，unit 单位")
    format: Format = Field(description="online 线上，onsite 线下，hybrid 线上线下结合")
    status: Status = Field(description="approved 已发布，cancelled 已取消（仍公开，附取消原因）")
    starts_on: date | None
    ends_on: date | None
    division: DivisionRef | None = Field(description="举办地 / where it takes place")
    hosts: str = Field(description="主办单位（顿号分隔）/ hosts")
    flagship: FlagshipRef | None = Field(description="所属重大示范活动 / flagship it belongs to")
    online: OnlineChannels


class ActivityPage(Page[ActivitySummary]):  # one page of the catalog, see sciweek.api.pagination
    pass


class SessionOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int | None = Field(description="名额，null 表示不限 / places, null = unlimited")
    seats_left: int | None = Field(description="剩余名额（capacity - 已预约），null 表示不限")
    bookable: bool = Field(description="现在可以预约（有名额，或约满后可候补） / takes bookings now "
                                       "(places left, or a waiting list)")
    booking: Literal["open", "waitlist", "full", "no_booking", "closed", "cancelled", "started", "ended",
                     "not_open", "online_only"] = Field(
        description="预约状态：open 可预约，waitlist 可候补，full 已约满，no_booking 无需预约，closed 已停止预约，"
                    "cancelled 场次已取消，started 已开始，ended 已结束，not_open 活动暂不接受预约，"
                    "online_only 本地区已改为线上举办、线下场次暂停预约 / booking state")


class SessionList(Schema):
    activity_id: int
    items: list[SessionOut]
    count: int


class AreaRef(Schema):
    id: int
    name: str
    national: bool = Field(description="true 全国内容方向，false 地方重点方向")


class ActivityDetail(ActivitySummary):
    campaign_year: int
    organizers: str = Field(description="承办单位 / organizers")
    cancel_reason: str | None = Field(description="取消原因（status 为 cancelled 时）")
    address: str
    latitude: float | None
    longitude: float | None
    description: str = Field(description="活动内容")
    format_description: str = Field(description="活动形式")
    audience: str = Field(description="面向对象")
    facilities: str = Field(description="开放的设施（开放活动）")
    open_hours: str = Field(description="开放时间（开放活动）")
    booking_method: str = Field(description="预约方式")
    content_areas: list[AreaRef]
    sessions: list[SessionOut]


# --- serializers -----------------------------------------------------------------------

def division(item: Division | None) -> dict | None:
    return {"code": item.code, "name": item.name} if item is not None else None


def _blank_as_none(value: str) -> str | None:
    return value or None


def online_channels(activity: Activity) -> dict:
    return {
        "live_stream_url": _blank_as_none(activity.live_stream_url),
        "online_exhibition_url": _blank_as_none(activity.online_exhibition_url),
        "video_url": _blank_as_none(activity.video_url),
        "wechat_account": _blank_as_none(activity.wechat_account),
        "mini_program_path": _blank_as_none(activity.mini_program_path),
    }


def activity_summary(activity: Activity) -> dict:
    """Needs division, flagship and host_links loaded (see selectors.with_hosts)."""
    flagship = activity.flagship if activity.flagship_id else None
    return {
        "id": activity.pk,
        "title": activity.title,
        "kind": activity.kind,
        "level": activity.level,
        "format": activity.format,
        "status": activity.status,
        "starts_on": activity.starts_on,
        "ends_on": activity.ends_on,
        "division": division(activity.division) if activity.division_id else None,
        "hosts": activity.hosts_display,
        "flagship": {"number": flagship.number, "name": flagship.name} if flagship else None,
        "online": online_channels(activity),
    }


def key_activity(activity: Activity) -> dict:
    return {"id": activity.pk, "position": activity.key_position, "title": activity.title,
            "hosts": activity.hosts_display, "starts_on": activity.starts_on, "ends_on": activity.ends_on,
            "format": activity.format, "status": activity.status}


def session(item: Session, activity: Activity, now=None) -> dict:
    state = booking_state(item, activity=activity, now=now)
    return {
        "id": item.pk,
        "starts_at": item.starts_at,
        "ends_at": item.ends_at,
        "capacity": item.capacity,
        "seats_left": None if item.capacity is None else max(0, item.capacity - item.seats_taken),
        "bookable": state in BOOKABLE_STATES,
        "booking": state.value,
    }


def _coordinate(value) -> float | None:
    return float(value) if value is not None else None


def activity_detail(activity: Activity) -> dict:
    """Needs selectors.public_activity's details and sessions."""
    now = timezone.now()
    return {
        **activity_summary(activity),
        "campaign_year": activity.campaign.year,
        "organizers": activity.organizers_display,
        "cancel_reason": (activity.cancel_reason or None) if activity.status == Activity.Status.CANCELLED else None,
        "address": activity.address,
        "latitude": _coordinate(activity.latitude),
        "longitude": _coordinate(activity.longitude),
        "description": activity.description,
        "format_description": activity.format_description,
        "audience": activity.audience,
        "facilities": activity.facilities,
        "open_hours": activity.open_hours,
        "booking_method": activity.booking_method,
        "content_areas": [{"id": a.pk, "name": a.name, "national": a.plan_id is None}
                          for a in activity.content_areas.all()],
        "sessions": [session(s, activity, now) for s in activity.sessions.all()],
    }
