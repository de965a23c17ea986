"""The judging engine through its services: entries and quotas, conflicts, assignment, scoring
(and every way it is refused), reopen, results, public notice, awards, the public vote."""
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from sciweek.accounts.models import AuditEvent, User
from sciweek.contests import services
from sciweek.contests.models import Assignment, Conflict, Contest, Entry, Objection, Result, Round, Score

from .conftest import enter, judge_user, unit

pytestmark = pytest.mark.django_db


def marks(content, delivery, effect):
    return lambda rnd: {c.pk: v for c, v in zip(rnd.criteria.order_by("position"), (content, delivery, effect),
                                                 strict=True)}


def score(kit, entry, judge, content, delivery=8, effect=8, submit=True):
    assignment = Assignment.objects.get(round=kit.final, entry=entry, judge=judge)
    return services.save_score(assignment, judge=judge, points=marks(content, delivery, effect)(kit.final),
                               submit=submit)


def ready(kit, *titles_orgs):
    for title, org in titles_orgs:
        enter(kit, title, unit(org))
    services.assign(kit.final, actor=kit.admin)
    services.open_round(kit.final, actor=kit.admin)
    kit.final.refresh_from_db()


# --- entries and quotas ------------------------------------------------------------------

def test_an_entry_needs_the_attestation_and_the_author_limit_holds(kit):
    org = unit("石家庄市科技信息研究所")
    with pytest.raises(services.ContestError, match="原创"):
        services.submit_entry(kit.contest, actor=kit.admin, organization=org, category=kit.categories[0],
                              title="未承诺", first_author="张三", attested=False)
    enter(kit, "一", org, author="张三")
    enter(kit, "二", org, author="张三")
    with pytest.raises(services.ContestError, match="最多报送 2 件"):
        enter(kit, "三", org, author="张三")
    assert [e.number for e in Entry.objects.filter(contest=kit.contest)] == [1, 2]


def test_entries_outside_the_window_or_a_closed_contest_are_refused(kit):
    org = unit("石家庄市科技信息研究所")
    Contest.objects.filter(pk=kit.contest.pk).update(entries_close_at=timezone.now() - timedelta(minutes=1))
    kit.contest.refresh_from_db()
    with pytest.raises(services.ContestError, match="已截止"):
        enter(kit, "晚了", org)
    Contest.objects.filter(pk=kit.contest.pk).update(entries_close_at=None, status=Contest.Status.JUDGING)
    kit.contest.refresh_from_db()
    with pytest.raises(services.ContestError, match="不接受"):
        enter(kit, "评审中", org)


def test_recommendations_over_quota_are_cut_by_rank(kit):
    hebei = unit("河北省")
    services.set_quota(kit.contest, hebei, 2, actor=kit.admin)
    org = unit("石家庄市科技信息研究所")
    made = {}
    for rank in (3, 1, 2):  # recommended out of order: the cut follows the rank, not the arrival
        made[rank] = services.submit_entry(kit.contest, actor=kit.admin, organization=org, category=kit.categories[0],
                                           title=f"推荐{rank}", first_author=f"作者{rank}", attested=True,
                                           recommended_by=hebei, recommendation_rank=rank)
    status = {rank: Entry.objects.get(pk=e.pk).status for rank, e in made.items()}
    assert status == {1: "submitted", 2: "submitted", 3: "over_quota"}
    with pytest.raises(services.ContestError, match="推荐排序 2"):
        services.submit_entry(kit.contest, actor=kit.admin, organization=org, category=kit.categories[0],
                              title="重号", first_author="作者x", attested=True, recommended_by=hebei,
                              recommendation_rank=2)
    services.withdraw_entry(made[1], actor=kit.admin)  # a place frees up: the next by rank comes in
    assert Entry.objects.get(pk=made[3].pk).status == "submitted"
    services.set_quota(kit.contest, hebei, 1, actor=kit.admin)
    assert Entry.objects.get(pk=made[3].pk).status == "over_quota"


