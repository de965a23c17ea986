"""The contests' demo data: Hebei's three finished 2020 contests (the 科普讲解大赛 with its
一二三等奖, the 科普微视频大赛 and the 科学实验展演, as the 2020 plan names them) and the
contests of the live demo campaign (one taking entries now, one in its live final). Called by
``sciweek.demo.loader.load_demo`` (2020) and ``sciweek.demo.live`` (the live contests, built and
purged with the live campaign).

Configuration rows (contest, categories, rounds and their rubrics, prize tiers, panels) are
written directly, as the console's settings pages would; everything that happens in a contest
goes through ``sciweek.contests.services`` in the order it happened, with explicit times: units
submit their entries (hebei-filer), hebei-admin seats the judges and assigns (the tree's
conflicts are found there), a judge declares a conflict and the gap is filled, every judge
submits every assigned score (inside services.results_deferred: a round's results are computed
once after its marks, not once per mark), the rounds close, the results go out for 公示, an
objection is raised and dismissed, and the awards are made after the notice period. Rows the services date
themselves on write (entries, assignments, conflicts, objections) are then given the 2020 time
of the step that wrote them; the audit log is append-only, so its events keep the load's time.

Determinism: marks come from seeded ``random.Random`` instances keyed by contest, round, judge
and entry: an entry's quality, its strengths per criterion, and each judge's leniency and
spread (a strict judge and a lenient one, so per-judge normalisation changes figures), so ranks,
prizes and times are the same on every load.

Idempotent: a contest of a slug already in the campaign is left alone; judges are created once.
No real person appears: names are generated, phone numbers are the demo's 1360002xxxx block.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db.models import F

from sciweek.accounts.models import Membership, Role, User
from sciweek.organizations.models import Organization

from .. import services
from ..models import (
    Assignment,
    Award,
    Category,
    Conflict,
    Contest,
    Criterion,
    Entry,
    Objection,
    Panel,
    PrizeTier,
    Publication,
    Round,
)

SEED = 2020
TZ_2020 = ZoneInfo("Asia/Shanghai")
ADMIN, FILER = "hebei-admin", "hebei-filer"
OBJECTOR_NAME, OBJECTOR_PHONE = "演示异议人", "1360002{n:04d}"  # demo numbers of no one

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = ["晓明", "丽娜", "志强", "海燕", "文博", "静怡", "立新", "雪梅", "国华", "佳慧", "振宇", "春燕", "永刚",
         "思琪", "鹏飞", "晓燕", "子涵", "浩然", "雨桐", "思远", "一诺", "梓萱", "宇轩", "欣怡", "俊杰", "若曦",
         "明哲", "诗雨", "嘉怡", "铭泽", "雅婷", "晨阳", "书瑶", "睿", "涵", "航", "悦", "磊", "婧", "朋"]
CITIES = ["石家庄市", "唐山市", "秦皇岛市", "邯郸市", "邢台市", "保定市", "张家口市", "承德市", "沧州市", "廊坊市",
          "衡水市", "定州市", "辛集市"]

# Rubrics: (name, weight, highest mark, what the judges look for).
SPEAKING_RUBRIC = [
    ("讲解内容", 50, 10, "科学准确，主题鲜明，通俗易懂，体现科技战疫和创新成就"),
    ("表达能力", 40, 10, "普通话标准，语言流畅生动，仪态自然大方"),
    ("现场效果", 10, 10, "感染力强，与观众互动，时间把握得当"),
]
VIDEO_RUBRIC = [
    ("科学性", 40, 100, "内容科学准确，无知识性错误"),
    ("艺术性", 30, 100, "创意新颖，画面、声音和剪辑精良"),
    ("传播性", 30, 100, "通俗易懂，适合网络传播，已播出的传播效果"),
]
EXPERIMENT_RUBRIC = [
    ("实验原理", 50, 100, "原理科学，设计合理，讲清楚“为什么”"),
    ("展演表现", 40, 100, "操作规范安全，讲解清楚，展演流畅"),
    ("现场效果", 10, 100, "趣味性和互动性强，观众参与"),
]


def tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def at(day: date, clock: str, zone: ZoneInfo = TZ_2020) -> datetime:
    hours, minutes = (int(x) for x in clock.split(":"))
    return datetime.combine(day, time(hours, minutes), zone)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


# --- what a contest is made of ------------------------------------------------------------

@dataclass(frozen=True)
class JudgeSpec:
    username: str
    home: str  # the organization they come from (a unique name in Hebei's tree, or a city)
    panels: tuple[str, ...]  # panel keys
    chief_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoundSpec:
    key: str
    kind: str
    name: str
    rubric: list
    starts_at: datetime
    ends_at: datetime
    judges_per_entry: int  # the contest's k while this round is assigned (a final: every judge)
    stage: bool = False  # marked on stage, contestant after contestant (else at a desk, over days)
    is_live: bool = False
    normalize: bool = False
    advance_count: int | None = None
    aggregation: str = Contest.Aggregation.TRIMMED_MEAN


@dataclass(frozen=True)
class PanelSpec:
    key: str
    round_key: str
    name: str
    category: str | None = None


@dataclass
class ContestSpec:
    slug: str
    kind: str
    title: str
    description: str
    rules: str
    entries_open_at: datetime
    entries_close_at: datetime
    categories: list[tuple[str, list[str], list[str]]]  # (name, entry titles, organizations entries come from)
    rounds: list[RoundSpec]
    tiers: list[tuple[str, int | None, int | None]]  # (name, count, share %)
    panels: list[PanelSpec]
    judges: list[JudgeSpec]
    options: dict = field(default_factory=dict)  # other Contest fields
    declared: tuple[str, str, str] | None = None  # (round key, judge username, reason)
    repeat_authors: tuple[int, ...] = ()  # entries (in submission order) by the author of the one before
    teams: bool = False
    aired: bool = False
    # 公示 and after: when the results go out, the objection (raised, handled, text, response), final.
    published_at: datetime | None = None
    objection: tuple[datetime, datetime, str, str] | None = None
    finalized_at: datetime | None = None
    created_at: datetime | None = None


def speaking_2020() -> ContestSpec:
    day = date(2020, 8, 24)  # the plan: in Shijiazhuang, on the week's second day
    return ContestSpec(
        slug="hebei-speaking-2020", kind=Contest.Kind.SPEAKING, title="2020年河北省科普讲解大赛",
        description="由省科技厅、省科协主办，在石家庄举行。面向全省科普工作者和大中学生，围绕“科技战疫 创新强国”"
                    "讲解科学知识，评选一等奖、二等奖、三等奖和优秀奖。（演示数据）",
        rules="每位选手讲解一个主题，时长不超过5分钟；初赛由评审组审看讲解视频，每组前若干名进入决赛；决赛现场讲解，"
              "评委当场打分，去掉一个最高分和一个最低分后取平均分。（演示数据）",
        entries_open_at=at(date(2020, 7, 1), "09:00"), entries_close_at=at(date(2020, 8, 5), "18:00"),
        created_at=at(date(2020, 6, 24), "10:00"),
        categories=[
            ("科普工作者组", [
                "新冠病毒的“变身术”", "口罩里的科学", "北斗导航：中国人自己的“星座”", "塞罕坝：从荒原到林海",
                "雄安新区的“城市大脑”", "一粒种子的太空之旅", "地震来了怎么办", "气象卫星看天气", "疫苗是怎样炼成的",
                "5G改变生活", "白洋淀的水生态", "中医药里的抗疫智慧", "人工智能离我们有多远", "垃圾分类的学问",
                "量子通信：无法破解的密码", "谷子的前世今生", "防灾减灾从我做起", "蔬菜大棚里的黑科技"],
             [f"{city}科学技术馆" for city in CITIES] + [f"{city}科学技术协会" for city in CITIES[:11]] + [
                 "河北省科学技术馆", "河北省气象局", "河北省地震局", "河北省微生物研究所", "河北省农林科学院谷子研究所",
                 "保定市融媒体中心", "石家庄市科技信息研究所"]),
            ("学生组", [
                "我眼中的港珠澳大桥", "蝴蝶翅膀上的颜色", "蜜蜂为什么跳舞", "月球背面的秘密", "火箭是怎样飞上天的",
                "厨房里的化学", "神奇的磁悬浮", "我和机器人做朋友", "雾霾从哪里来", "燕赵大地上的恐龙",
                "古代的计时工具", "细胞里的小工厂"],
             ["河北大学", "河北工业大学", "燕山大学", "河北医科大学", "河北师范大学", "河北农业大学", "河北科技大学",
              "华北理工大学", "石家庄铁道大学", "河北工程大学"] + [f"{city}第一中学" for city in CITIES[:11]]),
        ],
        rounds=[
            RoundSpec("prelim", Round.Kind.PRELIMINARY, "初赛（视频评审）", SPEAKING_RUBRIC,
                      at(date(2020, 8, 10), "09:00"), at(date(2020, 8, 13), "18:00"), judges_per_entry=3,
                      advance_count=6),
            RoundSpec("final", Round.Kind.FINAL, "决赛（现场讲解）", SPEAKING_RUBRIC,
                      at(day, "09:00"), at(day, "12:00"), judges_per_entry=5, stage=True, is_live=True),
        ],
        tiers=[("一等奖", 1, None), ("二等奖", 1, None), ("三等奖", 2, None), ("优秀奖", None, None)],
        panels=[PanelSpec("workers", "prelim", "科普工作者组初赛评审组", "科普工作者组"),
                PanelSpec("students", "prelim", "学生组初赛评审组", "学生组"),
                PanelSpec("final", "final", "决赛评审组")],
        judges=[
            JudgeSpec("judge-speaking-01", "河北省科学技术协会", ("workers", "final"), ("workers", "final")),
            JudgeSpec("judge-speaking-02", "河北省科学院", ("workers", "final")),
            JudgeSpec("judge-speaking-03", "保定市融媒体中心", ("workers",)),
            JudgeSpec("judge-speaking-04", "唐山市科学技术协会", ("workers",)),
            JudgeSpec("judge-speaking-05", "河北省气象局", ("workers", "final")),
            JudgeSpec("judge-speaking-06", "河北师范大学", ("students", "final"), ("students",)),
            JudgeSpec("judge-speaking-07", "石家庄市", ("students", "final")),
            JudgeSpec("judge-speaking-08", "邯郸市第一中学", ("students",)),
            JudgeSpec("judge-speaking-09", "河北大学", ("students",)),
        ],
        declared=("prelim", "judge-speaking-04", "该选手是本人所在单位以前的同事，申请回避。（演示数据）"),
        published_at=at(date(2020, 8, 25), "10:00"),
        objection=(at(date(2020, 8, 27), "15:20"), at(date(2020, 8, 28), "11:00"),
                   "该选手讲解稿中的部分内容与网上已发表的文章相同，疑似未注明出处。（演示数据）",
                   "经评审组核查，讲解稿引用的资料已在讲解中说明出处，不构成抄袭，异议不成立。（演示数据）"),
        finalized_at=at(date(2020, 9, 1), "10:30"),
    )


def micro_video_2020() -> ContestSpec:
    return ContestSpec(
        slug="hebei-micro-video-2020", kind=Contest.Kind.MICRO_VIDEO, title="2020年河北省科普微视频大赛",
        description="由省科技厅、石家庄市科技信息研究所主办，面向全省征集科普微视频，结合省科普网信息资源宣传专题科普"
                    "活动在石家庄举办。（演示数据）",
        rules="作品时长2至5分钟，须已在电视台或网络平台公开播出，报送时填写播出网址；每位第一作者最多报送2件作品；"
              "评审时隐去作者和单位，评委只看到作品编号。（演示数据）",
        entries_open_at=at(date(2020, 6, 28), "09:00"), entries_close_at=at(date(2020, 8, 10), "18:00"),
        created_at=at(date(2020, 6, 22), "15:00"),
        options={"requires_aired_url": True, "max_entries_per_first_author": 2, "anonymous_judging": True,
                 "max_entries_per_judge": 15},
        categories=[
            ("科普动画组", [
                "病毒入侵记", "免疫细胞大作战", "一滴水的旅行", "地球发烧了", "小北斗找家", "光合作用小剧场",
                "骨骼的秘密", "电流去哪儿了", "大脑的记忆宫殿", "口罩的一天", "微生物王国", "台风的诞生",
                "睡眠的奥秘", "冬奥冰雪里的科学", "一颗牙齿的自述"],
             [f"{city}融媒体中心" for city in CITIES] + ["河北工业大学", "河北师范大学", "河北科技大学",
                                                       "石家庄市科技信息研究所"]),
            ("实拍纪录组", [
                "走进微生物研究所", "塞罕坝护林人", "白洋淀的鸟", "谷子育种记", "地震监测站的一天", "气象观测员的日常",
                "苹果园里的科技", "秦皇岛的海洋牧场", "中医药抗疫记", "无人机植保", "太行山里的科技扶贫",
                "我们的实验室", "湿地守护者", "北斗+农机", "衡水湖的生态修复"],
             [f"{city}融媒体中心" for city in CITIES] + [f"{city}科学技术馆" for city in CITIES[:8]] + [
                 "河北省微生物研究所", "河北省农林科学院昌黎果树研究所", "河北省农林科学院谷子研究所",
                 "河北省地震局", "河北省气象局", "河北农业大学"]),
        ],
        rounds=[RoundSpec("review", Round.Kind.FINAL, "专家评审", VIDEO_RUBRIC, at(date(2020, 8, 14), "09:00"),
                          at(date(2020, 8, 20), "18:00"), judges_per_entry=3, normalize=True)],
        tiers=[("一等奖", 1, None), ("二等奖", 2, None), ("三等奖", 3, None), ("优秀奖", 3, None)],
        panels=[PanelSpec("panel", "review", "专家评审组")],
        judges=[
            JudgeSpec("judge-video-01", "河北省科学技术馆", ("panel",), ("panel",)),
            JudgeSpec("judge-video-02", "石家庄市融媒体中心", ("panel",)),
            JudgeSpec("judge-video-03", "河北工业大学", ("panel",)),
            JudgeSpec("judge-video-04", "廊坊市", ("panel",)),
            JudgeSpec("judge-video-05", "河北省科学院能源研究所", ("panel",)),
            JudgeSpec("judge-video-06", "承德市科学技术局", ("panel",)),
            JudgeSpec("judge-video-07", "河北省农林科学院", ("panel",)),
        ],
        declared=("review", "judge-video-03", "本人曾为这件作品提供过拍摄指导，申请回避。（演示数据）"),
        repeat_authors=(6, 13, 21, 27), teams=True, aired=True,
        published_at=at(date(2020, 8, 27), "09:00"),
        objection=(at(date(2020, 8, 29), "20:10"), at(date(2020, 8, 31), "16:00"),
                   "这件作品的部分画面与其他平台的视频相似，请核查是否为原创。（演示数据）",
                   "经核查，相似画面为作者本人早前发布的素材，作品为原创，异议不成立。（演示数据）"),
        finalized_at=at(date(2020, 9, 3), "09:30"),
    )


def experiment_2020() -> ContestSpec:
    day = date(2020, 8, 26)  # the plan: the 汇演 in Baoding
    return ContestSpec(
        slug="hebei-experiment-2020", kind=Contest.Kind.EXPERIMENT, title="2020年河北省科学实验展演",
        description="由省科技厅、省科学院、省微生物研究所主办，面向全省征集有趣的科学实验，在保定开展汇演。"
                    "（演示数据）",
        rules="每个实验展演不超过6分钟，须确保安全；初赛审看实验视频，每组前若干名进入保定现场汇演；奖项按汇演名次"
              "的比例评定。（演示数据）",
        entries_open_at=at(date(2020, 7, 1), "09:00"), entries_close_at=at(date(2020, 8, 7), "18:00"),
        created_at=at(date(2020, 6, 25), "09:30"),
        categories=[
            ("青少年组", [
                "大象牙膏", "会跳舞的盐", "纸杯托起人", "彩虹密度塔", "自制指南针", "鸡蛋浮起来", "筷子提米",
                "吹不灭的蜡烛", "静电的魔力", "水中花开", "空气炮", "自制净水器", "会变色的紫甘蓝", "瓶子吞鸡蛋",
                "简易电动机", "看见声音"],
             [f"{city}第一中学" for city in CITIES] + [f"{city}实验小学" for city in CITIES]),
            ("科普工作者组", [
                "液氮的奇妙世界", "非牛顿流体", "火焰的颜色", "培养皿里的微生物世界", "人造闪电", "超导磁悬浮",
                "荧光蛋白", "伯努利原理", "激光的秘密", "干冰实验", "化学发光", "酸雨的形成", "土壤里的生命",
                "电磁炮原理"],
             [f"{city}科学技术馆" for city in CITIES] + [
                 "河北省科学技术馆", "河北省微生物研究所", "河北省科学院激光研究所", "河北省科学院生物研究所",
                 "河北农业大学", "河北大学", "燕山大学"]),
        ],
        rounds=[
            RoundSpec("prelim", Round.Kind.PRELIMINARY, "初赛（视频评审）", EXPERIMENT_RUBRIC,
                      at(date(2020, 8, 12), "09:00"), at(date(2020, 8, 15), "18:00"), judges_per_entry=3,
                      advance_count=5),
            RoundSpec("final", Round.Kind.FINAL, "保定现场汇演", EXPERIMENT_RUBRIC, at(day, "14:00"),
                      at(day, "17:00"), judges_per_entry=5, stage=True, is_live=True),
        ],
        tiers=[("一等奖", None, 15), ("二等奖", None, 25), ("三等奖", None, 30), ("优秀奖", None, None)],
        panels=[PanelSpec("prelim", "prelim", "初赛评审组"), PanelSpec("final", "final", "汇演评审组")],
        judges=[
            JudgeSpec("judge-experiment-01", "河北省科学院", ("prelim", "final"), ("prelim", "final")),
            JudgeSpec("judge-experiment-02", "河北省微生物研究所", ("prelim", "final")),
            JudgeSpec("judge-experiment-03", "保定市第一中学", ("prelim",)),
            JudgeSpec("judge-experiment-04", "河北农业大学", ("prelim",)),
            JudgeSpec("judge-experiment-05", "邢台市", ("prelim",)),
            JudgeSpec("judge-experiment-06", "秦皇岛市科学技术馆", ("prelim", "final")),
            JudgeSpec("judge-experiment-07", "河北科技大学", ("final",)),
            JudgeSpec("judge-experiment-08", "衡水市科学技术协会", ("final",)),
        ],
        declared=("prelim", "judge-experiment-05", "本人是这个实验的指导老师的亲属，申请回避。（演示数据）"),
        teams=True,
        published_at=at(date(2020, 8, 27), "16:00"),
        objection=(at(date(2020, 8, 30), "10:45"), at(date(2020, 8, 31), "09:30"),
                   "汇演中这个实验的操作存在安全隐患，不应获奖。（演示数据）",
                   "经评审组复看汇演录像，实验按规范佩戴防护用品、设置安全距离，异议不成立。（演示数据）"),
        finalized_at=at(date(2020, 9, 3), "16:30"),
    )


SPECS_2020 = (speaking_2020, micro_video_2020, experiment_2020)


# --- people -------------------------------------------------------------------------------

def organizations(hebei: Organization, names) -> dict[str, Organization]:
    """Hebei's organizations by name (cities by their own name: districts elsewhere share some)."""
    names = set(names)
    found: dict[str, Organization] = {}
    for org in Organization.objects.filter(path__startswith=hebei.path, name__in=names).order_by("depth", "path"):
        found.setdefault(org.name, org)  # the shallowest: 石家庄市 the city, never a namesake below
    missing = names - set(found)
    if missing:
        raise LookupError(f"demo organizations not found: {sorted(missing)}")
    return found


