"""The evaluating level sets its own scheme on the console page: adds and removes indicators
and peer groups (removing asks first, and takes the scores or subjects with it), only while
the evaluation is editable and only as its admin."""
import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from sciweek.accounts.models import User
from sciweek.conftest import sign_in as sign_in_verified
from sciweek.evaluation import services
from sciweek.evaluation.models import SCORED, Indicator, PeerGroup, ReviewerScore, Subject


def sign_in(client, username):
    """Signed in with the two-factor step passed (admins need it for the console)."""
    TOTPDevice.objects.get_or_create(user=User.objects.get(username=username), name="test",
                                     defaults={"confirmed": True})
    return sign_in_verified(client, username)


def change(client, evaluation, **data):
    return client.post(reverse("evaluation:scheme_change", args=[evaluation.pk]), data)


def test_the_admin_adds_a_computed_indicator_named_after_its_source(client, small, evaluation):
    sign_in(client, "e-p-admin")
    pillar = evaluation.pillars.get(code="results")
    page = client.get(reverse("evaluation:scheme", args=[evaluation.pk])).content.decode()
    assert "添加指标" in page and "添加分组" in page
    response = change(client, evaluation, action="add_indicator", pillar=pillar.pk, source="media_reports",
                      name="", weight="15", direction="")
    assert response.status_code == 302
    added = Indicator.objects.get(evaluation=evaluation, code="media_reports")
    assert added.weight == 15 and added.name  # the source's own label
    # the same source again gets its own code
    change(client, evaluation, action="add_indicator", pillar=pillar.pk, source="media_reports", name="报道二",
           weight="5", direction="low")
    second = Indicator.objects.get(evaluation=evaluation, code="media_reports-2")
    assert second.direction == Indicator.Direction.LOW and second.name == "报道二"
    # and the scorecard computes it
    card = services.selectors.scorecard(evaluation)
    assert second.pk in [i.pk for i in card.scheme.indicators]


def test_a_scored_indicator_needs_a_name_and_bad_input_keeps_the_scheme(client, small, evaluation):
    sign_in(client, "e-p-admin")
    pillar = evaluation.pillars.first()
    before = list(Indicator.objects.filter(evaluation=evaluation).values_list("code", "weight"))
    response = change(client, evaluation, action="add_indicator", pillar=pillar.pk, source=SCORED, name="",
                      weight="abc")
    assert response.status_code == 400
    html = response.content.decode()
    assert "评审打分的指标须填写名称" in html and "添加指标" in html
    assert list(Indicator.objects.filter(evaluation=evaluation).values_list("code", "weight")) == before
    response = change(client, evaluation, action="add_indicator", pillar=pillar.pk, source="nonsense", name="x",
                      weight="1")
    assert response.status_code == 400


def test_removing_an_indicator_asks_first_and_takes_its_scores(client, small, evaluation):
    actor = small["p_admin"]
    pillar = evaluation.pillars.first()
    scored = services.new_indicator(actor, evaluation, pillar, source=SCORED, name="组织领导")
    services.open_scoring(actor, evaluation)
    evaluation.refresh_from_db()
    subject = Subject.objects.filter(evaluation=evaluation).first()
    services.score(small["p_reviewer"], evaluation, subject, scored, "90", "很好")
    sign_in(client, "e-p-admin")
    asked = change(client, evaluation, action="remove_indicator", indicator=scored.pk)
    assert asked.status_code == 200 and "组织领导" in asked.content.decode()
    assert Indicator.objects.filter(pk=scored.pk).exists()
    done = change(client, evaluation, action="remove_indicator", indicator=scored.pk, confirmed="1")
    assert done.status_code == 302
    assert not Indicator.objects.filter(pk=scored.pk).exists()
    assert not ReviewerScore.objects.filter(indicator_id=scored.pk).exists()


def test_adding_and_removing_a_peer_group_moves_the_subjects(client, small, evaluation):
    sign_in(client, "e-p-admin")
    before = Subject.objects.filter(evaluation=evaluation).count()
    response = change(client, evaluation, action="add_group", label="全部下级单位", kinds=["museum", "university"],
                      relative_depth="")
    assert response.status_code == 302
    group = PeerGroup.objects.get(evaluation=evaluation, label="全部下级单位")
    added = Subject.objects.filter(evaluation=evaluation, peer_group=group).count()
    assert added > 0
    assert Subject.objects.filter(evaluation=evaluation).count() == before + added
    # no kinds chosen: a message in the form, nothing changed
    response = change(client, evaluation, action="add_group", label="空", relative_depth="1")
    assert response.status_code == 400 and not PeerGroup.objects.filter(evaluation=evaluation, label="空").exists()
    # a duplicate label is refused with a message
    change(client, evaluation, action="add_group", label="全部下级单位", kinds=["museum"], relative_depth="")
    assert PeerGroup.objects.filter(evaluation=evaluation, label="全部下级单位").count() == 1
    # removed (after the question): its subjects leave
    assert change(client, evaluation, action="remove_group", group=group.pk).status_code == 200
    assert change(client, evaluation, action="remove_group", group=group.pk, confirmed="1").status_code == 302
    assert not PeerGroup.objects.filter(pk=group.pk).exists()
    assert Subject.objects.filter(evaluation=evaluation).count() == before


@pytest.mark.parametrize("who", ["e-p-reviewer", "e-p-statistician", "e-c1-admin", "e-q-admin"])
def test_only_the_evaluating_admin_changes_the_scheme(client, small, evaluation, who):
    sign_in(client, who)
    pillar = evaluation.pillars.first()
    response = change(client, evaluation, action="add_indicator", pillar=pillar.pk, source="media_reports",
                      weight="1")
    assert response.status_code in (403, 404)
    group = evaluation.peer_groups.first()
    response = change(client, evaluation, action="remove_group", group=group.pk, confirmed="1")
    assert response.status_code in (403, 404)
    assert PeerGroup.objects.filter(pk=group.pk).exists()
    assert not Indicator.objects.filter(evaluation=evaluation, code="media_reports").exists()


def test_a_frozen_scheme_cannot_change(client, small, evaluation):
    actor = small["p_admin"]
    services.open_scoring(actor, evaluation)
    evaluation.refresh_from_db()
    services.freeze(actor, evaluation)
    sign_in(client, "e-p-admin")
    pillar = evaluation.pillars.first()
    count = Indicator.objects.filter(evaluation=evaluation).count()
    response = change(client, evaluation, action="add_indicator", pillar=pillar.pk, source="media_reports",
                      weight="1")
    assert response.status_code == 302
    assert Indicator.objects.filter(evaluation=evaluation).count() == count
    followed = client.get(reverse("evaluation:scheme", args=[evaluation.pk])).content.decode()
    assert "已定格" in followed and "添加指标" not in followed
