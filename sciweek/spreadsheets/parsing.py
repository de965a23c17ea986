"""Cell values as officials type them -> Python values, with a plain-Chinese reason when not.

Every parser takes the raw cell value (str, int, float, datetime, None) and returns the
parsed value or raises CellError. None of them touches the database. Whether a value is
acceptable for a filing (a phone number, a session's times, …) is activities.rules' call.
"""
import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from sciweek.activities import rules

EXCEL_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!",
                "#CALC!"}
TRUE_WORDS = {"是", "√", "✓", "y", "yes", "true", "1", "有"}
FALSE_WORDS = {"否", "×", "✗", "n", "no", "false", "0", "无"}
_SPACES = re.compile(r"[\s\u3000]+")
_FULLWIDTH = str.maketrans("０１２３４５６７８９：．，－／（）", "0123456789:.,-/()")


class CellError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


quoted = rules.quoted  # “value”, shortened: one spelling for every message


def check_not_error(value) -> None:
    if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
        raise CellError(_("单元格是错误值 %(v)s，请填写实际内容") % {"v": value.strip()})


def text(value, max_length: int | None = None) -> str:
    """Any cell as text: integral numbers without ".0", dates as YYYY-MM-DD, formulas as written."""
    if value is None:
        return ""
    check_not_error(value)
    if isinstance(value, bool):
        result = _("是") if value else _("否")
    elif isinstance(value, float) and value.is_integer():
        result = str(int(value))
    elif isinstance(value, datetime):
        result = value.strftime("%Y-%m-%d %H:%M") if value.time() != time(0) else value.strftime("%Y-%m-%d")
    elif isinstance(value, date):
        result = value.isoformat()
    else:
        result = str(value)
    result = result.replace("\r\n", "\n").strip()
    if max_length is not None and len(result) > max_length:
        raise CellError(_("不能超过 %(max)s 个字（现有 %(n)s 个字）") % {"max": max_length, "n": len(result)})
    return result


def _looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.strip().startswith("=")


def integer(value) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    check_not_error(value)
    if isinstance(value, bool):
        raise CellError(_("应填写整数，不是%(v)s") % {"v": quoted(value)})
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("应填写整数，不是 %(v)s") % {"v": value})
        number = int(value)
    else:
        if _looks_like_formula(value):
            raise CellError(_("不能使用公式 %(v)s，请直接填写数值") % {"v": quoted(value)})
        cleaned = str(value).translate(_FULLWIDTH).strip().replace(",", "")
        cleaned = re.sub(r"(人次|人|个|场|名|位)$", "", cleaned).strip()
        if not re.fullmatch(r"-?\d+", cleaned):
            raise CellError(_("无法识别的整数%(v)s") % {"v": quoted(value)})
        number = int(cleaned)
    if number < 0:
        raise CellError(_("不能是负数"))
    if number > 2_147_483_647:
        raise CellError(_("数值过大"))
    return number


def decimal(value, max_digits: int = 10, places: int = 2) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    check_not_error(value)
    if _looks_like_formula(value):
        raise CellError(_("不能使用公式 %(v)s，请直接填写数值") % {"v": quoted(value)})
    if isinstance(value, bool):
        raise CellError(_("无法识别的数值%(v)s") % {"v": quoted(value)})
    raw = str(value).translate(_FULLWIDTH).strip().replace(",", "")
    raw = re.sub(r"(万元|万)$", "", raw).strip()
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise CellError(_("无法识别的数值%(v)s") % {"v": quoted(value)}) from None
    if not number.is_finite():
        raise CellError(_("无法识别的数值%(v)s") % {"v": quoted(value)})
    if number < 0:
        raise CellError(_("不能是负数"))
    number = number.quantize(Decimal(1).scaleb(-places))
    if number >= Decimal(10) ** (max_digits - places):
        raise CellError(_("数值过大"))
    return number


