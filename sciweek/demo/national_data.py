"""A national-scale dataset on top of the 2020 demo, for load tests and benchmarks.

Every provincial-level region gets its prefecture cities and counties as organizations (from
the GB/T 2260 `Division` table), plus units — schools, science museums, research
institutes, universities, enterprises, societies, media — until there are at least
`organizations` organizations; then approved activities of the 2020 campaign, filed by
those organizations all over the country, until the campaign has at least `activities`
approved activities. On-site and hybrid activities get sessions with capacities; online
ones get their channel links. Everything is flagged `is_demo` and carries no personal data.

Speed: organizations and activities are written with `bulk_create` in batches, with the
treebeard paths computed here (steplen 4, alphabet 0-9A-Z): a new child of an existing
node continues after that node's current last child, and the node's `numchild` is updated
once at the end. The search index is built with the bulk path of `activities.search`.

Run twice, it tops up to the targets (nothing is duplicated; a second run at the same
targets adds nothing). News items and reservations are not generated: those models do not
exist yet.
"""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Max

from sciweek.activities import search
from sciweek.activities.models import Activity, ActivityHost, Session
from sciweek.campaigns.models import Campaign, ContentArea
from sciweek.organizations.models import Division, Organization

from . import demo_data as D

TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_ORGANIZATIONS = 20_000
DEFAULT_ACTIVITIES = 200_000
BATCH = 5_000
K = Organization.Kind
# Level-2 divisions that are not cities: their counties report to the province directly.
NOT_A_CITY = ("市辖区", "省直辖县级行政区划", "自治区直辖县级行政区划")

# Units a province, a city and a county have (name template, kind). `{p}` is the place name.
PROVINCE_UNITS = [
    ("{p}科学技术厅", K.DEPARTMENT), ("{p}科学技术协会", K.SOCIETY), ("{p}科学技术馆", K.MUSEUM),
    ("{p}科学院", K.RESEARCH_INSTITUTE), ("{p}农业科学院", K.RESEARCH_INSTITUTE), ("{p}大学", K.UNIVERSITY),
    ("{p}师范大学", K.UNIVERSITY), ("{p}医科大学", K.UNIVERSITY), ("{p}农业大学", K.UNIVERSITY),
    ("{p}气象局", K.DEPARTMENT), ("{p}地震局", K.DEPARTMENT), ("{p}自然博物馆", K.MUSEUM),
    ("{p}疾病预防控制中心", K.DEPARTMENT), ("{p}广播电视台", K.MEDIA), ("{p}工业大学", K.UNIVERSITY),
    ("{p}林业科学研究院", K.RESEARCH_INSTITUTE), ("{p}中医药研究院", K.RESEARCH_INSTITUTE),
    ("{p}青少年科技中心", K.OTHER), ("{p}图书馆", K.OTHER), ("{p}科技报社", K.MEDIA),
]
CITY_UNITS = [
    ("{p}科学技术局", K.DEPARTMENT), ("{p}科学技术协会", K.SOCIETY), ("{p}科学技术馆", K.MUSEUM),
    ("{p}第一中学", K.SCHOOL), ("{p}实验小学", K.SCHOOL), ("{p}农业科学研究院", K.RESEARCH_INSTITUTE),
    ("{p}融媒体中心", K.MEDIA), ("{p}职业技术学院", K.UNIVERSITY), ("{p}博物馆", K.MUSEUM),
    ("{p}疾病预防控制中心", K.DEPARTMENT), ("{p}高新技术企业协会", K.SOCIETY), ("{p}第二中学", K.SCHOOL),
    ("{p}气象局", K.DEPARTMENT), ("{p}青少年活动中心", K.OTHER), ("{p}图书馆", K.OTHER),
    ("{p}智能制造科技有限公司", K.ENTERPRISE), ("{p}生物医药产业园", K.ENTERPRISE),
    ("{p}电子信息有限公司", K.ENTERPRISE), ("{p}新能源科技有限公司", K.ENTERPRISE), ("{p}第三中学", K.SCHOOL),
]
COUNTY_UNITS = [
    ("{p}科学技术协会", K.SOCIETY), ("{p}第一中学", K.SCHOOL), ("{p}实验小学", K.SCHOOL),
    ("{p}农业技术推广中心", K.DEPARTMENT), ("{p}融媒体中心", K.MEDIA), ("{p}科技馆", K.MUSEUM),
    ("{p}青少年活动中心", K.OTHER), ("{p}第二中学", K.SCHOOL), ("{p}人民医院", K.OTHER),
    ("{p}气象局", K.DEPARTMENT), ("{p}职业教育中心", K.SCHOOL), ("{p}农机科技有限公司", K.ENTERPRISE),
    ("{p}图书馆", K.OTHER), ("{p}第二实验小学", K.SCHOOL), ("{p}特色农业合作社", K.ENTERPRISE),
]

