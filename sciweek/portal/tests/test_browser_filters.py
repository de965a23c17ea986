"""Issue 9 in a real browser: changing the catalog's filters again and again keeps each
parameter once in the address; the calendar filters by region and its days lead into the
catalog with the region kept; an English activity page and calendar write English dates."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from sciweek.browser import DESKTOP, PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHINESE_DATE = re.compile(r"\d{1,2}月\d{1,2}日|周[一二三四五六日]")


def params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def assert_each_once(url: str):
    assert all(len(v) == 1 for v in params(url).values()), url


def test_filters_keep_the_address_clean_and_travel_to_the_calendar(live_server, demo, page_factory):
    from playwright.sync_api import expect

    base = live_server.url
    page = page_factory(DESKTOP)

    page.goto(f"{base}/2020/activities/")

    def settle(response):
        """Wait for htmx to swap the page, push the address it was given and settle (it hooks
        up the new form after the swap: a change faster than any person would be lost)."""
        page.wait_for_url(base + response.value.headers["hx-push-url"])
        expect(page.locator(".htmx-request, .htmx-settling, .htmx-swapping, .htmx-added")).to_have_count(0)

    def choose(label: str, option: str):
        with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true") as response:
            page.get_by_label(label).select_option(label=option)
        settle(response)

    choose("省份", "河北省")
    page.get_by_text("共 629 项活动").wait_for()
    choose("城市", "石家庄市")
    choose("形式", "线上")
    choose("排序", "按名称")
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true") as response:
        page.get_by_label("省份").dispatch_event("change")  # the same choice again
    settle(response)
    for _ in range(3):  # more changes: the address must not grow
        choose("形式", "线下")
        assert params(page.url)["format"] == ["onsite"]
        choose("形式", "线上")
        assert_each_once(page.url)
    assert params(page.url) == {"p": ["130000"], "c": ["130100"], "format": ["online"], "sort": ["title"]}
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true") as response:
        page.locator("nav.pagination a").last.click()  # next page
    settle(response)
    assert params(page.url)["page"] == ["2"]
    assert_each_once(page.url)
    choose("省份", "北京市")  # back to page 1, Hebei's city dropped
    assert_each_once(page.url)
    assert params(page.url) == {"p": ["110000"], "format": ["online"], "sort": ["title"]}
    page.go_back()  # history entries are the canonical addresses
    page.wait_for_url(re.compile(r".*page=2.*"))
    assert_each_once(page.url)

    # The calendar: filtered to Hebei from its own form, every day leads into Hebei's catalog.
    page.goto(f"{base}/2020/calendar/")
    everywhere = int(page.locator(".calendar .day .n").first.inner_text())
    choose("省份", "河北省")
    page.wait_for_url(re.compile(r".*p=130000.*"))
    page.get_by_role("heading", name=re.compile("河北省")).first.wait_for()
    hebei = int(page.locator(".calendar .day .n").first.inner_text())
    assert 0 < hebei < everywhere
    assert_each_once(page.url)
    screenshot(page, "calendar-hebei-desktop")
    page.get_by_role("link", name="下一周").click()
    page.wait_for_url(re.compile(r".*day=2020-08-30.*"))
    assert params(page.url)["p"] == ["130000"]
    page.get_by_role("link", name="上一周").click()
    page.wait_for_url(re.compile(r".*day=2020-08-23.*"))
    page.get_by_role("link", name=re.compile("8月25日")).first.click()
    page.wait_for_url(re.compile(r".*/2020/activities/\?.*"))
    assert params(page.url)["p"] == ["130000"] and params(page.url)["day"] == ["2020-08-25"]
    assert "河北省" in page.inner_text("#catalog")

    # A phone, in English: dates and punctuation follow the language.
    phone = page_factory(PHONE)
    phone.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    phone.goto(f"{base}/2020/calendar/?p=130000")
    text = phone.inner_text("main")
    assert "23 Aug 2020" in text and "Sun 23 Aug" in text and not CHINESE_DATE.search(text)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(phone, "calendar-hebei-phone-en")
    phone.goto(f"{base}/2020/activities/?q=开放日&p=130000")
    phone.locator("ul.results li a").first.click()
    phone.get_by_text("Sessions").wait_for()
    body = phone.inner_text("main")
    assert "Aug 2020" in body and not CHINESE_DATE.search(body) and not re.search(r"[A-Za-z][：（、]", body)
    assert phone.locator('option[lang="zh-Hans"]').inner_text() == "中文"
    screenshot(phone, "activity-phone-en")
