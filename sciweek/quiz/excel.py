"""The question bank in Excel: a template (drop-downs, instructions, examples) and the import.

The import works as the filing import does (spreadsheets): the file is refused as a whole
when it is not a plain .xlsx (spreadsheets.excel.open_workbook: not a zip, an old .xls, a
password, macros, a DTD, a zip bomb, a broken file) or has no question header; otherwise
every row is checked — the column rules here, then services.question_problems, the rule the
console form and the API apply — and each problem is reported with its row number and
column. Only the rows without a problem are created, in one transaction, through
services.save_question; a row with a problem is never half-imported. "Check only" saves
nothing (the filing import's preview).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from sciweek.accounts import policy
from sciweek.accounts.audit import record
from sciweek.spreadsheets.columns import normalize_header
from sciweek.spreadsheets.excel import SpreadsheetError, is_blank, open_workbook
from sciweek.spreadsheets.parsing import CellError
from sciweek.spreadsheets.parsing import text as cell_text

from . import services
from .forms import fine_options, problems_by_part
from .models import Audience, Difficulty, QuestionKind
from .services import OptionIn

MAX_ROWS = 2000
MAX_BLANK_RUN = 200
HEADER_SCAN_ROWS = 6
MAX_SCAN_COLUMNS = 40
LETTERS = "ABCDEF"

QUESTIONS_SHEET = gettext_lazy("题目")
EXAMPLES_SHEET = gettext_lazy("示例")
INSTRUCTIONS_SHEET = gettext_lazy("填写说明")
LISTS_SHEET = gettext_lazy("选项列表")

HEADER_FONT = Font(bold=True, color="1D2329")
REQUIRED_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="DCE6F2")
REQUIRED_FILL = PatternFill("solid", fgColor="0B4F9C")
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Column:
    key: str
    header: object
    width: int = 14
    required: bool = False
    help: object = ""


def _option(letter: str) -> str:
    return _("选项%(letter)s") % {"letter": letter}


_option_header = lazy(_option, str)  # the header in the language of the moment it is shown

COLUMNS = [
    Column("kind", gettext_lazy("题型"), 10, True, gettext_lazy("从下拉列表选择：判断题、单选题或多选题。")),
    Column("stem", gettext_lazy("题干"), 48, True, gettext_lazy("不超过 500 字。")),
    *[Column(f"option_{letter.lower()}", _option_header(letter), 18,
             help=gettext_lazy("选择题从选项A起依次填写，不要跳过；判断题不用填写选项。"))
      for letter in LETTERS],
    Column("answer", gettext_lazy("正确答案"), 10, True,
           gettext_lazy("选择题填选项字母，如 A；多选题如 AC。判断题填“正确”或“错误”。")),
    Column("explanation", gettext_lazy("解析"), 36, help=gettext_lazy("答题者作答后看到。不超过 1000 字。")),
    Column("difficulty", gettext_lazy("难度"), 8, help=gettext_lazy("容易、中等或较难；留空为“中等”。")),
    Column("topic", gettext_lazy("内容领域"), 20, help=gettext_lazy("可从下拉列表选择，也可以自己填写（不超过 64 字）。")),
    Column("audiences", gettext_lazy("适用对象"), 16,
           help=gettext_lazy("小学生、中学生、社会公众，多个用顿号“、”分隔；留空表示适合所有人。")),
]
BY_KEY = {c.key: c for c in COLUMNS}
OPTION_KEYS = [f"option_{letter.lower()}" for letter in LETTERS]
SIGNATURE = ("kind", "stem", "answer")

TRUE_WORDS = {"正确", "对", "√", "✓", "是", "t", "true", "yes", "y", "a"}
FALSE_WORDS = {"错误", "错", "×", "✗", "x", "否", "f", "false", "no", "n", "b"}
_FULLWIDTH = str.maketrans("ＡＢＣＤＥＦａｂｃｄｅｆ", "ABCDEFabcdef")
_SEPARATORS = re.compile(r"[\s,，、;；/]+")


def _every_language(label) -> set[str]:
    names = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.add(str(label))
    return names


def _spellings(choices) -> dict[str, str]:
    """Normalized label (in every site language) or value -> stored value."""
    found = {}
    for value, label in choices:
        found[str(value).lower()] = value
        for name in _every_language(label):
            found[re.sub(r"\s+", "", name).lower()] = value
    return found


def header_index() -> dict[str, str]:
    index = {}
    for column in COLUMNS:
        for name in _every_language(column.header):
            index[normalize_header(name)] = column.key
    return index


# --- the template --------------------------------------------------------------------------

EXAMPLES = [
    ("true_false", "接种疫苗后人体产生的抗体可以帮助预防相应的传染病。", [], "正确",
     "疫苗刺激免疫系统产生抗体和记忆细胞，再次接触病原体时能更快清除它。", "容易", "展示科技战疫成效", "小学生、中学生"),
    ("single", "北斗卫星导航系统是哪个国家自主建设的？", ["中国", "美国", "俄罗斯", "欧盟"], "A",
     "北斗卫星导航系统是中国自主建设、独立运行的卫星导航系统。", "容易", "展示科技创新成就", ""),
    ("multiple", "下列哪些做法有助于预防呼吸道传染病？", ["勤洗手", "科学佩戴口罩", "常开窗通风", "带病坚持上学"], "ABC",
     "勤洗手、戴口罩、常通风都能减少病原体传播；生病时应在家休息。", "中等", "体验美好生活", "社会公众"),
]


def _header_cell(column: Column) -> tuple[Font, PatternFill]:
    return (REQUIRED_FONT, REQUIRED_FILL) if column.required else (HEADER_FONT, HEADER_FILL)


def _write_header(ws) -> None:
    for index, column in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=index, value=str(column.header))
        cell.font, cell.fill = _header_cell(column)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = "C2"


def _text(ws, row: int, column: int, value) -> None:
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(("=", "+", "-", "@")):
            cell.quotePrefix = True


def _kind_labels() -> dict[str, str]:
    return {value: str(label) for value, label in QuestionKind.choices}


def _example_row(example) -> list:
    kind, stem, options, answer, explanation, difficulty, topic, audiences = example
    labels = _kind_labels()
    answer = {"正确": _("正确"), "错误": _("错误")}.get(answer, answer)
    difficulty = {"容易": str(Difficulty.EASY.label), "中等": str(Difficulty.MEDIUM.label),
                  "较难": str(Difficulty.HARD.label)}[difficulty]
    options = (options + [""] * len(LETTERS))[:len(LETTERS)]
    return [labels[kind], stem, *options, answer, explanation, difficulty, topic, audiences]


def template_workbook(topics: list[str]) -> Workbook:
    """The question template: a sheet to fill in (drop-downs for kind, difficulty, topic and
    audience), a sheet of examples, instructions, and the hidden lists the drop-downs use."""
    workbook = Workbook()
    workbook.properties.title = _("题目导入模板")
    workbook.properties.creator = "SciWeek"
    workbook.properties.subject = "sciweek:quiz-questions"
    ws = workbook.active
    ws.title = str(QUESTIONS_SHEET)[:31]
    _write_header(ws)
    _validations(ws, topics)

    examples = workbook.create_sheet(str(EXAMPLES_SHEET)[:31])
    _write_header(examples)
    for row, example in enumerate(EXAMPLES, start=2):
        for column, value in enumerate(_example_row(example), start=1):
            _text(examples, row, column, value)
            examples.cell(row=row, column=column).alignment = WRAP

    _instructions(workbook)
    _lists(workbook, topics)
    workbook.active = 0
    return workbook


def _validations(ws, topics: list[str]) -> None:
    last = MAX_ROWS + 1
    letter = {c.key: get_column_letter(i) for i, c in enumerate(COLUMNS, start=1)}
    kinds = ",".join(_kind_labels().values())
    difficulties = ",".join(str(label) for _v, label in Difficulty.choices)
    rules = [
        ("kind", f'"{kinds}"', "stop"),
        ("difficulty", f'"{difficulties}"', "stop"),
        ("audiences", "sw_audiences", "warning"),  # several may be written, with 、
    ]
    if topics:
        rules.append(("topic", "sw_topics", "warning"))  # a topic of one's own is allowed
    for key, formula, style in rules:
        column = BY_KEY[key]
        validation = DataValidation(type="list", formula1=formula, allow_blank=True, errorStyle=style,
                                    error=_("请从下拉列表中选择。"), errorTitle=str(column.header)[:32],
                                    showErrorMessage=True)
        if column.help:
            validation.showInputMessage = True
            validation.promptTitle = str(column.header)[:32]
            validation.prompt = str(column.help)[:250]
        validation.add(f"{letter[key]}2:{letter[key]}{last}")
        ws.add_data_validation(validation)
    validation = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="500", allow_blank=True,
                                errorStyle="stop", error=_("不能超过 %(n)s 个字。") % {"n": 500},
                                showErrorMessage=True)
    validation.add(f"{letter['stem']}2:{letter['stem']}{last}")
    ws.add_data_validation(validation)
    answer = BY_KEY["answer"]
    validation = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="6", allow_blank=True,
                                errorStyle="warning", error=str(answer.help), errorTitle=str(answer.header)[:32],
                                showErrorMessage=True, showInputMessage=True, promptTitle=str(answer.header)[:32],
                                prompt=str(answer.help)[:250])
    validation.add(f"{letter['answer']}2:{letter['answer']}{last}")
    ws.add_data_validation(validation)


def _instructions(workbook) -> None:
    ws = workbook.create_sheet(str(INSTRUCTIONS_SHEET)[:31])
    for col, width in zip("ABC", (14, 10, 70), strict=True):
        ws.column_dimensions[col].width = width
    ws.append([_("题目导入模板填写说明")])
    ws["A1"].font = Font(bold=True, size=14)
    notes = [
        _("1. 在“%(sheet)s”工作表中每行填写一道题，从第 2 行开始；不要修改第 1 行的列名，不要合并单元格。")
        % {"sheet": QUESTIONS_SHEET},
        _("2. 深蓝色表头的列为必填。题型、难度、内容领域可从下拉列表选择。"),
        _("3. 单选题 2 到 6 个选项、一个正确答案；多选题 3 到 6 个选项、至少两个正确答案（不能全部正确）。"
          "选项从选项A起依次填写。"),
        _("4. 判断题不填选项，“正确答案”填“正确”或“错误”。"),
        _("5. “%(sheet)s”工作表中有填好的例子，可以参照；那里的内容不会被导入。") % {"sheet": EXAMPLES_SHEET},
        _("6. 上传后逐行检查：有误的行不导入，页面列出行号、列名和原因，改正后可只上传这些行。"
          "一个文件最多 %(n)s 行。") % {"n": MAX_ROWS},
        _("7. 导入的题目须经审核员审核通过后，才能用于答题活动。"),
    ]
    for note in notes:
        ws.append([note])
    ws.append([])
    ws.append([_("列名"), _("是否必填"), _("填写要求")])
    row = ws.max_row
    for col in range(1, 4):
        ws.cell(row=row, column=col).font = HEADER_FONT
        ws.cell(row=row, column=col).fill = HEADER_FILL
    for column in COLUMNS:
        ws.append([str(column.header), _("必填") if column.required else "", str(column.help)])
        for col in range(1, 4):
            ws.cell(row=ws.max_row, column=col).alignment = WRAP


def _lists(workbook, topics: list[str]) -> None:
    ws = workbook.create_sheet(str(LISTS_SHEET)[:31])
    ws.sheet_state = "hidden"
    lists = {"topics": (_("内容领域"), topics), "audiences": (_("适用对象"), [str(label) for _v, label in Audience.choices])}
    for index, (name, (title, values)) in enumerate(lists.items(), start=1):
        ws.cell(row=1, column=index, value=title)
        for row, value in enumerate(values, start=2):
            _text(ws, row, index, value)
        if values:
            letter = get_column_letter(index)
            ref = f"'{ws.title}'!${letter}$2:${letter}${len(values) + 1}"
            workbook.defined_names[f"sw_{name}"] = DefinedName(f"sw_{name}", attr_text=ref)


# --- the import ----------------------------------------------------------------------------

@dataclass
class RowIssue:
    row: int  # the sheet's row number (0: the file as a whole)
    header: str
    message: str


@dataclass
class ParsedQuestion:
    row: int
    kind: str
    stem: str
    options: list[OptionIn]
    explanation: str
    difficulty: int
    topic: str
    audiences: list[str]


@dataclass
class ImportResult:
    sheet: str = ""
    rows: int = 0
    good: list[ParsedQuestion] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)
    notes: list[RowIssue] = field(default_factory=list)
    created: int = 0
    submitted: bool = False
    saved: bool = False

    @property
    def bad_rows(self) -> int:
        return len({issue.row for issue in self.issues if issue.row})


def _locate(workbook) -> tuple[object, int, dict[int, str], list[str]]:
    """(worksheet, header row, {0-based column: key}, ignored headers) of the question sheet."""
    index = header_index()
    skipped = set()
    for label in (EXAMPLES_SHEET, INSTRUCTIONS_SHEET, LISTS_SHEET):
        skipped |= _every_language(label)
    for ws in workbook.worksheets[:20]:
        if ws.title in skipped:
            continue
        rows = ws.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS, max_col=MAX_SCAN_COLUMNS, values_only=True)
        for number, values in enumerate(rows, start=1):
            matched, ignored = {}, []
            for position, value in enumerate(values):
                key = index.get(normalize_header(value))
                if key is None:
                    if not is_blank(value):
                        ignored.append(str(value).strip()[:40])
                    continue
                if key in matched.values():
                    raise SpreadsheetError(_("表头中「%(h)s」出现了两次，请删除多余的一列。") % {"h": BY_KEY[key].header})
                matched[position] = key
            if set(SIGNATURE) <= set(matched.values()):
                return ws, number, matched, ignored
    raise SpreadsheetError(_("无法识别这个表格：没有找到「题型」「题干」「正确答案」这几列。"
                             "请下载本平台的题目模板，在模板中填写后上传。"))


class Checker:
    """Turns one row's cells into a question, or says what is wrong with it, column by column."""

    def __init__(self):
        self.kinds = _spellings(QuestionKind.choices)
        self.kinds.update({"判断": QuestionKind.TRUE_FALSE, "单选": QuestionKind.SINGLE, "多选": QuestionKind.MULTIPLE})
        self.difficulties = _spellings(Difficulty.choices)
        self.difficulties.update({"易": Difficulty.EASY, "简单": Difficulty.EASY, "中": Difficulty.MEDIUM,
                                  "难": Difficulty.HARD, "困难": Difficulty.HARD})
        self.audiences = _spellings(Audience.choices)
        self.true_words = {w.lower() for w in TRUE_WORDS | _every_language(gettext_lazy("正确"))}
        self.false_words = {w.lower() for w in FALSE_WORDS | _every_language(gettext_lazy("错误"))}

    def check(self, row: int, cells: dict) -> tuple[ParsedQuestion | None, list[RowIssue]]:
        issues: list[RowIssue] = []

        def problem(key: str, message: str):
            header = str(BY_KEY[key].header) if key in BY_KEY else (_("选项") if key == "options" else "")
            issues.append(RowIssue(row, header, message))

        def text(key: str, max_length: int | None = None) -> str:
            try:
                return cell_text(cells.get(key), max_length)
            except CellError as error:
                problem(key, error.message)
                return ""

        raw_kind = text("kind")
        kind = self.kinds.get(re.sub(r"\s+", "", raw_kind).lower()) if raw_kind else None
        if not raw_kind:
            problem("kind", _("请填写题型（判断题、单选题或多选题）。"))
        elif kind is None:
            problem("kind", _("“%(v)s”不是可选的题型（可选：判断题、单选题、多选题）。") % {"v": raw_kind[:20]})
        stem = text("stem")
        explanation = text("explanation", 1000)
        topic = text("topic", 64)
        difficulty = Difficulty.MEDIUM
        raw_difficulty = text("difficulty")
        if raw_difficulty:
            found = self.difficulties.get(re.sub(r"\s+", "", raw_difficulty).lower())
            if found is None:
                problem("difficulty", _("“%(v)s”不是可选的难度（可选：容易、中等、较难）。") % {"v": raw_difficulty[:20]})
            else:
                difficulty = int(found)
        audiences = []
        for word in _SEPARATORS.split(text("audiences")):
            if not word:
                continue
            found = self.audiences.get(word.lower())
            if found is None:
                problem("audiences", _("“%(v)s”不是可选的适用对象（可选：小学生、中学生、社会公众）。") % {"v": word[:20]})
            elif found not in audiences:
                audiences.append(found)
        texts = [text(key) for key in OPTION_KEYS]
        answer = text("answer").translate(_FULLWIDTH)
        options: list[OptionIn] = []
        option_issue = False
        if kind == QuestionKind.TRUE_FALSE:
            fixed = {w.lower() for w in self.true_words | self.false_words}
            if any(t and t.lower() not in fixed for t in texts):
                problem("options", _("判断题的选项固定为“正确”“错误”，不用填写选项。"))
                option_issue = True
            word = re.sub(r"\s+", "", answer).lower()
            if not word:
                problem("answer", _("请填写正确答案：“正确”或“错误”。"))
            elif word in self.true_words:
                options = services.true_false_options(True)
            elif word in self.false_words:
                options = services.true_false_options(False)
            else:
                problem("answer", _("判断题的正确答案请填“正确”或“错误”，不是“%(v)s”。") % {"v": answer[:20]})
        elif kind is not None:
            last = max((i for i, t in enumerate(texts) if t), default=-1)
            for i in range(last + 1):
                if not texts[i]:
                    problem(OPTION_KEYS[i], _("选项%(letter)s是空的：选项须从 A 起依次填写。") % {"letter": LETTERS[i]})
                elif len(texts[i]) > 200:
                    problem(OPTION_KEYS[i], _("每个选项不能超过 200 字。"))
            letters = list(_SEPARATORS.sub("", answer).upper())
            if not answer:
                problem("answer", _("请填写正确答案的选项字母，如 A 或 AC。"))
            elif any(ch not in LETTERS for ch in letters):
                problem("answer", _("正确答案请填选项字母 A 到 F，如 A 或 AC，不是“%(v)s”。") % {"v": answer[:20]})
            else:
                missing = sorted({ch for ch in letters if LETTERS.index(ch) > last or not texts[LETTERS.index(ch)]})
                if missing:
                    problem("answer", _("正确答案中的 %(letters)s 没有对应的选项。") % {"letters": "、".join(missing)})
                elif len(set(letters)) != len(letters):
                    problem("answer", _("正确答案中有重复的字母。"))
                right = set(letters)
                options = [OptionIn(texts[i], LETTERS[i] in right) for i in range(last + 1)]
        answer_headers = {str(BY_KEY[k].header) for k in (*OPTION_KEYS, "answer")} | {_("选项")}
        if kind is not None and not option_issue and not any(i.header in answer_headers for i in issues):
            parts = problems_by_part(kind, stem, options)
        else:  # the options could not be read: what the rules say of the stem alone
            assumed = kind or QuestionKind.SINGLE
            parts = {"stem": services.question_problems(assumed, stem, fine_options(assumed))}
        for part, messages in parts.items():
            key = part
            if part == "options" and kind == QuestionKind.TRUE_FALSE:
                key = "answer"
            for message in messages:
                problem(key, message)
        if issues:
            return None, issues
        return ParsedQuestion(row=row, kind=kind, stem=stem, options=options, explanation=explanation,
                              difficulty=difficulty, topic=topic, audiences=audiences), []


