"""Regions: counts per province (one grouped query), a province's plan counts and key activities."""
import pytest

from sciweek.activities import catalog
from sciweek.activities.catalog import CatalogQuery
from sciweek.activities.models import Activity
from sciweek.campaigns.models import RegionalPlan

from .conftest import assert_error

pytestmark = pytest.mark.django_db


def test_provinces_with_public_activity_counts(client, demo):
    data = client.get("/api/v1/campaigns/2020/regions").json()
    assert data["count"] == 31 == len(data["items"])
    by_code = {r["code"]: r for r in data["items"]}
    assert by_code["130000"] == {"code": "130000", "name": "河北省", "activity_count": 629}
    assert by_code["110000"]["activity_count"] == 14  # the national flagships, in Beijing
    for code, region in by_code.items():  # the same numbers the catalog gives for division=code
        assert region["activity_count"] == catalog.search_catalog(demo, CatalogQuery(division=code)).count()


def test_province_counts_are_one_grouped_query(client, demo, django_assert_max_num_queries):
    # campaign + provinces + one grouped count (not one per province)
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/campaigns/2020/regions").status_code == 200


def test_cancelled_activities_stay_counted_as_public(client, demo):
    activity = Activity.objects.filter(status="approved", division__code__startswith="13").first()
    Activity.objects.filter(pk=activity.pk).update(status="cancelled", cancel_reason="因天气取消")
    by_code = {r["code"]: r for r in client.get("/api/v1/campaigns/2020/regions").json()["items"]}
    assert by_code["130000"]["activity_count"] == 629


def test_hebei_region_with_its_plan(client, demo):
    data = client.get("/api/v1/campaigns/2020/regions/130000").json()
    assert (data["code"], data["name"], data["level"], data["parent"]) == ("130000", "河北省", "province", None)
    assert data["activity_count"] == 629
    assert data["organization"]["name"] == "河北省"
    plan = data["plan"]
    assert plan["theme"] == "科学防控 科普行动 科技扶贫 科创惠民"
    assert plan["counts"] == {"total": 629, "by_departments": 110, "by_cities": 474, "open_sessions": 45,
                              "open_research_institutes": 19, "open_universities": 10}
    provincial, city = plan["key_activities"]["provincial"], plan["key_activities"]["city"]
    assert len(provincial) == 10 and len(city) == 13
    assert [a["position"] for a in provincial] == list(range(1, 11))
    assert all(a["hosts"] and a["title"] for a in provincial + city)
    children = {c["code"]: c["activity_count"] for c in data["children"]}
    assert children["130100"] == catalog.search_catalog(demo, CatalogQuery(division="130100")).count()
    assert sum(children.values()) <= 629


def test_city_region_without_its_own_plan(client, demo):
    data = client.get("/api/v1/campaigns/2020/regions/130100").json()
    assert (data["name"], data["level"], data["parent"]) == ("石家庄市", "prefecture",
                                                             {"code": "130000", "name": "河北省"})
    assert data["organization"]["name"] == "石家庄市"
    assert data["plan"] is None
    assert data["activity_count"] == catalog.search_catalog(demo, CatalogQuery(division="130100")).count() > 0
    by_code = {c["code"]: c["activity_count"] for c in data["children"]}
    assert by_code["130102"] == catalog.search_catalog(demo, CatalogQuery(division="130102")).count()


def test_city_with_a_plan_shows_it(client, demo, org):
    RegionalPlan.objects.create(campaign=demo, organization=org("石家庄市"), title="石家庄市方案", theme="科技惠民")
    plan = client.get("/api/v1/campaigns/2020/regions/130100").json()["plan"]
    assert plan["theme"] == "科技惠民"
    assert plan["counts"]["total"] > 0


def test_key_activities_list_only_public_ones(client, demo):
    first = Activity.objects.filter(campaign=demo, level="provincial", is_key=True).order_by("key_position").first()
    Activity.objects.filter(pk=first.pk).update(status="submitted")
    provincial = client.get("/api/v1/campaigns/2020/regions/130000").json()["plan"]["key_activities"]["provincial"]
    assert first.pk not in [a["id"] for a in provincial] and len(provincial) == 9


def test_province_without_a_plan(client, demo):
    data = client.get("/api/v1/campaigns/2020/regions/140000").json()
    assert data["name"] == "山西省" and data["activity_count"] == 0
    assert data["organization"]["name"] == "山西省" and data["plan"] is None


def test_unknown_division_is_not_found(client, demo):
    assert_error(client.get("/api/v1/campaigns/2020/regions/990000"), 404, "not_found")
