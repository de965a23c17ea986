"""The console statistics page: drill-down, the grouping select, scoping (a city sees only its
subtree: another branch's level is a 404, never a 403), a role without statistics is a 403
inside, and the page's queries stay bounded."""
import pytest
from django.urls import reverse

from .conftest import YEAR, signed_in

pytestmark = pytest.mark.django_db


def page(client, org=None, by="", **extra):
    params = {"year": YEAR, **({"org": org.pk} if org else {}), **({"by": by} if by else {}), **extra}
    return client.get(reverse("statistics:console"), params)


def test_the_province_page_drills_down_to_its_cities(client, tree):
    signed_in(client, tree["p_stat"])
    response = page(client, tree["p"])
    assert response.status_code == 200
    html = response.content.decode()
    assert f"org={tree['c1'].pk}" in html and f"org={tree['c2'].pk}" in html
    assert f"org={tree['d1'].pk}" not in html  # another province's city
    assert "vendor/echarts-provinces/hebei.js" in html  # P lies in Hebei: the map of its cities
    assert 'id="statistics-data"' in html and "未记录" in html


def test_the_national_page_has_the_china_map(client, tree):
    signed_in(client, tree["root_stat"])
    html = page(client, tree["root"]).content.decode()
    assert "vendor/echarts-china.js" in html


@pytest.mark.parametrize("by", ["kind", "format", "level", "status", "org_kind", "content_area", "date"])
def test_every_grouping(client, tree, by):
    signed_in(client, tree["p_stat"])
    response = page(client, tree["p"], by)
    assert response.status_code == 200
    assert f'id="stat-pivot-{by}"' in response.content.decode()


def test_an_unknown_grouping_says_so_and_shows_the_default(client, tree):
    signed_in(client, tree["p_stat"])
    html = page(client, tree["p"], "nonsense").content.decode()
    assert "没有这种分组方式" in html and 'id="stat-pivot-kind"' in html


def test_a_unit_shows_its_activities(client, tree):
    signed_in(client, tree["u1_stat"])
    html = page(client).content.decode()  # the user's own level
    assert "科技馆展览" in html and "线上直播" in html


@pytest.mark.parametrize("target", ["c2", "p", "root", "d1", "u3"])
def test_a_city_sees_nothing_outside_its_subtree(client, tree, target):
    signed_in(client, tree["c1_stat"])
    org = tree[target]
    assert page(client, org).status_code == 404
    assert client.get(reverse("statistics:export", args=[org.pk]), {"year": YEAR}).status_code == 404
    assert client.post(reverse("statistics:publish", args=[org.pk]), {"year": YEAR}).status_code == 404


def test_a_city_sees_itself_and_its_units(client, tree):
    signed_in(client, tree["c1_stat"])
    assert page(client, tree["c1"]).status_code == 200
    assert page(client, tree["u1"]).status_code == 200


def test_a_filer_inside_the_subtree_is_refused(client, tree):
    signed_in(client, tree["c1_filer"])
    assert page(client, tree["c1"]).status_code == 403


def test_a_malformed_org_is_a_404(client, tree):
    signed_in(client, tree["p_stat"])
    assert client.get(reverse("statistics:console"), {"year": YEAR, "org": "x1"}).status_code == 404


def test_the_page_takes_a_bounded_number_of_queries(client, tree, django_assert_max_num_queries):
    signed_in(client, tree["root_stat"])
    page(client, tree["root"])  # warm the session and keep the first count
    with django_assert_max_num_queries(14):
        assert page(client, tree["root"], "date").status_code == 200
    # never counted: the twelve queries of the count and the snapshot's insert
    with django_assert_max_num_queries(14 + 13):
        assert page(client, tree["p"], "content_area").status_code == 200


def test_the_nav_entry(client, tree):
    signed_in(client, tree["p_stat"])
    html = client.get(reverse("console:home")).content.decode()
    assert reverse("statistics:console") in html