# More titles beside the demo's GENERATED_TOPICS: (topic, national content area index).
EXTRA_TOPICS = [
    ("健康生活方式科普讲座", 2), ("科学健身知识进社区", 2), ("心理健康科普沙龙", 2), ("食品安全科普宣传周", 2),
    ("垃圾分类科普行动", 2), ("节能低碳科普展", 2), ("科普大篷车进乡村", 3), ("乡村振兴科技服务行", 3),
    ("电商助农直播培训", 3), ("中药材种植技术讲座", 3), ("果树栽培技术现场指导", 3), ("畜禽健康养殖技术培训", 3),
    ("5G技术应用体验展", 1), ("北斗导航科普展", 1), ("大数据与智慧城市展", 1), ("航天科普报告会", 1),
    ("量子科技科普讲座", 1), ("新材料科普展示", 1), ("机器人编程体验营", 1), ("无人机科普体验", 1),
    ("实验室开放日", 1), ("科研成果展示会", 1), ("院士专家科普报告会", 1), ("科学家精神宣讲会", 1),
    ("核酸检测科普讲解", 0), ("疫苗知识科普问答", 0), ("个人防护知识科普展", 0), ("抗疫科技成果展", 0),
    ("科学防疫知识进校园", 0), ("传染病防控知识讲座", 0),
    ("科普知识在线答题", 2), ("云上科普课堂", 2), ("网络科普展厅", 1), ("科普微视频展播", 2),
    ("地震应急避险演练", 2), ("气象科普开放日", 2), ("天文观测科普活动", 1), ("青少年科技创新大赛成果展", 1),
]
TOPICS = [(topic, national) for topic, _focus, national in D.GENERATED_TOPICS] + EXTRA_TOPICS
EVENT_TITLES = ["科技活动周启动仪式", "科技活动周系列科普活动", "科技活动周开幕式", "科普宣传日活动",
                "科技活动周闭幕式暨成果展", "科普志愿服务活动"]
THEMED = ["“科技战疫 创新强国”", "“科学战疫 科普同行”", "“科技惠民 共享美好生活”", "“走近科学 拥抱未来”"]
AUDIENCES = ["社会公众", "中小学生", "青少年", "农民群众", "社区居民", "中小学生及家长", "科技工作者", "老年人"]
SESSION_TIMES = [(time(9, 30), time(11, 30)), (time(14, 30), time(16, 30)), (time(19, 0), time(20, 30))]


@dataclass
class Node:
    """An organization to be inserted (or an existing one that gets children)."""

    path: str
    depth: int
    name: str
    kind: str
    division: str | None
    existing_pk: int | None = None
    numchild: int = 0
    last_step: int = 0
    new_children: int = 0
    children: list = field(default_factory=list)

    def add_child(self, name: str, kind: str, division: str | None) -> Node:
        self.last_step += 1
        self.new_children += 1
        child = Node(Organization._get_path(self.path, self.depth + 1, self.last_step), self.depth + 1, name,
                     kind, division)
        self.children.append(child)
        return child


def place_name(division: Division, city: Division | None) -> str:
    """How a place is named in unit names: 正定县, but 石家庄市长安区 for a district."""
    if city is not None and division.name.endswith("区") and city.name not in NOT_A_CITY:
        return f"{city.name}{division.name}"
    return division.name


