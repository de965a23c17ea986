"""Exports: filings in the official column order (text stays text), and a province's plan lists."""
from datetime import date, datetime
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse

from sciweek.activities.models import Activity

from .conftest import GOOD_PROJECT, fill
from .test_templates import PROJECT_HEADERS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_year")]  # 2020 as the current campaign

TRICKY = {
    **GOOD_PROJECT,
    "项目名称": "=cmd|' /C calc'!A0",
    "面向对象": "-5岁以下儿童及家长",
    "主管部门": "@石家庄市人民政府",
    "活动内容": "+SUM(A1:A9) 不是公式",
    "联系电话": "+86 13800000000",
}


def rows_by_title(sheet):
    headers = [c.value for c in sheet[1]]
    return headers, {row[headers.index("项目名称")].value: row for row in sheet.iter_rows(min_row=2)}


def test_export_reopens_with_the_same_values_and_text_stays_text(staff_client, excel, org):
    client = staff_client("sjz-filer")
    excel.confirm(client, excel.job(excel.upload(client, fill(excel.template(client), [TRICKY]))))
    url = reverse("spreadsheets:export_filings", args=[org("石家庄市").pk])
    workbook = excel.download(client, url + "?status=draft&kind=project")
    assert workbook.sheetnames == ["重点项目备案表", "参与开放活动的科研机构和大学备案表"]
    sheet = workbook["重点项目备案表"]
    headers, rows = rows_by_title(sheet)
    assert headers == PROJECT_HEADERS + ["状态", "平台编号"]  # official order, then platform columns
    assert sheet.freeze_panes == "C2"
    row = {h: c for h, c in zip(headers, rows[TRICKY["项目名称"]], strict=True)}
    for header in ("项目名称", "面向对象", "主管部门", "活动内容", "联系电话"):
        assert row[header].value == TRICKY[header]
        assert row[header].data_type == "s", header  # stored as text, never a formula
    assert row["项目名称"].quotePrefix
    activity = Activity.objects.get(title=TRICKY["项目名称"])
    expected = {
        "填报单位": "石家庄市", "级别": "市级", "是否重大示范活动": "否", "列入工作方案重点活动": "否",
        "主办单位": "石家庄市科技局、石家庄市科协、河北日报社", "承办单位": "石家庄市科学技术馆",
        "内容方向": "展示科技创新成就、科普行动", "举办形式": "线上线下结合",
        "开始日期": datetime(2020, 8, 23), "结束日期": datetime(2020, 8, 24),
        "场次": "2020-08-23 09:30-11:30（30人）；2020-08-24 14:00-16:00（20人）", "每场名额": None,
        "举办地": "130102 长安区", "场馆额定容量": 200, "预计参与人数": 1000, "经费预算（万元）": 5.5,
        "直播链接": "https://live.example.cn/sjz", "联系邮箱": "kjj@example.cn", "状态": "草稿",
        "平台编号": activity.pk,
    }
    assert {h: row[h].value for h in expected} == expected
    assert row["开始日期"].is_date and row["开始日期"].number_format == "yyyy-mm-dd"


def test_an_export_can_be_imported_again(staff_client, excel, org):
    client = staff_client("sjz-filer")
    excel.confirm(client, excel.job(excel.upload(client, fill(excel.template(client), [
        {**GOOD_PROJECT, "项目名称": "往返一次"}]))))
    response = client.get(reverse("spreadsheets:export_filings", args=[org("石家庄市").pk]) + "?q=往返一次")
    data = b"".join(response.streaming_content)
    job = excel.job(excel.upload(client, data))
    assert job.valid_count == 1, job.errors
    assert [0, "", "状态", "这一列不属于模板，已忽略"] in job.warnings
    excel.confirm(client, job)
    first, second = Activity.objects.filter(title="往返一次").order_by("id")
    assert first.other_hosts == second.other_hosts == "河北日报社"
    assert list(first.host_links.values_list("organization", "role")) == list(
        second.host_links.values_list("organization", "role"))
    assert list(first.sessions.values_list("starts_at", "ends_at", "capacity")) == list(
        second.sessions.values_list("starts_at", "ends_at", "capacity"))
    assert set(first.content_areas.all()) == set(second.content_areas.all())


