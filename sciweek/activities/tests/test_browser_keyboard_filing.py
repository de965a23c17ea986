"""Issue 10's "done means", keyboard only: the unit's filer, from the console home, reaches
活动备案, starts a key activity, fills what submission needs and a session row, saves the
draft and submits it for review, using only Tab, Shift+Tab, Enter, Space, ArrowDown and typing
(no clicks, no fill), on a desktop and on a 390×844 phone. Every element focus lands on must
be in view, not hidden behind the sticky save bar (.sticky-actions), with a focus ring."""
from datetime import timedelta

import pytest

from sciweek.a11y import focus_problems, label_of, tab_to, type_date, type_datetime
from sciweek.activities.models import Activity
from sciweek.demo.live import live_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
FIELD_STEPS = 200  # Tab wraps round the page: a field is found wherever the form puts it


def by_name(name: str) -> str:
    return f"el => el.name === '{name}'"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_filer_files_and_submits_an_activity_with_the_keyboard_only(live_server, demo, staff_page, viewport):
    base = live_server.url
    live = live_campaign()
    day = live.starts_on + timedelta(days=1)
    problems: list[str] = []
    page = staff_page("unit-filer", VIEWPORTS[viewport])

    def check(info):
        for problem in focus_problems(info):
            line = f"{page.url.removeprefix(base)}: {label_of(info)} — {problem}"
            if line not in problems:
                problems.append(line)

    def to(target, steps=FIELD_STEPS):
        return tab_to(page, target, steps, on_step=check)

    def enter_and_wait(url_glob):
        with page.expect_navigation(url=url_glob):
            page.keyboard.press("Enter")

    def type_into(name, text):
        to(by_name(name))
        page.keyboard.type(text)

    page.goto(f"{base}/console/")  # the only page reached without the keyboard
    to("活动备案", 40)
    enter_and_wait("**/console/filings/")
    to("新建重点项目/活动", 60)
    enter_and_wait("**/console/filings/*/edit/")
    activity_id = int(page.url.rstrip("/").split("/")[-2])

    # What submission needs for an on-site key activity (services.submission_check).
    to(by_name("title"))  # Tab into a text field selects what it holds (未命名活动): typing replaces it
    page.keyboard.type("键盘填报：青少年人工智能科普讲座")
    area = to("el => el.name === 'content_areas'")
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked"), f"Space does not tick {label_of(area)}"
    to(by_name("starts_on"))
    type_date(page, day.isoformat())
    to(by_name("ends_on"))
    type_date(page, day.isoformat())
    type_into("audience", "中小学生")
    type_into("description", "人工智能原理讲解与动手体验。")
    division = to(by_name("division"))
    page.keyboard.type("130102")  # a drop-down's type-ahead: 130102 长安区
    assert page.evaluate("document.activeElement.value"), f"typing does not choose in {label_of(division)}"
    type_into("address", "石家庄市长安区示例路 8 号")
    type_into("venue_capacity", "120")
    type_into("safety_max_attendance", "40")
    type_into("safety_measures", "预约入场，有序疏导。")
    type_into("safety_responsible", "周主任")
    type_into("lead_name", "郑工")
    type_into("contact_name", "吴老师")
    type_into("contact_phone", "13600002222")
    to(by_name("sessions-0-starts_at"))
    type_datetime(page, f"{day.isoformat()}T14:00")
    to(by_name("sessions-0-ends_at"))
    type_datetime(page, f"{day.isoformat()}T16:00")
    type_into("sessions-0-capacity", "30")

    to("保存草稿")
    enter_and_wait(f"**/console/filings/{activity_id}/**")
    saved = Activity.objects.get(pk=activity_id)
    assert (saved.title, saved.starts_on, saved.sessions.count()) == ("键盘填报：青少年人工智能科普讲座", day, 1), \
        "the draft was not saved as typed"
    to("提交审核")
    enter_and_wait(f"**/console/filings/{activity_id}/**")
    saved.refresh_from_db()
    assert saved.status == Activity.Status.SUBMITTED, (
        f"not submitted ({saved.status}); the page says:\n{page.inner_text('main')[:800]}")
    assert saved.review_level.name == "石家庄市"
    assert not problems, "focus cannot be seen:\n" + "\n".join(problems)
