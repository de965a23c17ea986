"""The project's template tags: dictionary lookup and dates written the way the page's
language writes them.

Dates: Chinese pages read "8月23日 周日 14:00", English pages "Sun 23 Aug, 14:00" (no
"8月23日" in English, no month abbreviations in Chinese). One rule for the year, everywhere:
a date leaves out its year only when it lies in the current year; `full_day` (deadlines,
campaign headers) always carries it. So "07-31 已截止" of a past year reads "2020年7月31日".

    {% load sciweek %}
    {{ activity.starts_on|day }}            8月23日 · 23 Aug (2020年8月23日 · 23 Aug 2020 in 2026)
    {{ deadline.due_on|full_day }}          2026年7月31日 · 31 Jul 2026
    {{ day|week_day }}                      周日 · Sun
    {{ day|day_week }}                      8月23日 周日 · Sun 23 Aug
    {{ day|day_week:"no_year" }}            the same, never with the year (the calendar's days,
                                            under a heading that gives it)
    {{ session.starts_at|day_time }}        8月23日 14:00 · 23 Aug, 14:00
    {{ session.starts_at|full_day_time }}   2026年8月23日 14:00 · 23 Aug 2026, 14:00
    {% day_range a.starts_on a.ends_on %}   8月23日—29日 · 23–29 Aug
"""
from datetime import date, datetime

from django import template
from django.conf import settings
from django.utils import dateformat, timezone
from django.utils.translation import get_language

register = template.Library()


@register.filter
def get_item(mapping, key):
    """{{ labels|get_item:key }} — look up a dict entry by a variable key."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


# --- dates in the page's language ------------------------------------------------------

ZH_WEEKDAYS = "一二三四五六日"

# Django format strings per language family. English month and weekday names come from
# Django's own English names ("Aug", "Sun"); Chinese needs none (numbers and 周X).
FORMATS = {
    "zh": {"day": "n月j日", "day_year": "Y年n月j日", "time": "H:i", "sep": " ", "range": "—"},
    "en": {"day": "j M", "day_year": "j M Y", "time": "H:i", "sep": ", ", "range": "–"},
}


def _chinese() -> bool:
    return (get_language() or "zh-hans").lower().startswith("zh")


def _formats() -> dict:
    return FORMATS["zh" if _chinese() else "en"]


def _local(value):
    """Aware datetimes in the current time zone (the `date` filter does the same)."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _is_date(value) -> bool:
    return isinstance(value, date)


def _needs_year(*values) -> bool:
    this_year = timezone.localdate().year
    return any(v.year != this_year for v in values if _is_date(v))


def _format(value, fmt: str) -> str:
    return dateformat.format(value, fmt)


def format_day(value, year: bool | None = None) -> str:
    """8月23日 / 23 Aug; with the year when `year` is True, or (None) when not this year."""
    if not _is_date(value):
        return ""
    value = _local(value)
    with_year = _needs_year(value) if year is None else year
    return _format(value, _formats()["day_year" if with_year else "day"])


def format_week_day(value) -> str:
    if not _is_date(value):
        return ""
    value = _local(value)
    return f"周{ZH_WEEKDAYS[value.weekday()]}" if _chinese() else _format(value, "D")


def format_day_time(value, year: bool | None = None) -> str:
    if not isinstance(value, datetime):
        return format_day(value, year)
    value = _local(value)
    f = _formats()
    return f"{format_day(value, year)}{f['sep']}{_format(value, f['time'])}"


YEAR_MODES = {"": None, "year": True, "no_year": False}


def _year_mode(arg) -> bool | None:
    """A filter's optional argument: "year" (always), "no_year" (never: only where the year
    is written right beside, as in the calendar's heading), else the rule."""
    return YEAR_MODES.get(arg or "", None)


@register.filter(expects_localtime=True)
def day(value, arg=""):
    """The date without its year when it lies in the current year: 8月23日 / 23 Aug."""
    return format_day(value, _year_mode(arg))


@register.filter(expects_localtime=True)
def full_day(value):
    """The date with its year, always (deadlines, campaign dates): 2020年7月31日 / 31 Jul 2020."""
    return format_day(value, year=True)


@register.filter(expects_localtime=True)
def week_day(value):
    """周日 / Sun."""
    return format_week_day(value)


@register.filter(expects_localtime=True)
def day_week(value, arg=""):
    """8月23日 周日 / Sun 23 Aug (the year as in `day`, and the same argument)."""
    if not _is_date(value):
        return ""
    year = _year_mode(arg)
    if _chinese():
        return f"{format_day(value, year)} {format_week_day(value)}"
    return f"{format_week_day(value)} {format_day(value, year)}"


@register.filter(expects_localtime=True)
def day_time(value):
    """8月23日 14:00 / 23 Aug, 14:00 (the year as in `day`)."""
    return format_day_time(value)


@register.filter(expects_localtime=True)
def full_day_time(value):
    """2020年8月23日 14:00 / 23 Aug 2020, 14:00."""
    return format_day_time(value, year=True)


@register.simple_tag
def day_range(start, end=None, year=None):
    """From one day to another, the shared parts written once: 8月23日—29日 / 23–29 Aug;
    8月30日—9月2日 / 30 Aug – 2 Sep. `year=True` always writes the year, else it appears
    when either end lies outside the current year."""
    if not _is_date(start):
        return ""
    start = _local(start)
    end = _local(end) if _is_date(end) else None
    if end is None or end == start:
        return format_day(start, year)
    with_year = _needs_year(start, end) if year is None else bool(year)
    f = _formats()
    if _chinese():
        if with_year and start.year != end.year:
            tail = _format(end, "Y年n月j日")
        elif start.month != end.month or start.year != end.year:
            tail = _format(end, "n月j日")
        else:
            tail = _format(end, "j日")
        return f"{format_day(start, with_year)}{f['range']}{tail}"
    if start.year != end.year:
        return f"{format_day(start, True)} – {format_day(end, True)}"
    tail = _format(end, "j M Y" if with_year else "j M")
    if start.month != end.month:
        return f"{_format(start, 'j M')} – {tail}"
    return f"{_format(start, 'j')}{f['range']}{tail}"


# --- the language menu -----------------------------------------------------------------

# Each language named in its own language, with its BCP 47 tag for the option's lang=
# (a reader who does not read the page's language still finds their own).
LANGUAGE_NAMES = {"zh-hans": ("中文", "zh-Hans"), "en": ("English", "en")}


@register.simple_tag
def language_choices() -> list[dict]:
    return [{"code": code, "name": LANGUAGE_NAMES.get(code, (str(name), code))[0],
             "tag": LANGUAGE_NAMES.get(code, (str(name), code))[1]} for code, name in settings.LANGUAGES]
