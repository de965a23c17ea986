"""Background checking and importing (ImmediateBackend in tests) and the htmx progress partial."""
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from sciweek.activities.models import Activity
from sciweek.spreadsheets import services, tasks
from sciweek.spreadsheets.models import ImportJob

from .conftest import GOOD_PROJECT, fill

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_year")]  # 2020 as the current campaign


def test_background_import_reports_progress_up_to_100_percent(staff_client, excel, monkeypatch):
    seen = []
    original = services.Progress.__call__

    def record(self, stage, percent, *args, **kwargs):
        seen.append((stage, int(percent)))
        return original(self, stage, percent, *args, **kwargs)

    monkeypatch.setattr(services.Progress, "__call__", record)
    client = staff_client("sjz-filer")
    rows = [{**GOOD_PROJECT, "项目名称": f"批量导入 {i}"} for i in range(1200)]
    job = excel.job(excel.upload(client, fill(excel.template(client), rows)))
    assert job.status == ImportJob.Status.PREVIEW and job.percent == 100
    assert (job.total, job.processed, job.valid_count) == (1200, 1200, 1200)
    percents = [p for _stage, p in seen]
    assert percents == sorted(percents) and len(set(percents)) >= 4  # reading, then checking, in steps

    seen.clear()
    job = excel.confirm(client, job)
    assert job.status == ImportJob.Status.DONE and job.percent == 100 and job.progress == 100
    assert job.imported_count == 1200 and job.processed == job.total == 1200
    assert Activity.objects.filter(title__startswith="批量导入 ").count() == 1200
    stages = [stage for stage, _p in seen]
    # the rows read at the check are kept: the import does not parse the workbook again
    assert stages[0] == "正在逐行检查" and "正在读取文件" not in stages and stages[-1] == "正在写入数据库"
    assert [p for _s, p in seen] == sorted(p for _s, p in seen)


def test_progress_partial_is_polled_by_htmx_until_the_job_is_done(staff_client, org, demo):
    client = staff_client("sjz-filer")
    job = ImportJob.objects.create(campaign=demo, organization=org("石家庄市"), kind="project", original_name="a.xlsx",
                                   created_by_id=client.session["_auth_user_id"], status=ImportJob.Status.CHECKING,
                                   total=10_000, processed=2_500, progress=25, stage="正在逐行检查")
    url = reverse("spreadsheets:job_progress", args=[job.pk])
    page = client.get(reverse("spreadsheets:job_detail", args=[job.pk])).content.decode()
    assert f'hx-get="{url}"' in page and 'hx-trigger="every 1s"' in page
    assert re.search(r'<progress class="bar" max="100" value="25"', page)
    assert re.search(r"已处理 2,?500 / 1,?0,?000 行", page)
    assert "<script>" not in page and "onclick" not in page  # CSP: no inline script

    partial = client.get(url, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and 'hx-trigger="every 1s"' in partial.content.decode()
    assert "<html" not in partial.content.decode()

    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.PREVIEW, progress=100)
    finished = client.get(url, HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"  # the page reloads and shows the preview
    assert client.get(url).status_code == 302  # without htmx: back to the page


def test_tasks_are_idempotent_and_failures_are_recorded(staff_client, org, demo):
    client = staff_client("sjz-filer")
    job = ImportJob(campaign=demo, organization=org("石家庄市"), kind="project", original_name="坏.xlsx",
                    created_by_id=client.session["_auth_user_id"])
    job.file.save("broken.xlsx", ContentFile(b"PK\x03\x04 not really a zip"), save=False)
    job.save()
    tasks.check_import.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UNREADABLE and "损坏" in job.message
    assert services.run_import(job.pk) == ImportJob.Status.UNREADABLE  # wrong state: nothing happens


def test_a_filer_who_lost_the_role_cannot_finish_an_import(staff_client, excel, org):
    from sciweek.accounts.models import Membership

    client = staff_client("sjz-filer")
    job = excel.job(excel.upload(client, fill(excel.template(client), [{**GOOD_PROJECT, "项目名称": "撤销后"}])))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING)
    Membership.objects.filter(user__username="sjz-filer", role="filer").delete()
    assert services.run_import(job.pk) == ImportJob.Status.FAILED
    assert not Activity.objects.filter(title="撤销后").exists()
    job.refresh_from_db()
    assert "已无权" in job.message


def test_uploaded_files_are_kept_outside_media(staff_client, excel, settings):
    from pathlib import Path

    client = staff_client("sjz-filer")
    job = excel.job(excel.upload(client, fill(excel.template(client), [GOOD_PROJECT])))
    path = Path(job.file.path).resolve()
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert re.fullmatch(r"[0-9a-f]{32}\.xlsx", path.name) and job.original_name == "备案.xlsx"
    with pytest.raises(ValueError):
        job.file.url  # noqa: B018 — no public URL exists


def test_a_job_without_kept_rows_reads_the_workbook_again(staff_client, excel):
    client = staff_client("sjz-filer")
    rows = [{**GOOD_PROJECT, "项目名称": "重读一"}, {**GOOD_PROJECT, "项目名称": "重读二", "开始日期": "8月32日"}]
    job = excel.job(excel.upload(client, fill(excel.template(client), rows)))
    assert job.rows_file.name.endswith(".rows.json.gz")
    ImportJob.objects.filter(pk=job.pk).update(rows_file="")
    job = excel.confirm(client, job)
    assert job.status == ImportJob.Status.DONE and job.imported_count == 1
    assert Activity.objects.filter(title="重读一").exists()
    response = client.get(reverse("spreadsheets:job_invalid_rows", args=[job.pk]))
    assert response.status_code == 200


def test_a_queue_outage_is_reported_not_left_waiting(staff_client, excel, monkeypatch):
    client = staff_client("sjz-filer")
    data = fill(excel.template(client), [{**GOOD_PROJECT, "项目名称": "队列故障"}])

    class Down:
        def enqueue(self, *args, **kwargs):
            raise ConnectionError("queue down")

    monkeypatch.setattr(tasks, "check_import", Down())
    job = excel.job(excel.upload(client, data))
    assert job.status == ImportJob.Status.FAILED and "后台任务暂时不可用" in job.message
    monkeypatch.undo()

    job = excel.job(excel.upload(client, data))
    monkeypatch.setattr(tasks, "import_rows", Down())
    response = client.post(reverse("spreadsheets:job_confirm", args=[job.pk]), follow=True)
    assert "后台任务暂时不可用" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW and not Activity.objects.filter(title="队列故障").exists()
