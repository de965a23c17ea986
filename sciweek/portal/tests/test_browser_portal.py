"""Issue 4 in a real browser, on desktop and a 360-px phone: search 疫情, filter to 河北省 (629),
the calendar and the map lead into the filtered catalog, the iCal file parses."""
from pathlib import Path

import pytest
from icalendar import Calendar

from sciweek.browser import DESKTOP, PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("reference_year")]  # 2020 as the current campaign


@pytest.mark.parametrize("device,viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_search_filter_calendar_map_and_ical(live_server, reference_year, page_factory, device, viewport):
    base = live_server.url
    page = page_factory(viewport)

    page.goto(f"{base}/")
    page.get_by_label("搜索活动").fill("疫情")
    page.get_by_label("搜索活动").press("Enter")
    page.wait_for_url("**/2020/activities/?q=*")
    results = page.locator("ul.results li a").all_inner_texts()
    assert results and all("疫情" in title for title in results[:10])
    screenshot(page, f"catalog-search-{device}")

    page.goto(f"{base}/2020/activities/")
    page.get_by_label("省份").select_option(label="河北省")
    page.get_by_text("共 629 项活动").wait_for()
    assert page.get_by_label("城市").is_visible()  # the cascade offers Hebei's cities now
    assert "p=130000" in page.url
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, f"catalog-hebei-{device}")

    page.goto(f"{base}/2020/calendar/")
    page.get_by_role("link", name="8月25日", exact=False).first.click()
    page.wait_for_url("**/2020/activities/?day=2020-08-25*")
    assert "共" in page.inner_text("main")
    screenshot(page, f"calendar-to-catalog-{device}")

    page.goto(f"{base}/2020/map/")
    page.wait_for_function("document.querySelector('#china-map canvas') !== null")
    screenshot(page, f"map-{device}")
    page.get_by_role("link", name="河北省").click()
    page.get_by_text("共 629 项活动").wait_for()

    page.goto(f"{base}/2020/activities/?q=开放日&p=130000")
    page.locator("ul.results li a").filter(has_text="开放日").first.click()
    with page.expect_download() as download:
        page.get_by_role("link", name="加入日历").click()
    calendar = Calendar.from_ical(Path(download.value.path()).read_bytes())
    events = calendar.walk("VEVENT")
    assert events and str(events[0]["SUMMARY"]).endswith("开放日")