def test_contact_phones_are_masked_for_statisticians(staff_client, excel, org):
    client = staff_client("sjz-filer")
    excel.confirm(client, excel.job(excel.upload(client, fill(excel.template(client), [
        {**GOOD_PROJECT, "项目名称": "电话", "联系电话": "13812345678"}]))))
    url = reverse("spreadsheets:export_filings", args=[org("石家庄市").pk]) + "?q=电话"
    _headers, rows = rows_by_title(excel.download(client, url)["重点项目备案表"])
    assert "13812345678" in [c.value for c in rows["电话"]]
    _headers, rows = rows_by_title(excel.download(staff_client("sjz-statistician"), url)["重点项目备案表"])
    values = [c.value for c in rows["电话"]]
    assert "138****5678" in values and "13812345678" not in values


def test_export_all_follows_the_filing_list_filters(staff_client, excel, org):
    client = staff_client("sjz-reviewer")
    workbook = excel.download(client, reverse("spreadsheets:export_all") + "?status=submitted")
    sheet = workbook["重点项目备案表"]
    statuses = {row[-2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert statuses == {"审核中"}
    assert sheet.max_row - 1 == Activity.objects.filter(
        campaign__year=2020, status="submitted", organization__path__startswith=org("石家庄市").path).count() > 0


def test_province_plan_lists_with_hosts_in_plan_order(staff_client, excel, org):
    client = staff_client("hebei-statistician")
    workbook = excel.download(client, reverse("spreadsheets:export_plan_lists", args=[org("河北省").pk]))
    assert workbook.sheetnames == ["活动统计", "省级重大科普活动", "各市重点科普活动", "参与开放活动的科研机构和大学"]
    counts = {row[0]: row[1] for row in workbook["活动统计"].iter_rows(min_row=2, values_only=True)}
    assert counts["活动合计"] == 629 and counts["各市推荐的活动"] == 474 and counts["科研机构和大学开放（场次）"] == 45

    provincial = list(workbook["省级重大科普活动"].iter_rows(min_row=3, values_only=True))
    assert len(provincial) == 10
    assert provincial[0][:4] == (1, "2020年全省科技活动周启动仪式", "省科技厅、省委宣传部、省卫生健康委、省科协", None)
    assert provincial[0][4] == datetime(2020, 8, 23)
    assert provincial[9][:3] == (10, "举办科技创新论坛及科技成果展", "中国电科五十四所")

    city = list(workbook["各市重点科普活动"].iter_rows(min_row=3, values_only=True))
    assert [row[0] for row in city] == list(range(1, 14))
    assert city[0][1:4] == ("石家庄市2020年科技活动周启动式及系列科普活动", "石家庄市",
                            "石家庄市科技局、石家庄市委宣传部、石家庄市卫生健康委、石家庄市科协")
    assert city[1][1:4] == ("保定市2020年科技活动周启动式及校园科技嘉年华科普活动", "保定市", "保定市科技局")

    institutions = list(workbook["参与开放活动的科研机构和大学"].iter_rows(min_row=3, values_only=True))
    listed, total = institutions[:-1], institutions[-1]
    assert len(listed) == 29 and sum(row[3] for row in listed) == 45
    assert {row[2] for row in listed} == {"科研机构", "高校"}
    assert total[1] == "合计：29 家（科研机构 19 家、大学 10 家），开放 45 场次"
    assert listed[0][4] >= datetime(2020, 8, 23) and isinstance(listed[0][4], datetime)
    assert date(2020, 8, 23) <= listed[0][4].date() <= date(2020, 8, 29)


def test_plan_lists_of_a_city_stay_inside_the_city(staff_client, excel, org):
    workbook = excel.download(staff_client("sjz-admin"),
                              reverse("spreadsheets:export_plan_lists", args=[org("石家庄市").pk]))
    city = list(workbook["各市重点科普活动"].iter_rows(min_row=3, values_only=True))
    assert [row[1] for row in city] == ["石家庄市2020年科技活动周启动式及系列科普活动"]
    assert list(workbook["省级重大科普活动"].iter_rows(min_row=3, values_only=True)) == []


def test_export_needs_an_exporting_role(staff_client, org):
    client = staff_client("sjz-publicity")
    assert client.get(reverse("spreadsheets:export_filings", args=[org("石家庄市").pk])).status_code == 403
    assert client.get(reverse("spreadsheets:export_plan_lists", args=[org("石家庄市").pk])).status_code == 403
    assert client.get(reverse("spreadsheets:export_all")).status_code == 404


def test_xlsx_download_headers(staff_client, org):
    response = staff_client("sjz-filer").get(reverse("spreadsheets:template", args=[org("石家庄市").pk, "project"]))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert response["Cache-Control"] == "private, no-store"
    assert openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content))).sheetnames[0] == "重点项目备案表"