def read_questions(upload) -> ImportResult:
    """Open and check an uploaded workbook: every row's problems, and the good rows. Saves
    nothing. Raises SpreadsheetError when the file as a whole cannot be read."""
    workbook = open_workbook(upload)
    result = ImportResult()
    try:
        ws, header_row, columns, ignored = _locate(workbook)
        result.sheet = ws.title
        result.notes = [RowIssue(0, header, _("这一列不属于模板，已忽略")) for header in ignored]
        width = max(columns) + 1
        checker = Checker()
        blank_run = 0
        for number, values in enumerate(ws.iter_rows(min_row=header_row + 1, max_col=width, values_only=True),
                                        start=header_row + 1):
            cells = {key: (values[p] if p < len(values) else None) for p, key in columns.items()}
            if all(is_blank(v) for v in cells.values()):
                blank_run += 1
                if blank_run > MAX_BLANK_RUN:
                    break
                continue
            blank_run = 0
            result.rows += 1
            if result.rows > MAX_ROWS:
                raise SpreadsheetError(_("数据超过 %(max)s 行，请拆分成几个文件分别导入。") % {"max": MAX_ROWS})
            question, issues = checker.check(number, cells)
            if question is not None:
                result.good.append(question)
            result.issues += issues
    finally:
        workbook.close()
    if not result.rows:
        raise SpreadsheetError(_("表格里没有题目。请在表头下面逐行填写后再上传。"))
    return result


