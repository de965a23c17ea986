"""The quiz's Excel exports: every result in ranking order, and the prize list.

Written in the house style of ``spreadsheets.writer`` (write-only workbooks, text kept as text
so a name such as ``=HYPERLINK(…)`` never becomes a formula, a title row, a frozen header).
No phone number is exported: the lists name takers by the name they registered, their region
and school. The "统计" sheet holds the figures of the console's statistics page, computed anew
at the export (and left in the page's cache, so the page shows the same numbers).
"""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from sciweek.organizations.models import Division
from sciweek.spreadsheets.writer import BORDER, HEADER_FILL, HEADER_FONT, TITLE_FONT, WRAP, cell, sheet_title

from . import selectors
from .models import Attempt, Quiz, Standing

EXCEL_ROWS = 1_048_576
_SKIPPED = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


class DivisionNames:
    """Names of divisions by code, read once per export (a few thousand rows)."""

    def __init__(self):
        self._rows = {code: (name, parent) for code, name, parent in
                      Division.objects.values_list("code", "name", "parent_id")}
        self._full: dict[str, str] = {}

    def name(self, code: str) -> str:
        row = self._rows.get(code)
        if row is None:
            return ""
        if row[0] in _SKIPPED and row[1]:
            return self.name(row[1])
        return row[0]

    def full(self, code: str | None) -> str:
        if not code:
            return ""
        if code not in self._full:
            names, node = [], code
            while node and node in self._rows:
                name, parent = self._rows[node]
                if name not in _SKIPPED:
                    names.append(name)
                node = parent
            self._full[code] = " ".join(reversed(names))
        return self._full[code]


def seconds(ms: int | None) -> float | None:
    return None if ms is None else round(ms / 1000, 1)


def _columns(ws, widths):
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width


def _header(ws, headers):
    ws.append([cell(ws, str(h), font=HEADER_FONT, fill=HEADER_FILL, alignment=WRAP, border=BORDER) for h in headers])


def _title(quiz: Quiz, what: str) -> str:
    return _("《%(quiz)s》%(what)s（导出时间：%(when)s）") % {
        "quiz": quiz.title, "what": what, "when": timezone.localtime().strftime("%Y-%m-%d %H:%M")}


def _review_label(review: str, disqualified: bool = False) -> str:
    if disqualified:
        return str(Attempt.Review.DISQUALIFIED.label)
    return str(Attempt.Review(review).label) if review else ""


def _statistics_sheet(workbook: Workbook, quiz: Quiz, stats) -> None:
    ws = workbook.create_sheet(sheet_title(_("统计")))
    _columns(ws, [30, 16])
    ws.append([cell(ws, _title(quiz, _("统计")), font=TITLE_FONT)])
    for label, value in statistics_rows(stats):
        ws.append([cell(ws, str(label), border=BORDER), cell(ws, value, border=BORDER)])
    ws.append([])
    _header(ws, [_("得分率"), _("人数")])
    for band in stats.bands:
        ws.append([cell(ws, band.label, border=BORDER), cell(ws, band.count, border=BORDER)])
    ws.append([])
    _header(ws, [_("日期"), _("计分答题"), _("练习")])
    for day in stats.per_day:
        ws.append([cell(ws, day["day"], border=BORDER), cell(ws, day["scored"], border=BORDER),
                   cell(ws, day["practice"], border=BORDER)])


def statistics_rows(stats) -> list[tuple[str, object]]:
    """The overview figures as (label, value), in the page's order (the export's 统计 sheet)."""
    return [
        (_("答题人数"), stats.takers),
        (_("计入排名人数"), stats.ranked),
        (_("取消成绩人数"), stats.disqualified),
        (_("计分答题次数"), stats.scored_attempts),
        (_("练习次数"), stats.practice_attempts),
        (_("正在答题"), stats.in_progress),
        (_("待核查答题"), stats.flagged),
        (_("平均分"), stats.average),
        (_("中位数"), stats.median),
        (_("满分"), stats.max_score),
        (_("及格人数"), stats.passed),
        (_("及格率（%）"), stats.pass_rate),
    ]


RESULT_HEADERS = (
    (gettext_lazy("名次"), 7), (gettext_lazy("姓名或昵称"), 16), (gettext_lazy("省份"), 12),
    (gettext_lazy("城市"), 12), (gettext_lazy("所在地区"), 30), (gettext_lazy("学校"), 28), (gettext_lazy("得分"), 7),
    (gettext_lazy("满分"), 7), (gettext_lazy("答对题数"), 9), (gettext_lazy("用时（秒）"), 10),
    (gettext_lazy("交卷时间"), 17), (gettext_lazy("奖项"), 9), (gettext_lazy("核查"), 10))


