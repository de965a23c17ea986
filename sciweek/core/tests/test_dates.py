"""Dates follow the page's language, and a date leaves out its year only in the current year
(issue 9: "8月23日" on English pages; "07-31 已截止" without its year)."""
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import timezone, translation

from sciweek.core.templatetags import sciweek as tags

THIS_YEAR = timezone.localdate().year


def render(source: str, **context) -> str:
    return Template("{% load sciweek %}" + source).render(Context(context))


def _sunday_this_year() -> date:
    day = date(THIS_YEAR, 8, 23)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def test_day_filters_in_chinese():
    sunday = _sunday_this_year()
    at = timezone.make_aware(datetime(sunday.year, sunday.month, sunday.day, 14, 5))
    md = f"{sunday.month}月{sunday.day}日"
    with translation.override("zh-hans"):
        assert tags.day(sunday) == md
        assert tags.day(date(2020, 8, 23)) == "2020年8月23日"
        assert tags.week_day(sunday) == "周日"
        assert tags.day_week(sunday) == f"{md} 周日"
        assert tags.day_time(at) == f"{md} 14:05"
        assert tags.full_day_time(timezone.make_aware(datetime(2020, 8, 23, 14, 5))) == "2020年8月23日 14:05"


def test_day_filters_in_english():
    sunday = _sunday_this_year()
    at = timezone.make_aware(datetime(sunday.year, sunday.month, sunday.day, 14, 5))
    dm = f"{sunday.day} {sunday:%b}"
    with translation.override("en"):
        assert tags.day(sunday) == dm
        assert tags.day(date(2020, 8, 23)) == "23 Aug 2020"
        assert tags.week_day(sunday) == "Sun"
        assert tags.day_week(sunday) == f"Sun {dm}"
        assert tags.day_time(at) == f"{dm}, 14:05"
        assert tags.full_day_time(timezone.make_aware(datetime(2020, 8, 23, 14, 5))) == "23 Aug 2020, 14:05"


def test_the_year_is_left_out_only_in_the_current_year():
    with translation.override("zh-hans"):
        assert tags.day(date(THIS_YEAR, 7, 31)) == "7月31日"
        assert tags.day(date(THIS_YEAR - 1, 7, 31)) == f"{THIS_YEAR - 1}年7月31日"
        assert tags.full_day(date(THIS_YEAR, 7, 31)) == f"{THIS_YEAR}年7月31日"  # deadlines: always
    with translation.override("en"):
        assert tags.day(date(THIS_YEAR, 7, 31)) == "31 Jul"
        assert tags.full_day(date(THIS_YEAR, 7, 31)) == f"31 Jul {THIS_YEAR}"


def test_aware_datetimes_are_shown_in_the_local_zone():
    utc_evening = datetime(2020, 8, 23, 20, 0, tzinfo=timezone.get_fixed_timezone(0))
    with translation.override("zh-hans"):
        assert render("{{ t|day_time }}", t=utc_evening) == "2020年8月24日 04:00"  # Asia/Shanghai
        assert tags.day_time(utc_evening) == "2020年8月24日 04:00"


@pytest.mark.parametrize("start, end, zh, en", [
    (date(2020, 8, 23), date(2020, 8, 29), "2020年8月23日—29日", "23–29 Aug 2020"),
    (date(2020, 8, 30), date(2020, 9, 2), "2020年8月30日—9月2日", "30 Aug – 2 Sep 2020"),
    (date(2020, 12, 30), date(2021, 1, 2), "2020年12月30日—2021年1月2日", "30 Dec 2020 – 2 Jan 2021"),
    (date(2020, 8, 23), date(2020, 8, 23), "2020年8月23日", "23 Aug 2020"),
    (date(2020, 8, 23), None, "2020年8月23日", "23 Aug 2020"),
    (date(THIS_YEAR, 8, 23), date(THIS_YEAR, 8, 29), "8月23日—29日", "23–29 Aug"),
])
def test_day_range(start, end, zh, en):
    with translation.override("zh-hans"):
        assert render("{% day_range a b %}", a=start, b=end) == zh
    with translation.override("en"):
        assert render("{% day_range a b %}", a=start, b=end) == en
    with translation.override("en"):
        assert str(THIS_YEAR) in render("{% day_range a b year=True %}", a=date(THIS_YEAR, 8, 23), b=None)


