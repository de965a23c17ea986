"""Issue 10's "done means" for reflow, large text and zoom: no page scrolls sideways or cuts
text off at 320 CSS px (WCAG 1.4.10), nor on a 360-px phone with the largest text (the
browser's default font at 32 px and the site's own 特大字), nor at 200 % zoom on a 360-px
phone (a 180-CSS-px layout); the type follows the reader's font size; the 大字 / 高对比度
switch works and is remembered."""
import pytest

from sciweek.a11y import Findings, axe_violations, bookable_session, console_pages, describe, public_pages
from sciweek.participants.models import Profile
from sciweek.reservations import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NARROW = {"width": 320, "height": 640}
PHONE_360 = {"width": 360, "height": 740}
ZOOM_200 = {"width": 180, "height": 370}  # a 360×740 phone at 200 %: half as many CSS px


def personal_pages(phone: str) -> list[tuple[str, str]]:
    """The pages of a signed-in citizen (`citizen_page(phone)`): a ticket booked for them, the
    booking page of another session, their reservations and data, the cancel question."""
    person = Profile.objects.get(phone=phone).user
    first = bookable_session()
    ticket = services.reserve(first, person)
    other = bookable_session(other_than=first)
    return [
        ("ticket", f"/my/reservations/{ticket.code}/"),
        ("booking", f"/book/{other.pk}/"),
        ("my reservations", "/my/reservations/"),
        ("my data", "/my/data/"),
        ("cancel confirmation", f"/my/reservations/{ticket.code}/cancel/"),
    ]


def walk(page, base, pages, found, label):
    for name, path in pages:
        page.goto(base + path)
        found.overflow(page, f"{label}: {name}")
        found.clipped(page, f"{label}: {name}")


def largest_text(context, page) -> None:
    """The browser's default font at 32 px, as Chrome's "very large" font setting gives,
    set on `page` through the DevTools protocol (it stays over navigations)."""
    cdp = context.new_cdp_session(page)
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})


def test_no_page_scrolls_sideways_at_320_css_px(live_server, demo, page_factory, citizen_page, staff_page, settings):
    settings.SMS_BACKEND = "sciweek.core.sms.LocmemSmsBackend"
    base, found = live_server.url, Findings()
    page = page_factory(NARROW)
    walk(page, base, public_pages(), found, "320 px")
    page.goto(f"{base}/signin/")
    page.get_by_label("手机号").fill("13712340003")
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_label("短信验证码").wait_for()
    found.overflow(page, "320 px: sign-in, code step")
    found.clipped(page, "320 px: sign-in, code step")

    page = citizen_page("13712340004", NARROW)
    walk(page, base, personal_pages("13712340004"), found, "320 px, signed in")

    page, account = None, None
    for username, name, path in console_pages():
        if username != account:
            page, account = staff_page(username, NARROW, page=page), username
        page.goto(base + path)
        found.overflow(page, f"320 px, {username}: {name}")
        found.clipped(page, f"320 px, {username}: {name}")
    assert not found, found.report()


def test_no_page_scrolls_sideways_with_the_largest_text_on_a_360_px_phone(live_server, demo, page_factory,
                                                                         citizen_page):
    base, found = live_server.url, Findings()
    page = page_factory(PHONE_360)
    context = page.context
    context.add_cookies([{"name": "sciweek_text", "value": "largest", "url": base}])
    largest_text(context, page)
    page.goto(base + "/")
    assert "text-largest" in page.evaluate("document.documentElement.className"), \
        "the site's 特大字 setting (cookie sciweek_text=largest) is not applied to <html>"
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 32
    walk(page, base, public_pages(), found, "largest text")
    signed_in = citizen_page("13712340005", PHONE_360)
    context.add_cookies(signed_in.context.cookies())  # the same person, with the largest text
    walk(page, base, personal_pages("13712340005"), found, "largest text, signed in")
    assert not found, found.report()