def test_only_an_organizations_admin_recommends_for_it(kit):
    filer = User.objects.get(username="unit-filer")
    with pytest.raises((PermissionDenied, Http404)):
        services.submit_entry(kit.contest, actor=filer, organization=unit("石家庄市科技信息研究所"),
                              category=kit.categories[0], title="越权", first_author="某", attested=True,
                              recommended_by=unit("河北省"), recommendation_rank=1)
    assert not Entry.objects.filter(contest=kit.contest).exists()


# --- conflicts and assignment ------------------------------------------------------------

def test_conflicts_from_the_tree(kit):
    sjz, institute, baoding = unit("石家庄市"), unit("石家庄市科技信息研究所"), unit("保定市")
    hebei = unit("河北省")
    assert services.tree_conflict([institute], [institute], hebei) == Conflict.Kind.SAME_ORGANIZATION
    assert services.tree_conflict([sjz], [institute], hebei) == Conflict.Kind.TREE        # judge above the entry
    assert services.tree_conflict([institute], [sjz], hebei) == Conflict.Kind.TREE        # judge below it
    assert services.tree_conflict([baoding], [institute], hebei) is None
    assert services.tree_conflict([hebei], [institute], hebei) is None  # the organizer is above everyone


def test_assignment_gives_k_judges_never_a_conflicted_one_and_keeps_the_cap(kit):
    Contest.objects.filter(pk=kit.contest.pk).update(max_entries_per_judge=5)
    kit.contest.refresh_from_db()
    for i in range(6):
        enter(kit, f"石家庄{i}", unit("石家庄市科技信息研究所"))
    enter(kit, "保定", unit("保定市"))
    report = services.assign(kit.final, actor=kit.admin)
    conflicts = set(Conflict.objects.filter(entry__contest=kit.contest).values_list("entry_id", "judge_id"))
    pairs = set(Assignment.objects.filter(round=kit.final).values_list("entry_id", "judge_id"))
    assert conflicts and not (pairs & conflicts), "a conflicted judge was assigned"
    # Shijiazhuang's entries can only go to the three judges from outside its tree (cap 5 each):
    # 6 entries × 3 judges = 18 > 15 places, so some are short and the report says so.
    assert report.short and all(n < 3 for _, n in report.short)
    loads = {}
    for _, judge in pairs:
        loads[judge] = loads.get(judge, 0) + 1
    assert max(loads.values()) <= 5
    again = services.assign(kit.final, actor=kit.admin)  # a re-run only fills gaps
    assert again.made == 0


def test_declared_conflict_removes_the_assignment_and_the_entry_from_the_judge(kit):
    ready(kit, ("保定作品", "保定市"))
    entry = kit.entries[0]
    judge = Assignment.objects.filter(round=kit.final, entry=entry).first().judge
    assignment_id = Assignment.objects.get(round=kit.final, entry=entry, judge=judge).pk
    services.declare_conflict(entry, judge=judge, reason="曾指导该选手")
    assert not Assignment.objects.filter(entry=entry, judge=judge).exists()
    with pytest.raises(PermissionDenied):
        services.judge_assignment(assignment_id, judge)
    assert AuditEvent.objects.filter(action="contests.conflict_declared").exists()


# --- scoring ---------------------------------------------------------------------------