def ensure_judges(pairs: list[tuple[str, Organization]]) -> dict[str, User]:
    """Demo judge accounts (username → user), each with the judge role in its home
    organization, created once; they sign in with the demo password."""
    from sciweek.demo.demo_data import DEMO_PASSWORD

    names = [u for u, _org in pairs]
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    missing = [(u, org) for u, org in pairs if u not in users]
    if missing:
        password = make_password(DEMO_PASSWORD)  # hashed once for all of them
        created = User.objects.bulk_create([
            User(username=u, full_name=person_name(random.Random(f"{SEED}:judge:{u}")), is_demo=True,
                 email=f"{u}@demo.sciweek.invalid", password=password) for u, _org in missing])
        users.update((u.username, u) for u in created)
    have = set(Membership.objects.filter(user__username__in=names, role=Role.JUDGE)
               .values_list("user__username", "organization_id"))
    Membership.objects.bulk_create([Membership(user=users[u], organization=org, role=Role.JUDGE)
                                    for u, org in pairs if (u, org.pk) not in have], ignore_conflicts=True)
    return users


@dataclass(frozen=True)
class Leniency:
    """How a judge marks: `shift` points (of 100) above or below the others, `spread` how far
    apart they put good and weak entries."""

    shift: float
    spread: float

    @classmethod
    def of(cls, username: str) -> Leniency:
        rng = random.Random(f"{SEED}:leniency:{username}")
        return cls(shift=rng.uniform(-7, 7), spread=rng.uniform(0.7, 1.3))


