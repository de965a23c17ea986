"""Public pages of the activities app (sciweek.activities.public_views): the catalog (the
same filters as the API), the activity page and its .ics, the calendar, the map and the
online week; what they cache follows new filings at once, with query counts that do not grow
with the data."""
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_catalog_page_filters_and_htmx_partial(client, demo):
    page = client.get(reverse("activities:catalog", args=[2020]), {"p": "130000"}).content.decode()
    assert "共 629 项活动" in page and 'value="130100"' in page  # cities offered once a province is chosen
    partial = client.get(reverse("activities:catalog", args=[2020]), {"q": "疫情"}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "<html" not in body and 'id="catalog-page"' in body
    stale = client.get(reverse("activities:catalog", args=[2020]), {"p": "110000", "c": "130100"}).content.decode()
    assert "共 14 项活动" in stale  # a city left over from another province is ignored


def test_catalog_rejects_nonsense_quietly(client, demo):
    for params in ({"day": "2020-13-45"}, {"page": "abc"}, {"area": "x"}, {"p": "../../"}, {"sort": "drop"}):
        assert client.get(reverse("activities:catalog", args=[2020]), params).status_code == 200


def test_activity_page_ics_and_share(client, demo):
    from icalendar import Calendar

    from sciweek.activities.models import Activity

    activity = Activity.objects.filter(campaign=demo, kind="open_day", status="approved").first()
    page = client.get(reverse("activities:activity", args=[2020, activity.pk])).content.decode()
    assert "已结束" in page and "<svg" in page and "加入日历" in page  # 2020 sessions are over
    assert "13800000000" not in page
    ics = client.get(reverse("activities:activity_ics", args=[2020, activity.pk]))
    assert ics["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(ics.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 1 and str(events[0]["SUMMARY"]) == activity.title
    assert events[0].decoded("DTSTART").astimezone(ZoneInfo("Asia/Shanghai")).hour == 9


def test_calendar_and_map(client, demo):
    week = client.get(reverse("activities:calendar", args=[2020])).content.decode()
    assert "8月23日" in week and "8月29日" in week and "?day=2020-08-23" in week
    day = client.get(reverse("activities:calendar", args=[2020]), {"view": "day", "day": "2020-08-25"}).content.decode()
    assert "8月25日" in day and "8月26日" not in day.split("后一天")[0].split("前一天")[-1]
    response = client.get(reverse("activities:map", args=[2020]))
    data = {d["name"]: d for d in response.context["map_data"]}
    assert data["河北"]["value"] == 629 and data["河北"]["url"].endswith("?p=130000") and data["北京"]["value"] == 14
    assert len(data) == 31
    page = response.content.decode()
    assert page.count("<script") == page.count("<script src=") + 1  # only the JSON island is inline


@pytest.mark.parametrize("url_name", ["activities:catalog", "activities:calendar", "activities:map",
                                      "activities:online"])
def test_public_pages_have_bounded_queries(client, demo, url_name, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):
        assert client.get(reverse(url_name, args=[2020])).status_code == 200


def test_online_week_lists_activities_with_that_channel(client, demo):
    page = client.get(reverse("activities:online", args=[2020]), {"channel": "live"}).content.decode()
    assert "进入直播" in page and "https://live.example.cn/demo" in page
    assert client.get(reverse("activities:online", args=[2020]), {"channel": "nope"}).status_code == 200


def approved_activity(campaign, title, division="130102"):
    from datetime import date

    from sciweek.activities.models import Activity, ActivityHost
    from sciweek.organizations.models import Organization

    unit = Organization.objects.get(name="石家庄市科技信息研究所")
    activity = Activity.objects.create(
        campaign=campaign, title=title, organization=unit, division_id=division, status=Activity.Status.APPROVED,
        starts_on=date(2020, 8, 23), ends_on=date(2020, 8, 23), expected_participants=100, format="online",
        live_stream_url="https://live.example.cn/cache-test", is_key=True, level="provincial")
    ActivityHost.objects.create(activity=activity, organization=unit)
    return activity


@pytest.mark.parametrize("params", [{}, {"p": "130000"}, {"q": "疫情", "p": "130000"}, {"page": "20"}])
def test_catalog_queries_do_not_grow_with_the_data(client, demo, params, django_assert_max_num_queries):
    """L10: the catalog's query count is the same for 643 and 843 public activities, and a
    repeated request reads no count."""
    url = reverse("activities:catalog", args=[2020])
    client.get(url, params)
    with django_assert_max_num_queries(12) as first:
        client.get(url, params)
    queries = len(first)  # read now: the next request resets Django's query log
    assert not any("COUNT(" in q["sql"].upper() for q in first.captured_queries)
    for i in range(200):
        approved_activity(demo, f"扩容测试活动{i}")
    client.get(url, params)
    with django_assert_max_num_queries(queries):
        page = client.get(url, params)
    assert page.status_code == 200


@pytest.mark.parametrize("channel", ["live", "exhibition", "video"])
def test_online_week_reads_a_fixed_number_of_queries(client, demo, channel, django_assert_max_num_queries):
    """List pages load only the columns they show; showing them must not read any row again."""
    url = reverse("activities:online", args=[2020])
    client.get(url, {"channel": channel})
    with django_assert_max_num_queries(10):
        assert client.get(url, {"channel": channel}).status_code == 200


def test_activity_page_seats_stay_live_while_details_are_cached(client, demo, django_assert_max_num_queries):
    from datetime import timedelta

    from django.db.models import F
    from django.utils import timezone

    from sciweek.activities.models import Activity, Session
    from sciweek.reservations.models import Reservation

    activity = Activity.objects.filter(campaign=demo, kind="open_day", status="approved").first()
    ahead = timezone.now() - min(s.starts_at for s in activity.sessions.all()) + timedelta(days=2)
    Reservation.objects.filter(session__activity=activity).delete()  # the 2020 visits: this open day is new again
    Session.objects.filter(activity=activity).update(starts_at=F("starts_at") + ahead, ends_at=F("ends_at") + ahead,
                                                     seats_taken=0)
    url = reverse("activities:activity", args=[2020, activity.pk])
    assert "余 30 个名额" in client.get(url).content.decode()
    with django_assert_max_num_queries(6):  # campaign, version, sessions, current campaign: no join, no row reload
        client.get(url)
    Session.objects.filter(activity=activity).update(seats_taken=5)  # what a booking does: the filing is untouched
    assert "余 25 个名额" in client.get(url).content.decode()
    activity.title = "改过名字的实验室开放日"
    activity.save()
    page = client.get(url).content.decode()
    assert "改过名字的实验室开放日" in page and page.count("<svg") == 1
    assert client.get(url, {"from": "wechat"}).status_code == 200  # a query string is served, not cached