def test_scoring_refusals(kit):
    ready(kit, ("保定作品", "保定市"), ("石家庄作品", "石家庄市科技信息研究所"))
    baoding, sjz_entry = kit.entries
    assignment = Assignment.objects.filter(round=kit.final, entry=baoding).first()
    judge = assignment.judge
    other = next(j for j in kit.judges if j != judge)
    with pytest.raises(PermissionDenied):  # not assigned to this judge
        services.save_score(assignment, judge=other, points=marks(8, 8, 8)(kit.final), submit=True)
    with pytest.raises(services.ContestError, match="0 到 10"):  # out of range
        services.save_score(assignment, judge=judge, points=marks(11, 8, 8)(kit.final), submit=True)
    with pytest.raises(services.ContestError, match="应是数字"):
        services.save_score(assignment, judge=judge, points=marks("abc", 8, 8)(kit.final), submit=True)
    with pytest.raises(services.ContestError, match="请给"):
        services.save_score(assignment, judge=judge, points={}, submit=True)
    services.save_score(assignment, judge=judge, points=marks(8, 8, 8)(kit.final), submit=True)
    with pytest.raises(services.ContestError, match="已提交并锁定"):  # twice / after lock
        services.save_score(assignment, judge=judge, points=marks(9, 9, 9)(kit.final), submit=True)
    assert Score.objects.get(assignment=assignment).total == D("80.00")
    # A conflicted judge (from Shijiazhuang's tree) is not assigned and cannot score the entry.
    conflicted = Conflict.objects.filter(entry=sjz_entry).first().judge
    assert not Assignment.objects.filter(entry=sjz_entry, judge=conflicted).exists()
    forged = Assignment(round=kit.final, entry=sjz_entry, judge=conflicted, panel=kit.panel)
    with pytest.raises(PermissionDenied, match="回避"):
        services.save_score(forged, judge=conflicted, points=marks(8, 8, 8)(kit.final), submit=True)
    Round.objects.filter(pk=kit.final.pk).update(status=Round.Status.CLOSED)
    closed = Assignment.objects.filter(round=kit.final, entry=baoding).exclude(judge=judge).first()
    closed.round.refresh_from_db()
    with pytest.raises(services.ContestError, match="不在评分时间"):
        services.save_score(closed, judge=closed.judge, points=marks(8, 8, 8)(kit.final), submit=True)


def test_a_draft_is_kept_and_does_not_count(kit):
    ready(kit, ("保定作品", "保定市"))
    assignment = Assignment.objects.filter(round=kit.final).first()
    services.save_score(assignment, judge=assignment.judge, points=marks(5, 5, 5)(kit.final), submit=False)
    result = Result.objects.get(round=kit.final, entry=kit.entries[0])
    assert result.scores_in == 0 and result.score is None
    services.save_score(assignment, judge=assignment.judge, points=marks(6, 6, 6)(kit.final), submit=True)
    result.refresh_from_db()
    assert (result.scores_in, result.score) == (1, D("60.0"))


def test_only_the_chief_reopens_with_a_reason_and_it_is_audited(kit):
    ready(kit, ("保定作品", "保定市"))
    assignment = Assignment.objects.filter(round=kit.final).exclude(judge=kit.judges[2]).first()
    submitted = services.save_score(assignment, judge=assignment.judge, points=marks(9, 9, 9)(kit.final), submit=True)
    with pytest.raises(PermissionDenied):
        services.reopen_score(submitted, actor=assignment.judge, reason="想改")  # not the chief
    chief = kit.judges[2]
    with pytest.raises(services.ContestError, match="理由"):
        services.reopen_score(submitted, actor=chief, reason=" ")
    services.reopen_score(submitted, actor=chief, reason="分数录入有误，请评委核对")
    score = Score.objects.get(pk=submitted.pk)
    assert (score.status, score.reopened_count) == ("draft", 1)
    event = AuditEvent.objects.get(action="contests.score_reopened")
    assert event.detail["reason"] == "分数录入有误，请评委核对" and event.target_user == assignment.judge
    assert Result.objects.get(round=kit.final, entry=kit.entries[0]).scores_in == 0
    services.save_score(assignment, judge=assignment.judge, points=marks(8, 9, 9)(kit.final), submit=True)
    assert Score.objects.get(pk=submitted.pk).total == D("85.00")


# --- results, notice, awards --------------------------------------------------------------

