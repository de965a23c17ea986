import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from freezegun import freeze_time

from sciweek.accounts.models import AuditEvent
from sciweek.activities.models import Activity, Attachment
from sciweek.activities.tests.factories import complete_filing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _filing_period():
    with freeze_time("2020-07-20 10:00:00", tick=True):
        yield


def new_filing(client, org, kind="project"):
    response = client.post(reverse("activities:filing_new"), {"organization": org.pk, "kind": kind})
    assert response.status_code == 302
    return Activity.objects.latest("id")


def test_filer_creates_fills_and_submits(staff_client, org):
    client = staff_client("unit-filer")
    unit = org("石家庄市科技信息研究所")
    activity = new_filing(client, unit)
    assert activity.status == "draft" and activity.organization == unit
    page = client.get(reverse("activities:filing_edit", args=[activity.pk])).content.decode()
    assert "提交前检查" in page and "主办单位" in page
    area = activity.campaign.content_areas.first()
    data = {
        "title": "走进气象站", "level": "unit", "format": "onsite", "content_areas": [area.pk],
        "host_names": "石家庄市科技信息研究所、某某科技公司", "starts_on": "2020-08-25", "ends_on": "2020-08-25",
        "audience": "小学生", "description": "参观观测场。", "lead_name": "赵工", "contact_name": "钱老师",
        "contact_phone": "13700001111", "division": "130102", "address": "长安区示例路 2 号",
        "venue_capacity": "100", "safety_max_attendance": "40", "safety_measures": "分批入场",
        "safety_responsible": "孙主任",
        "sessions-TOTAL_FORMS": "2", "sessions-INITIAL_FORMS": "0", "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000",
        "sessions-0-starts_at": "2020-08-25T09:00", "sessions-0-ends_at": "2020-08-25T10:30", "sessions-0-capacity": "30",
        "submit": "1",
    }
    response = client.post(reverse("activities:filing_edit", args=[activity.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    activity.refresh_from_db()
    assert activity.status == "submitted" and activity.review_level.name == "石家庄市"
    assert activity.other_hosts == "某某科技公司"
    assert [h.organization.name for h in activity.host_links.all()] == ["石家庄市科技信息研究所"]
    assert activity.sessions.get().capacity == 30


def _page_fields(html: str) -> dict:
    """What the browser would post back from the sessions part of the page."""
    import re
    return {name: value for name, value in re.findall(r'name="(sessions-[^"]+)"[^>]*?value="([^"]*)"', html)}


def test_a_late_autosave_does_not_break_the_next_save(staff_client, org):
    """The keyboard filer's race: the autosave the last keystroke scheduled lands after 保存草稿
    and replaces the sessions again; submitting from the reloaded page must still work."""
    client = staff_client("unit-filer")
    activity = new_filing(client, org("石家庄市科技信息研究所"))
    area = activity.campaign.content_areas.first()
    fields = {
        "title": "走进气象站", "level": "unit", "format": "onsite", "content_areas": [area.pk],
        "host_names": "石家庄市科技信息研究所", "starts_on": "2020-08-25", "ends_on": "2020-08-25",
        "audience": "小学生", "description": "参观观测场。", "lead_name": "赵工", "contact_name": "钱老师",
        "contact_phone": "13700001111", "division": "130102", "address": "长安区示例路 2 号",
        "venue_capacity": "100", "safety_max_attendance": "40", "safety_measures": "分批入场",
        "safety_responsible": "孙主任"}
    typed = {**fields, "sessions-TOTAL_FORMS": "2", "sessions-INITIAL_FORMS": "0",
             "sessions-0-starts_at": "2020-08-25T09:00", "sessions-0-ends_at": "2020-08-25T10:30",
             "sessions-0-capacity": "30"}
    edit = reverse("activities:filing_edit", args=[activity.pk])
    assert client.post(edit, typed).status_code == 302  # 保存草稿
    reloaded = client.get(edit).content.decode()
    late = client.post(reverse("activities:filing_autosave", args=[activity.pk]), typed, HTTP_HX_REQUEST="true")
    assert late.status_code == 200 and activity.sessions.count() == 1
    response = client.post(edit, {**fields, **_page_fields(reloaded), "submit": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    activity.refresh_from_db()
    assert activity.status == "submitted" and activity.sessions.get().capacity == 30


def test_bad_input_is_explained_and_nothing_is_lost(staff_client, org):
    client = staff_client("unit-filer")
    activity = new_filing(client, org("石家庄市科技信息研究所"))
    data = {"title": "保留我", "starts_on": "2020-08-25", "ends_on": "2020-08-20", "expected_participants": "很多",
            "sessions-TOTAL_FORMS": "0", "sessions-INITIAL_FORMS": "0", "sessions-MIN_NUM_FORMS": "0",
            "sessions-MAX_NUM_FORMS": "1000"}
    response = client.post(reverse("activities:filing_edit", args=[activity.pk]), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "结束日期 2020-08-20 早于开始日期 2020-08-25" in page and "输入整数" in page  # the importer's words
    assert 'value="保留我"' in page  # what the user typed is still on the page


def test_autosave_keeps_valid_fields_and_reports_the_rest(staff_client, org):
    client = staff_client("unit-filer")
    activity = new_filing(client, org("石家庄市科技信息研究所"))
    response = client.post(reverse("activities:filing_autosave", args=[activity.pk]),
                           {"title": "自动保存的标题", "audience": "市民", "expected_participants": "abc",
                            "sessions-TOTAL_FORMS": "0", "sessions-INITIAL_FORMS": "0"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "已自动保存" in response.content.decode()
    activity.refresh_from_db()
    assert (activity.title, activity.audience, activity.expected_participants) == ("自动保存的标题", "市民", None)


def test_mass_assignment_is_ignored(staff_client, org):
    client = staff_client("unit-filer")
    activity = new_filing(client, org("石家庄市科技信息研究所"))
    client.post(reverse("activities:filing_autosave", args=[activity.pk]), {
        "title": "想直接通过", "status": "approved", "organization": org("保定市").pk, "is_key": "on",
        "review_level": org("河北省").pk, "version": "99", "sessions-TOTAL_FORMS": "0", "sessions-INITIAL_FORMS": "0"})
    activity.refresh_from_db()
    assert (activity.status, activity.organization.name, activity.is_key, activity.review_level) == (
        "draft", "石家庄市科技信息研究所", False, None)
    response = client.post(reverse("activities:filing_action", args=[activity.pk]), {"action": "approve"})
    assert Activity.objects.get(pk=activity.pk).status == "draft"
    assert response.status_code in (302, 403)


def test_reviewer_inbox_and_bulk_approve(staff_client, demo):
    filings = [complete_filing(demo) for _ in range(2)]
    from sciweek.accounts.models import User
    from sciweek.activities import services

    for a in filings:
        services.submit(a, actor=User.objects.get(username="unit-filer"))
    client = staff_client("sjz-reviewer")
    page = client.get(reverse("activities:review_inbox")).content.decode()
    assert "人工智能与健康生活科普讲座" in page and "已等待" in page
    response = client.post(reverse("activities:review_bulk"), {"activity": [a.pk for a in filings], "decision": "approve",
                                                            "comment": "同意"})
    assert response.status_code == 302
    assert Activity.objects.filter(pk__in=[a.pk for a in filings], status="approved").count() == 2


def test_inbox_query_count_does_not_grow_with_rows(staff_client, demo, django_assert_max_num_queries):
    client = staff_client("sjz-reviewer")
    with django_assert_max_num_queries(20):
        client.get(reverse("activities:review_inbox"))


def test_filer_sees_no_review_buttons_and_province_cannot_act_early(staff_client, demo):
    from sciweek.accounts.models import User
    from sciweek.activities import services

    activity = complete_filing(demo)
    services.submit(activity, actor=User.objects.get(username="unit-filer"))
    page = staff_client("unit-filer").get(reverse("activities:filing_detail", args=[activity.pk])).content.decode()
    assert "审核通过" not in page and "撤回" in page
    client = staff_client("hebei-reviewer")
    client.post(reverse("activities:filing_action", args=[activity.pk]), {"action": "approve"})
    assert Activity.objects.get(pk=activity.pk).status == "submitted"


def test_attachments_are_checked_by_content(staff_client, org, settings):
    client = staff_client("unit-filer")
    activity = new_filing(client, org("石家庄市科技信息研究所"))
    url = reverse("activities:attachment_upload", args=[activity.pk])
    fake = SimpleUploadedFile("照片.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg")
    page = client.post(url, {"file": fake}, follow=True).content.decode()
    assert "只能上传" in page and not Attachment.objects.filter(activity=activity).exists()
    pdf = SimpleUploadedFile("../../etc/passwd/活动方案（终稿）.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    client.post(url, {"file": pdf})
    attachment = Attachment.objects.get(activity=activity)
    assert attachment.original_name == "活动方案（终稿）.pdf"
    assert ".." not in attachment.file.name and attachment.file.name.endswith(".pdf")
    download = client.get(reverse("activities:attachment_download", args=[attachment.pk]))
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert "filename*=utf-8''" in download["Content-Disposition"].lower()
    download.close()  # a FileResponse holds the file open until closed


def test_contacts_are_masked_for_other_roles(staff_client, demo):
    activity = complete_filing(demo)
    page = staff_client("sjz-liaison").get(reverse("activities:filing_detail", args=[activity.pk])).content.decode()
    assert "139****5678" in page and "13912345678" not in page
    page = staff_client("unit-filer").get(reverse("activities:filing_detail", args=[activity.pk])).content.decode()
    assert "13912345678" in page


def test_public_catalog_shows_only_approved(client, demo):
    activity = complete_filing(demo, title="尚未通过的活动")
    page = client.get(reverse("activities:catalog", args=[2020]), {"q": "尚未通过"}).content.decode()
    assert "尚未通过的活动" not in page
    assert client.get(reverse("activities:activity", args=[2020, activity.pk])).status_code == 404


def test_denied_attempts_leave_no_trace_in_data(staff_client, org):
    before = AuditEvent.objects.count()
    staff_client("unit-filer").post(reverse("activities:filing_new"), {"organization": org("保定市").pk})
    assert not Activity.objects.filter(organization__name="保定市", title="未命名活动").exists()
    assert AuditEvent.objects.count() >= before