def import_questions(upload, *, actor, organization, submit: bool, save: bool = True,
                     file_name: str = "") -> ImportResult:
    """Check every row of the upload; unless `save` is False, create the good rows (drafts, or
    submitted for review when `submit`) in one transaction and record the import."""
    policy.require(actor, "quiz.question.write", organization)
    result = read_questions(upload)
    result.submitted = submit
    if not save or not result.good:
        return result
    with transaction.atomic():
        for question in result.good:
            try:
                services.save_question(
                    actor=actor, organization=organization, kind=question.kind, stem=question.stem,
                    options=question.options, explanation=question.explanation, difficulty=question.difficulty,
                    topic=question.topic, audiences=question.audiences, submit=submit,
                    source_key=f"excel:{question.row}")
            except ValidationError as error:  # the service's rules changed under us: refuse the import
                raise SpreadsheetError(_("第 %(row)s 行未能保存：%(why)s") % {
                    "row": question.row, "why": " ".join(error.messages)}) from None
        result.created = len(result.good)
        result.saved = True
        record("quiz.questions_imported", actor=actor, organization=organization,
               summary=_("%(n)s 道题（%(file)s）") % {"n": result.created, "file": file_name[:80]},
               detail={"rows": result.rows, "created": result.created, "bad_rows": result.bad_rows,
                       "submitted": submit, "file": file_name[:120]})
    return result
