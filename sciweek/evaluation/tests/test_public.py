"""A published evaluation's ranking on its level's public region page; a draft one nowhere."""
import pytest

from sciweek.demo.live import live_campaign
from sciweek.evaluation.models import Evaluation
from sciweek.evaluation.selectors import standings
from sciweek.organizations.models import Organization

pytestmark = pytest.mark.django_db


def test_the_published_ranking_is_on_the_region_page(client, demo):
    hebei = Organization.objects.get(name="河北省")
    evaluation = Evaluation.objects.get(campaign=demo, organization=hebei)
    assert evaluation.status == Evaluation.Status.PUBLISHED
    page = client.get(f"/2020/regions/{hebei.pk}/").content.decode()
    assert "评估结果" in page and evaluation.name in page
    for standing in standings(evaluation, "cities"):
        assert standing.organization_name in page
    # A city's page does not carry the province's ranking.
    city = Organization.objects.get(name="石家庄市")
    response = client.get(f"/2020/regions/{city.pk}/")
    assert response.status_code == 200 and "评估结果" not in response.content.decode()


def test_a_draft_evaluation_is_not_public(client, demo):
    live = live_campaign()
    hebei = Organization.objects.get(name="河北省")
    assert Evaluation.objects.filter(campaign=live, organization=hebei, status=Evaluation.Status.DRAFT).exists()
    response = client.get(f"/{live.year}/regions/{hebei.pk}/")
    assert response.status_code == 200 and "评估结果" not in response.content.decode()
