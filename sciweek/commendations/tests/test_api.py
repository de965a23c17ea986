"""The commendation list in the JSON API: only on notice or final; the demo's Hebei list as the
region page shows it; unknown levels and years in the API's error shape."""
from datetime import date

import pytest

from sciweek.commendations import selectors, services
from sciweek.commendations.demo import load_commendations_demo
from sciweek.evaluation.demo import load_evaluation_demo

from .conftest import YEAR, at
from .test_flow import on_notice, proposable  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def api(client, year, organization_id):
    return client.get(f"/api/v1/campaigns/{year}/commendations/{organization_id}")


def test_only_a_list_on_notice_or_final_is_answered(client, tree, proposable):  # noqa: F811
    response = api(client, YEAR, tree["p"].pk)  # drafted
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    services.propose(tree["p_admin"], proposable, now=at(10, 10))
    assert api(client, YEAR, tree["p"].pk).status_code == 404  # proposed: not public yet
    services.approve(tree["p_admin2"], proposable, now=at(10, 11))
    assert api(client, YEAR, tree["p"].pk).status_code == 404  # approved: not public yet
    services.start_notice(tree["p_admin"], proposable, days=7, contact="甲省科技厅（办公电话）",
                          starts_on=date(YEAR, 10, 12), now=at(10, 11))
    body = api(client, YEAR, tree["p"].pk).json()
    assert (body["status"], body["notice_starts_on"], body["notice_ends_on"]) == (
        "notice", f"{YEAR}-10-12", f"{YEAR}-10-18")
    people = next(c for c in body["categories"] if c["kind"] == "individual")["awardees"]
    assert {"name": "演示人员一", "unit": "甲一市科技馆", "role": "馆长", "region": people[0]["region"],
            "individual": True} in people
    assert api(client, YEAR, tree["q"].pk).status_code == 404  # another level: none of it


def test_the_demo_list_as_the_region_page_shows_it(client, demo, org):
    hebei = org("河北省")
    load_evaluation_demo(demo, hebei)
    commendation = load_commendations_demo(demo, hebei)
    body = api(client, 2020, hebei.pk).json()
    assert body["status"] == "final" and body["title"] == commendation.title and body["organization"] == "河北省"
    rows = selectors.public_rows(commendation)
    assert [(c["name"], [a["name"] for a in c["awardees"]]) for c in body["categories"]] == [
        (c["name"], [a["name"] for a in c["candidates"]]) for c in rows]
    assert "演示人员一" in {a["name"] for c in body["categories"] for a in c["awardees"]}


def test_unknown_year_or_level(client, demo, org):
    assert api(client, 1999, org("河北省").pk).status_code == 404
    assert api(client, 2020, 999_999_999).status_code == 404
    assert api(client, 2020, 0).status_code == 422
