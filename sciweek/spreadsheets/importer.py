"""Row-by-row validation of an uploaded form, and the hand-over of the valid rows to
activities.services.create_filings.

A row is judged by the same rules as the console form (activities.rules: phone, expected
participants, peak attendance, dates, sessions, attendance caps, where hosts are looked
up); this module only turns cells into values and names into ids. Everything a row may
refer to (organizations of the province, divisions, content areas, flagships, existing
titles) is read up front into dictionaries, so validating 10,000 rows issues a handful of
queries; the write is a few bulk inserts in one transaction.
"""
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from sciweek.activities import rules, services
from sciweek.activities.hosts import lookup_path, split_names
from sciweek.activities.models import Activity
from sciweek.activities.services import NewFiling
from sciweek.campaigns.models import Campaign, ContentArea, FlagshipActivity, RegionalPlan
from sciweek.organizations.models import Division, Organization
from sciweek.organizations.selectors import within

from . import parsing
from .columns import COLUMNS, FORMAT_LABELS, LEVEL_LABELS, OPEN_DAY, PROJECT
from .parsing import CellError

STEPLEN = Organization.steplen
# Model fields a row fills directly (everything else is resolved first).
DIRECT_FIELDS = (
    "title", "supervising_department", "address", "venue_capacity", "audience", "expected_participants", "budget",
    "description", "format_description", "publicity_plan", "facilities", "open_hours", "booking_method",
    "live_stream_url", "online_exhibition_url", "video_url", "wechat_account", "mini_program_path",
    "safety_max_attendance", "safety_measures", "safety_responsible", "lead_name", "contact_name",
    "contact_phone", "contact_email", "starts_on", "ends_on", "key_position",
)


def _labels(choices: dict, extra: dict) -> dict[str, str]:
    labels = {value: value for value in choices}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for value, label in choices.items():
                labels[re.sub(r"\s+", "", str(label))] = value
    labels.update(extra)
    return labels


def level_labels() -> dict[str, str]:
    return _labels(LEVEL_LABELS, {"国家级": "national", "全国": "national", "全国级": "national", "省": "provincial",
                                  "省级重大": "provincial", "市": "city", "地市级": "city", "市县级": "city",
                                  "单位级": "unit"})


def format_labels() -> dict[str, str]:
    return _labels(FORMAT_LABELS, {"网上": "online", "网络": "online", "现场": "onsite", "线上线下": "hybrid",
                                   "线上+线下": "hybrid", "线上/线下": "hybrid", "线上、线下": "hybrid",
                                   "混合": "hybrid", "线上线下相结合": "hybrid"})


def flagship_key(name: str) -> str:
    return re.sub(r"[\s“”\"‘’'《》]", "", name)


@dataclass(frozen=True)
class Org:
    id: int
    path: str
    name: str
    division_id: str | None

    def instance(self) -> Organization:
        return Organization(id=self.id, path=self.path, depth=len(self.path) // STEPLEN, name=self.name,
                            division_id=self.division_id)


@dataclass
class ParsedRow:
    row: int
    filing: NewFiling


# activities.rules names a session's problems by what they concern; the form has one column each.
RULE_COLUMNS = {"session_starts_at": "sessions", "session_ends_at": "sessions", "session_capacity": "capacity"}


@dataclass
class RowIssue:
    row: int
    key: str
    header: str
    message: str

    def as_list(self) -> list:
        return [self.row, self.key, self.header, self.message]


