"""The work plan (工作方案) written from the data, in the structure of Hebei's 2020 plan.

`plan_outline(campaign, region)` reads everything a plan states — the themes along the
reporting line, the dates, the key content, the counts sentence (plan_counts), the key
activities of each level with their hosts ("由…主办"), the institutions that open to the
public, the format of the week and the reporting requirements (deadlines, news days) — into
a `WorkPlan`; `write_docx(plan, out)` writes it as an official document (.docx).

Three levels:

- the national committee (the root): the national key-project list — theme, dates, content
  areas, main-venue events, the flagship demonstration activities, and each region's key
  activities grouped by region, with the counts;
- a province (a region reporting to the committee): Hebei's structure;
- a city (a region lower down): the same structure with its own departments and its units.

Nothing here names a place or an organization: every word that differs between plans comes
from the data. The document is Chinese (an official document); only UI/CLI messages are
translated (they live in the command and the view).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO

from django.db.models import Count, Prefetch
from django.db.models.functions import Substr

from sciweek.activities.models import Activity, ActivityHost, Session
from sciweek.activities.selectors import PlanCounts, plan_counts, public_key_activities, with_hosts
from sciweek.campaigns.models import Campaign, ContentArea, Deadline, RegionalPlan
from sciweek.campaigns.selectors import is_online_only, news_within_days_for
from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import ancestor_paths, within

NATIONAL, PROVINCE, CITY = "national", "province", "city"

# The suffixes a region's name ends with, longest first (广西壮族自治区 → 广西).
_REGION_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "自治州", "地区", "盟",
                    "省", "市", "县", "区", "旗")
# What a region calls itself in a plan ("结合我省实际") and its own level ("省级有关部门").
_SELF = {"自治区": ("我区", "自治区级"), "特别行政区": ("我区", "特区"), "自治州": ("我州", "州级"),
         "地区": ("我地区", "地区级"), "盟": ("我盟", "盟级"), "省": ("我省", "省级"), "市": ("我市", "市级"),
         "县": ("我县", "县级"), "区": ("我区", "区级"), "旗": ("我旗", "旗级")}

_DIGITS = "零一二三四五六七八九"
# The document is Chinese whatever the reader's language: the formats' own words, not their
# (translated) labels.
_FORMATS = ((Activity.Format.ONLINE, "线上"), (Activity.Format.ONSITE, "线下"), (Activity.Format.HYBRID, "线上线下结合"))


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 13 → 十三, 21 → 二十一 (section numbers of an official document)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return (_DIGITS[tens] if tens > 1 else "") + "十" + (_DIGITS[ones] if ones else "")


def day_text(day: date, year: bool = True) -> str:
    return (f"{day.year}年" if year else "") + f"{day.month}月{day.day}日"


def date_range_text(start: date, end: date) -> str:
    """2020年8月23日—29日 (as the plan writes the week), across months and years as needed."""
    if start == end:
        return day_text(start)
    if start.year != end.year:
        return f"{day_text(start)}—{day_text(end)}"
    if start.month != end.month:
        return f"{day_text(start)}—{end.month}月{end.day}日"
    return f"{day_text(start)}—{end.day}日"


def _suffix(name: str) -> str:
    for suffix in _REGION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return suffix
    return ""


def short_region_name(name: str) -> str:
    """河北省 → 河北, 石家庄市 → 石家庄 (the label a plan puts before its own theme)."""
    suffix = _suffix(name)
    return name[: -len(suffix)] if suffix else name


def _sub_region_word(names: list[str]) -> tuple[str, str]:
    """How a plan names its reporting regions, from their names: ("各市", "市") when all are
    cities, ("各区", "区") for districts, ("各县（市、区）", "县") for a mix."""
    suffixes = {_suffix(n)[-1:] for n in names} - {""}
    if len(suffixes) == 1:
        suffix = suffixes.pop()
        return f"各{suffix}", suffix
    if suffixes:
        rest = "、".join(s for s in ("市", "区", "旗") if s in suffixes)
        head = "县" if "县" in suffixes else sorted(suffixes)[0]
        return (f"各{head}（{rest}）" if rest and head == "县" else f"各{head}"), head
    return "各地", ""


def supports(organization: Organization) -> bool:
    """Whether a work plan can be written for `organization` (the committee or a region)."""
    return organization.kind in (Organization.Kind.COMMITTEE, Organization.Kind.REGION)


def level_of(organization: Organization) -> str:
    if organization.depth == 1:
        return NATIONAL
    return PROVINCE if organization.depth == 2 else CITY


# --- the plan's parts ------------------------------------------------------------------

@dataclass(frozen=True)
class KeyItem:
    """One key activity as the plan lists it."""

    title: str
    hosts: str
    organizers: str = ""
    cancelled: bool = False

    @property
    def text(self) -> str:
        title = self.title.rstrip("。.")
        sentence = f"{title}。"
        if self.hosts:
            sentence += f"由{self.hosts}主办" + (f"，{self.organizers}承办" if self.organizers else "") + "。"
        elif self.organizers:
            sentence += f"由{self.organizers}承办。"
        if self.cancelled:
            sentence += "（已取消）"
        return sentence


@dataclass(frozen=True)
class KeyList:
    heading: str
    items: list[KeyItem]


@dataclass(frozen=True)
class RegionBlock:
    """A region's part of the national key-project list."""

    name: str
    summary: str
    lists: list[KeyList]


