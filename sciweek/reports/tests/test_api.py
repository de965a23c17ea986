"""The reports endpoints: a filer's own summaries, one summary (404 outside the caller's part
of the tree, 403 inside without the role), and a level's live dashboard."""
import pytest

from sciweek.api.models import ApiToken
from sciweek.reports import services

from .conftest import YEAR, at

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    _token, key = ApiToken.issue(user, name="reports test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_my_reports_and_one_report(client, tree, ready):
    report = services.submit(ready(tree["u1"], tree["u1_filer"]), actor=tree["u1_filer"], now=at(9, 1))
    mine = client.get(f"/api/v1/campaigns/{YEAR}/reports/mine", **bearer(tree["u1_filer"]))
    assert mine.status_code == 200
    assert [(r["organization"], r["status"], r["on_time"]) for r in mine.json()] == [("甲一市科技馆", "submitted", True)]
    one = client.get(f"/api/v1/reports/{report.pk}", **bearer(tree["c1_reviewer"]))
    assert one.status_code == 200 and one.json()["images"] == 1
    assert {f["key"] for f in one.json()["figures"]} >= {"activities", "sessions"}
    assert client.get(f"/api/v1/reports/{report.pk}", **bearer(tree["q_reviewer"])).status_code == 404
    assert client.get(f"/api/v1/reports/{report.pk}").status_code == 401


def test_the_dashboard_endpoint(client, tree, ready):
    services.submit(ready(tree["u1"], tree["u1_filer"]), actor=tree["u1_filer"], now=at(9, 1))
    response = client.get(f"/api/v1/campaigns/{YEAR}/reporting?organization_id={tree['p'].pk}",
                          **bearer(tree["p_reviewer"]))
    assert response.status_code == 200
    body = response.json()
    assert body["summaries"]["expected"] == 5 and body["summaries"]["submitted"] == 1
    assert body["summaries"]["reporting_rate"] == 20.0
    assert client.get(f"/api/v1/campaigns/{YEAR}/reporting?organization_id={tree['p'].pk}",
                      **bearer(tree["q_reviewer"])).status_code == 404