class NationalGenerator:
    def __init__(self, organizations: int = DEFAULT_ORGANIZATIONS, activities: int = DEFAULT_ACTIVITIES,
                 log=print, seed: int = 2020):
        self.target_orgs = organizations
        self.target_activities = activities
        self.log = log
        self.seed = seed

    # --- organizations --------------------------------------------------------------------
    def build_organizations(self) -> int:
        """Cities and counties of every province, then units up to the target. Returns how
        many organizations were added."""
        divisions = {d.code: d for d in Division.objects.all()}
        by_parent: dict[str | None, list[Division]] = defaultdict(list)
        for d in sorted(divisions.values(), key=lambda d: d.code):
            by_parent[d.parent_id].append(d)
        regions: dict[str, Organization] = {}
        for org in (Organization.objects.filter(kind=K.REGION, division__isnull=False).order_by("depth", "path")):
            current = regions.get(org.division_id)
            division = divisions.get(org.division_id)
            # 650000 is both Xinjiang and the Corps: the province is the one named like the division.
            if current is None or (division and org.name == division.name and current.name != division.name):
                regions[org.division_id] = org
        nodes: dict[int, Node] = {}

        def node_of(org: Organization) -> Node:
            if org.pk not in nodes:
                last = (Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1)
                        .aggregate(m=Max("path"))["m"])
                nodes[org.pk] = Node(org.path, org.depth, org.name, org.kind, org.division_id, existing_pk=org.pk,
                                     numchild=org.numchild,
                                     last_step=Organization._str2int(last[-Organization.steplen:]) if last else 0)
            return nodes[org.pk]

        places: list[tuple[Node | Organization, str, list]] = []  # (region node, place name, unit templates)
        for province in by_parent[None]:
            province_org = regions.get(province.code)
            if province_org is None:
                continue  # provinces come from the demo network
            province_node = node_of(province_org)
            places.append((province_node, province.name, PROVINCE_UNITS))
            for city in by_parent[province.code]:
                if city.name in NOT_A_CITY:
                    city_node = province_node
                else:
                    city_org = regions.get(city.code)
                    if city_org is not None:
                        city_node = node_of(city_org)
                    else:
                        city_node = province_node.add_child(city.name, K.REGION, city.code)
                    places.append((city_node, city.name, CITY_UNITS))
                for county in by_parent[city.code]:
                    if county.name in NOT_A_CITY:
                        continue
                    county_org = regions.get(county.code)
                    if county_org is not None:
                        county_node = node_of(county_org)
                    else:
                        county_node = city_node.add_child(county.name, K.REGION, county.code)
                    places.append((county_node, place_name(county, city), COUNTY_UNITS))
        regions_added = sum(n.new_children for n in self._all_nodes(nodes))
        existing = Organization.objects.count()
        wanted = self.target_orgs - existing - regions_added
        # Units: round r gives every place its r-th unit (counties first: most units are local),
        # skipping names the place already has, until the target is reached.
        taken = self._existing_child_names([n.existing_pk for n in self._all_nodes(nodes) if n.existing_pk])
        order = ([p for p in places if p[2] is COUNTY_UNITS] + [p for p in places if p[2] is CITY_UNITS]
                 + [p for p in places if p[2] is PROVINCE_UNITS])
        units_added = 0
        rounds = max(len(COUNTY_UNITS), len(CITY_UNITS), len(PROVINCE_UNITS))
        for r in range(rounds):
            if units_added >= wanted:
                break
            for node, place, templates in order:
                if units_added >= wanted:
                    break
                if r >= len(templates):
                    continue
                template, kind = templates[r]
                name = template.format(p=place)
                key = (node.path, name)
                if key in taken:
                    continue
                taken.add(key)
                node.add_child(name, kind, node.division)
                units_added += 1
        new_rows = []
        for node in nodes.values():
            self._collect(node, new_rows)
        with transaction.atomic():
            Organization.objects.bulk_create(new_rows, batch_size=BATCH)
            for node in nodes.values():
                if node.new_children:
                    Organization.objects.filter(pk=node.existing_pk).update(numchild=node.numchild + node.new_children)
        self.log(f"organizations: +{len(new_rows)} ({regions_added} cities and counties, {units_added} units); "
                 f"now {Organization.objects.count()}")
        return len(new_rows)

    @staticmethod
    def _all_nodes(nodes: dict[int, Node]):
        """Existing nodes and every new node below them, parents first."""
        stack = list(nodes.values())
        while stack:
            node = stack.pop()
            yield node
            stack.extend(node.children)

    @staticmethod
    def _existing_child_names(parent_pks: list[int]) -> set[tuple[str, str]]:
        taken = set()
        parents = Organization.objects.filter(pk__in=parent_pks).values_list("path", "depth")
        for path, depth in parents:
            for name in Organization.objects.filter(path__startswith=path, depth=depth + 1).values_list("name",
                                                                                                        flat=True):
                taken.add((path, name))
        return taken

    def _collect(self, node: Node, rows: list) -> None:
        for child in node.children:
            rows.append(Organization(path=child.path, depth=child.depth, numchild=child.new_children,
                                     name=child.name, kind=child.kind, division_id=child.division, is_demo=True))
            self._collect(child, rows)

    # --- activities -----------------------------------------------------------------------
    def build_activities(self, campaign: Campaign) -> list[int]:
        existing = Activity.objects.filter(campaign=campaign, status=Activity.Status.APPROVED).count()
        wanted = self.target_activities - existing
        if wanted <= 0:
            self.log(f"activities: {existing} approved already, nothing to add")
            return []
        rng = random.Random(self.seed * 1_000_003 + existing)
        filers = list(Organization.objects.filter(depth__gte=2, division__isnull=False, is_active=True)
                      .exclude(kind__in=[K.COMMITTEE, K.MILITARY]).values_list("pk", "name", "short_name", "kind",
                                                                               "division_id", "path", "depth"))
        parents = dict(Organization.objects.values_list("path", "pk"))
        capitals = self._capitals()
        national_areas = list(ContentArea.objects.filter(campaign=campaign, plan=None).order_by("position"))
        focus = {plan_org_path: list(areas) for plan_org_path, areas in self._focus_areas(campaign).items()}
        flagships = list(campaign.flagships.order_by("number"))
        days = (campaign.ends_on - campaign.starts_on).days
        created_ids: list[int] = []
        done = 0
        seq = existing
        while done < wanted:
            size = min(BATCH, wanted - done)
            batch = []
            for _ in range(size):
                seq += 1
                batch.append(self._activity(rng, campaign, seq, rng.choice(filers), parents, capitals,
                                            national_areas, focus, flagships, days))
            with transaction.atomic():
                Activity.objects.bulk_create([a for a, _, _ in batch], batch_size=1000)
                hosts, areas, sessions = [], [], []
                through = Activity.content_areas.through
                for activity, host_ids, area_ids in batch:
                    hosts += [ActivityHost(activity_id=activity.pk, organization_id=h, position=i,
                                           role=ActivityHost.Role.HOST if i == 0 else rng.choice(
                                               [ActivityHost.Role.HOST, ActivityHost.Role.ORGANIZER]))
                              for i, h in enumerate(host_ids)]
                    areas += [through(activity_id=activity.pk, contentarea_id=a) for a in area_ids]
                    if activity.format != Activity.Format.ONLINE:
                        sessions += self._sessions(rng, activity)
                ActivityHost.objects.bulk_create(hosts, batch_size=2000)
                through.objects.bulk_create(areas, batch_size=2000)
                Session.objects.bulk_create(sessions, batch_size=2000)
            created_ids += [a.pk for a, _, _ in batch]
            done += size
            self.log(f"activities: {done}/{wanted}")
        return created_ids

    def _capitals(self) -> dict[str, str]:
        """Province code → the division its provincial units sit in (the capital, or for a
        municipality its first district)."""
        result = {}
        for province in Division.objects.filter(level=1):
            first = Division.objects.filter(parent=province).order_by("code").first()
            if first is not None and first.name in NOT_A_CITY:
                first = Division.objects.filter(parent=first).order_by("code").first() or first
            result[province.code] = first.code if first else province.code
        return result

    @staticmethod
    def _focus_areas(campaign: Campaign) -> dict[str, list[int]]:
        result: dict[str, list[int]] = {}
        for plan in campaign.regional_plans.select_related("organization"):
            result[plan.organization.path] = list(plan.focus_areas.order_by("position").values_list("pk", flat=True))
        return result

    def _activity(self, rng, campaign, seq, filer, parents, capitals, national_areas, focus, flagships, days):
        pk, name, short_name, kind, division, path, depth = filer
        display = short_name or name
        if division and division.endswith("0000"):
            division = capitals.get(division, division)
        topic, national = rng.choice(TOPICS)
        style = rng.random()
        if kind == K.REGION and style < 0.3:
            title = f"{campaign.year}年{name}{rng.choice(EVENT_TITLES)}"
        elif style < 0.12:
            title = f"{display}{rng.choice(THEMED)}{topic}"
        else:
            title = f"{display}{topic}"
        open_day = kind in (K.RESEARCH_INSTITUTE, K.UNIVERSITY) and rng.random() < 0.35
        if open_day:
            fmt = Activity.Format.ONSITE
            title = f"{name}{rng.choice(['实验室开放日', '科普展厅开放日', '校园开放日', '科研设施开放日'])}"
        else:
            fmt = rng.choices([Activity.Format.ONLINE, Activity.Format.HYBRID, Activity.Format.ONSITE],
                              weights=[5, 2, 3])[0]
        start = campaign.starts_on + timedelta(days=rng.randrange(days + 1))
        end = min(campaign.ends_on, start + timedelta(days=rng.choice([0, 0, 0, 0, 1, 2, 6])))
        level = ({2: Activity.Level.PROVINCIAL, 3: Activity.Level.CITY}.get(depth, Activity.Level.UNIT)
                 if kind == K.REGION else Activity.Level.UNIT)
        online = fmt != Activity.Format.ONSITE
        channel = rng.random()
        activity = Activity(
            campaign=campaign, kind=Activity.Kind.OPEN_DAY if open_day else Activity.Kind.PROJECT, title=title[:200],
            organization_id=pk, level=level, format=fmt, division_id=division, starts_on=start, ends_on=end,
            flagship=flagships[1] if open_day and flagships else (
                rng.choice(flagships) if flagships and rng.random() < 0.02 else None),
            audience=rng.choice(AUDIENCES), expected_participants=rng.choice([50, 100, 200, 500, 1000, 3000, 10000]),
            description=f"{title}。围绕{campaign.theme}主题，面向公众开展科普活动（演示数据）。",
            status=Activity.Status.APPROVED, is_demo=True,
            submitted_at=datetime(2020, 7, 10, 9, tzinfo=TZ) + timedelta(minutes=seq % 30000),
            approved_at=datetime(2020, 8, 1, 9, tzinfo=TZ) + timedelta(minutes=seq % 30000),
            lead_name="演示负责人", contact_name="演示联系人", contact_phone="13800000000",
            address=f"{name}（演示地址）" if fmt != Activity.Format.ONLINE else "",
            live_stream_url=f"https://live.example.cn/n/{seq}" if online and channel < 0.7 else "",
            online_exhibition_url=f"https://expo.example.cn/n/{seq}" if online and 0.5 < channel < 0.85 else "",
            video_url=f"https://video.example.cn/n/{seq}" if online and channel >= 0.7 else "",
            wechat_account="科普中国（演示）" if online and channel < 0.2 else "",
        )
        if open_day:
            activity.facilities = "实验室、科研仪器和科普展厅（演示数据）"
            activity.open_hours = "9:30-11:30"
            activity.booking_method = "在本平台按场次预约"
        if fmt != Activity.Format.ONLINE:
            activity.safety_max_attendance = rng.choice([30, 50, 100, 200])
            activity.safety_measures = "预约限流、测温验码、佩戴口罩、保持间距（演示数据）"
        hosts = [pk]
        parent_pk = parents.get(path[: -Organization.steplen]) if depth > 2 else None
        if parent_pk is not None and rng.random() < 0.3:
            hosts.append(parent_pk)
        areas = [national_areas[national].pk] if national_areas else []
        for plan_path, plan_areas in focus.items():
            if path.startswith(plan_path) and plan_areas:
                areas.append(plan_areas[(seq + national) % len(plan_areas)])
        return activity, hosts, areas

    @staticmethod
    def _sessions(rng, activity) -> list[Session]:
        sessions = []
        day = activity.starts_on
        for n in range(rng.choice([1, 1, 2, 3])):
            starts, ends = SESSION_TIMES[n]
            sessions.append(Session(activity_id=activity.pk, starts_at=datetime.combine(day, starts, TZ),
                                    ends_at=datetime.combine(day, ends, TZ),
                                    capacity=rng.choice([30, 50, 100, 200, None])))
        return sessions

    # --- all ------------------------------------------------------------------------------
    def run(self) -> dict:
        from .loader import load_demo

        campaign = Campaign.objects.filter(year=D.YEAR).first()
        if campaign is None or not Organization.objects.filter(name=D.HEBEI).exists():
            self.log("loading the 2020 demo first")
            campaign, _accounts = load_demo()
        orgs_added = self.build_organizations()
        ids = self.build_activities(campaign)
        tokens = 0
        for start in range(0, len(ids), BATCH):
            tokens += search.reindex(ids[start:start + BATCH])
            if start % (BATCH * 10) == 0:
                self.log(f"search index: {start + min(BATCH, len(ids) - start)}/{len(ids)}")
        self.analyze()
        return {"organizations_added": orgs_added, "activities_added": len(ids), "tokens_added": tokens,
                "organizations": Organization.objects.count(),
                "approved_activities": Activity.objects.filter(campaign=campaign, status=Activity.Status.APPROVED).count()}

    @staticmethod
    def analyze() -> None:
        """Fresh planner statistics (and, on PostgreSQL, a visibility map for index-only scans)."""
        if connection.in_atomic_block:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for model in (Organization, Activity, ActivityHost, Session, search.SearchToken,
                              Activity.content_areas.through):
                    cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
            else:
                cursor.execute("ANALYZE")


def generate(organizations: int = DEFAULT_ORGANIZATIONS, activities: int = DEFAULT_ACTIVITIES, log=print) -> dict:
    return NationalGenerator(organizations, activities, log=log).run()