class Importer:
    """Validates rows of one form for one user and filing organization, then writes them."""

    def __init__(self, *, user, organization: Organization, campaign: Campaign, kind: str):
        self.user = user
        self.organization = organization
        self.campaign = campaign
        self.kind = kind
        self.columns = {c.key: c for c in COLUMNS[kind]}
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.levels = level_labels()
        self.formats = format_labels()
        self._caps: dict[tuple, rules.AttendanceCap] = {}
        self._seen_titles: set[tuple[int, str]] = set()
        self._load()

    # --- lookups, read once -------------------------------------------------------------

    def _load(self):
        org = self.organization
        region_path = lookup_path(org)  # where host names are looked up, as in the console form
        region = Organization.objects.only("kind", "division_id").get(path=region_path)
        self.region_division = region.division_id
        self.by_name: dict[str, list[Org]] = {}
        self.by_id: dict[int, Org] = {}
        rows = (Organization.objects.filter(within(region_path), is_active=True)
                .order_by("depth", "path").values_list("id", "path", "name", "short_name", "division_id"))
        for pk, path, name, short_name, division_id in rows:
            info = Org(pk, path, name, division_id)
            self.by_id[pk] = info
            for key in {name.strip(), short_name.strip()} - {""}:
                self.by_name.setdefault(key, []).append(info)

        # Every division: which province a row may name depends on the row's unit (rules.venue_province).
        rows = list(Division.objects.values_list("code", "name", "parent_id"))
        names = {code: name for code, name, _parent in rows}
        parents = {code: parent for code, _name, parent in rows}
        self.divisions: dict[str, str] = names
        self.division_names: dict[str, list[str]] = {}
        for code, name in names.items():
            spellings = {name}
            parent = parents.get(code)
            chain = name
            while parent:
                parent_name = names.get(parent, "")
                if parent_name and parent_name not in ("市辖区", "县", "省直辖县级行政区划"):
                    chain = parent_name + chain
                    spellings.add(chain)
                parent = parents.get(parent)
            for spelling in spellings:
                self.division_names.setdefault(spelling, []).append(code)

        plans = {pk: path for pk, path in RegionalPlan.objects.filter(campaign=self.campaign)
                 .values_list("pk", "organization__path")}
        self.plan_paths = sorted(set(plans.values()))
        self.area_by_name: dict[str, list[tuple[int, str | None]]] = {}
        for pk, name, plan_id in ContentArea.objects.filter(campaign=self.campaign).values_list("pk", "name", "plan_id"):
            plan_path = plans.get(plan_id) if plan_id else None
            if plan_id and plan_path is None:
                continue
            self.area_by_name.setdefault(re.sub(r"\s+", "", name), []).append((pk, plan_path))
        self.area_names = list(self.area_by_name)

        self.flagships: dict[str, int] = {}
        for pk, number, name in FlagshipActivity.objects.filter(campaign=self.campaign).values_list("pk", "number",
                                                                                                      "name"):
            self.flagships[flagship_key(name)] = pk
            self.flagships[str(number)] = pk

        self.existing_titles = set(
            Activity.objects.filter(within(org.path, "organization__path"), campaign=self.campaign)
            .exclude(status__in=Activity.Status.RETIRED)
            .values_list("organization_id", "title")
        )

    def cap_for(self, org: Org) -> rules.AttendanceCap:
        """rules.attendance_cap, asked once per set of regional plans above the filer (not per row or unit):
        the cap depends only on the campaign and those plans."""
        key = tuple(p for p in self.plan_paths if org.path.startswith(p))
        cap = self._caps.get(key)
        if cap is None:
            cap = self._caps[key] = rules.attendance_cap(Activity(campaign=self.campaign, organization=org.instance()))
        return cap

    # --- one row ------------------------------------------------------------------------

    def validate(self, row: int, cells: dict) -> tuple[ParsedRow | None, list[RowIssue], list[RowIssue]]:
        errors: list[RowIssue] = []
        warnings: list[RowIssue] = []
        errored: set[str] = set()

        def error(key: str, message: str):
            column = self.columns.get(key)
            errors.append(RowIssue(row, key, str(column.header) if column else "", message))
            errored.add(key)

        def warn(key: str, message: str):
            column = self.columns.get(key)
            warnings.append(RowIssue(row, key, str(column.header) if column else "", message))

        year = self.campaign.year
        values: dict = {}
        for key, raw in cells.items():
            column = self.columns[key]
            try:
                values[key] = self._parse(column, raw, year)
            except CellError as problem:
                error(key, problem.message)
        for key, column in self.columns.items():
            if column.required and key not in errored and values.get(key) in (None, "", []):
                error(key, _("必填，不能为空"))

        organization = self._row_organization(values.get("organization") or "", error)
        fields = {key: values[key] for key in DIRECT_FIELDS if key in values and key not in errored}
        for key in ("level", "format"):
            if values.get(key) is not None:
                fields[key] = values[key]
        if self.kind == OPEN_DAY:
            fields.setdefault("format", Activity.Format.ONSITE)
            if not fields.get("title") and "title" not in errored and organization is not None:
                fields["title"] = _("%(org)s向公众开放") % {"org": organization.name}
        for key in ("title", "address", "audience", "open_hours", "booking_method", "supervising_department"):
            if isinstance(fields.get(key), str) and key not in errored:
                fields[key] = " ".join(fields[key].split())  # one line

        hosts, organizers = [], []
        if self.kind == PROJECT:
            hosts, fields["other_hosts"] = self._hosts(values.get("hosts") or [], "hosts", error)
            organizers, fields["other_organizers"] = self._hosts(values.get("organizers") or [], "organizers", error)
        elif organization is not None:
            hosts = [organization.id]

        areas = self._areas(values.get("content_areas") or [], organization, error)
        self._division(values.get("division") or "", organization, fields, error)
        self._flagship(values, fields, errored, error)
        if values.get("key_position") is not None and values.get("is_key") is False:
            error("is_key", _("填写了方案序号，此处应为“是”"))
        fields["is_key"] = bool(values.get("is_key")) or values.get("key_position") is not None

        for problem in rules.field_problems(fields, window=rules.activity_window(self.campaign)):
            if problem.field not in errored:
                error(problem.field, problem.message)
        sessions = self._sessions(values, errored, warn)
        for problem in rules.session_problems(sessions, fields.get("starts_on"), fields.get("ends_on"),
                                              rules.activity_window(self.campaign)):
            error(RULE_COLUMNS[problem.field], problem.message)
        if organization is not None and not errors:
            # An import row is complete on its own: what rules call missing is an error here.
            for problem in rules.attendance_problems(
                    self.cap_for(organization), format=fields.get("format", Activity.Format.ONSITE),
                    venue_capacity=fields.get("venue_capacity"), peak=fields.get("safety_max_attendance"),
                    session_capacities=[capacity for _start, _end, capacity in sessions]):
                error(RULE_COLUMNS.get(problem.field, problem.field), problem.message)
        if organization is not None and fields.get("title"):
            key = (organization.id, fields["title"])
            if key in self.existing_titles:
                warn("title", _("已有同名备案（同一填报单位），导入后将另建一条草稿"))
            elif key in self._seen_titles:
                warn("title", _("与本文件中前面的一行同名"))
            self._seen_titles.add(key)

        if errors or organization is None:
            return None, errors, warnings
        return ParsedRow(row, NewFiling(organization_id=organization.id, fields=fields, hosts=hosts,
                                        organizers=organizers, content_areas=areas, sessions=sessions)), errors, warnings

    def _parse(self, column, raw, year):
        kind = column.type
        if kind == "seq":
            return None
        if kind in ("text", "org", "division", "flagship"):
            return parsing.text(raw, column.max_length)
        if kind in ("orgs", "areas"):
            return split_names(parsing.text(raw))
        if kind == "int":
            return parsing.integer(raw)
        if kind == "decimal":
            return parsing.decimal(raw)
        if kind == "date":
            return parsing.a_date(raw, year)
        if kind == "bool":
            return parsing.boolean(raw)
        if kind == "choice":
            if column.key == "level":
                return parsing.choice(raw, self.levels, [str(v) for v in LEVEL_LABELS.values()])
            return parsing.choice(raw, self.formats, [str(v) for v in FORMAT_LABELS.values()])
        if kind == "sessions":
            return parsing.sessions(raw, year)
        if kind == "url":
            return parsing.url(raw)
        if kind == "email":
            return parsing.email(raw)
        if kind == "phone":
            return parsing.phone(raw)
        raise ValueError(kind)

    def _row_organization(self, name: str, error) -> Org | None:
        """The unit that owns the row: the chosen one, or one named inside its subtree."""
        chosen = self.organization
        if not name or name in (chosen.name, chosen.short_name):
            return self.by_id.get(chosen.pk) or Org(chosen.pk, chosen.path, chosen.name, chosen.division_id)
        candidates = self.by_name.get(name, [])
        inside = [c for c in candidates if c.path.startswith(chosen.path)]
        if inside:
            return inside[0]
        if candidates:  # exists, but belongs to someone else: never file for it (cross-tenant)
            error("organization", _("“%(name)s”不属于所选填报单位“%(org)s”及其下级单位，不能为其备案") % {
                "name": name, "org": chosen.name})
        else:
            error("organization", _("平台上没有名为“%(name)s”的单位（须为“%(org)s”或其下级单位）") % {
                "name": name, "org": chosen.name})
        return None

    def _hosts(self, names: list[str], key: str, error) -> tuple[list[int], str]:
        """Hosts may be any active organization where names are looked up (activities.hosts)."""
        linked, others = [], []
        for name in names:
            candidates = self.by_name.get(name, [])
            if not candidates:
                if name not in others:
                    others.append(name)
                continue
            if candidates[0].id not in linked:
                linked.append(candidates[0].id)
        other_text = "、".join(others)
        if len(other_text) > 255:
            error(key, _("平台外的单位名称合计不能超过 255 个字"))
            other_text = ""
        return linked, other_text

    def _areas(self, names: list[str], organization: Org | None, error) -> list[int]:
        ids = []
        for name in names:
            options = self.area_by_name.get(re.sub(r"\s+", "", name), [])
            usable = [pk for pk, plan_path in options
                      if plan_path is None or (organization is not None and organization.path.startswith(plan_path))]
            if usable:
                if usable[0] not in ids:
                    ids.append(usable[0])
            else:
                error("content_areas", _("“%(name)s”不是本届活动周的内容方向（可选：%(choices)s）") % {
                    "name": name, "choices": "、".join(self.area_names)})
        return ids

    def _division(self, text: str, organization: Org | None, fields: dict, error):
        if not text:
            if self.kind == OPEN_DAY and organization is not None and organization.division_id in self.divisions:
                fields["division_id"] = organization.division_id
            return
        province = rules.venue_province(organization.division_id if organization else None, self.region_division)
        code = re.match(r"^\s*(\d{6})\b", text)
        if code:
            problem = (rules.division_error(code.group(1), province) if code.group(1) in self.divisions
                       else _("行政区划代码 %(code)s 不存在或不在本省范围内") % {"code": code.group(1)})
            if problem:
                error("division", problem)
            else:
                fields["division_id"] = code.group(1)
            return
        codes = [c for c in self.division_names.get(re.sub(r"\s+", "", text), [])
                 if not rules.division_error(c, province)]
        if len(codes) == 1:
            fields["division_id"] = codes[0]
        elif codes:
            error("division", _("“%(name)s”对应多个行政区划（%(options)s），请从下拉列表选择或填写代码") % {
                "name": text, "options": "、".join(f"{c} {self.divisions[c]}" for c in codes[:5])})
        else:
            error("division", _("无法识别的举办地%(v)s，请从下拉列表选择") % {"v": parsing.quoted(text)})

    def _flagship(self, values: dict, fields: dict, errored: set, error):
        name = values.get("flagship") or ""
        flag = values.get("is_flagship")
        if name:
            pk = self.flagships.get(flagship_key(name))
            if pk is None:
                error("flagship", _("%(v)s不是本届的重大示范活动，请从下拉列表选择") % {"v": parsing.quoted(name)})
            elif flag is False:
                error("is_flagship", _("填写了所属重大示范活动，此处应为“是”"))
            else:
                fields["flagship_id"] = pk
        elif flag and "flagship" not in errored:
            error("flagship", _("“是否重大示范活动”为“是”时，须选择所属重大示范活动"))

    def _sessions(self, values, errored, warn) -> list[tuple[datetime, datetime, int | None]]:
        capacity = values.get("capacity")
        result = []
        for day, start, end, own_capacity in values.get("sessions") or []:
            result.append((datetime.combine(day, start, self.tz), datetime.combine(day, end, self.tz),
                           own_capacity if own_capacity is not None else capacity))
        if capacity is not None and not result and "sessions" not in errored and "sessions" in self.columns:
            warn("capacity", _("填写了每场名额，但没有填写场次，名额未导入"))
        return result

    # --- the write ----------------------------------------------------------------------

    def write(self, rows: list[ParsedRow]) -> list[int]:
        """Create the rows as drafts with their hosts, content areas and sessions, all or nothing."""
        for org_id in {r.filing.organization_id for r in rows}:
            # The validation kept rows inside the chosen organization; the service checks the
            # user's filing scope again.
            info = self.by_id.get(org_id)
            if info is None or not info.path.startswith(self.organization.path):
                raise PermissionError(f"organization {org_id} outside the import's organization")
        return services.create_filings([r.filing for r in rows], actor=self.user, campaign=self.campaign,
                                       kind=self.kind)
