"""Campaigns: list, current, details."""
from datetime import date, timedelta

import pytest
from django.utils import timezone

from sciweek.campaigns.models import Campaign

from .conftest import assert_error

pytestmark = pytest.mark.django_db


def test_list_published_campaigns(client, demo):
    Campaign.objects.create(year=2021, name="2021年全国科技活动周（未发布）", theme="草稿", starts_on=date(2021, 5, 22),
                            ends_on=date(2021, 5, 29), is_published=False)
    data = client.get("/api/v1/campaigns").json()
    live = timezone.localdate().year  # the live demo campaign of this year, then the 2020 reference year
    assert data["count"] == 2
    assert [c["year"] for c in data["items"]] == [live, 2020]
    assert data["items"][1]["theme"] == "科技战疫 创新强国"


def test_current_campaign(client, demo):
    """The current campaign is this year's (the live demo campaign, its week in a few days)."""
    today = timezone.localdate()
    data = client.get("/api/v1/campaigns/current").json()
    assert (data["year"], data["starts_on"]) == (today.year, str(today + timedelta(days=3)))


def test_current_campaign_of_the_reference_year(client, reference_year):
    data = client.get("/api/v1/campaigns/current").json()
    assert data == {"year": 2020, "name": "2020年全国科技活动周", "theme": "科技战疫 创新强国",
                    "starts_on": "2020-08-23", "ends_on": "2020-08-29", "online_only": False}


def test_no_current_campaign_is_a_404_in_the_error_shape(client, demo):
    Campaign.objects.update(is_published=False)
    assert_error(client.get("/api/v1/campaigns/current"), 404, "not_found")


def test_campaign_details(client, demo):
    data = client.get("/api/v1/campaigns/2020").json()
    assert (data["year"], data["starts_on"], data["ends_on"], data["online_only"]) == (2020, "2020-08-23",
                                                                                       "2020-08-29", False)
    assert data["theme"] == "科技战疫 创新强国"
    assert [a["name"] for a in data["content_areas"]] == ["展示科技战疫成效", "展示科技创新成就", "体验美好生活",
                                                          "科技助力脱贫攻坚"]
    hebei = next(p for p in data["regional_plans"] if p["organization"]["name"] == "河北省")
    assert hebei["theme"] == "科学防控 科普行动 科技扶贫 科创惠民"
    assert hebei["division_code"] == "130000"
    assert [a["name"] for a in hebei["focus_areas"]] == ["科学防控", "科普行动", "科技扶贫", "科创惠民"]
    assert len(data["flagships"]) == 14
    assert data["flagships"][0] == {"id": data["flagships"][0]["id"], "number": 1, "name": "科学之夜活动"}
    assert data["main_venue_events"] and all(e["name"] for e in data["main_venue_events"])
    assert data["notice_date"] == "2020-06-18"


def test_campaign_details_follow_the_online_switch(client, demo):
    Campaign.objects.filter(pk=demo.pk).update(online_only=True)
    assert client.get("/api/v1/campaigns/2020").json()["online_only"] is True


def test_unpublished_or_unknown_campaign_is_not_found(client, demo):
    assert_error(client.get("/api/v1/campaigns/2019"), 404, "not_found")
    Campaign.objects.filter(pk=demo.pk).update(is_published=False)
    assert_error(client.get("/api/v1/campaigns/2020"), 404, "not_found")
    assert_error(client.get("/api/v1/campaigns/2020/activities"), 404, "not_found")
    assert_error(client.get("/api/v1/campaigns/2020/regions"), 404, "not_found")


def test_campaign_details_take_a_fixed_number_of_queries(client, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/campaigns/2020").status_code == 200
