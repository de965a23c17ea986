"""Drawing the candidates from the ranking within the quotas: ties at the boundary are all
drawn and flagged, the list cannot be proposed over a quota without a reason; drawing again
replaces the drawn ones and keeps the added ones; individuals and added units carry reasons."""
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied

from sciweek.commendations import services
from sciweek.commendations.models import Candidate, CommendationCategory, Kind

pytestmark = pytest.mark.django_db


def rows(*ranks):
    return [SimpleNamespace(rank=r, name=str(n)) for n, r in enumerate(ranks)]


@pytest.mark.parametrize(("ranks", "quota", "taken", "tied"), [
    ((1, 2, 3, 4), 2, 2, 0),
    ((1, 2, 2, 4), 2, 3, 2),      # the second place is shared: both drawn, both flagged
    ((1, 1, 1, 4), 1, 3, 3),
    ((1, 2, 3), 5, 3, 0),         # fewer subjects than places
    ((1, 2, 2, 2), 4, 4, 0),      # the tie fits within the quota
    ((), 3, 0, 0),
])
def test_within_quota_takes_ties_at_the_boundary(ranks, quota, taken, tied):
    result = services.within_quota(rows(*ranks), quota)
    assert len(result) == taken
    assert sum(flag for _row, flag in result) == tied


def test_draw_takes_the_best_within_quota_and_flags_ties(tree, drafted):
    cities = CommendationCategory.objects.get(commendation=drafted, peer_group="cities")
    drawn = list(Candidate.objects.filter(category=cities).order_by("position"))
    assert [c.organization.name for c in drawn] == ["甲一市", "甲二市", "甲三市"]
    assert [c.tied_at_boundary for c in drawn] == [False, True, True]
    assert [c.rank for c in drawn] == [1, 2, 2]
    departments = CommendationCategory.objects.get(commendation=drafted, peer_group="departments")
    assert [c.organization.name for c in Candidate.objects.filter(category=departments)] == ["甲省一厅", "甲省二厅"]


def test_over_quota_needs_a_removal_or_a_reason(tree, drafted):
    admin = tree["p_admin"]
    services.add_individual(admin, CommendationCategory.objects.get(commendation=drafted, kind=Kind.INDIVIDUAL),
                            name="演示甲", organization=tree["unit"], role="馆长")
    with pytest.raises(services.CommendationError) as refusal:
        services.propose(admin, drafted)
    assert "名额 2 名，现有 3 名" in " ".join(refusal.value.messages)
    cities = CommendationCategory.objects.get(commendation=drafted, peer_group="cities")
    with pytest.raises(services.CommendationError, match="理由"):
        services.remove_candidate(admin, Candidate.objects.get(category=cities, position=3), reason=" ")
    services.remove_candidate(admin, Candidate.objects.get(category=cities, position=3), reason="并列取总结质量高者")
    assert services.propose(admin, drafted).status == "proposed"


def test_over_quota_reason_lets_the_tie_stand(tree, drafted):
    admin = tree["p_admin"]
    services.add_individual(admin, CommendationCategory.objects.get(commendation=drafted, kind=Kind.INDIVIDUAL),
                            name="演示乙", organization=tree["unit"])
    cities = CommendationCategory.objects.get(commendation=drafted, peer_group="cities")
    services.update_category(admin, cities, quota=2, over_quota_reason="得分并列，一并表彰")
    assert services.propose(admin, drafted).status == "proposed"


def test_redraw_keeps_added_units_and_individuals(tree, drafted, ranking):
    admin = tree["p_admin"]
    cities = CommendationCategory.objects.get(commendation=drafted, peer_group="cities")
    added = services.add_unit(admin, cities, organization=tree["cities"][3], reason="抗疫科普成效突出")
    individuals = CommendationCategory.objects.get(commendation=drafted, kind=Kind.INDIVIDUAL)
    person = services.add_individual(admin, individuals, name="演示丙", organization=tree["unit"], role="讲解员")
    services.update_category(admin, cities, quota=1)
    services.draw_candidates(admin, drafted)
    names = list(Candidate.objects.filter(category=cities, removed=False).order_by("position")
                 .values_list("organization__name", "source"))
    assert names == [("甲一市", "ranked"), ("甲四市", "added")]
    assert Candidate.objects.filter(pk=person.pk, removed=False).exists()
    assert Candidate.objects.get(pk=added.pk).reason == "抗疫科普成效突出"


