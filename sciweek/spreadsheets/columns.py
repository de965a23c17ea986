"""The two official filing forms, column by column, in the official order.

One list per form drives everything: the template's headers, widths, drop-downs and
instructions; how each uploaded cell is parsed; and the column order of exports.
"""
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

PROJECT = "project"
OPEN_DAY = "open_day"

FORM_TITLES = {
    PROJECT: _("重点项目备案表"),
    OPEN_DAY: _("参与开放活动的科研机构和大学备案表"),
}
ERROR_HEADER = _("错误说明")


@dataclass(frozen=True)
class Column:
    key: str            # field or pseudo-field this column fills
    header: object      # lazy Chinese header, as on the official form
    type: str           # text, int, decimal, date, choice, bool, orgs, org, areas, division, sessions,
    #                     flagship, url, email, phone, seq
    width: int = 14
    required: bool = False
    max_length: int | None = None
    help: object = ""
    example: str = ""
    aliases: tuple = ()  # other headers officials use for the same column

    def headers(self) -> set[str]:
        """The header in every site language, and its aliases (an upload may use any of them)."""
        names = {normalize_header(a) for a in self.aliases}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                names.add(normalize_header(str(self.header)))
        return names


def normalize_header(text) -> str:
    text = str(text or "").strip()
    for mark in ("*", "＊", "（必填）", "(必填)", "必填", " ", "\u3000", "\n"):
        text = text.replace(mark, "")
    return text.replace("(", "（").replace(")", "）")


LEVEL_LABELS = {"national": _("全国重大示范活动"), "provincial": _("省级"), "city": _("市级"), "unit": _("单位")}
FORMAT_LABELS = {"online": _("线上"), "onsite": _("线下"), "hybrid": _("线上线下结合")}
YES, NO = _("是"), _("否")

_SEQ = Column("seq", _("序号"), "seq", width=6, help=_("可不填，导入时不使用。"), example="1")
_SESSIONS = Column(
    "sessions", _("场次"), "sessions", width=30,
    help=_("每场一段，写成“2020-08-23 09:30-11:30”，多场用分号“；”或换行分隔；某场名额不同时可在后面加“（30人）”。"),
    example="2020-08-23 09:30-11:30；2020-08-24 14:00-16:00",
)
_CAPACITY = Column("capacity", _("每场名额"), "int", width=10, help=_("每个场次可预约的人数，留空表示不限。"),
                   example="30")
_DIVISION = Column("division", _("举办地"), "division", width=22,
                   help=_("从下拉列表选择行政区划，或填写 6 位行政区划代码。"), example="130102 长安区")
_ADDRESS = Column("address", _("详细地址"), "text", width=28, max_length=255, example="石家庄市长安区……")
_VENUE = Column("venue_capacity", _("场馆额定容量"), "int", width=12, help=_("线下活动必填（人）。"))
_AUDIENCE = Column("audience", _("面向对象"), "text", width=14, max_length=128, example="社会公众")
_EXPECTED = Column("expected_participants", _("预计参与人数"), "int", width=12, example="500")
_ONLINE = [
    Column("live_stream_url", _("直播链接"), "url", width=24, max_length=200, example="https://live.example.cn/1"),
    Column("online_exhibition_url", _("网络展厅链接"), "url", width=24, max_length=200),
    Column("video_url", _("视频链接"), "url", width=24, max_length=200),
    Column("wechat_account", _("微信公众号"), "text", width=16, max_length=64),
    Column("mini_program_path", _("小程序路径"), "text", width=16, max_length=255),
]
_SAFETY = [
    Column("safety_max_attendance", _("最大同时在场人数"), "int", width=12, help=_("线下活动必填。")),
    Column("safety_measures", _("安全和疫情防控措施"), "text", width=30, help=_("线下活动必填。")),
    Column("safety_responsible", _("安全责任人"), "text", width=12, max_length=32),
]
_CONTACT = [
    Column("contact_name", _("联系人"), "text", width=10, max_length=32),
    Column("contact_phone", _("联系电话"), "phone", width=16, max_length=32, help=_("不公开。")),
    Column("contact_email", _("联系邮箱"), "email", width=22, max_length=254),
]
_FLAGSHIP = [
    Column("is_flagship", _("是否重大示范活动"), "bool", width=10, help=_("选“是”时须选择所属重大示范活动。"),
           example=str(NO)),
    Column("flagship", _("所属重大示范活动"), "flagship", width=22, help=_("从下拉列表选择。")),
]
_AREAS = Column("content_areas", _("内容方向"), "areas", width=20,
                help=_("从下拉列表选择；属于多个方向时用顿号“、”分隔。"), example="展示科技创新成就")

