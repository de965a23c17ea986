"""Last year's figure on the scorecard: the next year's evaluation by the same level shows, in
every cell, the raw value frozen a year before for the same organization and indicator; an
indicator that last year's scheme did not have shows a dash; another level sees none of it."""
from datetime import date
from decimal import Decimal

import pytest

from sciweek.campaigns.models import Campaign
from sciweek.evaluation import selectors, services
from sciweek.evaluation.demo import LABELS, NAME
from sciweek.evaluation.models import SnapshotValue
from sciweek.evaluation.schemes import build_default
from sciweek.organizations.models import Organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def next_year(hebei_evaluation):
    campaign = Campaign.objects.create(year=2021, name="2021年全国科技活动周", theme="百年奋斗创新路",
                                       starts_on=date(2021, 5, 22), ends_on=date(2021, 5, 28))
    hebei = Organization.objects.get(name="河北省")
    evaluation = services.create_evaluation(None, campaign, hebei, NAME.format(year=2021), date(2021, 6, 30))
    build_default(None, evaluation, LABELS)
    return evaluation


def test_each_cell_carries_the_figure_frozen_last_year(hebei_evaluation, next_year):
    frozen = {(org, code): raw for org, code, raw in SnapshotValue.objects.filter(evaluation=hebei_evaluation)
              .values_list("subject__organization_id", "indicator__code", "raw")}
    assert any(raw not in (None, Decimal(0)) for raw in frozen.values())  # a real comparison, not zeros

    assert selectors.previous_evaluation(next_year) == hebei_evaluation
    card = selectors.scorecard(next_year, "cities")
    assert card.has_last_year
    rows = [row for _group, rows in card.groups for row in rows]
    assert len(rows) == 13
    compared = 0
    for row in rows:
        for indicator, _cell, last in row.cells:
            assert last == frozen.get((row.subject.organization_id, indicator.code))
            compared += last is not None
    assert compared >= 13 * 9  # the computed indicators at least, for every city


def test_the_page_shows_last_year_and_a_dash_for_a_new_indicator(next_year, staff_client):
    pillar = next_year.pillars.order_by("position").first()
    added = services.new_indicator(None, next_year, pillar, source="activities_held", name="新增：举办活动数（复核）",
                                   weight=Decimal(5))
    card = selectors.scorecard(next_year, "cities")
    row = card.groups[0][1][0]
    assert [last for indicator, _cell, last in row.cells if indicator.pk == added.pk] == [None]

    client = staff_client("hebei-statistician")
    html = client.get(f"/console/evaluation/{next_year.pk}/?group=cities").content.decode()
    assert "“上年”为 2020 年定格的数字" in html
    assert "上年：—" in html
    held = next(last for indicator, _cell, last in row.cells if indicator.code == "activities_held")
    assert f"上年：{held.normalize():f}" in html or f"上年：{held:.1f}" in html


def test_another_level_does_not_get_hebeis_figures(hebei_evaluation, next_year):
    sjz = Organization.objects.get(name="石家庄市")
    own = services.create_evaluation(None, next_year.campaign, sjz, "2021年石家庄市科技活动周工作评估", date(2021, 6, 30))
    assert selectors.previous_evaluation(own) is None
    assert selectors.last_year_figures(own) == {}