def test_edits_need_reasons_and_stay_in_the_level(tree, drafted):
    admin = tree["p_admin"]
    cities = CommendationCategory.objects.get(commendation=drafted, peer_group="cities")
    individuals = CommendationCategory.objects.get(commendation=drafted, kind=Kind.INDIVIDUAL)
    with pytest.raises(services.CommendationError, match="理由"):
        services.add_unit(admin, cities, organization=tree["cities"][3], reason="")
    with pytest.raises(services.CommendationError, match="所辖"):
        services.add_unit(admin, cities, organization=tree["e1"], reason="别省的")
    with pytest.raises(services.CommendationError, match="已经在名单中"):
        services.add_unit(admin, cities, organization=tree["cities"][0], reason="重复")
    with pytest.raises(services.CommendationError, match="姓名"):
        services.add_individual(admin, individuals, name=" ", organization=tree["unit"])
    with pytest.raises(services.CommendationError, match="个人"):
        services.add_unit(admin, individuals, organization=tree["cities"][3], reason="类别不对")
    # Only name, unit and role are stored for a person.
    person = services.add_individual(admin, individuals, name="演示丁", organization=tree["unit"], role="科普员")
    fields = {f.name for f in Candidate._meta.get_fields()}
    assert not fields & {"phone", "id_number", "mobile", "email"}
    assert (person.person_name, person.organization, person.person_role) == ("演示丁", tree["unit"], "科普员")


def test_reorder_within_a_category(tree, drafted):
    admin = tree["p_admin"]
    cities = CommendationCategory.objects.get(commendation=drafted, peer_group="cities")
    third = Candidate.objects.get(category=cities, position=3)
    services.move_candidate(admin, third, up=True)
    assert list(Candidate.objects.filter(category=cities).order_by("position")
                .values_list("organization__name", flat=True)) == ["甲一市", "甲三市", "甲二市"]


def test_draw_needs_a_frozen_evaluation_and_the_role(tree, ranking):
    from sciweek.evaluation.models import Evaluation

    draft = Evaluation.objects.create(campaign=tree["campaign"], organization=tree["p"], name="草稿评估",
                                      evaluated_on=tree["evaluation"].evaluated_on)
    with pytest.raises(services.CommendationError, match="定格"):
        services.create(tree["p_admin"], draft)
    with pytest.raises(PermissionDenied):
        services.create(tree["p_reviewer"], tree["evaluation"])
    services.create(tree["p_admin"], tree["evaluation"])
    with pytest.raises(services.CommendationError, match="已经有一份"):
        services.create(tree["p_admin"], tree["evaluation"])


def test_per_peer_group_quota_makes_one_category_per_group(tree, ranking):
    commendation = services.create(tree["p_admin"], tree["evaluation"])
    made = services.add_category(tree["p_admin"], commendation, kind=Kind.UNIT, quota=1, per_peer_group=True)
    assert [c.peer_group for c in made] == ["cities", "departments"]
    drawn = services.draw_candidates(tree["p_admin"], commendation)
    assert sorted(drawn.values()) == [1, 1]


def test_category_without_peer_group_ranks_everyone_by_total(tree, ranking):
    commendation = services.create(tree["p_admin"], tree["evaluation"])
    services.add_category(tree["p_admin"], commendation, kind=Kind.UNIT, quota=2)
    services.draw_candidates(tree["p_admin"], commendation)
    assert list(Candidate.objects.filter(commendation=commendation).order_by("position")
                .values_list("organization__name", "rank")) == [("甲一市", 1), ("甲省一厅", 2)]
