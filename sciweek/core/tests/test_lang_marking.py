"""Chinese data on English pages is marked as Chinese (WCAG 3.1.2), and links that open a new
window say so (WCAG 3.2.5).

The data (titles, organizations, places, descriptions, news) is written in Chinese whatever
the interface language; a screen reader reading an English page in an English voice spells
Chinese out character by character, or skips it, unless the text carries lang="zh-CN".
"""
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from sciweek.core.templatetags.sciweek import CJK

SCIWEEK = Path(__file__).resolve().parents[2]


def render(source: str, language: str, **context) -> str:
    with translation.override(language):
        return Template("{% load sciweek %}" + source).render(Context(context))


# --- the zh filter and data_lang_attr ---------------------------------------------------

def test_chinese_page_leaves_chinese_data_alone():
    assert render("{{ t|zh }}", "zh-hans", t="疫情防控科普展") == "疫情防控科普展"


def test_english_page_wraps_chinese_data():
    assert render("{{ t|zh }}", "en", t="疫情防控科普展") == '<span lang="zh-CN">疫情防控科普展</span>'
    # Fullwidth punctuation alone is Chinese text too (a name such as "（筹）").
    assert render("{{ t|zh }}", "en", t="（筹）") == '<span lang="zh-CN">（筹）</span>'


def test_english_data_on_english_page_is_unchanged():
    assert render("{{ t|zh }}", "en", t="Open Day 2020") == "Open Day 2020"
    assert render("{{ t|zh|default:'—' }}", "en", t="") == "—"
    assert render("{{ n|zh }}", "en", n=42) == "42"


