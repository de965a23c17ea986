"""Reading uploaded workbooks safely (ASVS 5.2.3) and finding the form in them.

Before openpyxl sees an upload, `check_archive` makes sure it is a zip of bounded entry
count and bounded *actual* uncompressed size (every entry is streamed and counted, so a
lying header does not help a zip bomb), with no macros and no DTDs. openpyxl then opens it
with ``read_only=True`` (streamed, bounded memory) and ``data_only=False``: a formula is
read as its text and never evaluated.
"""
import re
import zipfile
import zlib
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from .columns import (
    COLUMNS,
    ERROR_HEADER,
    FORM_TITLES,
    OPEN_DAY,
    PROJECT,
    SIGNATURE,
    Column,
    header_index,
    normalize_header,
)

MB = 1024 * 1024
DEFAULT_LIMITS = {
    "MAX_UPLOAD_BYTES": 20 * MB,
    "MAX_ZIP_ENTRIES": 256,
    "MAX_UNCOMPRESSED_BYTES": 200 * MB,
    "MAX_ROWS": 20_000,
}
MAX_BLANK_RUN = 1000     # this many blank rows in a row end the data (formatted but empty rows)
HEADER_SCAN_ROWS = 6     # the header row may sit under a title row or two
MAX_SCAN_COLUMNS = 120
MAX_SHEETS_SCANNED = 20
MAX_MERGED_RANGES = 10_000
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and encrypted .xlsx
ZIP_MAGIC = b"PK\x03\x04"
LISTS_SHEET = "选项"
INSTRUCTIONS_SHEET = "填写说明"


def limit(name: str) -> int:
    return getattr(settings, f"SPREADSHEET_{name}", DEFAULT_LIMITS[name])


