"""Request parameters and response bodies of API v1.

Responses are built from explicit allowlists (see `sciweek.api.v1.serializers`): contact
people, budgets, safety plans and workflow fields never leave the server."""
import re
from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import BeforeValidator, Field

MAX_ID = 2**63 - 1  # BigAutoField: larger ids would overflow the database driver, not just miss
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"  # PostgreSQL rejects NUL in text; no field needs controls

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
PageNumber = Annotated[int, Field(ge=1, le=100_000)]
PageSize = Annotated[int, Field(ge=1, le=50)]


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


class PageParams(Schema):
    page: Annotated[PageNumber, Field(description="页码，从 1 开始 / page number")] = 1
    page_size: Annotated[PageSize, Field(description="每页条数，最多 50 / items per page")] = 20


# --- campaigns -------------------------------------------------------------------------

class CampaignSummary(Schema):
    year: int
    name: str
    theme: str = Field(description="全国主题 / national theme")
    starts_on: date
    ends_on: date
    online_only: bool = Field(description="整届改为网络科技活动周 / the whole week runs online")


class CampaignList(Schema):
    items: list[CampaignSummary]
    count: int


class ContentAreaOut(Schema):
    id: int = Field(description="用于活动列表的 area 参数 / use as `area` in the catalog")
    name: str
    description: str


class OrganizationRef(Schema):
    id: int
    name: str


class RegionalPlanOut(Schema):
    organization: OrganizationRef
    division_code: str | None
    title: str
    theme: str = Field(description="地方主题 / regional theme")
    online_only: bool
    focus_areas: list[ContentAreaOut] = Field(description="地方重点方向 / the region's focus areas")


class FlagshipOut(Schema):
    id: int
    number: int
    name: str


class MainVenueEventOut(Schema):
    name: str
    starts_on: date | None
    place: str
    hosts: str
    description: str


class CampaignDetail(CampaignSummary):
    notice_title: str
    notice_number: str
    notice_date: date | None
    content_areas: list[ContentAreaOut] = Field(description="全国内容方向 / national content areas")
    regional_plans: list[RegionalPlanOut]
    flagships: list[FlagshipOut] = Field(description="重大示范活动 / flagship demonstration activities")
    main_venue_events: list[MainVenueEventOut] = Field(description="主场活动 / main-venue events")


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


class ActivityPage(Schema):
    items: list[ActivitySummary]
    count: int = Field(description="符合条件的活动总数 / total matches")
    page: int
    page_size: int
    pages: int = Field(description="总页数 / number of pages")
    next: int | None = Field(description="下一页页码，没有则为 null / next page number")
    previous: int | None = Field(description="上一页页码，没有则为 null / previous page number")


class SessionOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int | None = Field(description="名额，null 表示不限 / places, null = unlimited")
    seats_left: int | None = Field(description="剩余名额（capacity - 已预约），null 表示不限")
    bookable: bool = Field(description="现在可以预约（有名额，或约满后可候补） / takes bookings now "
                                       "(places left, or a waiting list)")
    booking: Literal["open", "waitlist", "full", "no_booking", "closed", "cancelled", "started", "ended",
                     "not_open"] = Field(
        description="预约状态：open 可预约，waitlist 可候补，full 已约满，no_booking 无需预约，closed 已停止预约，"
                    "cancelled 场次已取消，started 已开始，ended 已结束，not_open 活动暂不接受预约 / booking state")


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


# --- account ---------------------------------------------------------------------------

class TokenOut(Schema):
    prefix: str = Field(description="令牌开头几位，用于辨认 / first characters, for recognition")
    name: str
    expires_at: datetime | None


class MeOut(Schema):
    username: str
    display_name: str
    token: TokenOut
