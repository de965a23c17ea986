"""The flow: propose → approve → notice (公示) → final, and its refusals: approving or
finalizing out of turn, finalizing during the notice, with an objection open; withdrawal;
objections from the public (rate-limited) and recorded by the level; next year's support."""
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from sciweek.accounts.models import AuditEvent
from sciweek.commendations import services
from sciweek.commendations.models import Candidate, CommendationCategory, CommendationEvent, Kind, Objection

from .conftest import YEAR, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposable(tree, drafted):
    cities = CommendationCategory.objects.get(commendation=drafted, peer_group="cities")
    services.update_category(tree["p_admin"], cities, quota=2, over_quota_reason="并列一并表彰")
    services.add_individual(tree["p_admin"], CommendationCategory.objects.get(commendation=drafted,
                                                                             kind=Kind.INDIVIDUAL),
                            name="演示人员一", organization=tree["unit"], role="馆长")
    return drafted


def on_notice(tree, commendation):
    admin = tree["p_admin"]
    services.propose(admin, commendation, now=at(10, 10))
    services.approve(tree["p_admin2"], commendation, now=at(10, 11))
    return services.start_notice(admin, commendation, days=7, contact="甲省科技厅（办公电话）",
                                 starts_on=date(YEAR, 10, 12), now=at(10, 11))


def test_the_whole_flow_with_trail_and_audit(tree, proposable):
    commendation = on_notice(tree, proposable)
    assert (commendation.status, commendation.notice_starts_on, commendation.notice_ends_on) == (
        "notice", date(YEAR, 10, 12), date(YEAR, 10, 18))
    final = services.finalize(tree["p_admin"], commendation, now=at(10, 19, 9))
    assert final.status == "final" and final.finalized_at is not None
    assert list(CommendationEvent.objects.filter(commendation=final).values_list("action", flat=True)) == [
        "created", "drawn", "proposed", "approved", "notice", "final"]
    actions = set(AuditEvent.objects.filter(organization=tree["p"]).values_list("action", flat=True))
    assert {"commendations.created", "commendations.drawn", "commendations.proposed", "commendations.approved",
            "commendations.notice_started", "commendations.finalized"} <= actions


def test_finalize_during_the_notice_is_refused_with_its_end(tree, proposable):
    commendation = on_notice(tree, proposable)
    for day in (at(10, 12), at(10, 18, 23)):
        with pytest.raises(services.CommendationError, match=f"{YEAR}-10-18"):
            services.finalize(tree["p_admin"], commendation, now=day)
    assert commendation.__class__.objects.get(pk=commendation.pk).status == "notice"


def test_steps_out_of_turn_are_refused(tree, proposable):
    admin = tree["p_admin"]
    with pytest.raises(services.CommendationMoved):
        services.approve(admin, proposable)
    with pytest.raises(services.CommendationError):
        services.start_notice(admin, proposable, days=7, contact="x")
    with pytest.raises(services.CommendationMoved):
        services.finalize(admin, proposable)
    services.propose(admin, proposable)
    with pytest.raises(services.CommendationMoved):  # no edits once proposed
        services.add_unit(admin, CommendationCategory.objects.get(commendation=proposable, peer_group="cities"),
                          organization=tree["cities"][3], reason="晚了")
    services.approve(admin, proposable)
    with pytest.raises(services.CommendationMoved, match="已经审定"):
        services.approve(admin, proposable)
    with pytest.raises(services.CommendationError, match="1 到 30"):
        services.start_notice(admin, proposable, days=0, contact="甲省科技厅")
    with pytest.raises(services.CommendationError, match="联系方式"):
        services.start_notice(admin, proposable, days=5, contact=" ")


def test_return_to_draft_needs_a_reason_and_reopens_editing(tree, proposable):
    admin = tree["p_admin"]
    services.propose(admin, proposable)
    with pytest.raises(services.CommendationError, match="理由"):
        services.return_to_draft(admin, proposable, reason="")
    assert services.return_to_draft(tree["p_admin2"], proposable, reason="请补充个人").status == "draft"
    assert CommendationEvent.objects.get(commendation=proposable, action="returned").reason == "请补充个人"