def marks(slug: str, round_key: str, entry: Entry, judge: User, criteria: list[Criterion],
          on_the_day: bool) -> dict[int, str]:
    """A judge's marks for an entry: the entry's quality and strengths (the same for every
    judge), moved by the judge's leniency, plus a little of the judge's own reading."""
    base = random.Random(f"{SEED}:{slug}:quality:{entry.number}")
    quality = min(max(base.gauss(76, 8), 50), 95)
    strengths = [base.gauss(0, 5) for _ in criteria]
    if on_the_day:  # a final is marked on the performance of the day, not the video of the round before
        quality += random.Random(f"{SEED}:{slug}:{round_key}:day:{entry.number}").gauss(0, 3)
    lean = Leniency.of(judge.username)
    noise = random.Random(f"{SEED}:{slug}:{round_key}:{judge.username}:{entry.number}")
    points = {}
    for c, strength in zip(criteria, strengths, strict=True):
        percent = 76 + lean.spread * (quality + strength - 76) + lean.shift + noise.gauss(0, 2.5)
        percent = min(max(percent, 30), 99)
        step = Decimal("0.1") if c.max_points <= 10 else Decimal(1)
        value = (Decimal(str(percent)) * c.max_points / 100).quantize(step, rounding=ROUND_HALF_UP)
        points[c.pk] = str(value)
    return points