class SpreadsheetError(Exception):
    """The whole file cannot be imported; `message` says why, for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- the archive ---------------------------------------------------------------------

def check_archive(fileobj) -> None:
    """Reject what is not a plain .xlsx of sane size before any XML parser sees it."""
    fileobj.seek(0, 2)
    size = fileobj.tell()
    fileobj.seek(0)
    if size == 0:
        raise SpreadsheetError(_("文件是空的。"))
    if size > limit("MAX_UPLOAD_BYTES"):
        raise SpreadsheetError(_("文件太大（%(size).1f MB），不能超过 %(max)s MB。行数很多时请拆分成几个文件。") % {
            "size": size / MB, "max": limit("MAX_UPLOAD_BYTES") // MB})
    head = fileobj.read(8)
    fileobj.seek(0)
    if head.startswith(OLE_MAGIC):
        raise SpreadsheetError(_("这是旧版 Excel（.xls）文件或设置了密码的文件。请在 Excel 或 WPS 中“另存为”"
                                 "Excel 工作簿（.xlsx），不要设置密码，然后再上传。"))
    if not head.startswith(ZIP_MAGIC):
        raise SpreadsheetError(_("这不是 Excel 文件（.xlsx）。请下载本平台的模板，填写后上传。"))
    try:
        with zipfile.ZipFile(fileobj) as archive:
            _check_entries(archive)
    except SpreadsheetError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError, OSError):
        raise SpreadsheetError(_("文件已损坏，无法读取。请在 Excel 中打开后重新保存为 .xlsx 再上传。")) from None
    finally:
        fileobj.seek(0)


def _check_entries(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > limit("MAX_ZIP_ENTRIES"):
        raise SpreadsheetError(_("文件结构异常（包含 %(n)s 个部件，上限 %(max)s 个），已拒绝导入。") % {
            "n": len(infos), "max": limit("MAX_ZIP_ENTRIES")})
    max_bytes = limit("MAX_UNCOMPRESSED_BYTES")
    too_big = _("文件解压后超过 %(max)s MB，可能是恶意构造的文件，已拒绝导入。") % {"max": max_bytes // MB}
    if sum(info.file_size for info in infos) > max_bytes:
        raise SpreadsheetError(too_big)
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise SpreadsheetError(_("这不是 Excel 工作簿（.xlsx）。Word、WPS 文字或压缩包不能导入，请使用本平台的模板。"))
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise SpreadsheetError(_("文件包含宏。请“另存为”不含宏的 Excel 工作簿（.xlsx）后上传。"))
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise SpreadsheetError(_("文件设置了密码，请取消密码后上传。"))
        with archive.open(info) as stream:  # stops at the declared size and checks the CRC
            first = True
            while chunk := stream.read(MB):
                total += len(chunk)
                if total > max_bytes:
                    raise SpreadsheetError(too_big)
                if first and info.filename.endswith((".xml", ".rels", ".vml")):
                    probe = chunk[:65536].replace(b"\x00", b"")  # catches UTF-16 too
                    if b"<!DOCTYPE" in probe or b"<!ENTITY" in probe:
                        raise SpreadsheetError(_("文件包含不允许的 XML 声明（DTD），已拒绝导入。"))
                first = False


def open_workbook(fileobj):
    """check_archive, then openpyxl in read-only mode. The caller must close() the workbook."""
    check_archive(fileobj)
    try:
        return load_workbook(fileobj, read_only=True, data_only=False, keep_links=False, keep_vba=False)
    except Exception:  # openpyxl raises many kinds on malformed parts
        raise SpreadsheetError(_("文件已损坏或不是标准的 Excel 工作簿，无法读取。请在 Excel 中重新保存为 .xlsx 再上传。")) from None


# --- finding the form ----------------------------------------------------------------

@dataclass
class Layout:
    """Where the form is in a workbook: which sheet, which row holds the headers, which column is what."""

    kind: str
    sheet_title: str
    header_row: int
    columns: dict[int, Column]  # 0-based column index -> column
    width: int
    ignored_headers: list[str] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        return [column.key for column in self.columns.values()]


def _candidates(row_values) -> list[tuple[int, str, dict[int, Column], list[str]]]:
    found = []
    for kind in (PROJECT, OPEN_DAY):
        index = header_index(kind)
        matched: dict[int, Column] = {}
        for position, value in enumerate(row_values):
            column = index.get(normalize_header(value))
            if column is not None:
                matched[position] = column
        keys = {c.key for c in matched.values()}
        if set(SIGNATURE[kind]) <= keys:
            found.append((len(keys), kind, matched, keys))
    return found


def locate(workbook) -> Layout:
    """Find the sheet and header row of one of the two forms, or say clearly why not."""
    best = None
    for worksheet in workbook.worksheets[:MAX_SHEETS_SCANNED]:
        if worksheet.title in (LISTS_SHEET, INSTRUCTIONS_SHEET):
            continue
        rows = worksheet.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS, max_col=MAX_SCAN_COLUMNS, values_only=True)
        for row_number, values in enumerate(rows, start=1):
            for score, kind, matched, _keys in _candidates(values):
                if best is None or score > best[0]:
                    best = (score, kind, matched, worksheet, row_number, values)
    if best is None:
        raise SpreadsheetError(_("无法识别这个表格：没有找到《%(p)s》或《%(o)s》的列名（例如「项目名称」「主办单位」"
                                 "「开始日期」或「开放的设施」）。请下载本平台的模板，在模板中填写后上传。") % {
            "p": FORM_TITLES[PROJECT], "o": FORM_TITLES[OPEN_DAY]})
    _score, kind, matched, worksheet, header_row, values = best
    seen: dict[str, int] = {}
    for position, column in sorted(matched.items()):
        if column.key in seen:
            raise SpreadsheetError(_("表头中「%(h)s」出现了两次（第 %(a)s 列和第 %(b)s 列），请删除多余的一列。") % {
                "h": column.header, "a": seen[column.key] + 1, "b": position + 1})
        seen[column.key] = position
    missing = [str(c.header) for c in COLUMNS[kind] if c.required and c.key not in seen]
    if missing:
        raise SpreadsheetError(_("《%(form)s》缺少必填列「%(cols)s」。请使用本平台最新的模板。") % {
            "form": FORM_TITLES[kind], "cols": _("」「").join(missing)})
    error_header = normalize_header(ERROR_HEADER)
    ignored = [str(v).strip() for i, v in enumerate(values)
               if i not in matched and v not in (None, "") and normalize_header(v) != error_header]
    return Layout(kind=kind, sheet_title=worksheet.title, header_row=header_row, columns=matched,
                  width=max(matched) + 1, ignored_headers=ignored)


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_rows(workbook, layout: Layout, progress=None, notes: list | None = None) -> list[tuple[int, dict]]:
    """(sheet row number, {column key: raw value}) for every row that holds data.

    A long run of blank rows ends the data (sheets often carry thousands of formatted but
    empty rows); `notes` then says where reading stopped."""
    worksheet = workbook[layout.sheet_title]
    positions = sorted(layout.columns)
    keys = [layout.columns[p].key for p in positions]
    rows = []
    blank_run = 0
    max_rows = limit("MAX_ROWS")
    start = layout.header_row + 1
    for offset, values in enumerate(worksheet.iter_rows(min_row=start, max_col=layout.width, values_only=True)):
        cells = {key: (values[p] if p < len(values) else None) for key, p in zip(keys, positions, strict=True)}
        if all(is_blank(v) for k, v in cells.items() if k != "seq"):
            blank_run += 1
            if blank_run > MAX_BLANK_RUN:
                if notes is not None:
                    notes.append(_("第 %(a)s 行起连续 %(n)s 行为空，其后的行没有读取。") % {
                        "a": start + offset - MAX_BLANK_RUN, "n": MAX_BLANK_RUN})
                break
            continue
        blank_run = 0
        rows.append((start + offset, cells))
        if len(rows) > max_rows:
            raise SpreadsheetError(_("数据超过 %(max)s 行，请拆分成几个文件分别导入。") % {"max": max_rows})
        if progress is not None and len(rows) % 500 == 0:
            progress(len(rows))
    return rows


def estimated_rows(workbook, layout: Layout) -> int:
    """The row count the sheet's dimension claims (may be missing or wrong; for progress only)."""
    worksheet = workbook[layout.sheet_title]
    try:
        return max(0, min((worksheet.max_row or 0) - layout.header_row, limit("MAX_ROWS")))
    except (TypeError, ValueError):
        return 0


