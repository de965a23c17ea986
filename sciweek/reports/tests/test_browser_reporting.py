"""A summary's way up the tree in a real browser: a unit's publicity officer, on a phone, writes
the summary in the editor, adds three pictures and a 3-minute video (chunked upload, checked
by its real stream) and submits it to the city; the city returns it with a reason; the unit
fixes and resubmits; the city accepts, then compiles its own summary and sends it to the
province; the province sees the city's report with its unit inside and downloads the bundle.
The province's dashboard moves at each step. axe-core (WCAG 2.0/2.1 A and AA) finds nothing
on the report page and the dashboard; neither scrolls sideways at 320 CSS px. Screenshots in
/tmp/h/shots (or SCIWEEK_REPORT_SHOTS)."""
import io
import os
import zipfile
from pathlib import Path

import pytest

from sciweek.a11y import Findings
from sciweek.reports.models import SummaryReport

from .conftest import YEAR

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
SHOTS = Path(os.environ.get("SCIWEEK_REPORT_SHOTS", "/tmp/h/shots"))


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def pictures(tmp_path):
    from PIL import Image

    paths = []
    for n, color in enumerate([(11, 79, 156), (23, 107, 44), (154, 103, 0)]):
        path = tmp_path / f"现场{n + 1}.jpg"
        Image.new("RGB", (400, 300), color).save(path, "JPEG")
        paths.append(str(path))
    return paths


def pressed(page, name):
    page.get_by_role("button", name=name, exact=True).first.click()
    page.wait_for_load_state()


def write(page, text):
    editor = page.locator("trix-editor")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    pressed(page, "保存草稿")


def province_figures(page, base, tree):
    page.goto(f"{base}/console/reports/dashboard/?year={YEAR}&org={tree['p'].pk}")
    return page.locator("section[aria-labelledby=h-s] p.small").first.text_content()


def test_a_summary_goes_up_from_the_unit_to_the_province(tree, live_server, staff_page, tmp_path):
    from sciweek.media.tests.conftest import make_video

    base, found = live_server.url, Findings()
    unit = staff_page("r-u1-filer", PHONE)
    city = staff_page("r-c1-reviewer", DESKTOP)
    province = staff_page("r-p-reviewer", DESKTOP)
    assert "应报 5，已报 0" in province_figures(province, base, tree)

    # The unit writes, adds pictures and the video, and submits.
    unit.goto(f"{base}/console/reports/?year={YEAR}")
    unit.get_by_role("link", name="填写总结").click()
    unit.wait_for_load_state()
    assert "共举办科普活动" in unit.locator("trix-editor").text_content()  # the draft from the data
    write(unit, "今年科技活动周，我馆举办开放日和科普讲座，线上线下共吸引数千名观众参与，反响热烈。" * 2)
    unit.get_by_label("添加活动图片").set_input_files(pictures(tmp_path))
    pressed(unit, "上传图片")
    assert "已加入 3 张图片" in unit.content()
    video = make_video(tmp_path / "总结.mp4", 180, fps=2, width=64, height=36)
    unit.get_by_label("选择总结视频").set_input_files(str(video))
    unit.locator("[data-media-upload][data-state=done]").wait_for(timeout=60000)
    pressed(unit, "保存视频")
    assert unit.locator("#video video").count() == 1  # the checked video plays on the page
    found.axe(unit, "phone: the unit's report page")
    shot(unit, "report-unit-phone")
    pressed(unit, "报送甲一市")
    report = SummaryReport.objects.get(campaign=tree["campaign"], organization=tree["u1"])
    assert report.status == "submitted" and report.complete
    assert "已报 1" in province_figures(province, base, tree)

    # The city returns it with a reason.
    city.goto(f"{base}/console/reports/{report.pk}/")
    city.get_by_label("退回理由").fill("请补充活动照片的说明。")
    pressed(city, "退回修改")
    assert "已报 0" in province_figures(province, base, tree)

    # The unit sees why, fixes it and sends it again.
    unit.goto(f"{base}/console/reports/{report.pk}/")
    assert "请补充活动照片的说明。" in unit.content()
    unit.get_by_label("图片说明").first.fill("开放日现场")
    unit.get_by_role("button", name="保存说明").first.click()
    unit.wait_for_load_state()
    pressed(unit, "报送甲一市")
    assert SummaryReport.objects.get(pk=report.pk).returns == 1

    # The city accepts it, then compiles and sends its own summary up.
    city.goto(f"{base}/console/reports/{report.pk}/")
    pressed(city, "接收")
    assert SummaryReport.objects.get(pk=report.pk).status == "accepted"
    compiler = staff_page("r-c1-filer", DESKTOP, page=city)
    compiler.goto(f"{base}/console/reports/?year={YEAR}")
    compiler.get_by_role("link", name="填写总结").click()
    compiler.wait_for_load_state()
    assert "甲一市科技馆" in compiler.locator("trix-editor").text_content()  # its units' reports, in the draft
    write(compiler, "全市各单位共同参与，汇总了下属单位的活动总结和影像资料，现报送省科技活动周组委会。" * 2)
    compiler.get_by_label("添加活动图片").set_input_files(pictures(tmp_path)[:1])
    pressed(compiler, "上传图片")
    pressed(compiler, "报送甲省")
    city_report = SummaryReport.objects.get(campaign=tree["campaign"], organization=tree["c1"])
    assert city_report.status == "submitted"

    # The province sees the city's bundle and its dashboard has moved.
    assert "已报 2" in province_figures(province, base, tree)
    found.axe(province, "desktop: the province's dashboard")
    shot(province, "report-dashboard")
    province.goto(f"{base}/console/reports/{city_report.pk}/")
    received = province.locator("#received")
    assert "甲一市科技馆" in received.text_content() and "已接收" in received.text_content()
    found.axe(province, "desktop: the city's report seen by the province")
    with province.expect_download() as download:
        province.get_by_role("link", name="下载材料包（总结 Word 文档、图片、视频和单位报送情况表）").click()
    names = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())).namelist()
    assert any(n.startswith("各单位材料/甲一市科技馆/视频/") for n in names), names
    pressed(province, "接收")
    assert SummaryReport.objects.get(pk=city_report.pk).status == "accepted"
    assert "已接收 2" in province_figures(province, base, tree)
    province.set_viewport_size({"width": 320, "height": 640})
    province.goto(f"{base}/console/reports/dashboard/?year={YEAR}&org={tree['p'].pk}")  # the charts drawn at 320 px
    found.overflow(province, "320 px: the dashboard")
    province.goto(f"{base}/console/reports/{report.pk}/")
    found.overflow(province, "320 px: a unit's report")
    assert not found.items, "\n\n".join(found.items)


def test_the_provinces_dashboard_draws_its_cities_map(live_server, staff_page, reference_year):
    """Hebei's reporting dashboard (2020) draws the map of its cities; axe finds nothing."""
    found = Findings()
    page = staff_page("hebei-reviewer", {"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/console/reports/dashboard/?year=2020")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-reporting-chart=map] canvas").count() == 1
    if os.environ.get("SCIWEEK_REPORTING_SHOTS"):
        page.screenshot(path=os.path.join(os.environ["SCIWEEK_REPORTING_SHOTS"], "reporting-hebei.png"), full_page=True)
    found.axe(page, "Hebei dashboard")
    page.close()
    assert not found, found
