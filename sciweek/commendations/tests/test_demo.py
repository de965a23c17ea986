"""Integration with the real evaluation: Hebei's 2020 list drawn from its published evaluation
(sciweek.evaluation.demo), final, with its notice over; idempotent; shown on Hebei's public
region page; the console pages within a bounded number of queries."""
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sciweek.commendations import selectors
from sciweek.commendations.demo import load_commendations_demo
from sciweek.commendations.models import Candidate, Commendation, Kind
from sciweek.conftest import sign_in
from sciweek.evaluation import selectors as evaluation_selectors
from sciweek.evaluation.demo import load_evaluation_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def hebei_list(demo, org):
    hebei = org("河北省")
    load_evaluation_demo(demo, hebei)
    return load_commendations_demo(demo, hebei)


def test_demo_list_is_final_and_drawn_from_the_ranking(demo, org, hebei_list):
    assert hebei_list.status == "final"
    assert hebei_list.notice_ends_on.year == 2020 and hebei_list.title.startswith("2020年度河北省")
    groups = {g.category.peer_group or g.category.kind: g for g in selectors.categories(hebei_list)}
    cities = groups["cities"].candidates
    best = [s for s in evaluation_selectors.standings(hebei_list.evaluation, peer_group="cities")][:5]
    assert len(cities) >= 5
    assert [c.organization_id for c in cities[:5]] == [s.organization_id for s in best]
    assert len(groups["departments"].candidates) >= 3
    people = groups["individual"].candidates
    assert len(people) == 8 and all(p.person_name.startswith("演示人员") for p in people)
    assert Candidate.objects.filter(commendation=hebei_list, support_next_year=True).count() == 3
    assert load_commendations_demo(demo, org("河北省")).pk == hebei_list.pk  # idempotent
    assert Commendation.objects.filter(evaluation=hebei_list.evaluation).count() == 1
    objection = hebei_list.objections.get()  # recorded during the notice, with the notice's date
    assert hebei_list.notice_starts_on <= timezone.localdate(objection.created_at) <= hebei_list.notice_ends_on


def test_demo_list_on_hebei_region_page(client, demo, org, hebei_list, django_assert_max_num_queries):
    url = reverse("portal:region", args=[2020, org("河北省").pk])
    client.get(url)  # warm the cache
    page = client.get(url).content.decode()
    assert hebei_list.title in page and "演示人员一" in page and "查看表彰决定" in page
    public = client.get(reverse("commendations:public", args=[2020, hebei_list.pk])).content.decode()
    assert "为表彰2020年度河北省科技活动周优秀组织单位和人员" in public


def test_console_pages_bounded(demo, client, hebei_list, django_assert_max_num_queries):
    sign_in(client, "hebei-admin")
    with django_assert_max_num_queries(40):
        response = client.get(reverse("commendations:detail", args=[hebei_list.pk]))
    assert response.status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("commendations:index") + "?year=2020").status_code == 200
    xlsx = client.get(reverse("commendations:export_xlsx", args=[hebei_list.pk]))
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))[2:]
    assert len(rows) == Candidate.objects.filter(commendation=hebei_list, removed=False).count()
    assert sum(1 for r in rows if r[3] == Kind.INDIVIDUAL.label) == 8


def test_sjz_admin_sees_nothing_of_hebei(demo, client, hebei_list):
    sign_in(client, "sjz-admin")
    assert client.get(reverse("commendations:detail", args=[hebei_list.pk])).status_code == 404