def test_no_page_scrolls_sideways_at_200_percent_zoom_on_a_360_px_phone(live_server, demo, browser, citizen_page):
    # page_factory cannot set a device scale factor: this context is opened (and closed) here.
    base, found = live_server.url, Findings()
    context = browser.new_context(viewport=ZOOM_200, device_scale_factor=4, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(base + "/")
        assert page.evaluate("[window.innerWidth, window.devicePixelRatio]") == [180, 4]
        walk(page, base, public_pages(), found, "200 % zoom")
        signed_in = citizen_page("13712340006", ZOOM_200)
        context.add_cookies(signed_in.context.cookies())  # the same person, in the zoomed context
        walk(page, base, personal_pages("13712340006"), found, "200 % zoom, signed in")
    finally:
        context.close()
    assert not found, found.report()


# Text a reader must be able to enlarge: the body and the small print (badges, help, nav,
# controls). Headings are left out: a design may rightly grow them less than 2×.
TEXT_SAMPLES = ["body", "main p", ".badge", ".small", ".muted", "header.site nav a", "button", "input", "select",
                "label", "footer.site"]
SIZES_JS = """selectors => Object.fromEntries(selectors.map(s => {
  const el = document.querySelector(s);
  return [s, el ? parseFloat(getComputedStyle(el).fontSize) : null];
}))"""


def test_text_follows_the_readers_font_size(live_server, demo, page_factory):
    base = live_server.url
    live_pages = [p for p in public_pages() if p[0] in ("home", "catalog", "activity (on site, sessions)", "sign-in")]
    normal, large = page_factory(PHONE_360), page_factory(PHONE_360)
    largest_text(large.context, large)
    problems = []
    for name, path in live_pages:
        normal.goto(base + path)
        large.goto(base + path)
        before, after = normal.evaluate(SIZES_JS, TEXT_SAMPLES), large.evaluate(SIZES_JS, TEXT_SAMPLES)
        if before["body"] != 16:
            problems.append(f"{name}: body text is {before['body']}px at the browser's default 16 px")
        if after["body"] < 32:
            problems.append(f"{name}: body text stays {after['body']}px when the reader asks for 32 px")
        for selector in TEXT_SAMPLES[1:]:
            if before[selector] and after[selector] < 1.5 * before[selector]:
                problems.append(f"{name}: {selector} grows from {before[selector]}px to only {after[selector]}px")
    assert not problems, "\n".join(problems)


def test_the_text_size_and_contrast_switch_is_remembered(live_server, demo, page_factory):
    base = live_server.url
    live = [p for p in public_pages() if p[0] in ("home", "catalog")]
    page = page_factory({"width": 390, "height": 844})
    page.goto(base + "/")
    switch = page.locator("form").filter(has=page.get_by_role("button", name="特大字", exact=True))
    for label in ("大字", "特大字", "标准字号", "高对比度"):
        assert switch.get_by_role("button", name=label, exact=True).count() == 1, f"no {label} button"
    assert switch.get_by_role("button", name="标准字号", exact=True).get_attribute("aria-pressed") == "true"

    switch.get_by_role("button", name="特大字", exact=True).click()
    page.wait_for_load_state()
    assert page.url == base + "/", "the switch does not bring the reader back to their page"
    assert "text-largest" in page.evaluate("document.documentElement.className")
    assert page.get_by_role("button", name="特大字", exact=True).get_attribute("aria-pressed") == "true"
    page.goto(base + live[1][1])
    assert "text-largest" in page.evaluate("document.documentElement.className"), "特大字 is not remembered"

    page.get_by_role("button", name="高对比度", exact=True).click()
    page.wait_for_load_state()
    assert page.url == base + live[1][1]
    classes = page.evaluate("document.documentElement.className")
    assert "contrast-high" in classes and "text-largest" in classes
    assert page.get_by_role("button", name="高对比度", exact=True).get_attribute("aria-pressed") == "true"
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert (cookies.get("sciweek_text"), cookies.get("sciweek_contrast")) == ("largest", "high")

    failures = []
    for name, path in live:
        page.goto(base + path)
        assert "contrast-high" in page.evaluate("document.documentElement.className")
        violations = axe_violations(page)
        if violations:
            failures.append(f"[high contrast, largest text: {name}]\n{describe(violations)}")
    assert not failures, "\n\n".join(failures)

    page.get_by_role("button", name="标准字号", exact=True).click()
    page.wait_for_load_state()
    assert "text-largest" not in page.evaluate("document.documentElement.className")

