"""The published evaluation in the JSON API: the demo's Hebei 2020 ranking exactly as frozen
(the region page's figures); nothing before publishing; unknown levels and years as 404."""
import pytest

from sciweek.evaluation import selectors
from sciweek.evaluation.models import Evaluation
from sciweek.organizations.models import Organization

pytestmark = pytest.mark.django_db


def api(client, year, organization_id):
    return client.get(f"/api/v1/campaigns/{year}/evaluations/{organization_id}")


def test_the_published_ranking_as_frozen(client, hebei_evaluation):
    hebei = Organization.objects.get(name="河北省")
    body = api(client, 2020, hebei.pk).json()
    assert (body["name"], body["evaluated_on"], body["organization_id"]) == (
        hebei_evaluation.name, "2020-09-30", hebei.pk)
    groups = {g["key"]: g for g in body["groups"]}
    assert {"cities", "departments"} <= set(groups)
    cities = groups["cities"]["standings"]
    assert len(cities) == 13 and groups["cities"]["label"] == "设区市及省直管市"
    frozen = selectors.standings(hebei_evaluation, "cities")
    assert [(s["rank"], s["organization_id"], s["band"]) for s in cities] == [
        (f.rank, f.organization_id, f.band) for f in frozen]
    assert [float(s["total"]) for s in cities] == [float(f.total) for f in frozen]


def test_nothing_before_publishing(client, hebei_evaluation):
    hebei = Organization.objects.get(name="河北省")
    Evaluation.objects.filter(pk=hebei_evaluation.pk).update(status=Evaluation.Status.FROZEN, published_at=None)
    response = api(client, 2020, hebei.pk)
    assert response.status_code == 404 and "没有发布" in response.json()["error"]["message"]


def test_unknown_year_or_level(client, hebei_evaluation):
    assert api(client, 1999, Organization.objects.get(name="河北省").pk).status_code == 404
    assert api(client, 2020, Organization.objects.get(name="石家庄市").pk).status_code == 404
    assert api(client, 2020, 999_999_999).status_code == 404