def finish_scoring(kit, figures):
    """figures: entry → list of content marks, one per assigned judge in judge order."""
    for entry, contents in figures.items():
        assignments = list(Assignment.objects.filter(round=kit.final, entry=entry).order_by("judge_id"))
        assert len(assignments) == len(contents)
        for assignment, content in zip(assignments, contents, strict=True):
            services.save_score(assignment, judge=assignment.judge, points=marks(content, 8, 8)(kit.final),
                                submit=True)


def test_results_rank_award_tiers_and_go_final_after_the_notice(kit):
    ready(kit, ("甲", "保定市"), ("乙", "保定市"), ("丙", "保定市"), ("丁", "保定市"))
    a, b, c, d = kit.entries
    # Content marks of the three judges; delivery and effect 8 each (32 + 8 = 40 points).
    finish_scoring(kit, {a: [10, 9, 8], b: [9, 9, 9], c: [7, 7, 7], d: [6, 6, 10]})
    results = {r.entry_id: r for r in Result.objects.filter(round=kit.final)}
    # 3 judges: the trimmed mean keeps the middle mark. a: 45+40 = 85.0, b: 85.0, c: 75.0, d: 70.0
    assert [results[e.pk].score for e in (a, b, c, d)] == [D("85.0"), D("85.0"), D("75.0"), D("70.0")]
    # a and b tie on the score and on every criterion's trimmed mean; the plain mean is equal (9) too: shared.
    assert (results[a.pk].rank, results[b.pk].rank, results[a.pk].tied) == (1, 1, True)
    tiers = {r.entry_id: r.prize_tier.name for r in Result.objects.filter(round=kit.final).select_related("prize_tier")}
    assert tiers == {a.pk: "一等奖", b.pk: "一等奖", c.pk: "二等奖", d.pk: "三等奖"}
    with pytest.raises(services.ContestError, match="结束"):
        services.publish_results(kit.contest, actor=kit.admin)
    services.close_round(kit.final, actor=kit.admin)
    now = timezone.now()
    publication = services.publish_results(kit.contest, actor=kit.admin, now=now)
    assert publication.publicity_ends_at == now + timedelta(days=7)
    objection = services.raise_objection(kit.contest, entry=c, name="王某", phone="13800001111", text="引用未注明出处",
                                         now=now + timedelta(days=1))
    with pytest.raises(services.ContestError, match="公示期"):
        services.finalize(kit.contest, actor=kit.admin, now=now + timedelta(days=2))
    with pytest.raises(services.ContestError, match="异议未处理"):
        services.finalize(kit.contest, actor=kit.admin, now=now + timedelta(days=8))
    services.handle_objection(objection, actor=kit.admin, upheld=False, response="经核查，已注明出处。")
    with pytest.raises(services.ContestError, match="不在公示期"):
        services.raise_objection(kit.contest, entry=c, name="王某", phone="1", text="再提", now=now + timedelta(days=8))
    awards = services.finalize(kit.contest, actor=kit.admin, now=now + timedelta(days=8))
    assert sorted((x.tier.name, x.rank) for x in awards) == [("一等奖", 1), ("一等奖", 1), ("三等奖", 4), ("二等奖", 3)]
    assert len({x.certificate_code for x in awards}) == 4
    assert Contest.objects.get(pk=kit.contest.pk).status == Contest.Status.FINAL
    assert Objection.objects.get(pk=objection.pk).status == "dismissed"


def test_disqualifying_an_entry_moves_the_others_up(kit):
    ready(kit, ("甲", "保定市"), ("乙", "保定市"))
    a, b = kit.entries
    finish_scoring(kit, {a: [10, 10, 10], b: [5, 5, 5]})
    services.disqualify_entry(a, actor=kit.admin, reason="异议成立：非原创")
    result = Result.objects.get(round=kit.final, entry=b)
    assert (result.rank, result.prize_tier.name) == (1, "一等奖")
    assert not Result.objects.filter(round=kit.final, entry=a).exists()


