"""B15: wrong files and templates, zip bombs, macros, DTDs, read-only parsing, cross-tenant rows."""
import struct
import zipfile
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse

from sciweek.activities.models import Activity
from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import within
from sciweek.spreadsheets import excel as excel_module
from sciweek.spreadsheets.models import ImportJob

from .conftest import GOOD_PROJECT, fill, workbook_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_year")]  # 2020 as the current campaign


def rejected(response) -> str:
    """The upload page again, with the reason under the file field; no job was made."""
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="errorlist"' in page
    return page


def zip_with(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def minimal_xlsx_parts(template: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(BytesIO(template)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_wrong_file_types_are_rejected_with_a_clear_message(staff_client, excel):
    client = staff_client("sjz-filer")
    jobs = ImportJob.objects.count()
    page = rejected(excel.upload(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, name="备案.xls"))
    assert "旧版 Excel（.xls）" in page and "另存为" in page
    page = rejected(excel.upload(client, "项目名称,主办单位\n科普日,科技局\n".encode(), name="备案.csv"))
    assert "这不是 Excel 文件（.xlsx）" in page
    docx = zip_with({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    assert "Word、WPS 文字或压缩包不能导入" in rejected(excel.upload(client, docx, name="备案.docx"))
    assert "空文件" in rejected(excel.upload(client, b"", name="备案.xlsx"))  # Django's own check
    broken = excel.template(client)[:-200]
    assert "文件已损坏" in rejected(excel.upload(client, broken))
    assert ImportJob.objects.count() == jobs


def test_a_workbook_that_is_not_the_form_is_rejected(staff_client, excel):
    client = staff_client("sjz-filer")
    workbook = openpyxl.Workbook()
    workbook.active.append(["姓名", "电话", "日期"])
    workbook.active.append(["张三", "138", "2020-08-23"])
    page = rejected(excel.upload(client, workbook_bytes(workbook)))
    assert "无法识别这个表格" in page and "请下载本平台的模板" in page

    template = openpyxl.load_workbook(BytesIO(excel.template(client)))
    sheet = template.worksheets[0]
    column = [c.value for c in sheet[1]].index("举办形式") + 1
    sheet.delete_cols(column)
    page = rejected(excel.upload(client, workbook_bytes(template)))
    assert "《重点项目备案表》缺少必填列「举办形式」" in page

    template = openpyxl.load_workbook(BytesIO(excel.template(client)))
    sheet = template.worksheets[0]
    sheet.cell(row=1, column=sheet.max_column + 1, value="开始日期")
    assert "「开始日期」出现了两次" in rejected(excel.upload(client, workbook_bytes(template)))


def test_zip_bomb_is_rejected_before_openpyxl_opens_it(staff_client, excel, settings, monkeypatch):
    """A huge sheet1.xml that compresses to almost nothing: the declared size is checked first."""
    settings.SPREADSHEET_MAX_UNCOMPRESSED_BYTES = 8 * 1024 * 1024
    opened = []
    monkeypatch.setattr(excel_module, "load_workbook", lambda *a, **k: opened.append(k))
    client = staff_client("sjz-filer")
    parts = minimal_xlsx_parts(excel.template(client))
    parts["xl/worksheets/sheet1.xml"] = b"<worksheet>" + b" " * (20 * 1024 * 1024) + b"</worksheet>"
    bomb = zip_with(parts)
    assert len(bomb) < 200_000
    page = rejected(excel.upload(client, bomb))
    assert "文件解压后超过 8 MB" in page and "已拒绝导入" in page
    assert opened == []  # openpyxl never saw it


def test_zip_bomb_that_lies_about_its_size_is_caught_while_streaming(staff_client, excel, settings):
    """The central directory claims a small entry; reading stops at the claim and the CRC fails."""
    settings.SPREADSHEET_MAX_UNCOMPRESSED_BYTES = 8 * 1024 * 1024
    client = staff_client("sjz-filer")
    parts = minimal_xlsx_parts(excel.template(client))
    parts["xl/worksheets/sheet1.xml"] = b"<worksheet>" + b" " * (20 * 1024 * 1024) + b"</worksheet>"
    data = bytearray(zip_with(parts))
    # patch the uncompressed size of every entry in the central directory to 1,000 bytes
    position = data.find(b"PK\x01\x02")
    while position >= 0:
        struct.pack_into("<I", data, position + 24, 1000)
        position = data.find(b"PK\x01\x02", position + 4)
    page = rejected(excel.upload(client, bytes(data)))
    assert "文件已损坏" in page


def test_too_many_zip_entries_macros_and_dtds_are_rejected(staff_client, excel):
    client = staff_client("sjz-filer")
    parts = minimal_xlsx_parts(excel.template(client))
    many = {**parts, **{f"xl/media/image{i}.png": b"x" for i in range(300)}}
    assert "包含 " in rejected(excel.upload(client, zip_with(many)))
    macro = {**parts, "xl/vbaProject.bin": b"\0" * 100}
    assert "文件包含宏" in rejected(excel.upload(client, zip_with(macro)))
    entity = b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>' + parts[
        "xl/workbook.xml"]
    assert "DTD" in rejected(excel.upload(client, zip_with({**parts, "xl/workbook.xml": entity})))


def test_uploads_are_opened_read_only_with_formulas_as_text(staff_client, excel, monkeypatch):
    calls = []
    real = excel_module.load_workbook

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(excel_module, "load_workbook", spy)
    client = staff_client("sjz-filer")
    excel.job(excel.upload(client, fill(excel.template(client), [GOOD_PROJECT])))
    assert calls and all(k["read_only"] is True and k["data_only"] is False for k in calls)


def test_rows_filing_for_another_city_are_rejected_but_cohosts_anywhere_are_linked(staff_client, excel, org):
    """石家庄's filer cannot file for 保定; naming 保定's bureau or the provincial department as
    host or organizer is co-hosting, as in the console form (a host link grants no access)."""
    client = staff_client("sjz-filer")
    baoding = org("保定市")
    before = Activity.objects.filter(within(baoding.path, "organization__path")).count()
    rows = [
        {**GOOD_PROJECT, "项目名称": "冒名保定", "填报单位": "保定市科学技术局"},
        {**GOOD_PROJECT, "项目名称": "联合保定", "主办单位": "石家庄市科学技术局、保定市科学技术局"},
        {**GOOD_PROJECT, "项目名称": "省厅承办", "承办单位": "省科技厅"},
        {**GOOD_PROJECT, "项目名称": "本市活动"},
    ]
    job = excel.job(excel.upload(client, fill(excel.template(client), rows)))
    assert job.invalid_rows == [2] and job.valid_rows == [3, 4, 5]
    messages = {(e[0], e[2]): e[3] for e in job.errors}
    assert messages[(2, "填报单位")] == "“保定市科学技术局”不属于所选填报单位“石家庄市”及其下级单位，不能为其备案"
    excel.confirm(client, job)
    assert Activity.objects.filter(within(baoding.path, "organization__path")).count() == before
    assert not Activity.objects.filter(title="冒名保定").exists()
    joint = Activity.objects.get(title="联合保定")
    assert joint.organization == org("石家庄市")
    assert list(joint.host_links.filter(role="host").values_list("organization__name", flat=True)) == [
        "石家庄市科学技术局", "保定市科学技术局"]
    assert Activity.objects.get(title="省厅承办").host_links.filter(role="organizer",
                                                                 organization=org("河北省科学技术厅")).exists()
    # 保定's staff gain nothing from being named: the filing stays out of their lists
    from sciweek.accounts.models import User
    from sciweek.activities.selectors import visible_filings

    baoding_admin = User.objects.create_user("bd-admin", password="x")
    baoding_admin.memberships.create(organization=baoding, role="admin")
    assert not visible_filings(baoding_admin).filter(pk=joint.pk).exists()


def test_a_unit_cannot_import_for_its_city(staff_client, excel, org):
    client = staff_client("unit-filer")
    template = excel.template(client, "石家庄市科技信息研究所")
    job = excel.job(excel.upload(client, fill(template, [{**GOOD_PROJECT, "填报单位": "石家庄市"}]),
                                 "石家庄市科技信息研究所"))
    assert job.valid_count == 0 and job.errors[0][2] == "填报单位"
    # and cannot choose the city (its parent) as the filing organization at all
    assert excel.upload(client, template, "石家庄市").status_code == 404


def test_upload_for_an_organization_outside_the_tree_is_not_found(staff_client, excel, org):
    client = staff_client("sjz-filer")
    data = fill(excel.template(client), [GOOD_PROJECT])
    assert excel.upload(client, data, "保定市").status_code == 404
    assert excel.upload(client, data, "河北省").status_code == 404
    assert not ImportJob.objects.filter(organization__in=Organization.objects.filter(name__in=["保定市", "河北省"]))


def test_upload_limits_file_size(staff_client, excel, settings):
    settings.SPREADSHEET_MAX_UPLOAD_BYTES = 1024
    client = staff_client("sjz-filer")
    assert "文件太大" in rejected(excel.upload(client, excel.template(client)))


def test_too_many_rows_are_refused_with_a_message(staff_client, excel, settings):
    settings.SPREADSHEET_MAX_ROWS = 5
    client = staff_client("sjz-filer")
    data = fill(excel.template(client), [{**GOOD_PROJECT, "项目名称": f"行{i}"} for i in range(6)])
    job = excel.job(excel.upload(client, data))
    assert job.status == ImportJob.Status.UNREADABLE and "数据超过 5 行" in job.message
    page = client.get(reverse("spreadsheets:job_detail", args=[job.pk])).content.decode()
    assert "数据超过 5 行" in page and "没有保存任何备案" in page
