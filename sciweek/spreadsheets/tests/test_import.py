"""Bulk import: preview with row-level errors, nothing saved before confirming, then drafts."""
import math
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from sciweek.accounts.models import User
from sciweek.activities.models import Activity, ActivityHost, Session
from sciweek.activities.services import BULK_BATCH_SIZE
from sciweek.organizations.models import Organization
from sciweek.spreadsheets.columns import PROJECT_COLUMNS
from sciweek.spreadsheets.importer import Importer
from sciweek.spreadsheets.models import ImportJob

from .conftest import GOOD_PROJECT, fill, workbook_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_year")]  # 2020 as the current campaign
TZ = ZoneInfo("Asia/Shanghai")


def test_mistakes_are_listed_row_by_row_and_nothing_is_saved(staff_client, excel):
    client = staff_client("sjz-filer")
    rows = [
        {**GOOD_PROJECT, "开始日期": "8月32日"},                                         # row 2
        {**GOOD_PROJECT, "项目名称": None},                                               # row 3
        {**GOOD_PROJECT, "内容方向": "展示宇宙奥秘", "级别": "乡级"},                        # row 4
        {**GOOD_PROJECT, "开始日期": "2020-08-25", "结束日期": "2020-08-24", "场次": None},  # row 5
        {**GOOD_PROJECT, "每场名额": "三十", "联系邮箱": "not-an-email"},                   # row 6
        {**GOOD_PROJECT, "开始日期": "2019-08-23", "举办地": "桥西区"},                     # row 7
    ]
    before = Activity.objects.count()
    job = excel.job(excel.upload(client, fill(excel.template(client), rows)))
    assert job.status == ImportJob.Status.PREVIEW
    assert (job.total, job.valid_count, job.invalid_count) == (6, 0, 6)
    assert Activity.objects.count() == before  # nothing saved before confirming

    page = client.get(reverse("spreadsheets:job_detail", args=[job.pk])).content.decode()
    for expected in [
        "第 2 行「开始日期」：无法识别的日期“8月32日”",
        "第 3 行「项目名称」：必填，不能为空",
        "第 4 行「内容方向」：“展示宇宙奥秘”不是本届活动周的内容方向",
        "第 4 行「级别」：“乡级”不是可选的值（可选：全国重大示范活动、省级、市级、单位）",
        "第 5 行「结束日期」：结束日期 2020-08-24 早于开始日期 2020-08-25",
        "第 6 行「每场名额」：无法识别的整数“三十”",
        "第 6 行「联系邮箱」：无法识别的电子邮箱",
        "第 7 行「开始日期」：2019-08-23 不在本届活动日期（2020-08-23 至 2020-08-29）内",
        "第 7 行「举办地」：“桥西区”对应多个行政区划",
    ]:
        assert expected in page, expected
    assert "确认导入" not in page
    # confirming a job without valid rows changes nothing
    client.post(reverse("spreadsheets:job_confirm", args=[job.pk]))
    assert Activity.objects.count() == before


