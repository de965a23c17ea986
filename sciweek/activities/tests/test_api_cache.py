"""The API's catalog list served from the campaign's versioned cache (activities.api.cached_page):
the same bytes and headers as when built, every parameter and the language in the key, never
stale after a write to a filing, and the shell's guard (rate limit, token check, ETag) still
around it."""
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sciweek.activities import selectors
from sciweek.activities.api_schemas import activity_summary
from sciweek.activities.models import Activity, Session
from sciweek.campaigns.models import Campaign

pytestmark = pytest.mark.django_db

LIST = "/api/v1/campaigns/2020/activities"
# Headers that differ per request whatever the body (the rate limit's countdown).
PER_REQUEST = {"X-RateLimit-Remaining", "X-RateLimit-Reset"}


def answer(response) -> tuple[int, bytes, dict]:
    return response.status_code, response.content, {k: v for k, v in response.items() if k not in PER_REQUEST}


def queries_of(client, url, params=None, **headers) -> tuple:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {}, **headers)
    return response, len(queries)


@pytest.mark.parametrize("params", [
    {},
    {"page": "2"},
    {"q": "疫情", "division": "130000"},
    {"format": "online", "sort": "title", "page_size": "7", "page": "3"},
    {"kind": "open_day", "flagship": "1"},
    {"day": "2020-08-23", "days": "7", "page": "999"},  # past the end: an empty page
    {"division": "130000", "utm_source": "wechat"},  # unknown parameters ride along in the links
])
def test_a_cached_answer_is_the_built_one_byte_for_byte(client, demo, params):
    built = client.get(LIST, params)
    assert built.status_code == 200
    cached, count = queries_of(client, LIST, params)
    assert count == 2  # the campaign and its data version: no count, no ids, no rows
    assert answer(cached) == answer(built)
    cache.clear()
    assert answer(client.get(LIST, params)) == answer(built)  # and built again after a flush


def test_the_links_keep_the_query_string_as_sent(client, demo):
    body = client.get(LIST, {"division": "130000", "page_size": "5", "utm_source": "x"}).json()
    assert "utm_source=x" in body["next_url"]
    assert "utm_source" not in client.get(LIST, {"division": "130000", "page_size": "5"}).json()["next_url"]


def test_a_saved_filing_shows_at_once(client, demo):
    first = client.get(LIST).json()["items"][0]
    activity = Activity.objects.get(pk=first["id"])
    activity.title = "改过名字的活动"
    activity.save()  # what every write does: it moves updated_at, so the data version
    assert client.get(LIST).json()["items"][0]["title"] == "改过名字的活动"


def test_a_filing_that_stops_being_public_leaves_at_once(client, demo):
    body = client.get(LIST).json()
    gone = body["items"][0]["id"]
    Activity.objects.filter(pk=gone).update(status=Activity.Status.WITHDRAWN, updated_at=timezone.now())
    after = client.get(LIST).json()
    assert gone not in [item["id"] for item in after["items"]]
    assert after["count"] == body["count"] - 1


def test_unpublishing_the_year_answers_404_at_once(client, demo):
    assert client.get(LIST).status_code == 200
    Campaign.objects.filter(pk=demo.pk).update(is_published=False)
    assert client.get(LIST).status_code == 404


def test_each_language_has_its_own_entry(client, demo):
    client.get(LIST, HTTP_ACCEPT_LANGUAGE="zh-CN")
    _, count = queries_of(client, LIST, HTTP_ACCEPT_LANGUAGE="en")
    assert count > 2  # built for English, not taken from the Chinese entry
    _, count = queries_of(client, LIST, HTTP_ACCEPT_LANGUAGE="en")
    assert count == 2


def test_bookable_now_is_always_built(client, demo):
    activity = Activity.objects.filter(campaign=demo, kind="open_day", status="approved",
                                       sessions__isnull=False).first()
    later = timezone.now() + timedelta(days=3)
    Session.objects.filter(activity=activity).update(starts_at=later, ends_at=later + timedelta(hours=2),
                                                     capacity=10, seats_taken=0, waitlist_enabled=False)
    params = {"bookable": "true", "page_size": "50"}
    ids = [item["id"] for item in client.get(LIST, params).json()["items"]]
    assert activity.pk in ids
    # A booking: the filing (so the data version) is untouched, yet the answer changes at once.
    Session.objects.filter(activity=activity).update(seats_taken=10)
    assert activity.pk not in [item["id"] for item in client.get(LIST, params).json()["items"]]


def test_errors_are_not_kept(client, demo):
    for _ in range(2):
        response = client.get(LIST, {"format": ""})
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid"
    assert client.get("/api/v1/campaigns/1999/activities").status_code == 404
    assert client.get("/api/v1/campaigns/1999/activities").status_code == 404


def test_the_shells_headers_and_304_still_apply(client, demo):
    built = client.get(LIST)
    cached = client.get(LIST)
    assert cached["Cache-Control"] == "public, max-age=60"
    assert cached["ETag"] == built["ETag"]
    assert "Accept-Language" in cached["Vary"]
    not_modified = client.get(LIST, HTTP_IF_NONE_MATCH=cached["ETag"])
    assert not_modified.status_code == 304 and not_modified.content == b""


def test_a_bad_token_is_refused_even_for_a_cached_page(client, demo):
    assert client.get(LIST).status_code == 200
    response = client.get(LIST, HTTP_AUTHORIZATION="Bearer sw_not-a-token")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_cached_answers_count_against_the_rate_limit(client, demo, settings):
    settings.SCIWEEK_API_RATE_LIMIT = "3/min"
    assert [client.get(LIST).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_list_items_from_lean_rows_are_those_of_whole_rows(demo, django_assert_num_queries):
    ids = list(selectors.public_activities(demo).order_by(F("flagship_id").desc(nulls_last=True), "id")
               .values_list("pk", flat=True)[:30])
    with django_assert_num_queries(2):  # rows with place and flagship, then hosts
        lean = [activity_summary(a) for a in selectors.summaries_by_ids(ids)]
    assert any(item["flagship"] for item in lean) and any(item["division"] for item in lean)
    assert lean == [activity_summary(a) for a in selectors.by_ids(ids)]
    assert selectors.summaries_by_ids([]) == []
