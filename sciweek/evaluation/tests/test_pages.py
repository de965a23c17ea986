"""The console pages on the demo's Hebei 2020 evaluation: scorecard (query bound), evidence,
simulator, scoring; isolation (404 for another branch), 403 without the role."""
import pytest
from django.urls import reverse

from sciweek.evaluation import services
from sciweek.evaluation.demo import load_live_evaluation
from sciweek.evaluation.models import Evaluation, Indicator, SnapshotValue
from sciweek.organizations.models import Organization


@pytest.fixture
def ev(hebei_evaluation):
    return hebei_evaluation


def test_scorecard_shows_cities_with_bounded_queries(ev, staff_client, django_assert_max_num_queries):
    client = staff_client("hebei-admin")
    url = reverse("evaluation:scorecard", args=[ev.pk])
    client.get(url)  # warm the session and grants
    with django_assert_max_num_queries(25):
        response = client.get(url + "?group=cities")
    assert response.status_code == 200
    body = response.content.decode()
    assert "石家庄市" in body and "承德市" in body and "领导重视与组织保障" in body
    with django_assert_max_num_queries(25):
        assert client.get(url + "?group=departments").status_code == 200


def test_every_cell_opens_its_evidence(ev, staff_client):
    client = staff_client("hebei-statistician")
    for value in SnapshotValue.objects.filter(evaluation=ev, subject__organization__name="石家庄市").select_related(
            "indicator"):
        response = client.get(reverse("evaluation:evidence", args=[ev.pk, value.subject_id, value.indicator_id]))
        assert response.status_code == 200, value.indicator.code


def test_another_branch_gets_404_and_roles_are_checked(ev, staff_client):
    subject = ev.subjects.first()
    indicator = Indicator.objects.filter(evaluation=ev).first()
    urls = [reverse("evaluation:scorecard", args=[ev.pk]), reverse("evaluation:scheme", args=[ev.pk]),
            reverse("evaluation:simulate", args=[ev.pk]),
            reverse("evaluation:evidence", args=[ev.pk, subject.pk, indicator.pk]),
            reverse("evaluation:score", args=[ev.pk, subject.pk])]
    client = staff_client("sjz-admin")  # 石家庄 is evaluated by Hebei: it may not see the figures
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("evaluation:transition", args=[ev.pk, "publish"]), {"confirmed": "1"}).status_code == 404
    client = staff_client("hebei-statistician")
    assert client.get(urls[0]).status_code == 200
    assert client.get(urls[4]).status_code == 403
    assert client.post(reverse("evaluation:support", args=[ev.pk, subject.pk]), {"support": "on"}).status_code == 403
    client = staff_client("hebei-filer")  # no evaluation role at all
    assert client.get(urls[0]).status_code == 403
    assert client.get(reverse("evaluation:list")).status_code == 403


def test_a_subject_of_another_evaluation_is_404(ev, staff_client):
    other = Evaluation.objects.create(campaign=ev.campaign, organization=ev.organization, name="另一项",
                                      evaluated_on=ev.evaluated_on)
    subject = ev.subjects.first()
    indicator = Indicator.objects.filter(evaluation=ev).first()
    client = staff_client("hebei-admin")
    assert client.get(reverse("evaluation:evidence", args=[other.pk, subject.pk, indicator.pk])).status_code == 404
    assert client.get(reverse("evaluation:score", args=[other.pk, subject.pk])).status_code == 404


def test_list_and_simulator_pages(ev, staff_client):
    client = staff_client("hebei-admin")
    response = client.get(reverse("evaluation:list"))
    assert response.status_code == 200 and ev.name in response.content.decode()
    indicator = Indicator.objects.filter(evaluation=ev, code="media_reports").first()
    response = client.post(reverse("evaluation:simulate", args=[ev.pk]), {"group": "cities", f"w{indicator.pk}": "90"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "模拟排名" in response.content.decode()
    response = client.post(reverse("evaluation:simulate", args=[ev.pk]), {"group": "cities", f"w{indicator.pk}": "x"})
    assert "权重须为数字" in response.content.decode()
    # frozen: saving is refused, the weight stays
    client.post(reverse("evaluation:simulate", args=[ev.pk]), {"group": "cities", f"w{indicator.pk}": "90", "save": "1"})
    assert Indicator.objects.get(pk=indicator.pk).weight == 10


def test_scoring_page_on_a_live_draft(demo, staff_client):
    from sciweek.campaigns.models import Campaign

    hebei = Organization.objects.get(name="河北省")
    campaign = Campaign.objects.filter(is_demo=True).exclude(pk=demo.pk).first() or demo
    live = load_live_evaluation(campaign, hebei)
    assert live.status == Evaluation.Status.DRAFT
    subject = live.subjects.get(organization__name="石家庄市")
    leadership = Indicator.objects.get(evaluation=live, code="leadership")
    client = staff_client("hebei-reviewer")
    url = reverse("evaluation:score", args=[live.pk, subject.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {f"s{leadership.pk}-score": "88", f"s{leadership.pk}-comment": ""})
    assert response.status_code == 400
    response = client.post(url, {f"s{leadership.pk}-score": "88", f"s{leadership.pk}-comment": "部署到位。"})
    assert response.status_code == 302
    assert subject.reviewer_scores.get(indicator=leadership).score == 88
    # sjz-reviewer cannot even see Hebei's evaluation
    assert staff_client("sjz-reviewer").get(url).status_code == 404
    # the admin freezes through the confirm step
    admin = staff_client("hebei-admin")
    freeze = reverse("evaluation:transition", args=[live.pk, "freeze"])
    assert admin.get(freeze).status_code == 200
    assert admin.post(freeze, {"confirmed": "1"}).status_code == 302
    live.refresh_from_db()
    assert live.status == Evaluation.Status.FROZEN
    assert services.selectors.standings(live)