_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]{1,3}[0-9]{1,7}(?::[A-Z]{1,3}[0-9]{1,7})?)\"")


def merged_ranges(fileobj, workbook, layout: Layout) -> list[tuple[int, int, int, int]]:
    """Merged ranges of the form's sheet as (min_col, min_row, max_col, max_row).

    openpyxl's read-only mode does not report merged cells, so the sheet's XML is streamed
    once more and only the <mergeCells> part after the data is looked at.
    """
    path = getattr(workbook[layout.sheet_title], "_worksheet_path", None)
    if not path:
        return []
    fileobj.seek(0)
    tail = bytearray()
    carry = b""
    seen = False
    with zipfile.ZipFile(fileobj) as archive, archive.open(path) as stream:
        while chunk := stream.read(MB):
            if seen:
                tail += chunk
                continue
            buffer = carry + chunk
            found = buffer.find(b"mergeCells")
            if found >= 0:
                seen = True
                tail += buffer[found:]
            else:
                carry = buffer[-32:]
    fileobj.seek(0)
    ranges = []
    for ref in _MERGE_REF.findall(bytes(tail))[:MAX_MERGED_RANGES]:
        min_col, min_row, max_col, max_row = range_boundaries(ref.decode())
        if max_row > layout.header_row and (min_col, min_row) != (max_col, max_row):
            ranges.append((min_col, min_row, max_col, max_row))
    return ranges