def results_workbook(quiz: Quiz) -> tuple[Workbook, int]:
    """Every standing: the ranked ones in ranking order with their prize tier, then the
    disqualified ones (no rank). Returns the workbook and the number of result rows."""
    stats = selectors.quiz_statistics(quiz, fresh=True)
    counts = selectors.prize_counts(quiz, stats.ranked)
    ends = []
    for tier, label in selectors.PRIZE_TIERS:
        ends.append(((ends[-1][0] if ends else 0) + counts[tier], str(label)))
    names = DivisionNames()
    workbook = Workbook(write_only=True)
    workbook.properties.title, workbook.properties.creator = _title(quiz, _("成绩")), "SciWeek"
    workbook.properties.subject = "sciweek:quiz-results"
    ws = workbook.create_sheet(sheet_title(_("成绩")))
    _columns(ws, [w for _h, w in RESULT_HEADERS])
    ws.freeze_panes = "C3"
    ws.append([cell(ws, _title(quiz, _("成绩")), font=TITLE_FONT)])
    _header(ws, [h for h, _w in RESULT_HEADERS])
    fields = ("display_name", "province_code", "city_code", "school_name", "score", "attempt__max_score",
              "attempt__correct_count", "time_used_ms", "finished_at", "attempt__review",
              "attempt__registration__division_id", "disqualified")
    rows = 0
    ranked = selectors.ranked_standings(quiz).values_list(*fields)
    disqualified = Standing.objects.filter(quiz_id=quiz.pk, disqualified=True).order_by(
        *selectors.RANKING).values_list(*fields)
    for part, queryset in enumerate((ranked, disqualified)):
        for rank, values in enumerate(queryset.iterator(chunk_size=5000), start=1):
            if rows >= EXCEL_ROWS - 3:
                ws.append([cell(ws, _("超出 Excel 行数上限，其余成绩未导出。"))])
                break
            (display_name, province, city, school, score, top, correct, time_ms, finished, review, division,
             out) = values
            tier = "" if part else next((label for end, label in ends if rank <= end), "")
            ws.append([cell(ws, v) for v in (
                None if part else rank, display_name, names.name(province), names.name(city), names.full(division),
                school, score, top, correct, seconds(time_ms), finished, tier, _review_label(review, out))])
            rows += 1
    _statistics_sheet(workbook, quiz, stats)
    return workbook, rows


PRIZE_HEADERS = (
    (gettext_lazy("名次"), 7), (gettext_lazy("奖项"), 9), (gettext_lazy("姓名或昵称"), 16),
    (gettext_lazy("所在地区"), 24), (gettext_lazy("学校"), 28), (gettext_lazy("得分"), 7),
    (gettext_lazy("用时（秒）"), 10), (gettext_lazy("交卷时间"), 17), (gettext_lazy("备注"), 30))


def prize_note(row) -> str:
    notes = []
    if row.flagged:
        notes.append(_("成绩待核查"))
    if row.tied:
        notes.append(_("与上一名成绩、用时和交卷时间相同"))
    if not row.tier:
        notes.append(_("与最后一名获奖者并列，按规则未获奖，请主办单位决定"))
    return "；".join(notes)


def prizes_workbook(quiz: Quiz) -> tuple[Workbook, int]:
    """The prize list: the winners in ranking order with their tier (and any taker tied with
    the last winner, marked), after a summary of how the tiers were set."""
    summary = selectors.prize_summary(quiz)
    names = DivisionNames()
    workbook = Workbook(write_only=True)
    workbook.properties.title, workbook.properties.creator = _title(quiz, _("获奖名单")), "SciWeek"
    workbook.properties.subject = "sciweek:quiz-prizes"
    ws = workbook.create_sheet(sheet_title(_("获奖名单")))
    _columns(ws, [w for _h, w in PRIZE_HEADERS])
    ws.append([cell(ws, _title(quiz, _("获奖名单")), font=TITLE_FONT)])
    ws.append([cell(ws, prize_basis_text(quiz, summary))])
    _header(ws, [h for h, _w in PRIZE_HEADERS])
    ws.freeze_panes = "C4"
    rows = 0
    for row in selectors.prize_rows(quiz, summary):
        standing = row.standing
        region = names.name(standing.city_code) or names.name(standing.province_code)
        if standing.city_code and standing.province_code:
            region = f"{names.name(standing.province_code)} {names.name(standing.city_code)}"
        ws.append([cell(ws, v) for v in (
            row.rank, row.tier_label, standing.display_name, region, standing.school_name, standing.score,
            seconds(standing.time_used_ms), standing.finished_at, prize_note(row))])
        rows += 1
    return workbook, rows


def prize_basis_text(quiz: Quiz, summary) -> str:
    counts = {tier: summary.counts[tier] for tier, _label in selectors.PRIZE_TIERS}
    if quiz.prize_basis == Quiz.PrizeBasis.SHARE:
        rule = _("按比例评定：一等奖 %(a)s%%、二等奖 %(b)s%%、三等奖 %(c)s%%（计入排名 %(n)s 人，四舍五入）") % {
            "a": quiz.first_prizes, "b": quiz.second_prizes, "c": quiz.third_prizes, "n": summary.ranked}
    else:
        rule = _("按名额评定：一等奖 %(a)s 名、二等奖 %(b)s 名、三等奖 %(c)s 名（计入排名 %(n)s 人）") % {
            "a": quiz.first_prizes, "b": quiz.second_prizes, "c": quiz.third_prizes, "n": summary.ranked}
    return rule + _("。获奖：一等奖 %(a)s 人、二等奖 %(b)s 人、三等奖 %(c)s 人。") % {
        "a": counts["first"], "b": counts["second"], "c": counts["third"]}