# --- writing it ---------------------------------------------------------------------------

def configure(spec: ContestSpec, campaign, hebei: Organization, *, status=Contest.Status.OPEN):
    """The configuration rows, as an organizer sets them up before entries open."""
    contest = Contest.objects.create(
        campaign=campaign, organization=hebei, kind=spec.kind, title=spec.title, slug=spec.slug,
        description=spec.description, rules=spec.rules, status=status, entries_open_at=spec.entries_open_at,
        entries_close_at=spec.entries_close_at, judges_per_entry=spec.rounds[0].judges_per_entry, publicity_days=7,
        **spec.options)
    if spec.created_at:
        Contest.objects.filter(pk=contest.pk).update(created_at=spec.created_at)
    categories = {name: Category.objects.create(contest=contest, name=name, position=i)
                  for i, (name, _titles, _pool) in enumerate(spec.categories, start=1)}
    rounds = {}
    for position, rs in enumerate(spec.rounds, start=1):
        rnd = Round.objects.create(
            contest=contest, kind=rs.kind, name=rs.name, position=position, aggregation=rs.aggregation,
            normalize=rs.normalize, is_live=rs.is_live, advance_count=rs.advance_count, starts_at=rs.starts_at,
            ends_at=rs.ends_at)
        Criterion.objects.bulk_create([
            Criterion(round=rnd, name=name, weight=Decimal(weight), min_points=0, max_points=Decimal(top),
                      description=description, position=i)
            for i, (name, weight, top, description) in enumerate(rs.rubric)])
        rounds[rs.key] = rnd
    PrizeTier.objects.bulk_create([PrizeTier(contest=contest, name=name, position=i, count=count, share_percent=share)
                                   for i, (name, count, share) in enumerate(spec.tiers)])
    panels = {ps.key: Panel.objects.create(round=rounds[ps.round_key], name=ps.name,
                                           category=categories[ps.category] if ps.category else None)
              for ps in spec.panels}
    return contest, categories, rounds, panels


