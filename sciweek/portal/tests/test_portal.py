"""The public shell's own pages: the home page (the public dashboard) and the region pages.
The activities' public pages (catalog, activity page, calendar, map, online week) are tested
in sciweek/activities/tests/test_public_pages.py."""
import pytest
from django.urls import reverse

from sciweek.activities.tests.test_public_pages import approved_activity

pytestmark = pytest.mark.django_db


def test_home_shows_the_current_campaign(client, demo):
    from sciweek.campaigns.selectors import current_campaign

    campaign = current_campaign()
    page = client.get("/").content.decode()
    assert campaign.name in page and campaign.theme in page


def test_home_shows_the_2020_theme(client, reference_year):
    page = client.get("/").content.decode()
    assert "科技战疫 创新强国" in page and "2020年全国科技活动周" in page
    assert "科学之夜活动" in page
    assert "演示数据" in page


def test_hebei_region_page_shows_the_plan_counts_and_lists(client, demo, org):
    page = client.get(reverse("portal:region", args=[2020, org("河北省").pk])).content.decode()
    assert "科学防控 科普行动 科技扶贫 科创惠民" in page
    for n in ("629", "110", "474", "45"):
        assert f">{n}<" in page
    assert "2020年全省科技活动周启动仪式" in page and "辛集市2020年科技活动周专题科普活动" in page


def test_pages_carry_security_headers(client, demo):
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_no_asset_from_a_cdn(client, demo):
    page = client.get("/").content.decode()
    assert "//cdn" not in page and "unpkg" not in page and "jsdelivr" not in page


def test_home_shows_numbers_live_streams_and_highlights(client, demo, reference_year):
    page = client.get("/").content.decode()
    assert ">643<" in page  # 14 flagships + 629 in Hebei
    assert "8月23日 的直播" in page and "科学之夜活动" in page  # flagships first, on both databases
    assert "科学之夜活动" in page


def test_shell_pages_have_bounded_queries(client, demo, org, django_assert_max_num_queries):
    for url in (reverse("portal:home"), reverse("portal:region", args=[2020, org("河北省").pk])):
        with django_assert_max_num_queries(25):
            assert client.get(url).status_code == 200


def test_city_region_page_uses_city_labels(client, demo, org):
    page = client.get(reverse("portal:region", args=[2020, org("石家庄市").pk])).content.decode()
    assert "各区县推荐" in page and "?p=130000&amp;c=130100" in page  # the catalog's cascade, province first


def test_cached_numbers_follow_new_filings(client, demo, reference_year):
    """Home numbers and catalog counts are cached, but a new public filing shows at once."""
    home = client.get("/").content.decode()
    assert ">643<" in home
    assert "共 629 项活动" in client.get(reverse("activities:catalog", args=[2020]), {"p": "130000"}).content.decode()
    approved_activity(demo, "缓存之后新通过的活动")
    home = client.get("/").content.decode()
    assert ">644<" in home
    assert "共 630 项活动" in client.get(reverse("activities:catalog", args=[2020]), {"p": "130000"}).content.decode()


def test_home_repeated_request_reads_no_aggregate(client, demo, django_assert_max_num_queries):
    client.get("/")
    with django_assert_max_num_queries(15) as queries:
        assert client.get("/").status_code == 200
    on_activities = [q["sql"].upper() for q in queries.captured_queries if '"ACTIVITIES_ACTIVITY"' in q["sql"].upper()]
    assert on_activities and not any("SUM(" in sql or "COUNT(" in sql for sql in on_activities)


def test_home_campaign_lists_follow_new_rows(client, demo, reference_year, org):
    """The campaign's lists are cached too, but a new regional plan shows on the next request."""
    from sciweek.campaigns.models import RegionalPlan

    assert "山西省" not in client.get("/").content.decode()
    RegionalPlan.objects.create(campaign=demo, organization=org("山西省"), theme="科技惠民")
    assert "科技惠民" in client.get("/").content.decode()


def test_region_page_lists_only_public_key_activities(client, demo, org):
    from sciweek.activities.models import Activity

    key = Activity.objects.get(title="2020年全省科技活动周启动仪式")
    Activity.objects.filter(pk=key.pk).update(status="submitted")  # e.g. a re-filed plan item under review
    page = client.get(reverse("portal:region", args=[2020, org("河北省").pk])).content.decode()
    assert "2020年全省科技活动周启动仪式" not in page and "2020年全省科普讲解大赛" in page