_DATE_PATTERNS = [
    re.compile(r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
    re.compile(r"^(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?$"),
]


def a_date(value, default_year: int) -> date | None:
    """Date cells, Excel serial numbers, and text such as 2020-08-23, 2020/8/23, 2020年8月23日, 8月23日."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    check_not_error(value)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # an Excel serial date in a cell without a date format
            return from_excel(value).date()
        if 19000101 <= value <= 21001231 and float(value).is_integer():
            value = str(int(value))
        else:
            raise CellError(_("无法识别的日期%(v)s") % {"v": quoted(value)})
    raw = str(value).translate(_FULLWIDTH).strip()
    if _looks_like_formula(raw):
        raise CellError(_("不能使用公式 %(v)s，请直接填写日期，如 2020-08-23") % {"v": quoted(raw)})
    raw = re.sub(r"[（(].*?[）)]$", "", raw).strip()  # "2020-08-23（周日）"
    for pattern in _DATE_PATTERNS:
        match = pattern.match(raw)
        if match:
            parts = match.groupdict()
            try:
                return date(int(parts.get("y") or default_year), int(parts["m"]), int(parts["d"]))
            except ValueError:
                break
    raise CellError(_("无法识别的日期%(v)s，请写成 2020-08-23 的形式") % {"v": quoted(value)})


def boolean(value) -> bool | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    check_not_error(value)
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(_("请填写“是”或“否”，不是%(v)s") % {"v": quoted(value)})


def choice(value, labels: dict[str, str], shown: list[str]) -> str | None:
    """labels: accepted spelling (already normalized) -> stored value; shown: the options to name."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    check_not_error(value)
    word = _SPACES.sub("", str(value))
    if word in labels:
        return labels[word]
    raise CellError(_("%(v)s不是可选的值（可选：%(choices)s）") % {"v": quoted(value), "choices": "、".join(shown)})


def url(value) -> str:
    result = text(value, 200)
    if not result:
        return ""
    if "://" not in result:
        result = "https://" + result
    try:
        URLValidator(schemes=["http", "https"])(result)
    except ValidationError:
        raise CellError(_("无法识别的网址%(v)s") % {"v": quoted(value)}) from None
    return result


def email(value) -> str:
    result = text(value, 254)
    if result:
        try:
            EmailValidator()(result)
        except ValidationError:
            raise CellError(_("无法识别的电子邮箱%(v)s") % {"v": quoted(value)}) from None
    return result


def phone(value) -> str:
    """The number as text; whether it is a phone number is rules.phone_error's call."""
    return rules.normalize_phone(text(value, 32))


_SESSION = re.compile(
    r"^(?:(?P<y>\d{4})\s*[-/.年]\s*)?(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?\s*"
    r"(?P<h1>\d{1,2})[:：](?P<m1>\d{2})\s*(?:[-~～—–至到]+|—+)\s*(?P<h2>\d{1,2})[:：](?P<m2>\d{2})"
    r"\s*(?:[（(]\s*(?P<cap>\d+)\s*人?\s*[）)])?$"
)
_SESSION_SPLIT = re.compile(r"[；;\n]+")


def sessions(value, default_year: int) -> list[tuple[date, time, time, int | None]]:
    """'2020-08-23 09:30-11:30；8月24日 14:00-16:00（30人）' -> [(day, start, end, capacity or None)]."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return []
    check_not_error(value)
    if isinstance(value, datetime | date):
        raise CellError(_("请写成“2020-08-23 09:30-11:30”的形式（日期、开始和结束时间）"))
    result = []
    for part in _SESSION_SPLIT.split(str(value).translate(_FULLWIDTH)):
        part = part.strip()
        if not part:
            continue
        match = _SESSION.match(part)
        if not match:
            raise CellError(_("无法识别的场次%(v)s，请写成“2020-08-23 09:30-11:30”") % {"v": quoted(part)})
        g = match.groupdict()
        try:
            day = date(int(g["y"] or default_year), int(g["m"]), int(g["d"]))
            start = time(int(g["h1"]), int(g["m1"]))
            end = time(int(g["h2"]), int(g["m2"]))
        except ValueError:
            raise CellError(_("场次%(v)s中的日期或时间不存在") % {"v": quoted(part)}) from None
        result.append((day, start, end, int(g["cap"]) if g["cap"] else None))
        if len(result) > 100:
            raise CellError(_("场次过多（最多 100 场）"))
    return result


def session_text(day: date, start: time, end: time, capacity: int | None = None) -> str:
    base = f"{day:%Y-%m-%d} {start:%H:%M}-{end:%H:%M}"
    return f"{base}（{capacity}人）" if capacity is not None else base

