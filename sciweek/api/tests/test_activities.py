"""The catalog (same results as the portal), details, sessions; never a private field."""
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sciweek.activities import catalog, public_views
from sciweek.activities.models import Activity, Session
from sciweek.campaigns.models import ContentArea

from .conftest import DEMO_PHONE, assert_error, assert_public_only

pytestmark = pytest.mark.django_db

CATALOG = "/api/v1/campaigns/2020/activities"


def all_ids(client, params: dict) -> tuple[list[int], int]:
    ids, page, count = [], 1, None
    while page:
        data = client.get(CATALOG, {**params, "page": page, "page_size": 50}).json()
        ids += [item["id"] for item in data["items"]]
        count, page = data["count"], data["next"]
    return ids, count


def portal_ids(campaign, params: dict) -> list[int]:
    """What the portal's catalog page lists for the same query string."""
    query = public_views.catalog_query(RequestFactory().get("/", params))
    return list(catalog.search_catalog(campaign, query).values_list("pk", flat=True))


@pytest.mark.parametrize("params", [
    {},
    {"q": "疫情"},
    {"q": "疫情 讲座"},
    {"q": "省地震局"},
    {"division": "130000"},
    {"division": "130100"},
    {"division": "130102"},
    {"q": "疫情", "division": "130000"},
    {"day": "2020-08-23"},
    {"day": "2020-08-23", "days": "7"},
    {"format": "online"},
    {"format": "onsite", "sort": "title"},
    {"flagship": "1"},
    {"kind": "open_day", "sort": "-date"},
    {"audience": "中小学生"},
    {"bookable": "1"},
    {"sort": "new"},
    {"q": "", "audience": ""},  # empty text = no filter
])
def test_catalog_gives_the_portals_ids_in_its_order(client, demo, params):
    ids, count = all_ids(client, params)
    assert ids == portal_ids(demo, params)
    assert count == len(ids) == len(set(ids))


def test_catalog_area_filter_matches_the_portal(client, demo):
    area = ContentArea.objects.get(campaign=demo, name="科技扶贫")
    ids, _ = all_ids(client, {"area": area.pk})
    assert ids and ids == portal_ids(demo, {"area": str(area.pk)})


def test_hebei_has_629_and_the_search_narrows_it(client, demo):
    assert client.get(CATALOG, {"division": "130000"}).json()["count"] == 629
    data = client.get(CATALOG, {"division": "130000", "q": "疫情"}).json()
    assert 0 < data["count"] < 629
    assert all("疫情" in item["title"] for item in data["items"])


def test_pagination_is_stable_and_reports_neighbours(client, demo):
    last = client.get(CATALOG, {"division": "130000", "page": 32}).json()
    assert (last["count"], last["page"], last["page_size"], last["pages"]) == (629, 32, 20, 32)
    assert len(last["items"]) == 9 and last["next"] is None and last["previous"] == 31
    first = client.get(CATALOG, {"division": "130000"}).json()
    assert first["previous"] is None and first["next"] == 2
    # The links keep the filters and change only the page; following one gives the next page.
    assert last["next_url"] is None and first["previous_url"] is None
    assert first["next_url"] == f"{CATALOG}?division=130000&page=2"
    assert last["previous_url"] == f"{CATALOG}?division=130000&page=31"
    assert client.get(first["next_url"]).json()["page"] == 2
    beyond = client.get(CATALOG, {"division": "130000", "page": 40}).json()
    assert beyond["items"] == [] and beyond["next"] is None and beyond["previous"] == 32
    # Same-date rows tie-break on id, so walking the pages twice gives the same sequence.
    assert all_ids(client, {"division": "130000"}) == all_ids(client, {"division": "130000"})


def test_catalog_items_carry_what_a_list_shows(client, demo):
    flagship = client.get(CATALOG, {"flagship": "1", "page_size": 50}).json()["items"]
    night = next(i for i in flagship if i["flagship"]["number"] == 1)
    assert night["title"] == night["flagship"]["name"] == "科学之夜活动"
    assert night["division"] == {"code": "110000", "name": "北京市"}
    assert night["hosts"] == "科技部"
    assert (night["kind"], night["level"], night["format"], night["status"]) == ("project", "national", "hybrid",
                                                                                 "approved")
    assert night["online"]["live_stream_url"] == "https://live.example.cn/demo"
    assert night["online"]["wechat_account"] is None
    assert (night["starts_on"], night["ends_on"]) == ("2020-08-23", "2020-08-23")