def test_clean_workbook_imports_everything_with_hosts_and_sessions(staff_client, excel, org):
    client = staff_client("sjz-filer")
    second = {**GOOD_PROJECT, "项目名称": "科学实验进校园（导入）", "填报单位": "石家庄市第一中学",
              "主办单位": "石家庄市第一中学", "承办单位": None, "内容方向": "体验美好生活", "举办形式": "线上",
              "场次": None, "每场名额": None, "举办地": None, "是否重大示范活动": "是",
              "所属重大示范活动": "“全国中小学生创·造大赛”", "开始日期": datetime(2020, 8, 25),
              "结束日期": "2020年8月26日", "经费预算（万元）": None}
    before = Activity.objects.count()
    job = excel.job(excel.upload(client, fill(excel.template(client), [GOOD_PROJECT, second])))
    assert (job.status, job.valid_count, job.invalid_count) == (ImportJob.Status.PREVIEW, 2, 0)
    assert Activity.objects.count() == before

    job = excel.confirm(client, job)
    assert job.status == ImportJob.Status.DONE and job.imported_count == 2 and job.percent == 100
    assert Activity.objects.count() == before + 2

    first = Activity.objects.get(title=GOOD_PROJECT["项目名称"])
    assert first.status == Activity.Status.DRAFT and first.kind == Activity.Kind.PROJECT
    assert first.organization == org("石家庄市")
    assert first.created_by.username == "sjz-filer"
    assert (first.level, first.format, first.flagship_id) == ("city", "hybrid", None)
    assert (first.starts_on, first.ends_on) == (date(2020, 8, 23), date(2020, 8, 24))
    assert first.division_id == "130102" and first.address == "石家庄市长安区中山东路"
    assert (first.expected_participants, first.budget, first.venue_capacity) == (1000, Decimal("5.50"), 200)
    assert first.live_stream_url == "https://live.example.cn/sjz"
    assert (first.contact_phone, first.contact_email, first.lead_name) == ("0311-12345678", "kjj@example.cn", "李某")
    assert first.supervising_department == "石家庄市人民政府"
    hosts = list(first.host_links.order_by("role", "position").values_list("role", "organization__name"))
    assert hosts == [("host", "石家庄市科学技术局"), ("host", "石家庄市科学技术协会"),
                     ("organizer", "石家庄市科学技术馆")]
    assert first.other_hosts == "河北日报社"  # not on the platform: kept as text
    assert sorted(first.content_areas.values_list("name", flat=True)) == ["展示科技创新成就", "科普行动"]
    sessions = list(first.sessions.order_by("starts_at").values_list("starts_at", "ends_at", "capacity"))
    assert sessions == [
        (datetime(2020, 8, 23, 9, 30, tzinfo=TZ), datetime(2020, 8, 23, 11, 30, tzinfo=TZ), 30),
        (datetime(2020, 8, 24, 14, 0, tzinfo=TZ), datetime(2020, 8, 24, 16, 0, tzinfo=TZ), 20),
    ]

    other = Activity.objects.get(title="科学实验进校园（导入）")
    assert other.organization == org("石家庄市第一中学")  # a unit below the chosen organization
    assert other.flagship.name == "“全国中小学生创·造大赛”"
    assert (other.starts_on, other.ends_on, other.format) == (date(2020, 8, 25), date(2020, 8, 26), "online")
    assert not other.sessions.exists() and other.budget is None


def test_open_day_form_imports_institutions_as_their_own_filings(staff_client, excel, org):
    client = staff_client("sjz-filer")
    template = excel.template(client, kind="open_day")
    row = {"开放单位": "石家庄市科技信息研究所", "开放的设施": "科技文献馆、数字科普展厅", "开放内容": "科技查新体验",
           "开始日期": "2020-08-24", "结束日期": "2020-08-24", "开放时间": "9:30-11:30",
           "场次": "2020-08-24 09:30-11:30", "每场名额": 30, "预约方式": "电话预约",
           "场馆额定容量": 100, "最大同时在场人数": 30, "安全和疫情防控措施": "预约入场", "联系人": "赵某",
           "联系电话": "13800000000"}
    job = excel.confirm(client, excel.job(excel.upload(client, fill(template, [row]))))
    assert job.kind == "open_day" and job.imported_count == 1, job.errors
    activity = Activity.objects.get(title="石家庄市科技信息研究所向公众开放")
    institute = org("石家庄市科技信息研究所")
    assert activity.kind == Activity.Kind.OPEN_DAY and activity.organization == institute
    assert activity.format == "onsite" and activity.division_id == institute.division_id
    assert list(activity.host_links.values_list("organization", "role")) == [(institute.pk, "host")]
    assert activity.sessions.get().capacity == 30
    assert activity.facilities == "科技文献馆、数字科普展厅" and activity.booking_method == "电话预约"