PROJECT_COLUMNS = [
    _SEQ,
    Column("title", _("项目名称"), "text", width=32, required=True, max_length=200, aliases=("活动名称", "项目（活动）名称"),
           example="石家庄市科技活动周启动式"),
    Column("organization", _("填报单位"), "org", width=24,
           help=_("留空则为上传时选择的填报单位；可填写其下级单位。"), example=""),
    Column("level", _("级别"), "choice", width=14, help=_("从下拉列表选择，留空为“单位”。"), example=str(LEVEL_LABELS["city"])),
    *_FLAGSHIP,
    Column("is_key", _("列入工作方案重点活动"), "bool", width=12, example=str(NO),
           help=_("省级重大科普活动或各市重点科普活动，在工作方案中逐项列出。")),
    Column("key_position", _("方案序号"), "int", width=8),
    Column("hosts", _("主办单位"), "orgs", width=30, required=True, aliases=("主办",),
           help=_("多个单位用顿号“、”分隔。平台上已有的单位会自动关联，须在您的管理范围内；平台上没有的单位照录。"),
           example="石家庄市科学技术局、石家庄市科学技术协会"),
    Column("organizers", _("承办单位"), "orgs", width=24, aliases=("承办",), help=_("同主办单位。")),
    Column("supervising_department", _("主管部门"), "text", width=16, max_length=128),
    _AREAS,
    Column("format", _("举办形式"), "choice", width=12, required=True, example=str(FORMAT_LABELS["hybrid"])),
    Column("starts_on", _("开始日期"), "date", width=12, required=True, example="2020-08-23"),
    Column("ends_on", _("结束日期"), "date", width=12, required=True, example="2020-08-29"),
    _SESSIONS,
    _CAPACITY,
    _DIVISION,
    _ADDRESS,
    _VENUE,
    _AUDIENCE,
    _EXPECTED,
    Column("budget", _("经费预算（万元）"), "decimal", width=12, aliases=("经费预算", "经费（万元）"), example="5"),
    Column("description", _("活动内容"), "text", width=40, example="……"),
    Column("format_description", _("活动形式"), "text", width=24),
    Column("publicity_plan", _("宣传方式"), "text", width=24),
    *_ONLINE,
    *_SAFETY,
    Column("lead_name", _("项目负责人"), "text", width=10, max_length=32),
    *_CONTACT,
]

OPEN_DAY_COLUMNS = [
    _SEQ,
    Column("organization", _("开放单位"), "org", width=28, aliases=("机构名称", "单位名称"),
           help=_("对外开放的科研机构或大学（平台上的单位）。留空则为上传时选择的填报单位。"), example="河北大学"),
    Column("title", _("活动名称"), "text", width=30, max_length=200,
           help=_("留空则为“（开放单位）向公众开放”。"), example="河北大学生命科学实验室向公众开放"),
    *_FLAGSHIP,
    _AREAS,
    Column("facilities", _("开放的设施"), "text", width=30, required=True, aliases=("开放设施",),
           help=_("开放的实验室、大型科研设备、展馆等。"), example="生命科学实验室、标本馆"),
    Column("description", _("开放内容"), "text", width=36),
    Column("format", _("举办形式"), "choice", width=12, help=_("留空为“线下”。"), example=str(FORMAT_LABELS["onsite"])),
    Column("starts_on", _("开始日期"), "date", width=12, required=True, aliases=("开放开始日期",), example="2020-08-23"),
    Column("ends_on", _("结束日期"), "date", width=12, required=True, aliases=("开放结束日期",), example="2020-08-24"),
    Column("open_hours", _("开放时间"), "text", width=18, max_length=128, example="9:30-11:30"),
    _SESSIONS,
    _CAPACITY,
    Column("booking_method", _("预约方式"), "text", width=20, max_length=255, example="电话预约"),
    _AUDIENCE,
    _EXPECTED,
    _DIVISION,
    _ADDRESS,
    _VENUE,
    *_ONLINE,
    *_SAFETY,
    *_CONTACT,
]

COLUMNS = {PROJECT: PROJECT_COLUMNS, OPEN_DAY: OPEN_DAY_COLUMNS}
# Headers that identify a form even when optional columns were deleted.
SIGNATURE = {PROJECT: ("title", "hosts", "starts_on"), OPEN_DAY: ("facilities", "starts_on")}


@lru_cache(maxsize=4)
def header_index(kind: str) -> dict[str, Column]:
    """Normalized header text -> column, for matching an uploaded header row (every site language)."""
    index: dict[str, Column] = {}
    for column in COLUMNS[kind]:
        for name in column.headers():
            index.setdefault(name, column)
    return index