def test_cancelled_activities_stay_listed_as_cancelled(client, demo):
    activity = Activity.objects.filter(campaign=demo, status="approved", flagship__number=3).get()
    Activity.objects.filter(pk=activity.pk).update(status="cancelled", cancel_reason="受疫情影响取消")
    items = client.get(CATALOG, {"flagship": "1", "page_size": 50}).json()["items"]
    assert next(i for i in items if i["id"] == activity.pk)["status"] == "cancelled"
    detail = client.get(f"/api/v1/activities/{activity.pk}").json()
    assert (detail["status"], detail["cancel_reason"]) == ("cancelled", "受疫情影响取消")


def count_queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(CATALOG, params).status_code == 200
    return len(queries)


def test_catalog_queries_do_not_grow_with_page_size(client, demo, django_assert_max_num_queries):
    # Flagship pages (the national ones and the open days) cost one query for their flagships.
    # Warm the cached counts first: a cold count is one query more, whatever the page size.
    count_queries(client, {"flagship": "1"})
    count_queries(client, {"q": "讲座"})
    small = count_queries(client, {"flagship": "1", "page_size": 5})
    large = count_queries(client, {"flagship": "1", "page_size": 50})
    assert small == large
    assert count_queries(client, {"q": "讲座", "page_size": 5}) == count_queries(client, {"q": "讲座", "page_size": 50})
    # campaign, data version (keys the cached count), count on a cold cache, page ids, page rows,
    # their hosts, their flagships
    with django_assert_max_num_queries(7):
        client.get(CATALOG, {"division": "130000", "page_size": 50, "page": 3})


def open_day(demo) -> Activity:
    return Activity.objects.filter(campaign=demo, kind="open_day", status="approved").order_by("id").first()


def test_activity_detail(client, demo):
    activity = open_day(demo)
    Activity.objects.filter(pk=activity.pk).update(latitude="38.042300", longitude="114.514300")
    session = activity.sessions.get()
    Session.objects.filter(pk=session.pk).update(seats_taken=12)
    data = client.get(f"/api/v1/activities/{activity.pk}").json()
    assert (data["id"], data["campaign_year"], data["title"], data["kind"]) == (activity.pk, 2020, activity.title,
                                                                                 "open_day")
    assert data["hosts"] == activity.organization.name and data["organizers"] == ""
    assert data["division"]["code"] == activity.division_id
    assert data["address"].endswith("（演示地址）")
    assert (data["latitude"], data["longitude"]) == (38.0423, 114.5143)
    assert data["description"] and data["audience"] == "中小学生及社会公众"
    assert data["open_hours"] == "9:30-11:30" and data["booking_method"]
    assert data["cancel_reason"] is None
    assert [a["national"] for a in data["content_areas"]] == [True, False]
    assert [(s["capacity"], s["seats_left"]) for s in data["sessions"]] == [(30, 18)]
    assert data["sessions"][0]["bookable"] is False  # 2020 is over
    assert_public_only(client.get(f"/api/v1/activities/{activity.pk}"))


def test_detail_takes_a_fixed_number_of_queries(client, demo, django_assert_max_num_queries):
    activity = open_day(demo)
    with django_assert_max_num_queries(7):
        assert client.get(f"/api/v1/activities/{activity.pk}").status_code == 200


@pytest.mark.parametrize("status", ["draft", "submitted", "returned", "rejected", "withdrawn", "superseded"])
def test_non_public_activities_are_not_found(client, demo, status):
    activity = Activity.objects.filter(campaign=demo, status="approved").first()
    Activity.objects.filter(pk=activity.pk).update(status=status)
    assert_error(client.get(f"/api/v1/activities/{activity.pk}"), 404, "not_found")
    assert_error(client.get(f"/api/v1/activities/{activity.pk}/sessions"), 404, "not_found")
    assert activity.pk not in all_ids(client, {})[0]