def test_mixed_file_imports_valid_rows_and_returns_the_invalid_ones_as_a_corrected_template(staff_client, excel):
    client = staff_client("sjz-filer")
    rows = [
        {**GOOD_PROJECT, "项目名称": "有效一"},
        {**GOOD_PROJECT, "项目名称": "有误一", "开始日期": "8月32日"},
        {**GOOD_PROJECT, "项目名称": "有效二"},
        {**GOOD_PROJECT, "项目名称": "有误二", "举办形式": "空中"},
        {**GOOD_PROJECT, "项目名称": "有效三"},
    ]
    before = Activity.objects.count()
    job = excel.job(excel.upload(client, fill(excel.template(client), rows)))
    assert (job.valid_count, job.invalid_count, job.valid_rows, job.invalid_rows) == (3, 2, [2, 4, 6], [3, 5])
    assert Activity.objects.count() == before
    page = client.get(reverse("spreadsheets:job_detail", args=[job.pk])).content.decode()
    assert "确认导入 3 行" in page

    job = excel.confirm(client, job)
    assert job.status == ImportJob.Status.DONE and job.imported_count == 3
    assert set(Activity.objects.filter(title__startswith="有效").values_list("title", flat=True)) == {
        "有效一", "有效二", "有效三"}
    assert not Activity.objects.filter(title__startswith="有误").exists()

    corrected = excel.download(client, reverse("spreadsheets:job_invalid_rows", args=[job.pk]))
    sheet = corrected["重点项目备案表"]
    headers = [c.value for c in sheet[1]]
    template_headers = [c.value for c in openpyxl.load_workbook(BytesIO(excel.template(client))).worksheets[0][1]]
    assert headers == template_headers + ["错误说明"]  # the same columns plus an error column
    data = [row for row in sheet.iter_rows(min_row=2, values_only=True) if any(v is not None for v in row)]
    assert [row[headers.index("项目名称")] for row in data] == ["有误一", "有误二"]  # exactly the invalid rows
    assert "原第 3 行" in data[0][-1] and "「开始日期」无法识别的日期“8月32日”" in data[0][-1]
    assert "原第 5 行" in data[1][-1] and "「举办形式」" in data[1][-1]
    bad_date = sheet.cell(row=2, column=headers.index("开始日期") + 1)
    assert bad_date.value == "8月32日" and bad_date.fill.fgColor.rgb.endswith("FFC7CE")
    assert not sheet.cell(row=2, column=headers.index("项目名称") + 1).fill.fgColor.rgb.endswith("FFC7CE")
    assert corrected["选项"].sheet_state == "hidden" and sheet.data_validations.dataValidation

    # fixed and uploaded again, the corrected template imports (its error column is ignored)
    sheet.cell(row=2, column=headers.index("开始日期") + 1, value="2020-08-23")
    sheet.cell(row=3, column=headers.index("举办形式") + 1, value="线下")
    again = excel.confirm(client, excel.job(excel.upload(client, workbook_bytes(corrected))))
    assert again.imported_count == 2 and not again.errors
    assert Activity.objects.filter(title__startswith="有误").count() == 2