def test_year_can_be_forced_either_way():
    with translation.override("zh-hans"):
        assert render('{{ d|day:"year" }} {{ d|day_week:"no_year" }}', d=date(THIS_YEAR, 7, 31)).startswith(
            f"{THIS_YEAR}年7月31日 7月31日 周")
        assert render('{{ d|day:"no_year" }}', d=date(2020, 7, 31)) == "7月31日"


def test_filters_ignore_empty_values():
    assert render("{{ x|day }}{{ x|full_day }}{{ x|day_time }}{{ x|week_day }}{% day_range x x %}", x=None) == ""
    assert render('{{ x|day|default:"—" }}', x="") == "—"


def test_language_menu_names_each_language_in_itself():
    with translation.override("zh-hans"):
        html = render("{% language_choices as c %}{% for l in c %}[{{ l.code }}|{{ l.tag }}|{{ l.name }}]{% endfor %}")
    assert html == "[zh-hans|zh-Hans|中文][en|en|English]"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_language_menu_on_a_page(client, demo, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get("/").content.decode()
    assert '<option value="en" lang="en"' in html and ">English</option>" in html
    assert '<option value="zh-hans" lang="zh-Hans"' in html and ">中文</option>" in html
    assert "英语" not in html  # Django's own name for English, in Chinese


TEMPLATES = Path(settings.BASE_DIR) / "templates"
CHINESE_DATE_FORMAT = re.compile(r"""\|date:["'][^"']*[年月日周][^"']*["']|\|date:["']m-d["']""")


def test_no_template_writes_a_chinese_or_yearless_date_format():
    """Dates go through the language-aware filters: no |date:"n月j日" (English pages would
    read 8月23日) and no |date:"m-d" (07-31 of which year?)."""
    found = [f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
             for path in TEMPLATES.rglob("*.html") for match in CHINESE_DATE_FORMAT.finditer(path.read_text("utf-8"))]
    assert not found, found


@pytest.mark.django_db
def test_console_deadlines_carry_their_year(staff_client, demo):
    """The deadlines card: "2020年7月31日 已截止", not "07-31 已截止"."""
    html = staff_client("hebei-admin").get("/console/").content.decode()
    assert "已截止" in html or "已过" in html or "还剩" in html
    assert not re.search(r">\d{2}-\d{2}<br>", html)
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日<br>", html)


CHINESE_DATE = re.compile(r"\d{1,2}月\d{1,2}日|周[一二三四五六日]|星期")
# A translated (English) word glued to Chinese punctuation: "Hosts：", "Theme：", "Science Week（".
GLUED_PUNCTUATION = re.compile(r"[A-Za-z0-9)][：，。（）；、」]|[：（、「][A-Za-z]")


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.django_db
def test_english_public_pages_write_dates_and_punctuation_in_english(client, demo, org):
    from django.urls import reverse

    from sciweek.activities.models import Activity

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    activity = Activity.objects.filter(campaign=demo, kind="open_day", status="approved").first()
    pages = [reverse("activities:catalog", args=[2020]), reverse("activities:activity", args=[2020, activity.pk]),
             reverse("activities:calendar", args=[2020]), reverse("activities:calendar", args=[2020]) + "?p=130000",
             reverse("activities:map", args=[2020]), reverse("activities:online", args=[2020]),
             reverse("portal:region", args=[2020, org("河北省").pk]), "/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        assert not CHINESE_DATE.search(text), (url, CHINESE_DATE.search(text).group(0))
        glued = GLUED_PUNCTUATION.search(text)
        assert not glued, (url, text[max(0, glued.start() - 40):glued.end() + 40])
    page = visible_text(client.get(pages[1]).content.decode())
    assert "23 Aug 2020" in page or "Aug 2020" in page
    calendar = visible_text(client.get(pages[2]).content.decode())
    assert "23 Aug 2020" in calendar and "Sun 23 Aug" in calendar  # the heading gives the year


@pytest.mark.django_db
def test_chinese_pages_keep_chinese_dates(client, demo):
    from django.urls import reverse

    calendar = client.get(reverse("activities:calendar", args=[2020])).content.decode()
    assert "2020年8月23日 起一周" in calendar and "8月23日 周日" in calendar