@dataclass
class PlannedEntry:
    category: str
    title: str
    organization: Organization
    author: str
    team: str = ""


def plan_entries(spec: ContestSpec, orgs: dict[str, Organization]) -> list[PlannedEntry]:
    """Who entered what, in the order the entries came in (the same every load)."""
    rng = random.Random(f"{SEED}:{spec.slug}:entries")
    planned = []
    for category, titles, pool in spec.categories:
        for title in titles:
            team = "、".join(person_name(rng) for _ in range(rng.choice([1, 2, 2, 3]))) if spec.teams else ""
            planned.append(PlannedEntry(category, title, orgs[rng.choice(pool)], person_name(rng), team))
    rng.shuffle(planned)
    for i in spec.repeat_authors:  # a second work by the same author (the contest allows two)
        planned[i].author, planned[i].organization = planned[i - 1].author, planned[i - 1].organization
    return planned


def submit_entries(spec: ContestSpec, contest: Contest, categories, planned: list[PlannedEntry], filer: User,
                   *, opens: datetime, closes: datetime) -> list[Entry]:
    """Each entry submitted by the unit (through hebei-filer) at its time between `opens` and `closes`."""
    rng = random.Random(f"{SEED}:{spec.slug}:entry-times")
    span = (closes - opens).total_seconds()
    entries = []
    for i, p in enumerate(planned):
        when = opens + timedelta(seconds=span * (i + rng.uniform(0.1, 0.9)) / len(planned))
        entries.append(services.submit_entry(
            contest, actor=filer, organization=p.organization, category=categories[p.category], title=p.title,
            first_author=p.author, team_members=p.team, attested=True,
            summary=f"《{p.title}》：{p.organization.name}报送的参赛作品。（演示数据）",
            aired_url=f"https://video.example.cn/demo/{contest.slug}/{i + 1:03d}" if spec.aired else "", now=when))
    Entry.objects.filter(contest=contest).update(created_at=F("originality_attested_at"))
    return entries