@dataclass
class WorkPlan:
    year: int
    level: str
    region_name: str
    title: str
    opening: str
    themes: list[tuple[str, str]]          # (label, theme); label "" for the only theme
    dates: str
    content_intro: str
    content: list[tuple[str, str]]         # (name, description)
    counts: PlanCounts
    counts_sentence: str
    key_lists: list[KeyList] = field(default_factory=list)
    institutes: list[str] = field(default_factory=list)
    universities: list[str] = field(default_factory=list)
    other_open: list[str] = field(default_factory=list)
    open_sentence: str = ""
    formats: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    # the national list
    main_venue: list[str] = field(default_factory=list)
    flagships: list[str] = field(default_factory=list)
    regions: list[RegionBlock] = field(default_factory=list)

    @property
    def filename(self) -> str:
        return f"{_safe(self.title)}.docx"

    def blocks(self) -> list[tuple[str, str]]:
        """The document in reading order: ("title" | "heading" | "subheading" | "para", text)."""
        return _national_blocks(self) if self.level == NATIONAL else _regional_blocks(self)


def _safe(name: str) -> str:
    return "".join(c for c in name if c not in '\\/:*?"<>|\0').strip()[:80] or "workplan"


def _numbered(headings: list[tuple[str, list[tuple[str, str]]]]) -> list[tuple[str, str]]:
    """Sections (heading, body blocks) numbered 一、二、… in order, empty ones left out."""
    out: list[tuple[str, str]] = []
    n = 0
    for heading, body in headings:
        if not body:
            continue
        n += 1
        out.append(("heading", f"{chinese_number(n)}、{heading}"))
        out.extend(body)
    return out