def test_only_admins_of_the_tree_act(tree, proposable):
    with pytest.raises(PermissionDenied):
        services.propose(tree["p_reviewer"], proposable)
    with pytest.raises(Http404):
        services.propose(tree["q_admin"], proposable)
    with pytest.raises(Http404):  # a city's admin is below the commending level
        services.propose(tree["c1_admin"], proposable)


def test_open_objection_blocks_final_until_handled(tree, proposable):
    commendation = on_notice(tree, proposable)
    candidate = Candidate.objects.filter(commendation=commendation, kind=Kind.UNIT, removed=False).first()
    with pytest.raises(services.CommendationError, match="公示期"):
        services.raise_objection(commendation, text="早了", now=at(10, 11))
    objection = services.raise_objection(commendation, text="数据不实", candidate_id=candidate.pk, now=at(10, 13))
    with pytest.raises(services.CommendationError, match="异议未处理"):
        services.finalize(tree["p_admin"], commendation, now=at(10, 20))
    with pytest.raises(services.CommendationError, match="处理意见"):
        services.handle_objection(tree["p_admin"], objection, upheld=True, response="")
    services.handle_objection(tree["p_admin"], objection, upheld=True, response="经核实数据有误", remove=True,
                              now=at(10, 15))
    candidate.refresh_from_db()
    assert candidate.removed and candidate.removed_reason == "经核实数据有误"
    with pytest.raises(services.CommendationMoved):
        services.handle_objection(tree["p_admin"], objection, upheld=False, response="再处理")
    final = services.finalize(tree["p_admin"], commendation, now=at(10, 20))
    assert final.status == "final"
    with pytest.raises(services.CommendationError, match="公示期"):
        services.raise_objection(final, text="晚了", now=at(10, 21))


def test_withdraw_needs_a_reason_and_frees_the_evaluation(tree, proposable):
    with pytest.raises(services.CommendationError, match="理由"):
        services.withdraw(tree["p_admin"], proposable, reason=" ")
    services.withdraw(tree["p_admin"], proposable, reason="评估数据需要更正")
    with pytest.raises(services.CommendationMoved):
        services.withdraw(tree["p_admin"], proposable, reason="再撤")
    again = services.create(tree["p_admin"], tree["evaluation"])
    assert again.pk != proposable.pk


def test_support_next_year_only_for_final_units(tree, proposable):
    commendation = on_notice(tree, proposable)
    unit = Candidate.objects.filter(commendation=commendation, kind=Kind.UNIT, removed=False).first()
    person = Candidate.objects.get(commendation=commendation, kind=Kind.INDIVIDUAL)
    with pytest.raises(services.CommendationError, match="公布后"):
        services.set_support(tree["p_admin"], unit, support=True)
    services.finalize(tree["p_admin"], commendation, now=at(10, 20))
    with pytest.raises(services.CommendationError, match="优秀组织单位"):
        services.set_support(tree["p_admin"], person, support=True)
    assert services.set_support(tree["p_admin"], unit, support=True).support_next_year is True


def test_public_objection_form_is_rate_limited(client, tree, proposable, settings):
    from django.urls import reverse
    from freezegun import freeze_time

    commendation = on_notice(tree, proposable)
    url = reverse("commendations:public", args=[YEAR, commendation.pk])
    with freeze_time(at(10, 13)):
        for n in range(5):
            response = client.post(url, {"text": f"异议{n}"})
            assert response.status_code == 302, response.content.decode()[:500]
        response = client.post(url, {"text": "第六条"})
        assert response.status_code == 400 and "提交太频繁" in response.content.decode()
        response = client.post(url, {"text": ""})
        assert response.status_code == 400
    assert Objection.objects.filter(commendation=commendation).count() == 5
    with freeze_time(at(10, 19)):
        response = client.post(url, {"text": "公示期后"})
        assert response.status_code == 302
    assert Objection.objects.filter(commendation=commendation).count() == 5
