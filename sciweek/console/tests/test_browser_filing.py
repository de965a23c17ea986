"""Issue 3's walk in a real browser: a unit filer files an activity and an open day, the
city returns one for revision, the filer fixes it, city and province approve, both appear in
the public catalog, and the timeline shows every step."""
import pytest
from django_otp.oath import totp  # noqa: F401  (reviewers are not admins: no TOTP step)
from freezegun import freeze_time

from sciweek.activities.models import Activity
from sciweek.browser import PHONE, screenshot
from sciweek.demo.demo_data import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/console/")


def start_filing(page, base, kind_button):
    page.goto(f"{base}/console/filings/")
    page.get_by_role("button", name=kind_button).click()
    page.wait_for_url("**/edit/")
    return int(page.url.rstrip("/").split("/")[-2])


def fill_common(page, title):
    page.get_by_label("名称").fill(title)
    page.get_by_label("举办形式").select_option("onsite")
    page.get_by_label("展示科技创新成就").check()
    page.get_by_label("开始日期").fill("2020-08-26")
    page.get_by_label("结束日期").fill("2020-08-26")
    page.get_by_label("面向对象").fill("中小学生")
    page.get_by_label("举办地", exact=True).select_option("130102")
    page.get_by_label("地址", exact=True).fill("石家庄市长安区示例路 8 号")
    page.get_by_label("场馆额定容量").fill("120")
    page.get_by_label("最大同时在场人数").fill("40")
    page.get_by_label("安全和疫情防控措施").fill("预约入场，测温，间隔就座。")
    page.get_by_label("安全责任人").fill("周主任")
    page.get_by_label("联系人", exact=True).fill("吴老师")
    page.get_by_label("联系电话").fill("13600002222")
    page.locator("#id_sessions-0-starts_at").fill("2020-08-26T09:00")
    page.locator("#id_sessions-0-ends_at").fill("2020-08-26T11:00")
    page.locator("#id_sessions-0-capacity").fill("30")


def act(page, base, activity_id, button, comment=""):
    page.goto(f"{base}/console/filings/{activity_id}/")
    if comment:
        page.get_by_label("审核意见（退回或不予通过时必填）").fill(comment)
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()


def test_file_review_and_publish(live_server, demo, page_factory):
    base = live_server.url
    with freeze_time("2020-07-20 10:00:00", tick=True):
        page = page_factory(PHONE)
        sign_in(page, base, "unit-filer")

        # 1. a provincial-level key activity
        project = start_filing(page, base, "新建重点项目/活动")
        fill_common(page, "智慧气象科普体验日")
        page.get_by_label("级别").select_option("provincial")
        page.get_by_label("活动内容").fill("观测场参观、天气预报制作体验。")
        page.get_by_label("项目负责人").fill("郑工")
        screenshot(page, "filing-edit-phone")
        page.get_by_role("button", name="提交审核").click()
        assert "已提交，等待 石家庄市 审核" in page.inner_text("main")

        # 2. an open day, first submitted without the booking method → told what is missing
        open_day = start_filing(page, base, "新建开放活动")
        fill_common(page, "科技信息研究所开放日")
        page.get_by_label("开放的设施（实验室、设备、展馆等）").fill("数据中心、科技文献馆")
        page.get_by_label("开放时间").fill("9:00-11:00")
        page.get_by_label("活动内容").fill("参观与讲解。")
        page.get_by_role("button", name="提交审核").click()
        assert "预约方式" in page.inner_text("main")  # missing, not submitted, nothing lost
        assert page.get_by_label("名称").input_value() == "科技信息研究所开放日"
        page.get_by_label("预约方式").fill("电话预约")
        page.get_by_role("button", name="提交审核").click()
        assert "已提交" in page.inner_text("main")

        # 3. the city returns the open day, forwards the project
        sign_in(page, base, "sjz-reviewer")
        page.goto(f"{base}/console/review/")
        assert "科技信息研究所开放日" in page.inner_text("main")
        screenshot(page, "review-inbox-phone")
        act(page, base, open_day, "退回修改", "请写明每场名额和入场要求。")
        page.goto(f"{base}/console/filings/{project}/")
        assert page.get_by_role("button", name="转报河北省审核", exact=True).is_visible()  # says where it goes
        assert page.get_by_role("button", name="审核通过", exact=True).count() == 0
        screenshot(page, "review-forward-phone")
        act(page, base, project, "转报河北省审核", "同意上报")
        assert "已转报河北省审核" in page.inner_text("main")

        # 4. the filer fixes the open day and resubmits
        sign_in(page, base, "unit-filer")
        page.goto(f"{base}/console/filings/{open_day}/")
        assert "请写明每场名额和入场要求" in page.inner_text("main")
        page.get_by_role("link", name="编辑").click()
        page.get_by_label("预约方式").fill("电话预约；每场 30 人，凭预约码入场")
        page.get_by_role("button", name="提交审核").click()

        # 5. the city approves the open day (shown what changed); the province approves the project
        sign_in(page, base, "sjz-reviewer")
        page.goto(f"{base}/console/filings/{open_day}/")
        assert "与上次提交相比的修改" in page.inner_text("main")
        act(page, base, open_day, "审核通过")
        sign_in(page, base, "hebei-reviewer")
        act(page, base, project, "审核通过")

    assert Activity.objects.get(pk=project).status == "approved"
    assert Activity.objects.get(pk=open_day).status == "approved"

    # 6. both are in the public catalog
    page.context.clear_cookies()
    page.goto(f"{base}/2020/activities/?q=科技信息研究所开放日")
    assert page.get_by_role("link", name="科技信息研究所开放日").is_visible()
    page.goto(f"{base}/2020/activities/{project}/")
    assert page.get_by_role("heading", name="智慧气象科普体验日").is_visible()
    assert "13600002222" not in page.content()

    # 7. the timeline shows every step
    sign_in(page, base, "unit-filer")
    page.goto(f"{base}/console/filings/{open_day}/")
    timeline = page.inner_text("#timeline + ol")
    for step in ("提交", "退回修改", "审核通过"):
        assert step in timeline
    assert timeline.count("提交") >= 2
    screenshot(page, "filing-timeline-phone")