def test_normalised_rounds_keep_raw_and_normalised_figures(kit):
    Round.objects.filter(pk=kit.final.pk).update(normalize=True)
    kit.final.refresh_from_db()
    ready(kit, ("甲", "保定市"), ("乙", "保定市"))
    a, b = kit.entries
    finish_scoring(kit, {a: [10, 9, 8], b: [6, 5, 4]})
    rows = list(Score.objects.filter(assignment__round=kit.final))
    assert all(s.total is not None and s.normalized is not None for s in rows)
    assert Result.objects.get(round=kit.final, entry=a).rank == 1


# --- the public vote ---------------------------------------------------------------------

@pytest.fixture
def voter(db):
    from sciweek.participants.models import Profile

    user = User.objects.create(username="voter-1")
    Profile.objects.create(user=user, phone="13900000001", consent_at=timezone.now())
    return user


def test_vote_caps_per_entry_and_per_category_per_day(kit, voter):
    Contest.objects.filter(pk=kit.contest.pk).update(vote_enabled=True, vote_share_percent=20,
                                                     votes_per_entry_per_day=3, votes_per_category_per_day=4)
    kit.contest.refresh_from_db()
    a = enter(kit, "甲", unit("保定市"))
    b = enter(kit, "乙", unit("保定市"))
    a.contest.refresh_from_db()
    b.contest = a.contest
    now = timezone.now()
    for _ in range(3):
        services.cast_vote(a, voter=voter, ip="10.0.0.1", now=now)
    with pytest.raises(services.VoteRefused, match="这件作品投了 3 票"):
        services.cast_vote(a, voter=voter, now=now)
    services.cast_vote(b, voter=voter, now=now)
    with pytest.raises(services.VoteRefused, match="这个组别已投了 4 票"):
        services.cast_vote(b, voter=voter, now=now)
    services.cast_vote(a, voter=voter, now=now + timedelta(days=1))  # a new day
    assert a.votes.count() == 4 and b.votes.count() == 1
    nobody = User.objects.create(username="no-phone")
    with pytest.raises(services.VoteRefused, match="手机号"):
        services.cast_vote(a, voter=nobody, now=now)


def test_bursts_are_flagged_and_voided_votes_do_not_count(kit, voter, monkeypatch):
    from sciweek.participants.models import Profile

    monkeypatch.setattr(services, "BURST_VOTES", 3)
    Contest.objects.filter(pk=kit.contest.pk).update(vote_enabled=True, vote_share_percent=30)
    kit.contest.refresh_from_db()
    a = enter(kit, "甲", unit("保定市"))
    a.contest = kit.contest
    now = timezone.now()
    votes = []
    for i in range(5):
        user = User.objects.create(username=f"burst-{i}")
        Profile.objects.create(user=user, phone=f"1390000010{i}", consent_at=now)
        votes.append(services.cast_vote(a, voter=user, ip="10.9.9.9", device="dev-1", now=now))
    assert [v.flagged for v in votes] == [False, False, False, True, True]
    n = services.void_votes(kit.contest, actor=kit.admin, reason="同一地址集中刷票", ip="10.9.9.9")
    assert n == 5 and a.votes.filter(voided_at__isnull=True).count() == 0
    assert AuditEvent.objects.get(action="contests.votes_voided").detail["count"] == 5


def test_the_vote_weighs_at_most_its_share(kit, voter):
    Contest.objects.filter(pk=kit.contest.pk).update(vote_enabled=True, vote_share_percent=20)
    kit.contest.refresh_from_db()
    ready(kit, ("甲", "保定市"), ("乙", "保定市"))
    a, b = kit.entries
    b.contest = kit.contest
    services.cast_vote(b, voter=voter)
    finish_scoring(kit, {a: [10, 10, 10], b: [8, 8, 8]})
    ra, rb = (Result.objects.get(round=kit.final, entry=e) for e in (a, b))
    # a: judges 90.0, votes 0 → 72.0; b: judges 80.0, votes 100 → 64 + 20 = 84.0
    assert (ra.judges_score, ra.vote_score, ra.score) == (D("90.0"), D("0.0"), D("72.0"))
    assert (rb.judges_score, rb.vote_score, rb.score) == (D("80.0"), D("100.0"), D("84.0"))
    assert rb.rank == 1


