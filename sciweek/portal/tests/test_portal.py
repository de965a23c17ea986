from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_shows_the_2020_theme(client, demo):
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


def test_home_shows_numbers_live_streams_and_highlights(client, demo):
    page = client.get("/").content.decode()
    assert ">643<" in page  # 14 flagships + 629 in Hebei
    assert "8月23日 的直播" in page and "科学之夜活动" in page  # flagships first, on both databases
    assert "科学之夜活动" in page


def test_catalog_page_filters_and_htmx_partial(client, demo):
    page = client.get(reverse("portal:catalog", args=[2020]), {"p": "130000"}).content.decode()
    assert "共 629 项活动" in page and 'value="130100"' in page  # cities offered once a province is chosen
    partial = client.get(reverse("portal:catalog", args=[2020]), {"q": "疫情"}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "<html" not in body and 'id="catalog-page"' in body
    stale = client.get(reverse("portal:catalog", args=[2020]), {"p": "110000", "c": "130100"}).content.decode()
    assert "共 14 项活动" in stale  # a city left over from another province is ignored


def test_catalog_rejects_nonsense_quietly(client, demo):
    for params in ({"day": "2020-13-45"}, {"page": "abc"}, {"area": "x"}, {"p": "../../"}, {"sort": "drop"}):
        assert client.get(reverse("portal:catalog", args=[2020]), params).status_code == 200


def test_activity_page_ics_and_share(client, demo):
    from icalendar import Calendar

    from sciweek.activities.models import Activity

    activity = Activity.objects.filter(kind="open_day", status="approved").first()
    page = client.get(reverse("portal:activity", args=[2020, activity.pk])).content.decode()
    assert "余 30 个名额" in page and "<svg" in page and "加入日历" in page
    assert "13800000000" not in page
    ics = client.get(reverse("portal:activity_ics", args=[2020, activity.pk]))
    assert ics["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(ics.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 1 and str(events[0]["SUMMARY"]) == activity.title
    assert events[0].decoded("DTSTART").astimezone(ZoneInfo("Asia/Shanghai")).hour == 9


def test_calendar_and_map(client, demo):
    week = client.get(reverse("portal:calendar", args=[2020])).content.decode()
    assert "8月23日" in week and "8月29日" in week and "?day=2020-08-23" in week
    day = client.get(reverse("portal:calendar", args=[2020]), {"view": "day", "day": "2020-08-25"}).content.decode()
    assert "8月25日" in day and "8月26日" not in day.split("后一天")[0].split("前一天")[-1]
    response = client.get(reverse("portal:map", args=[2020]))
    data = {d["name"]: d for d in response.context["map_data"]}
    assert data["河北"]["value"] == 629 and data["河北"]["url"].endswith("?p=130000") and data["北京"]["value"] == 14
    assert len(data) == 31
    page = response.content.decode()
    assert page.count("<script") == page.count("<script src=") + 1  # only the JSON island is inline


@pytest.mark.parametrize("url_name,args", [("portal:home", []), ("portal:catalog", [2020]),
                                           ("portal:calendar", [2020]), ("portal:map", [2020])])
def test_public_pages_have_bounded_queries(client, demo, url_name, args, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):
        assert client.get(reverse(url_name, args=args)).status_code == 200


def test_online_week_lists_activities_with_that_channel(client, demo):
    page = client.get(reverse("portal:online", args=[2020]), {"channel": "live"}).content.decode()
    assert "进入直播" in page and "https://live.example.cn/demo" in page
    assert client.get(reverse("portal:online", args=[2020]), {"channel": "nope"}).status_code == 200


def test_city_region_page_uses_city_labels(client, demo, org):
    page = client.get(reverse("portal:region", args=[2020, org("石家庄市").pk])).content.decode()
    assert "各区县推荐" in page and "division=130100" in page