def test_confirming_twice_imports_once_and_discard_saves_nothing(staff_client, excel):
    client = staff_client("sjz-filer")
    template = excel.template(client)
    job = excel.job(excel.upload(client, fill(template, [{**GOOD_PROJECT, "项目名称": "只导入一次"}])))
    excel.confirm(client, job)
    excel.confirm(client, job)
    assert Activity.objects.filter(title="只导入一次").count() == 1

    job = excel.job(excel.upload(client, fill(template, [{**GOOD_PROJECT, "项目名称": "放弃"}])))
    assert client.post(reverse("spreadsheets:job_discard", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DISCARDED
    excel.confirm(client, job)
    assert not Activity.objects.filter(title="放弃").exists()


def test_formulas_are_taken_as_text_and_never_evaluated(staff_client, excel):
    client = staff_client("sjz-filer")
    rows = [{**GOOD_PROJECT, "项目名称": '=HYPERLINK("http://evil.example","点我")'},
            {**GOOD_PROJECT, "项目名称": "预算用公式", "经费预算（万元）": "=1+2"}]
    job = excel.job(excel.upload(client, fill(excel.template(client), rows)))
    assert job.valid_rows == [2]
    assert [e[1:] for e in job.errors] == [["budget", "经费预算（万元）", "不能使用公式 “=1+2”，请直接填写数值"]]
    excel.confirm(client, job)
    assert Activity.objects.filter(title='=HYPERLINK("http://evil.example","点我")').exists()


def test_dates_written_as_text_are_understood_or_reported(staff_client, excel):
    client = staff_client("sjz-filer")
    spellings = ["2020/8/23", "2020年8月23日", "8月23日", "2020.08.23", 44066, "8-23", "20200823"]
    rows = [{**GOOD_PROJECT, "项目名称": f"日期{i}", "开始日期": s, "结束日期": "2020-08-24"}
            for i, s in enumerate(spellings)]
    rows.append({**GOOD_PROJECT, "项目名称": "坏日期", "开始日期": "下周一"})
    job = excel.job(excel.upload(client, fill(excel.template(client), rows)))
    assert job.valid_count == len(spellings), job.errors
    assert job.errors == [[9, "starts_on", "开始日期", "无法识别的日期“下周一”，请写成 2020-08-23 的形式"]]
    excel.confirm(client, job)
    assert set(Activity.objects.filter(title__startswith="日期").values_list("starts_on", flat=True)) == {
        date(2020, 8, 23)}


def test_merged_cells_give_row_level_messages(staff_client, excel):
    client = staff_client("sjz-filer")
    data = fill(excel.template(client), [{**GOOD_PROJECT, "项目名称": f"合并{i}"} for i in range(3)])
    workbook = openpyxl.load_workbook(BytesIO(data))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    column = openpyxl.utils.get_column_letter(headers.index("主办单位") + 1)
    sheet.merge_cells(f"{column}2:{column}3")  # one host cell for two activities
    job = excel.job(excel.upload(client, workbook_bytes(workbook)))
    assert job.invalid_rows == [2, 3] and job.valid_rows == [4]
    message = f"单元格 {column}2:{column}3 是合并单元格，请取消合并，并在每一行分别填写"
    assert [2, "hosts", "主办单位", message] in job.errors and [3, "hosts", "主办单位", message] in job.errors
    job = excel.confirm(client, job)  # the preview's problems stay with the job after the import
    assert job.imported_count == 1 and job.invalid_rows == [2, 3] and [2, "hosts", "主办单位", message] in job.errors
    corrected = excel.download(client, reverse("spreadsheets:job_invalid_rows", args=[job.pk])).worksheets[0]
    assert [row[1] for row in corrected.iter_rows(min_row=2, values_only=True)] == ["合并0", "合并1"]


def test_header_under_a_title_row_and_extra_columns(staff_client, excel):
    client = staff_client("sjz-filer")
    workbook = openpyxl.load_workbook(BytesIO(excel.template(client)))
    sheet = workbook.worksheets[0]
    sheet.insert_rows(1)
    sheet["A1"] = "2020年科技活动周重点项目备案表"
    last = sheet.max_column + 1
    sheet.cell(row=2, column=last, value="备注")
    headers = {c.value: c.column for c in sheet[2] if c.value}
    for header, value in {**GOOD_PROJECT, "项目名称": "标题行下的表"}.items():
        sheet.cell(row=3, column=headers[header], value=value)
    sheet.cell(row=3, column=last, value="随便写")
    job = excel.job(excel.upload(client, workbook_bytes(workbook)))
    assert job.valid_rows == [3]
    assert [0, "", "备注", "这一列不属于模板，已忽略"] in job.warnings


def test_duplicate_titles_are_warnings_not_errors(staff_client, excel):
    client = staff_client("sjz-filer")
    existing = Activity.objects.filter(organization__name="石家庄市").first()
    rows = [{**GOOD_PROJECT, "项目名称": "同名活动"}, {**GOOD_PROJECT, "项目名称": "同名活动"}]
    if existing is not None:
        rows.append({**GOOD_PROJECT, "项目名称": existing.title})
    job = excel.job(excel.upload(client, fill(excel.template(client), rows)))
    assert job.invalid_count == 0
    assert [3, "title", "项目名称", "与本文件中前面的一行同名"] in job.warnings


def test_an_empty_template_is_reported(staff_client, excel):
    client = staff_client("sjz-filer")
    job = excel.job(excel.upload(client, excel.template(client)))
    assert job.status == ImportJob.Status.UNREADABLE
    assert "没有数据行" in client.get(reverse("spreadsheets:job_detail", args=[job.pk])).content.decode()


def test_import_respects_attendance_caps_of_the_campaign(staff_client, excel, demo):
    demo.attendance_cap_percent = 50
    demo.save()
    client = staff_client("sjz-filer")
    rows = [{**GOOD_PROJECT, "项目名称": "超员", "最大同时在场人数": 150},         # venue 200 → limit 100
            {**GOOD_PROJECT, "项目名称": "无场馆容量", "场馆额定容量": None},
            {**GOOD_PROJECT, "项目名称": "线上不限", "举办形式": "线上", "场馆额定容量": None}]
    job = excel.job(excel.upload(client, fill(excel.template(client), rows)))
    assert job.valid_rows == [4]
    assert [2, "safety_max_attendance", "最大同时在场人数", "最大同时在场人数 150 超过了规定上限 100 人。"] in job.errors
    assert any(e[0] == 3 and e[1] == "venue_capacity" and "50%" in e[3] for e in job.errors)


def test_validation_and_write_take_a_fixed_number_of_queries(demo, django_assert_max_num_queries):
    """Names are resolved from dictionaries read up front; the write is a few bulk inserts."""
    importer_user = User.objects.get(username="sjz-filer")
    rows = [(n, {"title": f"批量{n}", "hosts": "石家庄市科学技术局、平台外单位", "format": "线下",
                 "starts_on": "2020-08-23", "ends_on": "2020-08-23", "content_areas": "科普行动",
                 "sessions": "2020-08-23 09:00-10:00", "capacity": 10, "division": "130102"})
            for n in range(2, 202)]
    importer = Importer(user=importer_user, organization=Organization.objects.get(name="石家庄市"),
                        campaign=demo, kind="project")
    with django_assert_max_num_queries(3):
        parsed = [importer.validate(n, cells) for n, cells in rows]
    assert all(p is not None and not errors for p, errors, _w in parsed)
    # one INSERT per batch (SQLite allows 999 parameters per statement, so its batches are smaller)
    inserts = sum(math.ceil(200 / min(BULK_BATCH_SIZE, connection.ops.bulk_batch_size(
        [f for f in model._meta.concrete_fields if not f.primary_key], [None] * 200))) for model in (
        Activity, ActivityHost, Activity.content_areas.through, Session))
    # + the service's own permission check (the filing organizations and the user's grants,
    # once each), savepoint and release
    with django_assert_max_num_queries(inserts + 4):
        ids = importer.write([p for p, _e, _w in parsed])
    assert len(ids) == 200
    assert ActivityHost.objects.filter(activity_id__in=ids).count() == 200
    assert Session.objects.filter(activity_id__in=ids).count() == 200
    assert Activity.objects.get(pk=ids[0]).other_hosts == "平台外单位"


def test_english_template_and_messages_for_an_english_user(staff_client, excel):
    """The UI's second language: headers, drop-down values and messages in English; a Chinese
    template uploaded from the English UI still imports."""
    client = staff_client("sjz-filer")
    chinese_template = excel.template(client)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    template = excel.template(client)
    headers = [c.value for c in openpyxl.load_workbook(BytesIO(template)).worksheets[0][1]]
    with translation.override("en"):
        assert headers == [str(c.header) for c in PROJECT_COLUMNS] and "项目名称" not in headers
        english = {translation.gettext(zh): value for zh, value in GOOD_PROJECT.items()}
        english.update({translation.gettext(zh): translation.gettext(value) for zh, value in [
            ("级别", "市级"), ("是否重大示范活动", "否"), ("举办形式", "线上线下结合")]})
        english[translation.gettext("项目名称")] = "English import"
        bad = {**english, translation.gettext("项目名称"): "Bad date", translation.gettext("开始日期"): "8月32日"}
    job = excel.job(excel.upload(client, fill(template, [english, bad])))
    assert job.valid_rows == [2] and job.language == "en"
    assert job.errors[0][:2] == [3, "starts_on"] and "“8月32日”" in job.errors[0][3] and "无法" not in job.errors[0][3]
    excel.confirm(client, job)
    activity = Activity.objects.get(title="English import")
    assert (activity.level, activity.format, activity.host_links.count()) == ("city", "hybrid", 3)

    chinese = excel.job(excel.upload(client, fill(chinese_template, [{**GOOD_PROJECT, "项目名称": "中文模板"}])))
    assert chinese.valid_rows == [2]


def test_rows_after_a_long_blank_stretch_are_not_read_and_the_user_is_told(staff_client, excel):
    client = staff_client("sjz-filer")
    data = fill(excel.template(client), [{**GOOD_PROJECT, "项目名称": "前面"}])
    data = fill(data, [{**GOOD_PROJECT, "项目名称": "很远的后面"}], start_row=2000)
    job = excel.job(excel.upload(client, data))
    assert job.valid_rows == [2]
    assert [0, "", "", "第 3 行起连续 1000 行为空，其后的行没有读取。"] in job.warnings
