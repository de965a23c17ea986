"""The project's template tags: dictionary lookup, dates written the way the page's
language writes them, Chinese data marked as Chinese on other pages, and the new-window note.

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

Language (WCAG 3.1.2): the data (titles, names, descriptions, venues) is written in Chinese,
the interface may be English. Data rendered as text goes through `zh`; an element whose whole
content is data (an <option>, a description block) takes `data_lang_attr`:

    {{ activity.title|zh }}                 <span lang="zh-CN">…</span> on English pages only
    <p{% data_lang_attr %}>…</p>            lang="zh-CN" on English pages only
    <option{% data_lang_attr name %}>       the same, only when `name` holds Chinese
    {% blocktranslate with t=a.title|zh %}  data inside a translated sentence

Attributes (title=, alt=, value=, aria-label=) cannot hold a span: leave them.
A link with target="_blank" ends with {% new_window_note %}.
"""
import re
from datetime import date, datetime

from django import template
from django.conf import settings
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.translation import get_language, gettext

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


# --- Chinese data on pages in another language (WCAG 3.1.2) ----------------------------

# CJK punctuation (3000–303F), Extension A (3400–4DBF), Unified Ideographs (4E00–9FFF),
# compatibility ideographs (F900–FAFF), fullwidth forms (FF00–FFEF) and Extensions B–F.
CJK = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
                 "\U00020000-\U0002ebef]")
DATA_LANG = "zh-CN"


def _foreign_chinese(value) -> bool:
    """True when `value` holds Chinese and the page is not in Chinese: only then does a
    screen reader need to be told to switch voices."""
    return not _chinese() and value is not None and bool(CJK.search(str(value)))


@register.filter
def zh(value):
    """{{ activity.title|zh }} — the data is written in Chinese; on an English page it is
    wrapped in <span lang="zh-CN"> (escaped first: the data is never trusted as HTML).
    On a Chinese page, or for data without Chinese, the value is returned unchanged.
    For text content only: inside an attribute (title=, alt=, value=) a span is impossible."""
    if not _foreign_chinese(value):
        return value
    # format_html runs the value through conditional_escape: data arrives escaped, markup
    # already made safe upstream (|linebreaksbr) is kept as it is.
    return format_html('<span lang="{}">{}</span>', DATA_LANG, value)


@register.simple_tag
def data_lang_attr(*values):
    """<p{% data_lang_attr %}> — ` lang="zh-CN"` on a non-Chinese page, for an element whose
    whole content is data (a description, an <option> naming a region, where a span cannot
    go). With values, only when one of them holds Chinese: <option{% data_lang_attr name %}>."""
    if _chinese():
        return ""
    if values and not any(_foreign_chinese(v) for v in values):
        return ""
    return format_html(' lang="{}"', DATA_LANG)


# --- links that open a new window (WCAG 3.2.5, G201) ------------------------------------

@register.simple_tag
def new_window_note():
    """Inside every link with target="_blank", last: <a … target="_blank">…{% new_window_note %}</a>.
    Visible, not only for screen readers: a sighted user is warned too (styled by `.new-window`).
    A test fails on any target="_blank" link without it."""
    return format_html('<span class="new-window">{}</span>', gettext("（新窗口）"))