def test_change_requests_and_unpublished_campaigns_are_not_public(client, demo):
    original = Activity.objects.filter(campaign=demo, status="approved").first()
    copy = Activity.objects.filter(campaign=demo, status="approved").exclude(pk=original.pk).first()
    Activity.objects.filter(pk=copy.pk).update(revises=original)  # an approved change copy is not listed itself
    assert_error(client.get(f"/api/v1/activities/{copy.pk}"), 404, "not_found")
    assert client.get(f"/api/v1/activities/{original.pk}").status_code == 200
    demo.is_published = False
    demo.save()
    assert_error(client.get(f"/api/v1/activities/{original.pk}"), 404, "not_found")


def test_sessions_with_seats_left(client, demo):
    activity = open_day(demo)
    full = activity.sessions.get()
    Session.objects.filter(pk=full.pk).update(seats_taken=30)
    soon = timezone.now() + timedelta(days=3)
    unlimited = Session.objects.create(activity=activity, starts_at=soon, ends_at=soon + timedelta(hours=2))
    limited = Session.objects.create(activity=activity, starts_at=soon + timedelta(days=1),
                                     ends_at=soon + timedelta(days=1, hours=2), capacity=20)
    Session.objects.filter(pk=limited.pk).update(seats_taken=5)
    data = client.get(f"/api/v1/activities/{activity.pk}/sessions").json()
    assert data["activity_id"] == activity.pk and data["count"] == 3
    rows = {s["id"]: s for s in data["items"]}
    assert (rows[full.pk]["seats_left"], rows[full.pk]["bookable"]) == (0, False)
    # No limit means open entry: nothing to book (the activity page says 无需预约, the service refuses).
    assert (rows[unlimited.pk]["capacity"], rows[unlimited.pk]["seats_left"], rows[unlimited.pk]["bookable"],
            rows[unlimited.pk]["booking"]) == (None, None, False, "no_booking")
    assert rows[full.pk]["booking"] == "ended"
    assert (rows[limited.pk]["seats_left"], rows[limited.pk]["bookable"]) == (15, True)
    # ISO 8601 with milliseconds and the zone: what JavaScript's Date parses
    assert abs(datetime.fromisoformat(rows[limited.pk]["starts_at"]) - limited.starts_at) < timedelta(milliseconds=1)
    assert [s["id"] for s in data["items"]] == [full.pk, unlimited.pk, limited.pk]  # by start time
    Activity.objects.filter(pk=activity.pk).update(status="cancelled")
    cancelled = client.get(f"/api/v1/activities/{activity.pk}/sessions").json()
    assert not any(s["bookable"] for s in cancelled["items"])


def test_no_private_field_anywhere(client, demo):
    """The demo puts 13800000000 in every filing's contact phone: it must never come out."""
    Activity.objects.filter(campaign=demo).update(
        budget="12345.67", safety_measures="内部安全预案ZZ", safety_responsible="安全责任人甲", contact_email="x@private.invalid",
        supervising_department="内部主管部门YY", publicity_plan="内部宣传计划XX")
    assert Activity.objects.filter(contact_phone=DEMO_PHONE).count() > 600
    urls = ["/api/v1/campaigns", "/api/v1/campaigns/current", "/api/v1/campaigns/2020",
            "/api/v1/campaigns/2020/regions", "/api/v1/campaigns/2020/regions/130000",
            "/api/v1/campaigns/2020/regions/130100"]
    urls += [f"{CATALOG}?{urlencode({'page': page, 'page_size': 50})}" for page in range(1, 15)]
    ids = list(Activity.objects.filter(campaign=demo, status="approved").values_list("pk", flat=True)[:40])
    ids += [open_day(demo).pk]
    urls += [f"/api/v1/activities/{pk}" for pk in ids] + [f"/api/v1/activities/{pk}/sessions" for pk in ids]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_public_only(response)
        text = response.content.decode()
        for secret in ("12345.67", "内部安全预案ZZ", "安全责任人甲", "x@private.invalid", "内部主管部门YY", "内部宣传计划XX"):
            assert secret not in text, (url, secret)