def seat_judges(spec: ContestSpec, panels: dict[str, Panel], judges: dict[str, User], admin: User) -> None:
    for js in spec.judges:
        for key in js.panels:
            services.add_judge(panels[key], judges[js.username], actor=admin, is_chief=key in js.chief_of)


def assign(rnd: Round, admin: User, when: datetime) -> None:
    services.assign(rnd, actor=admin)
    Assignment.objects.filter(round=rnd).update(created_at=when)
    Conflict.objects.filter(entry__contest_id=rnd.contest_id, created_at__gt=when).exclude(
        kind=Conflict.Kind.DECLARED).update(created_at=when)


def declare(rnd: Round, judge: User, reason: str, admin: User, when: datetime) -> None:
    """The judge declares a conflict with the first entry they were given; hebei-admin assigns
    again, which fills the gap with another judge."""
    assignment = Assignment.objects.filter(round=rnd, judge=judge).select_related("entry").order_by(
        "entry__number").first()
    conflict = services.declare_conflict(assignment.entry, judge=judge, reason=reason)
    Conflict.objects.filter(pk=conflict.pk).update(created_at=when)
    later = when + timedelta(hours=2)
    services.assign(rnd, actor=admin)
    Assignment.objects.filter(round=rnd, created_at__gt=later).update(created_at=later)


