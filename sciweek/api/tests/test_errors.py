"""Every error is a 4xx in the one documented shape, never a 500 or an HTML page."""
import pytest

from .conftest import assert_error

pytestmark = pytest.mark.django_db

CATALOG = "/api/v1/campaigns/2020/activities"

BAD_INPUTS = [
    # pagination
    (f"{CATALOG}?page=abc", 422, "page"),
    (f"{CATALOG}?page=0", 422, "page"),
    (f"{CATALOG}?page=-1", 422, "page"),
    (f"{CATALOG}?page=1.5", 422, "page"),
    (f"{CATALOG}?page=99999999999999999999999", 422, "page"),
    (f"{CATALOG}?page_size=51", 422, "page_size"),
    (f"{CATALOG}?page_size=0", 422, "page_size"),
    (f"{CATALOG}?page_size=ten", 422, "page_size"),
    # filters
    (f"{CATALOG}?day=2020-13-40", 422, "day"),
    (f"{CATALOG}?day=tomorrow", 422, "day"),
    (f"{CATALOG}?day=2020-02-30", 422, "day"),
    (f"{CATALOG}?day=0", 422, "day"),  # not a Unix timestamp
    (f"{CATALOG}?day=1598140800", 422, "day"),
    (f"{CATALOG}?day=2020-08-23T00:00:00", 422, "day"),
    (f"{CATALOG}?days=3", 422, "days"),
    (f"{CATALOG}?division=xyz", 422, "division"),
    (f"{CATALOG}?division=1300", 422, "division"),
    (f"{CATALOG}?division=13000000", 422, "division"),
    (f"{CATALOG}?area=abc", 422, "area"),
    (f"{CATALOG}?area=0", 422, "area"),
    (f"{CATALOG}?area=99999999999999999999999", 422, "area"),
    (f"{CATALOG}?format=tv", 422, "format"),
    (f"{CATALOG}?kind=lecture", 422, "kind"),
    (f"{CATALOG}?sort=random", 422, "sort"),
    (f"{CATALOG}?flagship=maybe", 422, "flagship"),
    (f"{CATALOG}?bookable=2", 422, "bookable"),
    (f"{CATALOG}?q=" + "科" * 51, 422, "q"),
    # empty values: a parameter is absent or valid
    (f"{CATALOG}?page=", 422, "page"),
    (f"{CATALOG}?page_size=", 422, "page_size"),
    (f"{CATALOG}?division=", 422, "division"),
    (f"{CATALOG}?day=", 422, "day"),
    (f"{CATALOG}?days=", 422, "days"),
    (f"{CATALOG}?area=", 422, "area"),
    (f"{CATALOG}?format=", 422, "format"),
    (f"{CATALOG}?kind=", 422, "kind"),
    (f"{CATALOG}?flagship=", 422, "flagship"),
    (f"{CATALOG}?sort=", 422, "sort"),
    (f"{CATALOG}?q=%00", 422, "q"),
    (f"{CATALOG}?audience=a%00b", 422, "audience"),
    # path parameters
    ("/api/v1/campaigns/abc", 422, "year"),
    ("/api/v1/campaigns/0", 422, "year"),
    ("/api/v1/campaigns/99999999999999999999", 422, "year"),
    ("/api/v1/campaigns/2020/regions/abc", 422, "code"),
    ("/api/v1/campaigns/2020/regions/1300000", 422, "code"),
    ("/api/v1/activities/abc", 422, "activity_id"),
    ("/api/v1/activities/0", 422, "activity_id"),
    ("/api/v1/activities/-5", 422, "activity_id"),
    ("/api/v1/activities/99999999999999999999999", 422, "activity_id"),
    ("/api/v1/activities/abc/sessions", 422, "activity_id"),
]


@pytest.mark.parametrize(("url", "status", "field"), BAD_INPUTS)
def test_bad_parameters_are_422_in_the_error_shape(client, demo, url, status, field):
    error = assert_error(client.get(url), status, "invalid")
    assert error["message"] == "请求参数不正确。"
    assert [d["loc"][-1] for d in error["details"]] == [field]
    assert all(set(d) == {"loc", "msg", "type"} for d in error["details"])


def test_all_bad_parameters_are_reported_at_once(client, demo):
    error = assert_error(client.get(f"{CATALOG}?page=abc&day=2020-13-40&division=xyz"), 422, "invalid")
    assert {d["loc"][-1] for d in error["details"]} == {"page", "day", "division"}


@pytest.mark.parametrize("url", [
    "/api/v1/campaigns/2019",
    "/api/v1/campaigns/2019/activities",
    "/api/v1/campaigns/2019/regions",
    "/api/v1/campaigns/2020/regions/990000",
    "/api/v1/activities/9223372036854775807",
    "/api/v1/activities/9223372036854775807/sessions",
    "/api/v1/nothing-here",
    "/api/v2/campaigns",
    "/api/",
    "/api/v1/campaigns/",
])
def test_not_found_is_404_in_the_error_shape(client, demo, url):
    assert_error(client.get(url), 404, "not_found")


def test_wrong_method_is_405_in_the_error_shape(client, demo):
    response = client.post("/api/v1/campaigns", {})
    error = assert_error(response, 405, "method_not_allowed")
    assert error["details"] == {"allowed": ["GET"]}
    assert response["Allow"] == "GET"
    assert_error(client.delete("/api/v1/activities/1"), 405, "method_not_allowed")


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-25", "9999-12-31"])
def test_any_calendar_day_is_accepted(client, demo, day):
    """The schema allows every date, so the API does too (the week is cut at 9999-12-31)."""
    for days in (1, 7):
        response = client.get(CATALOG, {"day": day, "days": days})
        assert response.status_code == 200 and response.json()["count"] == 0


def test_unexpected_failures_still_use_the_shape(client, demo, monkeypatch, caplog):
    from sciweek.campaigns import selectors

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "current_campaign", broken)
    error = assert_error(client.get("/api/v1/campaigns/current"), 500, "server_error")
    assert "boom" not in error["message"]
    assert any("API error" in r.getMessage() for r in caplog.records)
