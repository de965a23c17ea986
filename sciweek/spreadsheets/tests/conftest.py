"""Helpers for the Excel tests: fill the real downloaded template, upload it, follow the job."""
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sciweek.spreadsheets.models import ImportJob


def workbook_bytes(workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def fill(template: bytes, rows: list[dict], *, start_row: int = 2) -> bytes:
    """Write rows ({header: value}) into the template's form sheet, as an official would."""
    workbook = openpyxl.load_workbook(BytesIO(template))
    sheet = workbook.worksheets[0]
    columns = {cell.value: cell.column for cell in sheet[1] if cell.value}
    for offset, row in enumerate(rows):
        for header, value in row.items():
            sheet.cell(row=start_row + offset, column=columns[header], value=value)
    return workbook_bytes(workbook)


def xlsx_upload(data: bytes, name: str = "备案.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@pytest.fixture
def excel(org):
    """Download a template, upload a workbook, confirm a job — through the real views."""

    class Excel:
        def template(self, client, org_name="石家庄市", kind="project") -> bytes:
            response = client.get(reverse("spreadsheets:template", args=[org(org_name).pk, kind]))
            assert response.status_code == 200, response.status_code
            return b"".join(response.streaming_content)

        def upload(self, client, data: bytes, org_name="石家庄市", name="备案.xlsx"):
            return client.post(reverse("spreadsheets:upload"),
                               {"organization": org(org_name).pk, "file": xlsx_upload(data, name)})

        def job(self, response) -> ImportJob:
            assert response.status_code == 302, response.content.decode()[:2000]
            job_id = int(response["Location"].rstrip("/").split("/")[-1])
            return ImportJob.objects.get(pk=job_id)

        def confirm(self, client, job) -> ImportJob:
            response = client.post(reverse("spreadsheets:job_confirm", args=[job.pk]))
            assert response.status_code == 302
            job.refresh_from_db()
            return job

        def download(self, client, url) -> openpyxl.Workbook:
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content)))

    return Excel()


GOOD_PROJECT = {
    "项目名称": "石家庄市2020年科技活动周启动式（导入）",
    "级别": "市级",
    "是否重大示范活动": "否",
    "主办单位": "石家庄市科学技术局、石家庄市科学技术协会、河北日报社",
    "承办单位": "石家庄市科学技术馆",
    "主管部门": "石家庄市人民政府",
    "内容方向": "展示科技创新成就、科普行动",
    "举办形式": "线上线下结合",
    "开始日期": "2020-08-23",
    "结束日期": "2020-08-24",
    "场次": "2020-08-23 09:30-11:30；8月24日 14:00-16:00（20人）",
    "每场名额": 30,
    "举办地": "130102 长安区",
    "详细地址": "石家庄市长安区中山东路",
    "场馆额定容量": 200,
    "面向对象": "社会公众",
    "预计参与人数": "1,000人",
    "经费预算（万元）": 5.5,
    "活动内容": "启动仪式、科普展览",
    "直播链接": "live.example.cn/sjz",
    "最大同时在场人数": 80,
    "安全和疫情防控措施": "测温、扫码、间隔就座",
    "安全责任人": "王某",
    "项目负责人": "李某",
    "联系人": "张某",
    "联系电话": "0311-12345678",
    "联系邮箱": "kjj@example.cn",
}