def _subsections(parts: list[tuple[str, list[tuple[str, str]]]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    n = 0
    for heading, body in parts:
        if not body:
            continue
        n += 1
        out.append(("subheading", f"（{chinese_number(n)}）{heading}"))
        out.extend(body)
    return out


def _items(items: list[KeyItem]) -> list[tuple[str, str]]:
    return [("para", f"{n}.{item.text}") for n, item in enumerate(items, start=1)]


def _regional_blocks(plan: WorkPlan) -> list[tuple[str, str]]:
    themes = [("para", f"{label}：{theme}" if label else theme) for label, theme in plan.themes]
    content = [("para", plan.content_intro)] if plan.content_intro else []
    key = [("para", plan.counts_sentence)]
    open_part = []
    if plan.open_sentence:
        open_part.append(("para", plan.open_sentence))
        for label, names in (("科研机构", plan.institutes), ("高校", plan.universities), ("其他单位", plan.other_open)):
            if names:
                open_part.append(("para", f"{label}：{'、'.join(names)}。"))
    key += _subsections([(kl.heading, _items(kl.items)) for kl in plan.key_lists]
                        + [("参与开放活动的科研机构和大学", open_part)])
    requirements = [("para", f"{n}.{text}") for n, text in enumerate(plan.requirements, start=1)]
    return [("title", plan.title), ("para", plan.opening)] + _numbered([
        ("科技活动周主题", themes),
        ("举办时间", [("para", plan.dates)]),
        ("重点内容", content),
        ("重点活动", key),
        ("活动形式", [("para", text) for text in plan.formats]),
        ("工作要求", requirements),
    ])


def _national_blocks(plan: WorkPlan) -> list[tuple[str, str]]:
    theme = plan.themes[0][1] if plan.themes else ""
    time_and_theme = _subsections([("时间", [("para", plan.dates)]), ("主题", [("para", theme)] if theme else [])])
    content = [("para", f"{n}.{name}。{description}".rstrip())
               for n, (name, description) in enumerate(plan.content, start=1)]
    regions: list[tuple[str, str]] = [("para", plan.counts_sentence)]
    for n, block in enumerate(plan.regions, start=1):
        regions.append(("subheading", f"（{chinese_number(n)}）{block.name}"))
        regions.append(("para", block.summary))
        for key_list in block.lists:
            regions.append(("para", f"{key_list.heading}："))
            regions.extend(_items(key_list.items))
    requirements = [("para", f"{n}.{text}") for n, text in enumerate(plan.requirements, start=1)]
    return [("title", plan.title), ("para", plan.opening)] + _numbered([
        ("时间与主题", time_and_theme),
        ("主要内容", content),
        ("主场活动", [("para", text) for text in plan.main_venue]),
        ("重大示范活动", [("para", f"{n}.{text}") for n, text in enumerate(plan.flagships, start=1)]),
        ("部门、地方重点活动", regions),
        ("活动形式", [("para", text) for text in plan.formats]),
        ("工作要求", requirements),
    ])


# --- reading the data --------------------------------------------------------------------

def _opening(campaign: Campaign, region: Organization, self_word: str, parts: tuple[str, ...] = ()) -> str:
    basis = f"{campaign.name}的总体安排"
    if campaign.notice_title:
        issuers, sep, rest = campaign.notice_title.partition("关于")
        issuers = "、".join(issuers.split())
        document = f"《{sep}{rest}》" if sep else f"《{campaign.notice_title}》"
        basis = f"{issuers}{document}" + (f"（{campaign.notice_number}）" if campaign.notice_number else "") + "精神"
    if region.depth == 1:
        listed = "、".join(parts[:-1]) + ("和" if len(parts) > 1 else "") + parts[-1] if parts else "重点活动"
        return f"根据{basis}，现将{campaign.year}年全国科技活动周{listed}汇总如下。"
    return f"根据{basis}，结合{self_word}实际，就{campaign.year}年{region.name}科技活动周工作制定如下方案。"


def _plans_on_line(campaign: Campaign, region: Organization) -> list[RegionalPlan]:
    """The regional plans from the province down to `region` (themes and focus areas)."""
    return list(
        RegionalPlan.objects.filter(campaign=campaign, organization__path__in=ancestor_paths(region, include_self=True))
        .select_related("organization")
        .prefetch_related(Prefetch("focus_areas", queryset=ContentArea.objects.order_by("position", "id")))
        .order_by("organization__depth")
    )


def _national_areas(campaign: Campaign) -> list[ContentArea]:
    return list(ContentArea.objects.filter(campaign=campaign, plan__isnull=True).order_by("position", "id"))


def _region_map(region: Organization, depth_limit: int | None = None) -> dict[str, str]:
    """path → name of every region in `region`'s subtree (down to depth_limit)."""
    qs = Organization.objects.filter(within(region.path), kind__in=[Organization.Kind.REGION,
                                                                    Organization.Kind.COMMITTEE])
    if depth_limit is not None:
        qs = qs.filter(depth__lte=depth_limit)
    return dict(qs.values_list("path", "name"))


def _nearest(path: str, regions: dict[str, str]) -> str | None:
    best = None
    for candidate in regions:
        if path.startswith(candidate) and (best is None or len(candidate) > len(best)):
            best = candidate
    return best


def _host_names(activity: Activity, role: str, extra: str, regions: dict[str, str]) -> str:
    """The hosts as the plan writes them: after the first, a host of the same city drops the
    city's name ("石家庄市科技局、市委宣传部、市卫生健康委、市科协")."""
    links = [link for link in activity.host_links.all() if link.role == role]
    names = [link.organization.display_name for link in links]
    home = _nearest(activity.organization.path, regions)
    city = regions.get(home, "") if home else ""
    if city and _suffix(city) in ("市", "县", "区", "旗") and names and names[0].startswith(city):
        for i in range(1, len(names)):
            if names[i].startswith(city) and len(names[i]) > len(city) \
                    and _nearest(links[i].organization.path, regions) == home:
                names[i] = city[-1] + names[i][len(city):]
    names += [n.strip() for n in extra.replace("，", "、").split("、") if n.strip()]
    return "、".join(names)


def _key_item(activity: Activity, regions: dict[str, str]) -> KeyItem:
    hosts = _host_names(activity, ActivityHost.Role.HOST, activity.other_hosts, regions)
    organizers = _host_names(activity, ActivityHost.Role.ORGANIZER, activity.other_organizers, regions)
    if not hosts and not organizers:
        hosts = activity.organization.display_name
    return KeyItem(activity.title, hosts, organizers, activity.status == Activity.Status.CANCELLED)


def _counts_sentence(year: int, self_word: str, own_level: str, sub_word: str, counts: PlanCounts,
                     follows: str) -> str:
    if counts.total == 0:
        return f"截至目前，{year}年{self_word}科技活动周尚无审核通过的活动。"
    parts = []
    if counts.by_departments:
        parts.append(f"{own_level}有关部门开展科普活动{counts.by_departments}项")
    if counts.by_cities:
        parts.append(f"{sub_word}有关单位推荐科普活动{counts.by_cities}项")
    if counts.open_sessions:
        parts.append(f"科研机构和大学参与开放活动{counts.open_sessions}场次")
    sentence = f"根据各地各部门组织情况，{year}年{self_word}科技活动周将开展{counts.total}项活动，其中" \
        + "；".join(parts) + "。"
    return sentence + follows


def _open_institutions(campaign: Campaign, region: Organization) -> dict[str, list[str]]:
    rows = (
        Activity.objects.filter(within(region.path, "organization__path"), campaign=campaign,
                                kind=Activity.Kind.OPEN_DAY, status__in=Activity.Status.COUNTED)
        .values_list("organization__kind", "organization__name", "organization__path")
        .distinct().order_by("organization__path")
    )
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, name, _path in rows:
        by_kind[kind].append(name)
    return by_kind


def _open_sentence(counts: PlanCounts, others: int) -> str:
    parts = []
    if counts.open_research_institutes:
        parts.append(f"科研机构{counts.open_research_institutes}所")
    if counts.open_universities:
        parts.append(f"高校{counts.open_universities}所")
    if others:
        parts.append(f"其他单位{others}家")
    return "，".join(parts) + "。" if parts else ""


def _formats(campaign: Campaign, region: Organization, self_word: str, plans: list[RegionalPlan]) -> list[str]:
    texts = []
    where = "全国" if region.depth == 1 else self_word
    if is_online_only(campaign, region):
        texts.append(f"{campaign.year}年{where}科技活动周以网络形式举办，充分运用线上直播、网络展厅、短视频等在线科普形式。")
    rows = dict(
        Activity.objects.filter(within(region.path, "organization__path"), campaign=campaign,
                                status__in=Activity.Status.COUNTED)
        .values("format").annotate(n=Count("id")).values_list("format", "n").order_by()
    )
    parts = [f"{label}活动{rows[value]}项" for value, label in _FORMATS if rows.get(value)]
    if parts:
        texts.append("已审核通过的活动中，" + "，".join(parts) + "。")
    # The strictest attendance limits on the reporting line (the campaign's, then the plans').
    caps = [c for c in [campaign.attendance_cap_percent] + [p.attendance_cap_percent for p in plans] if c]
    gatherings = [g for g in [campaign.max_gathering] + [p.max_gathering for p in plans] if g]
    limits = []
    if caps:
        limits.append(f"不超过场馆额定容量的{min(caps)}%")
    if gatherings:
        limits.append(f"同时在场不超过{min(gatherings)}人")
    if limits:
        texts.append("组织现场活动要严格落实疫情防控和安全要求，线下活动人数" + "，".join(limits) + "。")
    return texts


def _video_limit(seconds: int) -> str:
    return f"{seconds // 60}分钟" if seconds % 60 == 0 else f"{seconds}秒"


def _deadlines(campaign: Campaign, region: Organization) -> dict[str, Deadline]:
    """For each kind, the deadline that binds `region`'s units: its own, else the nearest
    one set above it (as campaigns.selectors.deadline_for answers for a unit)."""
    chosen: dict[str, Deadline] = {}
    for deadline in (Deadline.objects.filter(campaign=campaign,
                                             organization__path__in=ancestor_paths(region, include_self=True))
                     .select_related("organization").order_by("-organization__depth")):
        chosen.setdefault(deadline.kind, deadline)
    return chosen


def _requirements(campaign: Campaign, region: Organization, has_sub_regions: bool, sub_word: str) -> list[str]:
    deadlines = _deadlines(campaign, region)
    own = [d for d in deadlines.values() if d.organization_id == region.pk]
    # Where the region's units send things: the office its own deadlines name, else its lead
    # department (the 科技厅 / 科技局 that receives for the level), else the platform.
    office = next((d.receiver_office for kind in (Deadline.Kind.NEWS, Deadline.Kind.SUMMARY, Deadline.Kind.FILING)
                   for d in own if d.kind == kind and d.receiver_office), "")
    if not office and region.depth > 1:
        lead = (Organization.objects.filter(within(region.path), depth=region.depth + 1,
                                            committee_role=Organization.CommitteeRole.LEAD)
                .order_by("path").first())
        office = lead.display_name if lead is not None else ""
    items = []
    filing = deadlines.get(Deadline.Kind.FILING)
    if region.depth == 1 and filing is not None:
        to = f"，报送{filing.receiver_office}" if filing.receiver_office else ""
        items.append(f"制定活动方案。各地各部门要尽快制定活动方案，精心策划重点项目，请于{day_text(filing.due_on)}前"
                     f"填报《{campaign.year}年科技活动周重点项目备案表》"
                     f"《{campaign.year}年参与开放活动的科研机构和大学备案表》{to}。")
    news_days = news_within_days_for(campaign, region)
    news = deadlines.get(Deadline.Kind.NEWS)
    news_office = (news.receiver_office if news is not None and news.receiver_office else office)
    summary = deadlines.get(Deadline.Kind.SUMMARY)
    text = f"请各地各部门将科技活动周的相关动态信息及影像，在活动举办后{news_days}日内报送" \
        + (news_office if news_office else "") + "，以便及时宣传报道。"
    if not news_office:
        text = text.replace("内报送，", "内通过本平台报送，")
    if summary is not None:
        to = summary.receiver_office if summary.organization_id == region.pk and summary.receiver_office else office
        video = _video_limit(campaign.summary_video_max_seconds)
        text += f"科技活动周结束后，请于{day_text(summary.due_on)}前将本地本部门活动总结、影像资料（视频时长不超过{video}）" \
            + (f"报送{to}" if to else "通过本平台报送") + "。"
        if has_sub_regions and region.depth > 1:
            text += f"{sub_word}科技部门汇总本地有关单位资料后再行报送。"
    items.append(("及时报送，认真总结。" if summary is not None else "及时报送。") + text)
    return items


def _self_words(region: Organization) -> tuple[str, str]:
    return _SELF.get(_suffix(region.name), ("本地", "本级"))


def plan_outline(campaign: Campaign, region: Organization) -> WorkPlan:
    """Everything the plan of `region` (the committee, a province or a city) for `campaign`
    states, read from the data in a bounded number of queries."""
    if region.depth == 1:
        return _national_outline(campaign, region)
    level = level_of(region)
    self_word, own_level = _self_words(region)
    plans = _plans_on_line(campaign, region)
    own = next((p for p in plans if p.organization_id == region.pk), None)
    title = own.title if own is not None and own.title else f"{campaign.year}年{region.name}科技活动周工作方案"
    themes = [("全国", campaign.theme)] if campaign.theme else []
    themes += [(short_region_name(p.organization.name), p.theme) for p in plans if p.theme]
    regional_theme = any(p.theme for p in plans)
    focus = next((list(p.focus_areas.all()) for p in reversed(plans) if p.focus_areas.all()), None)
    areas = focus if focus is not None else _national_areas(campaign)
    intro = ""
    if areas:
        around = f"围绕全国和{self_word}科技活动周主题" if regional_theme else "围绕全国科技活动周主题"
        intro = f"{around}，各地各部门各单位认真组织好{campaign.year}年科技活动周工作，确定重点活动内容。"
        if any(a.description for a in areas):
            intro += "".join(f"围绕{a.name}。{a.description.strip()}" for a in areas)
        else:
            intro += "重点内容包括：" + "、".join(a.name for a in areas) + "。"

    regions = _region_map(region)
    sub_names = [name for path, name in regions.items() if len(path) == len(region.path) + Organization.steplen]
    sub_word, sub_char = _sub_region_word(sub_names)
    counts = plan_counts(campaign, region)
    if level == PROVINCE:
        tiers = [(Activity.Level.PROVINCIAL, f"{own_level}重大科普活动"),
                 (Activity.Level.CITY, f"{sub_word}组织重点科普活动")]
    else:
        tiers = [(Activity.Level.CITY, f"{own_level}重点科普活动"),
                 (Activity.Level.UNIT, f"{sub_word}和有关单位重点科普活动" if sub_names else "有关单位重点科普活动")]
    key_lists = []
    for tier, heading in tiers:
        items = [_key_item(a, regions) for a in public_key_activities(campaign, region, tier)]
        if items:
            key_lists.append(KeyList(heading, items))
    follows = ""
    if key_lists:
        self_char = _suffix(region.name) if len(_suffix(region.name)) == 1 else ""
        pair = self_char + sub_char if len(key_lists) == 2 and self_char and sub_char and self_char != sub_char else ""
        follows = f"其中{pair}重点活动安排如下：" if pair != "市区" else "其中重点活动安排如下："
    open_by_kind = _open_institutions(campaign, region)
    institutes = open_by_kind.pop(Organization.Kind.RESEARCH_INSTITUTE, [])
    universities = open_by_kind.pop(Organization.Kind.UNIVERSITY, [])
    others = [name for names in open_by_kind.values() for name in names]
    return WorkPlan(
        year=campaign.year, level=level, region_name=region.name, title=title,
        opening=_opening(campaign, region, self_word), themes=themes,
        dates=date_range_text(campaign.starts_on, campaign.ends_on),
        content_intro=intro, content=[(a.name, a.description) for a in areas],
        counts=counts,
        counts_sentence=_counts_sentence(campaign.year, self_word, own_level, sub_word, counts, follows),
        key_lists=key_lists, institutes=institutes, universities=universities, other_open=others,
        open_sentence=_open_sentence(counts, len(others)),
        formats=_formats(campaign, region, self_word, plans),
        requirements=_requirements(campaign, region, bool(sub_names), sub_word),
    )


def _national_outline(campaign: Campaign, root: Organization) -> WorkPlan:
    areas = _national_areas(campaign)
    main_venue = []
    for event in campaign.main_venue_events.order_by("position", "id"):
        text = f"{event.name}。"
        when_where = (day_text(event.starts_on) if event.starts_on else "") + (f"在{event.place}举办" if event.place
                                                                              else "")
        if when_where:
            text += when_where + "。"
        if event.description:
            text += event.description.strip().rstrip("。") + "。"
        if event.hosts:
            text += f"主办：{event.hosts}。"
        main_venue.append(text)
    regions = _region_map(root, depth_limit=root.depth + 2)
    step = Organization.steplen
    top = {path: name for path, name in regions.items() if len(path) == len(root.path) + step}

    # The flagships: each one's national activity with its hosts, and how many join it.
    flagship_activities = defaultdict(list)
    joined: dict[int, int] = dict(
        Activity.objects.filter(campaign=campaign, flagship__isnull=False, status__in=Activity.Status.COUNTED)
        .exclude(level=Activity.Level.NATIONAL)
        .values("flagship").annotate(n=Count("id")).values_list("flagship", "n").order_by()
    )
    for activity in with_hosts(Activity.objects.filter(campaign=campaign, flagship__isnull=False,
                                                       level=Activity.Level.NATIONAL,
                                                       status__in=Activity.Status.PUBLIC,
                                                       revises__isnull=True)).order_by("key_position", "id"):
        flagship_activities[activity.flagship_id].append(activity)
    flagships = []
    for flagship in campaign.flagships.order_by("number"):
        text = f"{flagship.name.rstrip('。')}。"
        hosts = [_key_item(a, regions).hosts for a in flagship_activities.get(flagship.pk, [])]
        hosts = list(dict.fromkeys(h for h in hosts if h))
        if hosts:
            text += f"由{'；'.join(hosts)}主办。"
        if joined.get(flagship.pk):
            text += f"各地各部门参与活动{joined[flagship.pk]}项。"
        flagships.append(text)

    # Each region's key activities (one query) and totals (two grouped queries).
    key = with_hosts(Activity.objects.filter(
        within(root.path, "organization__path"), campaign=campaign, is_key=True,
        level__in=[Activity.Level.PROVINCIAL, Activity.Level.CITY],
        status__in=Activity.Status.PUBLIC, revises__isnull=True)).order_by("level", "key_position", "id")
    by_region: dict[str, dict[str, list[KeyItem]]] = defaultdict(lambda: defaultdict(list))
    for activity in key:
        prefix = activity.organization.path[: len(root.path) + step]
        if prefix in top:
            by_region[prefix][activity.level].append(_key_item(activity, regions))
    prefix_len = len(root.path) + step
    projects = dict(
        Activity.objects.filter(within(root.path, "organization__path"), campaign=campaign,
                                kind=Activity.Kind.PROJECT, status__in=Activity.Status.COUNTED)
        .annotate(prefix=Substr("organization__path", 1, prefix_len))
        .values("prefix").annotate(n=Count("id")).values_list("prefix", "n").order_by()
    )
    sessions = dict(
        Session.objects.filter(within(root.path, "activity__organization__path"), activity__campaign=campaign,
                               activity__kind=Activity.Kind.OPEN_DAY,
                               activity__status__in=Activity.Status.COUNTED)
        .annotate(prefix=Substr("activity__organization__path", 1, prefix_len))
        .values("prefix").annotate(n=Count("id")).values_list("prefix", "n").order_by()
    )
    blocks = []
    for path in sorted(top):
        total = projects.get(path, 0) + sessions.get(path, 0)
        lists_ = by_region.get(path, {})
        if not total and not lists_:
            continue
        self_word, own_level = _SELF.get(_suffix(top[path]), ("本地", "本级"))
        n_key = sum(len(items) for items in lists_.values())
        summary = f"共开展活动{total}项" + (f"，其中列入方案的重点活动{n_key}项" if n_key else "") + "。"
        sub_names = [name for p, name in regions.items() if len(p) == len(path) + step and p.startswith(path)]
        sub_word, _ = _sub_region_word(sub_names)
        key_lists = []
        if lists_.get(Activity.Level.PROVINCIAL):
            key_lists.append(KeyList(f"{own_level}重大科普活动", lists_[Activity.Level.PROVINCIAL]))
        if lists_.get(Activity.Level.CITY):
            key_lists.append(KeyList(f"{sub_word}组织重点科普活动", lists_[Activity.Level.CITY]))
        blocks.append(RegionBlock(top[path], summary, key_lists))

    counts = plan_counts(campaign, root)
    if counts.total:
        parts = []
        if counts.by_departments:
            parts.append(f"有关部门开展科普活动{counts.by_departments}项")
        if counts.by_cities:
            parts.append(f"各地推荐科普活动{counts.by_cities}项")
        if counts.open_sessions:
            institutions = _open_sentence(counts, 0).rstrip("。")
            parts.append(f"科研机构和大学参与开放活动{counts.open_sessions}场次"
                         + (f"（{institutions}）" if institutions else ""))
        sentence = (f"根据各地各部门备案情况，{campaign.year}年全国科技活动周将开展{counts.total}项活动，其中"
                    + "；".join(parts) + "。")
        if blocks:
            sentence += "各地重点活动安排如下："
    else:
        sentence = f"截至目前，{campaign.year}年全国科技活动周尚无审核通过的活动。"
    title = f"{campaign.name}重点项目清单" if campaign.name else f"{campaign.year}年全国科技活动周重点项目清单"
    return WorkPlan(
        year=campaign.year, level=NATIONAL, region_name=root.name, title=title,
        opening=_opening(campaign, root, "全国", tuple(
            part for part, present in (("主场活动", main_venue), ("重大示范活动", flagships),
                                       ("各地各部门重点活动", True)) if present)),
        themes=[("", campaign.theme)] if campaign.theme else [],
        dates=date_range_text(campaign.starts_on, campaign.ends_on),
        content_intro="", content=[(a.name, a.description.strip()) for a in areas],
        counts=counts, counts_sentence=sentence,
        formats=_formats(campaign, root, "全国", []),
        requirements=_requirements(campaign, root, bool(top), "各地"),
        main_venue=main_venue, flagships=flagships, regions=blocks,
    )


# --- the document ------------------------------------------------------------------------

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体"
BODY_FONT = "仿宋"
LATIN_FONT = "Times New Roman"


def _fonts(element, east_asia: str) -> None:
    """Set the East Asian face on a style's or a run's properties, dropping theme fonts (which
    would win over the named face)."""
    from docx.oxml.ns import qn

    properties = element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = properties.makeelement(qn("w:rFonts"), {})
        properties.insert(0, fonts)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asia)


def _document():
    from docx import Document
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Cm, Pt, RGBColor

    document = Document()
    section = document.sections[0]
    # GB/T 9704: A4, margins 37 / 35 / 28 / 26 mm.
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = document.styles["Normal"]
    normal.font.size = Pt(16)  # 三号
    _fonts(normal.element, BODY_FONT)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    for name, face in (("Heading 1", HEADING_FONT), ("Heading 2", SUBHEADING_FONT)):
        style = document.styles[name]
        style.font.size = Pt(16)
        style.font.bold = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        _fonts(style.element, face)
        style.paragraph_format.space_before = Pt(0)
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        style.paragraph_format.line_spacing = Pt(28)
        style.paragraph_format.first_line_indent = Pt(32)
    return document


def write_docx(plan: WorkPlan, out) -> None:
    """Write `plan` as an official document to `out` (a path or a binary file object)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = _document()
    document.core_properties.title = plan.title
    document.core_properties.author = plan.region_name
    for kind, text in plan.blocks():
        if kind == "title":
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.line_spacing = Pt(36)
            paragraph.paragraph_format.space_after = Pt(16)
            run = paragraph.add_run(text)
            run.font.size = Pt(22)  # 二号
            _fonts(run._element, TITLE_FONT)
        elif kind in ("heading", "subheading"):
            paragraph = document.add_heading(level=1 if kind == "heading" else 2)
            run = paragraph.add_run(text)
            _fonts(run._element, HEADING_FONT if kind == "heading" else SUBHEADING_FONT)
        else:
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters
            run = paragraph.add_run(text)
            _fonts(run._element, BODY_FONT)
    document.save(out)


def docx_bytes(plan: WorkPlan) -> bytes:
    buffer = BytesIO()
    write_docx(plan, buffer)
    return buffer.getvalue()


__all__ = ["KeyItem", "KeyList", "RegionBlock", "WorkPlan", "docx_bytes", "plan_outline", "supports", "write_docx"]
