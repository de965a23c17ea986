"""The English catalog: compiled, complete, placeholder-safe, and actually served.

The product is written in Chinese; English comes from sciweek/locale/en. When strings are
added, run `manage.py makemessages -l en ...`, translate, then `manage.py compilemessages`.
"""
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from sciweek.campaigns.selectors import current_campaign

LC_MESSAGES = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PO_FILE = LC_MESSAGES / "django.po"
MO_FILE = LC_MESSAGES / "django.mo"

# %(name)s-style placeholders, with optional conversion flags/width/precision (e.g. %(mb).1f).
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]")


def _unquote(line: str) -> str:
    body = line.strip()
    assert body.startswith('"') and body.endswith('"'), line
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body[1:-1])


def po_entries():
    """Active (non-obsolete) entries: dicts of msgid, msgid_plural, msgstr / msgstr[n], flags."""
    entries = []
    for block in PO_FILE.read_text(encoding="utf-8").split("\n\n"):
        entry, key, flags = {}, None, set()
        for line in block.splitlines():
            if line.startswith("#,"):
                flags.update(f.strip() for f in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[key] += _unquote(line)
            elif line.strip():
                key, value = line.split(" ", 1)
                entry[key] = _unquote(value)
        if "msgid" in entry:
            entry["flags"] = flags
            entries.append(entry)
    return entries


def translations(entry) -> list[str]:
    return [v for k, v in entry.items() if k == "msgstr" or k.startswith("msgstr[")]


def test_catalog_is_compiled_and_loaded():
    assert PO_FILE.exists(), "run makemessages -l en"
    assert MO_FILE.exists(), "run compilemessages"
    assert MO_FILE.stat().st_mtime >= PO_FILE.stat().st_mtime - 1, "django.mo is older than django.po: compilemessages"
    with translation.override("en"):
        assert translation.gettext("工作人员登录") == "Staff sign-in"
        assert translation.gettext("科技活动周") == "Science Week"
        assert translation.ngettext("共 %(n)s 项活动", "共 %(n)s 项活动", 1) % {"n": 1} == "1 activity"
        assert translation.ngettext("共 %(n)s 项活动", "共 %(n)s 项活动", 3) % {"n": 3} == "3 activities"
    with translation.override("zh-hans"):
        assert translation.gettext("工作人员登录") == "工作人员登录"


def test_header_declares_english_plurals():
    header = po_entries()[0]
    assert header["msgid"] == ""
    assert "Language: en\n" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header["msgstr"]


def test_every_entry_is_translated_and_not_fuzzy():
    entries = po_entries()[1:]
    assert len(entries) > 500
    untranslated = [e["msgid"] for e in entries if not all(translations(e))]
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"
    plural_entries = [e for e in entries if "msgid_plural" in e]
    assert plural_entries and all({"msgstr[0]", "msgstr[1]"} <= e.keys() for e in plural_entries)


def test_placeholders_and_line_breaks_are_kept():
    problems = []
    for entry in po_entries()[1:]:
        expected = sorted(PLACEHOLDER.findall(entry["msgid"]))
        percent_signs = entry["msgid"].count("%%")
        for text in translations(entry):
            if sorted(PLACEHOLDER.findall(text)) != expected:
                problems.append((entry["msgid"], text))
            if "python-format" in entry["flags"] and text.count("%%") != percent_signs:
                problems.append((entry["msgid"], text))
            if text.startswith("\n") != entry["msgid"].startswith("\n") or \
                    text.endswith("\n") != entry["msgid"].endswith("\n"):
                problems.append((entry["msgid"], text))
    assert not problems, problems[:10]


def test_compiled_catalog_matches_po():
    """Every .po entry is what Django serves in English (catches a stale django.mo)."""
    stale = []
    with translation.override("en"):
        for entry in po_entries()[1:]:
            if "msgctxt" in entry:
                continue
            if "msgid_plural" in entry:
                got = [translation.ngettext(entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
                want = [entry["msgstr[0]"], entry["msgstr[1]"]]
            else:
                got, want = translation.gettext(entry["msgid"]), entry["msgstr"]
            if got != want:
                stale.append(entry["msgid"])
    assert not stale, f"run compilemessages; stale: {stale[:10]}"


def test_excel_sheet_names_fit_in_english():
    """Translated strings that become worksheet names must stay within Excel's 31 characters."""
    sheet_names = ["重点项目备案表", "参与开放活动的科研机构和大学备案表", "活动统计", "省级重大科普活动",
                   "各市重点科普活动", "参与开放活动的科研机构和大学"]
    with translation.override("en"):
        names = [translation.gettext(name) for name in sheet_names]
    assert all(len(name) <= 31 and not set(name) & set("\\/?*[]:") for name in names), names
    assert len(set(names)) == len(names)


def test_spreadsheet_headers_stay_unambiguous_in_english():
    """An uploaded form may use English headers; no two columns may share one."""
    COLUMNS = pytest.importorskip("sciweek.spreadsheets.columns").COLUMNS

    for kind, columns in COLUMNS.items():
        owner = {}
        for column in columns:
            for header in column.headers():
                assert owner.setdefault(header, column.key) == column.key, (kind, header)


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["accept-language", "cookie"])
def test_home_page_in_english(client, demo, how):
    if how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.get("/")
    else:
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en"' in html
    for text in ("Staff sign-in", "Home", "Activities", "Skip to main content", "Flagship activities",
                 "Main-venue events", "Demo data", "SciWeek Science Week Platform"):
        assert text in html, text
    for text in ("工作人员登录", "跳到正文", "首页", "重大示范活动", "演示数据"):
        assert text not in html, text
    # Content is data, not UI: it stays as entered (the home shows the current campaign).
    assert demo.theme == "科技战疫 创新强国"
    assert current_campaign().theme in html


@pytest.mark.django_db
def test_home_page_stays_chinese_by_default(client, demo):
    html = client.get("/").content.decode()
    assert '<html lang="zh-CN"' in html
    assert "工作人员登录" in html and "Staff sign-in" not in html
    assert current_campaign().theme in html