def test_judge_without_the_role_cannot_sit_on_a_panel(kit):
    plain = User.objects.create(username="not-a-judge")
    with pytest.raises(services.ContestError, match="没有评委角色"):
        services.add_judge(kit.panel, plain, actor=kit.admin)
    judge = judge_user("test-judge-new", unit("保定市"))
    assert services.add_judge(kit.panel, judge, actor=kit.admin).panel == kit.panel


# --- setting up ------------------------------------------------------------------------------

def test_save_contest_syncs_categories_and_tiers_in_order_and_keeps_others_rubrics(kit):
    from sciweek.contests.models import Category, PrizeTier

    first, second = kit.categories
    other = Contest.objects.create(campaign=kit.contest.campaign, organization=kit.contest.organization,
                                   kind=Contest.Kind.WORKS, title="另一个", slug="other")
    foreign = Category.objects.create(contest=other, name="别人的组别")
    services.save_contest(kit.contest, actor=kit.admin, categories=[
        {"id": second.pk, "name": " 学生组 "}, {"id": first.pk, "delete": True}, {"id": foreign.pk, "name": "新组别"}],
        tiers=[{"id": None, "name": "特等奖", "count": 1, "share_percent": None}])
    assert list(Category.objects.filter(contest=kit.contest).values_list("name", "position")) == [
        ("学生组", 0), ("新组别", 1)]
    assert Category.objects.get(pk=foreign.pk).name == "别人的组别"  # an id from elsewhere is a new row
    assert "特等奖" in PrizeTier.objects.filter(contest=kit.contest).values_list("name", flat=True)
    enter(kit, "有作品", unit("保定市"), category=Category.objects.get(contest=kit.contest, name="学生组"))
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        services.save_contest(kit.contest, actor=kit.admin, categories=[
            {"id": Category.objects.get(contest=kit.contest, name="学生组").pk, "delete": True}], tiers=[])
    assert Category.objects.filter(contest=kit.contest, name="学生组").exists()  # all or nothing


def test_a_rubric_under_scoring_is_not_changed_and_judges_with_marks_stay(kit):
    from sciweek.contests.models import Criterion, PanelJudge

    ready(kit, ("甲", "保定市"))
    before = list(Criterion.objects.filter(round=kit.final).values_list("name", "weight"))
    services.save_round(kit.final, actor=kit.admin, criteria=[{"id": None, "name": "新项", "weight": 100,
                                                               "description": "", "min_points": 0,
                                                               "max_points": 10}])
    assert list(Criterion.objects.filter(round=kit.final).values_list("name", "weight")) == before
    assignment = Assignment.objects.filter(round=kit.final).first()
    services.save_score(assignment, judge=assignment.judge, points=marks(8, 8, 8)(kit.final), submit=False)
    seat = PanelJudge.objects.get(panel=kit.panel, judge=assignment.judge)
    with pytest.raises(services.ContestError, match="已有评分"):
        services.remove_judge(seat, actor=kit.admin)
    other_seat = PanelJudge.objects.filter(panel=kit.panel).exclude(
        judge__in=Assignment.objects.filter(round=kit.final, score__isnull=False).values("judge")).first()
    services.remove_judge(other_seat, actor=kit.admin)
    assert not Assignment.objects.filter(round=kit.final, judge=other_seat.judge).exists()


def test_setup_needs_the_organizers_admin(kit):
    filer = User.objects.get(username="unit-filer")
    with pytest.raises((PermissionDenied, Http404)):
        services.add_panel(kit.final, actor=filer, name="越权评审组")
    with pytest.raises((PermissionDenied, Http404)):
        services.save_round(kit.final, actor=filer, criteria=[])