def score_round(spec: ContestSpec, rs: RoundSpec, rnd: Round, judges: dict[str, User]) -> int:
    """Every assignment scored and submitted by its judge, in the order of the times: over the
    round's days at a desk, or contestant after contestant on the stage."""
    criteria = list(rnd.criteria.order_by("position", "id"))
    assignments = list(Assignment.objects.filter(round=rnd).select_related("entry", "judge", "round")
                       .order_by("judge__username", "entry__number"))
    order = {js.username: i for i, js in enumerate(spec.judges)}
    timed = []
    if rs.stage:
        numbers = sorted({a.entry.number for a in assignments})
        random.Random(f"{SEED}:{spec.slug}:{rs.key}:draw").shuffle(numbers)  # the drawn running order
        slot = {n: i for i, n in enumerate(numbers)}
        minutes = (rs.ends_at - rs.starts_at).total_seconds() / 60 / max(len(numbers), 1)
        for a in assignments:
            rng = random.Random(f"{SEED}:{spec.slug}:{rs.key}:{a.judge.username}:{a.entry.number}:at")
            end = rs.starts_at + timedelta(minutes=minutes * slot[a.entry.number] + minutes * 0.75)
            timed.append((end + timedelta(seconds=rng.uniform(20, 150)), a))
    else:
        days = max((rs.ends_at.date() - rs.starts_at.date()).days, 1)
        mine: dict[str, list[Assignment]] = {}
        for a in assignments:
            mine.setdefault(a.judge.username, []).append(a)
        for username, items in mine.items():
            per_day = -(-len(items) // days)
            rng = random.Random(f"{SEED}:{spec.slug}:{rs.key}:{username}:at")
            for i, a in enumerate(items):
                day_start = rs.starts_at + timedelta(days=i // per_day)
                when = day_start + timedelta(minutes=order.get(username, 0) * 17 + (i % per_day) * 38
                                             + rng.uniform(0, 15))
                timed.append((when, a))
    timed.sort(key=lambda t: (t[0], t[1].pk))
    with services.results_deferred():  # one recompute at the end, not one per mark
        for when, a in timed:
            services.save_score(a, judge=judges[a.judge.username], points=marks(
                spec.slug, rs.key, a.entry, a.judge, criteria, on_the_day=rs.stage), submit=True, now=when)
    return len(timed)


def judge_rounds(spec: ContestSpec, contest: Contest, rounds: dict[str, Round], judges, admin) -> None:
    """Every round in turn: assign (and the declared conflict), open, score, close."""
    for rs in spec.rounds:
        rnd = rounds[rs.key]
        if contest.judges_per_entry != rs.judges_per_entry:  # a setting changed before this round is assigned
            contest.judges_per_entry = rs.judges_per_entry
            contest.save(update_fields=["judges_per_entry"])
        assigned_at = rs.starts_at - timedelta(days=1, hours=-1)
        assign(rnd, admin, assigned_at)
        if spec.declared and spec.declared[0] == rs.key:
            declare(rnd, judges[spec.declared[1]], spec.declared[2], admin, assigned_at + timedelta(hours=3))
        services.open_round(rnd, actor=admin)
        score_round(spec, rs, rnd, judges)
        services.close_round(rnd, actor=admin)


def publish_and_finalize(spec: ContestSpec, contest: Contest, final: Round, admin: User, n: int) -> None:
    """公示 for seven days, one objection raised and dismissed in it, then the awards."""
    services.publish_results(contest, actor=admin, now=spec.published_at)
    contest.refresh_from_db()
    raised_at, handled_at, text, response = spec.objection
    first_category = contest.categories.order_by("position").first()
    top = final.results.filter(entry__category=first_category, rank=1).select_related("entry").first()
    objection = services.raise_objection(contest, entry=top.entry, name=OBJECTOR_NAME,
                                         phone=OBJECTOR_PHONE.format(n=n), text=text, now=raised_at)
    Objection.objects.filter(pk=objection.pk).update(created_at=raised_at)
    services.handle_objection(objection, actor=admin, upheld=False, response=response, now=handled_at)
    services.finalize(contest, actor=admin, now=spec.finalized_at)


def load_contest(spec: ContestSpec, campaign, hebei: Organization, n: int) -> Contest:
    admin, filer = User.objects.get(username=ADMIN), User.objects.get(username=FILER)
    orgs = organizations(hebei, [name for _c, _t, pool in spec.categories for name in pool]
                         + [js.home for js in spec.judges])
    judges = ensure_judges([(js.username, orgs[js.home]) for js in spec.judges])
    contest, categories, rounds, panels = configure(spec, campaign, hebei)
    submit_entries(spec, contest, categories, plan_entries(spec, orgs), filer,
                   opens=spec.entries_open_at, closes=spec.entries_close_at)
    seat_judges(spec, panels, judges, admin)
    judge_rounds(spec, contest, rounds, judges, admin)
    publish_and_finalize(spec, contest, rounds[spec.rounds[-1].key], admin, n)
    contest.refresh_from_db()
    return contest


def load_contest_demo(campaign, hebei: Organization) -> list[Contest]:
    """Hebei's three finished 2020 contests (idempotent: a contest of that slug is left alone)."""
    contests = []
    for n, make in enumerate(SPECS_2020, start=1):
        spec = make()
        existing = Contest.objects.filter(campaign=campaign, slug=spec.slug).first()
        contests.append(existing or load_contest(spec, campaign, hebei, n))
    return contests


# --- the live demo campaign ------------------------------------------------------------------

# Existing demo accounts on the live panels: hebei-judge is the one a visitor signs in with
# (the live final leaves their marks to give); sjz-judge comes from 石家庄市, so the tree
# conflicts them with every 石家庄 entry.
LIVE_SPEAKING_JUDGES = {"prelim": ["hebei-judge", "sjz-judge", "unit-judge", "judge-speaking-02", "judge-speaking-09"],
                        "final": ["hebei-judge", "judge-speaking-01", "judge-speaking-02", "judge-speaking-05",
                                  "judge-speaking-06"]}
LIVE_EXPERIMENT_JUDGES = ["judge-experiment-01", "judge-experiment-02", "judge-experiment-03", "judge-experiment-07",
                          "sjz-judge", "hebei-judge"]
LIVE_PERFORMED = 5  # contestants of the live final who have performed (and been marked) when the demo loads


def live_speaking(year: int, day, now: datetime) -> ContestSpec:
    base = speaking_2020()
    return ContestSpec(
        slug="hebei-speaking", kind=Contest.Kind.SPEAKING, title=f"{year}年河北省科普讲解大赛（演示）",
        description=base.description.replace("“科技战疫 创新强国”", "“科技创新 科普惠民”"), rules=base.rules,
        entries_open_at=day(-7, "09:00"), entries_close_at=day(2, "18:00"),
        # From units whose judges sit on the panels (unit-judge's own institute, 石家庄's school), so
        # assigning the round finds conflicts.
        categories=[(base.categories[0][0], base.categories[0][1][:3],
                     ["石家庄市科技信息研究所", "河北省科学技术馆", "唐山市科学技术馆", "保定市科学技术协会"]),
                    (base.categories[1][0], base.categories[1][1][:3], ["河北师范大学", "石家庄市第一中学", "邯郸市第一中学"])],
        rounds=[
            RoundSpec("prelim", Round.Kind.PRELIMINARY, "初赛（视频评审）", SPEAKING_RUBRIC, day(3, "09:00"),
                      day(4, "18:00"), judges_per_entry=3, advance_count=8),
            RoundSpec("final", Round.Kind.FINAL, "决赛（现场讲解）", SPEAKING_RUBRIC, day(6, "09:00"),
                      day(6, "12:30"), judges_per_entry=5, stage=True, is_live=True),
        ],
        tiers=base.tiers,
        panels=[PanelSpec("prelim", "prelim", "初赛评审组"), PanelSpec("final", "final", "决赛评审组")],
        judges=[], created_at=now - timedelta(days=12))


def live_experiment(year: int, day, now: datetime) -> ContestSpec:
    base = experiment_2020()
    return ContestSpec(
        slug="hebei-experiment", kind=Contest.Kind.EXPERIMENT, title=f"{year}年河北省科学实验展演（演示）",
        description=base.description, rules="每个实验展演不超过6分钟，须确保安全；现场汇演，评委当场打分，大屏实时显示"
                                            "成绩。（演示数据）",
        entries_open_at=day(-20, "09:00"), entries_close_at=day(-3, "18:00"),
        # Some from 石家庄 (sjz-judge's city) and from the institutes of judges on the panel: conflicts.
        categories=[(base.categories[0][0], base.categories[0][1][:5],
                     ["石家庄市第一中学", "石家庄市实验小学", "保定市第一中学", "唐山市实验小学", "邯郸市第一中学"]),
                    (base.categories[1][0], base.categories[1][1][:5],
                     ["石家庄市科学技术馆", "河北省微生物研究所", "河北省科学院激光研究所", "邯郸市科学技术馆"])],
        rounds=[RoundSpec("final", Round.Kind.FINAL, "现场汇演", EXPERIMENT_RUBRIC, now - timedelta(minutes=50),
                          now + timedelta(hours=2), judges_per_entry=len(LIVE_EXPERIMENT_JUDGES), stage=True,
                          is_live=True)],
        tiers=base.tiers, panels=[PanelSpec("final", "final", "汇演评审组")], judges=[], teams=True,
        created_at=now - timedelta(days=25))


def build_live_contests(campaign, hebei: Organization, *, today: date, now: datetime) -> list[Contest]:
    """The live campaign's contests: the speaking contest taking entries now (a handful in,
    closing in two days), and the experiment show in its live final, half of the contestants
    marked (hebei-judge's marks still to give)."""
    zone = tz()
    if now.astimezone(zone).date() != today:  # built for another day than the clock's: its noon
        now = datetime.combine(today, time(12, 0), zone)

    def day(offset: int, clock: str) -> datetime:
        return at(today + timedelta(days=offset), clock, zone)

    admin, filer = User.objects.get(username=ADMIN), User.objects.get(username=FILER)
    year = campaign.year

    # Taking entries: six came in over the last week, the last a few hours ago.
    spec = live_speaking(year, day, now)
    orgs = organizations(hebei, [name for _c, _t, pool in spec.categories for name in pool])
    speaking, categories, rounds, panels = configure(spec, campaign, hebei)
    planned = plan_entries(spec, orgs)
    submit_entries(spec, speaking, categories, planned, filer, opens=now - timedelta(days=6),
                   closes=now - timedelta(hours=3))
    for key, usernames in LIVE_SPEAKING_JUDGES.items():
        for i, username in enumerate(usernames):
            services.add_judge(panels[key], User.objects.get(username=username), actor=admin, is_chief=i == 0)

    # The live final: entries closed three days ago, the judges mark on stage now.
    spec = live_experiment(year, day, now)
    orgs = organizations(hebei, [name for _c, _t, pool in spec.categories for name in pool])
    show, categories, rounds, panels = configure(spec, campaign, hebei)
    submit_entries(spec, show, categories, plan_entries(spec, orgs), filer, opens=spec.entries_open_at,
                   closes=spec.entries_close_at)
    judges = {u.username: u for u in User.objects.filter(username__in=LIVE_EXPERIMENT_JUDGES)}
    for i, username in enumerate(LIVE_EXPERIMENT_JUDGES):
        services.add_judge(panels["final"], judges[username], actor=admin, is_chief=i == 0)
    rs, final = spec.rounds[0], rounds["final"]
    assign(final, admin, spec.entries_close_at + timedelta(hours=20))
    services.open_round(final, actor=admin)
    criteria = list(final.criteria.order_by("position", "id"))
    assignments = list(Assignment.objects.filter(round=final).select_related("entry", "judge", "round")
                       .order_by("entry__number", "judge__username"))
    with services.results_deferred():
        for a in assignments:
            slot = a.entry.number - 1  # they perform in number order, one every nine minutes
            if slot >= LIVE_PERFORMED or a.judge.username == "hebei-judge":
                continue
            rng = random.Random(f"{SEED}:live:{a.judge.username}:{a.entry.number}")
            when = min(rs.starts_at + timedelta(minutes=9 * slot + 7, seconds=rng.uniform(20, 110)), now)
            services.save_score(a, judge=judges[a.judge.username], submit=True, now=when,
                                points=marks(spec.slug, rs.key, a.entry, a.judge, criteria, on_the_day=True))
    return [speaking, show]


def purge_contests(campaign) -> None:
    """Delete every contest of a (live demo) campaign: its publication and entries first (they
    protect the rounds and categories), then the contests with all the rest."""
    Publication.objects.filter(contest__campaign=campaign).delete()
    Award.objects.filter(contest__campaign=campaign).delete()
    Entry.objects.filter(contest__campaign=campaign).delete()
    Contest.objects.filter(campaign=campaign).delete()
