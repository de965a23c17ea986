"""Issue 9: a campaign may let its activities run in a window around the week (e.g. the month
of the week); national admins set it on the campaign settings page; unset, it is the week."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from freezegun import freeze_time

from sciweek.campaigns.models import Campaign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_2020():
    with freeze_time("2020-07-20 10:00:00", tick=True):  # the console's current campaign is 2020
        yield


def settings_data(demo, **values):
    return {"name": demo.name, "theme": demo.theme, "starts_on": "2020-08-23", "ends_on": "2020-08-29",
            "allow_late_filing": "on", "news_within_days": "3", "summary_video_max_seconds": "180", "summary_min_images": "3", "summary_grace_days": "10",
            "is_published": "on", **values}


def test_unset_the_window_is_the_week(demo):
    assert demo.activity_window == (date(2020, 8, 23), date(2020, 8, 29))
    demo.activities_until = date(2020, 8, 31)
    assert demo.activity_window == (date(2020, 8, 23), date(2020, 8, 31))


def test_national_admins_set_the_window_on_the_settings_page(demo, staff_client):
    client = staff_client("national-admin")
    assert "活动日期最早可为" in client.get(reverse("campaigns:campaign_edit")).content.decode()
    response = client.post(reverse("campaigns:campaign_edit"), settings_data(
        demo, activities_from="2020-08-01", activities_until="2020-08-31"))
    assert response.status_code == 302
    demo.refresh_from_db()
    assert demo.activity_window == (date(2020, 8, 1), date(2020, 8, 31))
    page = client.get(reverse("campaigns:campaign")).content.decode()
    assert "2020-08-01 — 2020-08-31" in page

    bad = client.post(reverse("campaigns:campaign_edit"), settings_data(
        demo, activities_from="2020-08-25", activities_until="2020-08-28")).content.decode()
    assert "活动日期最早可为的日期不能晚于活动周开始日期（2020-08-23）。" in bad
    assert "活动日期最晚可为的日期不能早于活动周结束日期（2020-08-29）。" in bad
    demo.refresh_from_db()
    assert demo.activity_window == (date(2020, 8, 1), date(2020, 8, 31))  # nothing saved


def test_regional_admins_cannot_set_it(demo, staff_client):
    assert staff_client("hebei-admin").post(reverse("campaigns:campaign_edit"), settings_data(
        demo, activities_from="2020-08-01")).status_code == 404
    assert Campaign.objects.get(pk=demo.pk).activities_from is None


def test_the_database_keeps_the_window_around_the_week(demo):
    demo.activities_from = date(2020, 8, 24)
    with pytest.raises(ValidationError) as refused:
        demo.full_clean()
    assert "活动日期最早可为的日期不能晚于活动周开始日期。" in str(refused.value)
