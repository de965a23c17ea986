"""The catalog's filters travel between the public pages: the catalog's address keeps each
filter once however often the filters change, and the calendar and the map apply the
catalog's filters (the region first) and lead back into the catalog with them (issue 9)."""
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import RequestFactory
from django.urls import reverse

from sciweek.activities import catalog
from sciweek.activities.catalog import CatalogQuery, division_chain, filter_url
from sciweek.activities.public_views import catalog_query

pytestmark = pytest.mark.django_db

CATALOG = reverse("activities:catalog", args=[2020])


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def assert_each_once(url: str):
    repeated = {k: v for k, v in query_of(url).items() if len(v) > 1}
    assert not repeated, f"{url}: {repeated}"


# --- the URL-building helper -----------------------------------------------------------

def test_filter_url_replaces_and_drops_parameters():
    params = {"q": "疫情", "p": "130000", "page": "2"}
    url = filter_url("activities:catalog", 2020, params, page=3)
    assert url == f"{CATALOG}?q=%E7%96%AB%E6%83%85&p=130000&page=3"
    for _ in range(5):  # built again from its own parameters: never grows
        url = filter_url("activities:catalog", 2020, {k: v[0] for k, v in query_of(url).items()}, page=4)
        assert_each_once(url)
    assert query_of(url) == {"q": ["疫情"], "p": ["130000"], "page": ["4"]}
    assert filter_url("activities:catalog", 2020, params, page=None, q="") == f"{CATALOG}?p=130000"
    assert filter_url("activities:catalog", 2020, {}) == CATALOG


@pytest.mark.parametrize("code, chain", [
    ("130000", ["130000"]), ("130100", ["130000", "130100"]), ("130102", ["130000", "130100", "130102"]),
    ("12", []),
])
def test_division_chain(code, chain):
    assert division_chain(code) == chain


@pytest.mark.parametrize("query", [
    CatalogQuery(),
    CatalogQuery(division="130000"),
    CatalogQuery(division="130100", format="online"),
    CatalogQuery(division="130102", q="科普", flagship=True, sort="title"),  # a county: p, c and d
    CatalogQuery(day=date(2020, 8, 23), days=7, bookable=True, kind="open_day", audience="中小学生", area=3),
])
def test_query_url_round_trips_through_the_page(query):
    """What a link says is what the page reads back: the same query, each parameter once."""
    url = query.url("activities:catalog", 2020, page=2)
    assert_each_once(url)
    assert catalog_query(RequestFactory().get(url)) == query


# --- the catalog page ------------------------------------------------------------------

FORM_FIELDS = ["q", "p", "c", "d", "day", "area", "format", "audience", "sort"]


def form_submission(page_html: str, **chosen) -> dict:
    """What the filter form sends: every field (empty ones too), with the user's choices."""
    data = {name: "" for name in FORM_FIELDS}
    data["sort"] = "date"
    data.update(chosen)
    return data


def test_repeated_filter_changes_keep_each_parameter_once(client, demo):
    """The form's htmx request goes to the bare catalog address with the form's fields, and
    the address pushed to the history is the canonical one: each filter once, however many
    changes. (It used to be the current address plus the fields: p=…&p=…&p=….)"""
    page = client.get(CATALOG, {"p": "130000"}).content.decode()
    assert f'hx-get="{CATALOG}"' in page and f'action="{CATALOG}"' in page
    assert 'hx-get=""' not in page

    pushed = None
    for choice in ({"p": "130000"}, {"p": "130000", "c": "130100"}, {"p": "130000", "c": "130100", "format": "online"},
                   {"p": "110000", "c": "130100", "format": "online"}, {"p": "110000", "format": "online", "q": "科普"}):
        response = client.get(CATALOG, form_submission(page, **choice), HTTP_HX_REQUEST="true",
                               HTTP_HX_CURRENT_URL=f"http://testserver{pushed or CATALOG}")
        assert response.status_code == 200
        pushed = response["HX-Push-Url"]
        assert_each_once(pushed)
        assert all(value != [""] for value in query_of(pushed).values()), pushed  # no empty filters
        page = response.content.decode()
    assert query_of(pushed) == {"q": ["科普"], "p": ["110000"], "format": ["online"]}  # the stale city is gone


