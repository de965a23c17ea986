"""The filing pages apply activities.rules: values the importer always refused are refused here
too, while a draft may still be saved in parts."""
import pytest
from django.urls import reverse
from freezegun import freeze_time

from sciweek.activities.models import Activity

pytestmark = pytest.mark.django_db
EMPTY_SESSIONS = {"sessions-TOTAL_FORMS": "0", "sessions-INITIAL_FORMS": "0"}


@pytest.fixture(autouse=True)
def _filing_period():
    with freeze_time("2020-07-20 10:00:00", tick=True):
        yield


@pytest.fixture
def draft(staff_client, org):
    client = staff_client("unit-filer")
    client.post(reverse("activities:filing_new"), {"organization": org("石家庄市科技信息研究所").pk, "kind": "project"})
    return client, Activity.objects.latest("id")


def test_autosave_keeps_good_fields_and_refuses_what_the_importer_refuses(draft):
    client, activity = draft
    response = client.post(reverse("activities:filing_autosave", args=[activity.pk]), {
        "title": "规则一致", "contact_phone": "abc", "expected_participants": "100000000", "venue_capacity": "200",
        "safety_max_attendance": "300", "audience": "市民", **EMPTY_SESSIONS}, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "无法识别的电话号码“abc”" in text and "未保存" in text
    activity.refresh_from_db()
    assert (activity.title, activity.audience, activity.venue_capacity) == ("规则一致", "市民", 200)
    assert (activity.contact_phone, activity.expected_participants, activity.safety_max_attendance) == ("", None, None)


def test_a_partial_draft_still_saves_what_is_missing_is_listed(draft, demo):
    """An attendance cap makes the venue capacity necessary; a draft without it still saves and
    the page lists it (submission refuses it, the importer refuses such a row)."""
    demo.attendance_cap_percent = 50
    demo.save()
    client, activity = draft
    response = client.post(reverse("activities:filing_edit", args=[activity.pk]), {
        "title": "只写了标题", "format": "onsite", **EMPTY_SESSIONS, "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000"})
    assert response.status_code == 302
    page = client.get(reverse("activities:filing_edit", args=[activity.pk])).content.decode()
    assert "请填写场馆额定容量" in page
