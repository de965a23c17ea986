"""The 2020 demo: Hebei's evaluation of its 13 cities and its provincial departments."""
from sciweek.evaluation import selectors
from sciweek.evaluation.demo import load_evaluation_demo
from sciweek.evaluation.models import Evaluation, SnapshotValue
from sciweek.organizations.models import Organization


def test_hebei_2020_evaluation_is_published_with_cities_and_departments(hebei_evaluation):
    evaluation = hebei_evaluation
    assert evaluation.status == Evaluation.Status.PUBLISHED
    assert evaluation.frozen_at is not None and evaluation.published_at is not None
    groups = dict(selectors.peer_groups(evaluation))
    assert list(groups) == ["cities", "departments", "institutes"]
    cities = selectors.standings(evaluation, "cities")
    assert len(cities) == 13
    assert cities[0].rank == 1 and all(a.total >= b.total for a, b in zip(cities, cities[1:], strict=False))
    assert {s.band for s in cities} <= {"high", "middle", "low"}
    departments = selectors.standings(evaluation, "departments")
    names = {s.organization_name for s in departments}
    assert "河北省科学技术厅" in names and "河北省教育厅" in names
    assert SnapshotValue.objects.filter(evaluation=evaluation).count() == 12 * evaluation.subjects.count()
    for s in cities:
        print(s)
    for s in departments:
        print(s)


def test_loading_again_changes_nothing(hebei_evaluation):
    before = list(SnapshotValue.objects.order_by("pk").values_list("pk", "raw", "score"))
    again = load_evaluation_demo(hebei_evaluation.campaign, Organization.objects.get(name="河北省"))
    assert again.pk == hebei_evaluation.pk
    assert list(SnapshotValue.objects.order_by("pk").values_list("pk", "raw", "score")) == before