def test_html_in_the_data_is_escaped_never_trusted():
    hostile = '<script>alert("科普")</script>'
    wrapped = render("{{ t|zh }}", "en", t=hostile)
    assert wrapped == '<span lang="zh-CN">&lt;script&gt;alert(&quot;科普&quot;)&lt;/script&gt;</span>'
    # Unchanged values are still autoescaped as usual.
    assert render("{{ t|zh }}", "en", t="<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert render("{{ t|zh }}", "zh-hans", t="<b>科普</b>") == "&lt;b&gt;科普&lt;/b&gt;"


def test_already_safe_markup_is_wrapped_not_escaped_twice():
    assert render("{{ t|linebreaksbr|zh }}", "en", t="第一行\n<第二行>") == \
        '<span lang="zh-CN">第一行<br>&lt;第二行&gt;</span>'


def test_data_inside_a_translated_sentence():
    assert render("{% load i18n %}{% blocktranslate with name=n|zh %}{{ name }} Science Week{% endblocktranslate %}",
                  "en", n="河北省") == '<span lang="zh-CN">河北省</span> Science Week'


def test_data_lang_attr_only_on_pages_in_another_language():
    assert render("<p{% data_lang_attr %}>", "en") == '<p lang="zh-CN">'
    assert render("<p{% data_lang_attr %}>", "zh-hans") == "<p>"
    assert render("<option{% data_lang_attr n %}>", "en", n="石家庄市") == '<option lang="zh-CN">'
    assert render("<option{% data_lang_attr n %}>", "en", n="Shijiazhuang") == "<option>"
    assert render("<option{% data_lang_attr a b %}>", "en", a="Area", b="河北省") == '<option lang="zh-CN">'


def test_cjk_covers_ideographs_and_chinese_punctuation_only():
    for text in ("中", "㐀", "。", "，", "、", "《", "𠀀"):
        assert CJK.search(text), text
    for text in ("abc", "café", "—", "·", "2020-08-23"):
        assert not CJK.search(text), text


# --- English pages: every piece of Chinese text sits in an element marked Chinese ----------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class ChineseOutsideZh(HTMLParser):
    """Collects text nodes holding Chinese whose nearest lang= is not Chinese. <title> and
    <script> are left out: a title cannot hold markup, and scripts are not read."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.unmarked: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if not CJK.search(data) or any(tag in ("title", "script", "style") for tag, _ in self.stack):
            return
        langs = [lang for _tag, lang in self.stack if lang]
        if not (langs and langs[-1].lower().startswith("zh")):
            self.unmarked.append(f"<{'><'.join(t for t, _ in self.stack[-3:])}> {data.strip()[:60]}")


def unmarked_chinese(html: str) -> list[str]:
    parser = ChineseOutsideZh()
    parser.feed(html)
    return parser.unmarked


def test_the_checker_finds_unmarked_chinese():
    page = '<html lang="en"><title>河北</title><p>Host: 河北省科协 <span lang="zh-CN">石家庄</span></p></html>'
    assert unmarked_chinese(page) == ["<html><p> Host: 河北省科协"]


def english_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def public_pages(demo):
    from sciweek.activities.models import Activity
    from sciweek.campaigns.models import RegionalPlan
    from sciweek.news.models import NewsItem

    approved = Activity.objects.filter(campaign=demo, status="approved")
    online = approved.exclude(live_stream_url="").first()
    open_day = approved.filter(kind="open_day").first()
    news = NewsItem.objects.filter(campaign=demo, status="published").first()
    plan = RegionalPlan.objects.filter(campaign=demo).first()
    return [
        reverse("portal:home"),
        reverse("portal:region", args=[2020, plan.organization_id]),
        reverse("activities:catalog", args=[2020]),
        reverse("activities:catalog", args=[2020]) + "?p=130000",
        reverse("activities:activity", args=[2020, online.pk]),
        reverse("activities:activity", args=[2020, open_day.pk]),
        reverse("activities:calendar", args=[2020]),
        reverse("activities:map", args=[2020]),
        reverse("activities:online", args=[2020]),
        reverse("activities:online", args=[2020]) + "?channel=exhibition",
        reverse("news:feed", args=[2020]),
        reverse("news:detail", args=[2020, news.pk]),
        *contest_pages(demo),
    ]


def contest_pages(demo):
    """2020's contests: the list, a finished contest, its prize list and a winning entry."""
    from sciweek.contests.models import Award, Contest

    final = Contest.objects.filter(campaign=demo, status=Contest.Status.FINAL).order_by("id").first()
    award = Award.objects.filter(contest=final).select_related("entry").order_by("rank", "id").first()
    return [reverse("contests:list", args=[2020]), reverse("contests:detail", args=[2020, final.slug]),
            reverse("contests:results", args=[2020, final.slug]),
            reverse("contests:entry", args=[2020, final.slug, award.entry.number])]


@pytest.mark.django_db
def test_english_public_pages_mark_every_chinese_text(client, reference_year):
    english_client(client)
    problems = {}
    for url in public_pages(reference_year):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="en"' in html, url
        if found := unmarked_chinese(html):
            problems[url] = found[:5]
    assert not problems, problems


@pytest.mark.django_db
def test_english_personal_pages_mark_every_chinese_text(client, demo):
    """A person's own pages: the ticket (activity, venue, group), their bookings, their data."""
    from sciweek.reservations import services
    from sciweek.reservations.tests.helpers import open_session, person

    someone = person(401)
    someone.public_profile.name = "王老师"
    someone.public_profile.save()
    reservation = services.reserve(open_session(capacity=10, max_group_size=5), someone, seats=3,
                                   group_name="实验小学三年级")
    client.force_login(someone, backend="django.contrib.auth.backends.ModelBackend")
    english_client(client)
    problems = {}
    for url in (reverse("reservations:ticket", args=[reservation.code]), reverse("reservations:mine"),
                reverse("participants:my_data")):
        html = client.get(url).content.decode()
        assert '<html lang="en"' in html, url
        if found := unmarked_chinese(html):
            problems[url] = found[:5]
    assert not problems, problems
    ticket = client.get(reverse("reservations:ticket", args=[reservation.code])).content.decode()
    assert '<span lang="zh-CN">实验小学三年级</span>' in ticket


@pytest.mark.django_db
def test_english_console_pages_mark_every_chinese_text(client, reference_year):
    """The main console pages (the forms' own widgets are not covered here: a widget renders
    its options and values itself)."""
    from sciweek.accounts.models import User
    from sciweek.activities.models import Activity, Session
    from sciweek.conftest import sign_in
    from sciweek.organizations.models import Organization

    filer_org = User.objects.get(username="sjz-filer").memberships.first().organization
    mine = Activity.objects.filter(campaign=reference_year, organization__path__startswith=filer_org.path)
    session = Session.objects.filter(activity__organization__path__startswith=filer_org.path,
                                     activity__status="approved").first()
    hebei = Organization.objects.get(name="河北省")
    pages = {
        "hebei-admin": [reverse("console:home"), reverse("organizations:organization_list"),
                        reverse("organizations:organization_detail", args=[hebei.pk]),
                        reverse("accounts:audit_log"), reverse("campaigns:campaign")],
        "sjz-filer": [reverse("console:home"), reverse("activities:filing_list"),
                      reverse("activities:filing_detail", args=[mine.filter(status="approved").first().pk]),
                      reverse("activities:notifications"), reverse("reservations:session_detail", args=[session.pk]),
                      reverse("reservations:check_in", args=[session.pk])],
        "sjz-reviewer": [reverse("console:home"), reverse("activities:review_inbox")],
    }
    problems = {}
    for username, urls in pages.items():
        client.logout()
        sign_in(client, username)
        english_client(client)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (username, url)
            if found := unmarked_chinese(response.content.decode()):
                problems[f"{username} {url}"] = found[:5]
    assert not problems, problems


@pytest.mark.django_db
def test_chinese_pages_carry_no_extra_markup(client, reference_year):
    for url in public_pages(reference_year):
        html = client.get(url).content.decode()
        assert 'lang="zh-CN">' in html[:400], url  # the page itself is Chinese
        assert '<span lang="zh-CN">' not in html and '<p lang="zh-CN"' not in html, url
        assert not re.search(r'<(option|div)[^>]* lang="zh-CN"', html), url


@pytest.mark.django_db
def test_english_activity_page_marks_title_hosts_and_description(client, demo):
    from sciweek.activities.models import Activity

    activity = Activity.objects.filter(campaign=demo, status="approved").exclude(live_stream_url="").first()
    html = english_client(client).get(reverse("activities:activity", args=[2020, activity.pk])).content.decode()
    assert f'<h1><span lang="zh-CN">{activity.title}</span></h1>' in html
    assert f'<dd><span lang="zh-CN">{activity.hosts_display}</span></dd>' in html


@pytest.mark.django_db
def test_english_catalog_options_name_their_language(client, demo):
    html = english_client(client).get(reverse("activities:catalog", args=[2020])).content.decode()
    assert re.search(r'<option value="130000"[^>]* lang="zh-CN">河北省</option>', html)


# --- links that open a new window ------------------------------------------------------

def template_files() -> list[Path]:
    return sorted(p for p in SCIWEEK.rglob("templates/**/*.html") if ".venv" not in p.parts)


# An opening <a …> tag: template tags inside it may hold ">" (`{% if n > 1 %}`).
ANCHOR = re.compile(r"<a\b((?:\{%.*?%\}|\{\{.*?\}\}|[^>])*)>(.*?)</a>", re.S | re.I)
BLANK = re.compile(r"""target\s*=\s*["']?_blank""", re.I)
NOTE = "{% new_window_note %}"


def links_without_note(source: str) -> list[str]:
    """Every `target="_blank"` in a template must sit on an <a> whose content ends with
    {% new_window_note %} (also a target on a form or an area, which could not say so)."""
    problems, covered = [], 0
    for match in ANCHOR.finditer(source):
        attributes, content = match.groups()
        if BLANK.search(attributes):
            covered += 1
            if not content.rstrip().endswith(NOTE):
                problems.append(match.group(0)[:120])
    if len(BLANK.findall(source)) > covered:
        problems.append("target=_blank outside an <a> link")
    return problems


def test_the_link_scanner_finds_a_silent_new_window():
    assert links_without_note('<a href="x" target="_blank">直播</a>')
    assert links_without_note('<a href="x" target="_blank">{% new_window_note %} 直播</a>')
    assert links_without_note('<form target="_blank"></form>')
    assert not links_without_note('<a href="{{ u }}"{% if n > 1 %} class="b"{% endif %} target="_blank">'
                                  '{% translate "直播" %}{% new_window_note %}</a>')
    assert not links_without_note('<a href="/x">内部链接</a>')


def test_every_new_window_link_in_the_templates_says_so():
    files = template_files()
    assert len(files) > 50
    problems = {str(p.relative_to(SCIWEEK)): found for p in files
                if (found := links_without_note(p.read_text(encoding="utf-8")))}
    assert not problems, problems
    assert sum(bool(BLANK.search(p.read_text(encoding="utf-8"))) for p in files) >= 2  # the scan sees them


def test_new_window_note_is_visible_and_translated():
    zh = render("{% new_window_note %}", "zh-hans")
    assert zh == '<span class="new-window">（新窗口）</span>'
    en = render("{% new_window_note %}", "en")
    assert en == '<span class="new-window"> (opens in a new window)</span>'


@pytest.mark.django_db
def test_activity_and_online_pages_say_new_window(client, demo):
    from sciweek.activities.models import Activity

    activity = Activity.objects.filter(campaign=demo, status="approved").exclude(live_stream_url="").first()
    for url in (reverse("activities:activity", args=[2020, activity.pk]), reverse("activities:online", args=[2020])):
        html = client.get(url).content.decode()
        links = re.findall(r'<a [^>]*target="_blank"[^>]*>(.*?)</a>', html, re.S)
        assert links, url
        assert all(link.endswith('<span class="new-window">（新窗口）</span>') for link in links), url