def test_pagination_links_keep_filters_once(client, demo):
    response = client.get(CATALOG, {"p": "130000", "page": "2"})
    body = response.content.decode()
    assert f'href="{CATALOG}?p=130000&amp;page=3"' in body
    assert f'href="{CATALOG}?p=130000"' in body  # back to page 1: no page parameter
    partial = client.get(CATALOG, {"p": "130000", "page": "2"}, HTTP_HX_REQUEST="true")
    assert partial["HX-Push-Url"] == f"{CATALOG}?p=130000&page=2"


def test_a_county_filter_survives_links(client, demo):
    """A county used to be written as d= alone, which the page (reading p, then c, then d)
    dropped: the next page showed the whole country."""
    county = CatalogQuery(division="130102")
    whole = client.get(county.url("activities:catalog", 2020)).content.decode()
    direct = client.get(CATALOG, {"division": "130102"}).content.decode()
    count = catalog.count(demo, county)
    assert count and f"共 {count} 项活动" in whole and f"共 {count} 项活动" in direct


# --- the calendar ----------------------------------------------------------------------

def test_calendar_applies_the_region_filter(client, demo):
    calendar = reverse("activities:calendar", args=[2020])
    everywhere = client.get(calendar).context["days"]
    hebei = client.get(calendar, {"p": "130000"}).context["days"]
    beijing = client.get(calendar, {"p": "110000"}).context["days"]
    assert sum(d["count"] for d in hebei) < sum(d["count"] for d in everywhere)
    for day in hebei + beijing:  # each day's count is the catalog's for that day and region
        assert query_of(day["url"])["day"] == [day["day"].isoformat()]
        assert day["count"] == catalog.count(demo, catalog_query(RequestFactory().get(day["url"])))
    assert all(query_of(d["url"])["p"] == ["130000"] for d in hebei)
    assert all(a.division_id.startswith("13") for d in hebei for a in d["rows"])
    assert all(a.division_id.startswith("11") for d in beijing for a in d["rows"])


def test_calendar_links_keep_the_region_and_other_filters(client, demo):
    calendar = reverse("activities:calendar", args=[2020])
    response = client.get(calendar, {"p": "130000", "c": "130100", "format": "online", "q": "科普"})
    page = response.content.decode()
    context = response.context
    for key in ("previous_url", "next_url", "day_view_url", "campaign_week_url", "catalog_url", "map_url"):
        url = context[key]
        assert_each_once(url)
        assert query_of(url)["c"] == ["130100"] and query_of(url)["format"] == ["online"], key
        assert url.replace("&", "&amp;") in page
    assert query_of(context["next_url"])["day"] == ["2020-08-30"]
    # The form shows the cascade and keeps what it does not show (q) as a hidden field, once.
    assert 'name="c"' in page and page.count('name="q"') == 1 and 'type="hidden" name="q" value="科普"' in page
    partial = client.get(calendar, {"view": "week", "day": "2020-08-23", "p": "130000", "c": "", "d": "",
                                    "format": "", "q": "科普"}, HTTP_HX_REQUEST="true")
    assert query_of(partial["HX-Push-Url"]) == {"q": ["科普"], "p": ["130000"], "view": ["week"],
                                                 "day": ["2020-08-23"]}


def test_region_page_leads_into_the_filtered_catalog_and_calendar(client, demo, org):
    response = client.get(reverse("portal:region", args=[2020, org("河北省").pk]))
    assert response.context["catalog_url"] == f"{CATALOG}?p=130000"
    assert response.context["calendar_url"] == reverse("activities:calendar", args=[2020]) + "?p=130000"


# --- the map ---------------------------------------------------------------------------

def test_map_applies_the_catalog_filters(client, demo):
    map_url = reverse("activities:map", args=[2020])
    online = client.get(map_url, {"format": "online"}).context
    data = {d["full_name"]: d for d in online["map_data"]}
    assert data["河北省"]["value"] == catalog.count(demo, CatalogQuery(division="130000", format="online"))
    assert data["河北省"]["value"] < 629
    assert query_of(data["河北省"]["url"]) == {"p": ["130000"], "format": ["online"]}
    only_hebei = client.get(map_url, {"p": "130000"})
    values = {d["full_name"]: d["value"] for d in only_hebei.context["map_data"]}
    assert values["河北省"] == 629 and values["北京市"] == 0
    assert only_hebei.context["all_regions_url"] == map_url
    assert "只统计河北省的活动" in only_hebei.content.decode()
