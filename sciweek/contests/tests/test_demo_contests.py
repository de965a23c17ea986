"""The contests' demo data (sciweek.contests.demo.loader): Hebei's three finished 2020 contests
and the live campaign's contests, as load_demo leaves them."""
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from sciweek.accounts.models import Membership, Role, User
from sciweek.contests import scoring, services
from sciweek.contests.demo import loader as contests_demo
from sciweek.contests.models import (
    Assignment,
    Award,
    Conflict,
    Contest,
    Entry,
    Objection,
    PanelJudge,
    Publication,
    Result,
    Round,
    Score,
)
from sciweek.demo import demo_data as D
from sciweek.demo.live import live_campaign
from sciweek.demo.loader import load_demo
from sciweek.organizations.models import Organization

pytestmark = pytest.mark.django_db

SLUGS_2020 = ("hebei-speaking-2020", "hebei-micro-video-2020", "hebei-experiment-2020")


@pytest.fixture
def contests_2020(demo):
    return {c.slug: c for c in Contest.objects.filter(campaign=demo, slug__in=SLUGS_2020)}


def awards_by_category(contest):
    return Counter((a.entry.category.name, a.tier.name) for a in contest.awards.select_related("entry__category", "tier"))


def result_rows(rnd):
    return list(Result.objects.filter(round=rnd).order_by("entry_id").values_list(
        "entry_id", "judges_score", "vote_score", "score", "scores_in", "scores_expected", "rank", "tied",
        "tie_break", "prize_tier_id", "advances"))


def test_the_three_2020_contests_are_final_with_their_prizes(contests_2020):
    assert set(contests_2020) == set(SLUGS_2020)
    speaking = contests_2020["hebei-speaking-2020"]
    assert (speaking.title, speaking.kind) == ("2020年河北省科普讲解大赛", Contest.Kind.SPEAKING)
    assert contests_2020["hebei-micro-video-2020"].kind == Contest.Kind.MICRO_VIDEO
    assert contests_2020["hebei-experiment-2020"].kind == Contest.Kind.EXPERIMENT
    # The plan: 一二三等奖 in each category of the speaking contest (1, 1, 2 of six finalists; 优秀奖 the rest).
    assert awards_by_category(speaking) == Counter({
        (category, tier): n for category in ("科普工作者组", "学生组")
        for tier, n in (("一等奖", 1), ("二等奖", 1), ("三等奖", 2), ("优秀奖", 2))})
    for contest in contests_2020.values():
        assert contest.status == Contest.Status.FINAL
        assert 30 <= contest.entries.count() <= 60
        final = services.final_round(contest)
        tiers = list(contest.prize_tiers.order_by("position"))
        rules = [scoring.TierRule(t.pk, t.count, t.share_percent) for t in tiers]
        awards = awards_by_category(contest)
        for category in contest.categories.all():
            ranked = final.results.filter(entry__category=category, rank__isnull=False).count()
            expected = dict(zip([t.name for t in tiers], scoring.tier_sizes(rules, ranked), strict=True))
            assert {t.name: awards[(category.name, t.name)] for t in tiers} == expected, (contest.slug, category)
            assert expected["一等奖"] == 1 and expected["二等奖"] >= 1 and expected["三等奖"] >= 1
        # Awards are what the final round's results say, made when the seven days of 公示 were over.
        publication = Publication.objects.get(contest=contest)
        assert publication.round == final
        assert publication.publicity_ends_at - publication.publicity_starts_at == timedelta(days=7)
        assert publication.publicity_ends_at <= publication.finalized_at
        assert set(contest.awards.values_list("entry_id", "tier_id", "rank")) == set(
            final.results.filter(prize_tier__isnull=False).values_list("entry_id", "prize_tier_id", "rank"))
        assert set(contest.awards.values_list("awarded_at", flat=True)) == {publication.finalized_at}
        objection = Objection.objects.get(contest=contest)
        assert objection.status == Objection.Status.DISMISSED and objection.response
        assert publication.publicity_starts_at <= objection.created_at <= objection.handled_at
        assert objection.handled_at <= publication.publicity_ends_at


def test_micro_video_rules_hold_for_its_entries(contests_2020):
    video = contests_2020["hebei-micro-video-2020"]
    assert video.anonymous_judging and video.requires_aired_url and video.max_entries_per_first_author == 2
    entries = list(video.entries.all())
    assert all(e.aired_url.startswith("https://") for e in entries)
    per_author = Counter(e.first_author for e in entries)
    assert max(per_author.values()) == 2  # some authors sent two works, none more
    # The 2020 entries were judged from their aired addresses: no video files.
    assert all(getattr(e, "video_id", None) is None for e in entries)
    assert services.final_round(video).normalize


def test_judges_panels_and_conflicts(contests_2020):
    for contest in contests_2020.values():
        seats = PanelJudge.objects.filter(panel__round__contest=contest)
        judges = User.objects.filter(contest_panels__in=seats).distinct()
        assert 7 <= judges.count() <= 11
        for judge in judges:
            assert judge.username.startswith("judge-") and judge.is_demo
            assert judge.check_password(D.DEMO_PASSWORD)
            assert Membership.objects.filter(user=judge, role=Role.JUDGE).exists()
        for rnd in contest.rounds.all():
            for panel in rnd.panels.all():
                assert panel.judges.filter(is_chief=True).count() == 1, panel.name
        # Homes in different units (a few are the entries' units or above them): the tree's conflicts.
        homes = Membership.objects.filter(user__in=judges, role=Role.JUDGE).values_list("organization_id", flat=True)
        assert len(set(homes)) == judges.count()
        kinds = Counter(Conflict.objects.filter(entry__contest=contest).values_list("kind", flat=True))
        assert kinds[Conflict.Kind.DECLARED] == 1
        assert kinds[Conflict.Kind.SAME_ORGANIZATION] + kinds[Conflict.Kind.TREE] >= 2
        for conflict in Conflict.objects.filter(entry__contest=contest).exclude(kind=Conflict.Kind.DECLARED):
            entry_orgs = [o for o in (conflict.entry.organization, conflict.entry.recommended_by) if o]
            assert services.tree_conflict(services.judge_organizations(conflict.judge), entry_orgs,
                                          contest.organization) == conflict.kind


def test_no_assignment_is_conflicted():
    conflicts = set(Conflict.objects.values_list("entry_id", "judge_id"))
    assert conflicts
    assignments = set(Assignment.objects.values_list("entry_id", "judge_id"))
    assert assignments and not assignments & conflicts


def test_every_2020_assignment_was_scored_and_submitted_in_its_round(contests_2020):
    for contest in contests_2020.values():
        for rnd in contest.rounds.all():
            assert rnd.status == Round.Status.CLOSED
            assignments = Assignment.objects.filter(round=rnd)
            assert all(r.scores_in == r.scores_expected >= 3 for r in rnd.results.all())
            scores = Score.objects.filter(assignment__round=rnd)
            assert scores.count() == assignments.count()
            assert not scores.exclude(status=Score.Status.SUBMITTED).exists()
            first, last = (scores.order_by(f).values_list("submitted_at", flat=True).first()
                           for f in ("submitted_at", "-submitted_at"))
            assert rnd.starts_at <= first <= last <= rnd.ends_at
        opens, closes = contest.entries_open_at, contest.entries_close_at
        assert all(opens <= e.originality_attested_at <= closes for e in contest.entries.all())


def test_results_are_what_compute_results_gives_again(contests_2020):
    for contest in contests_2020.values():
        for rnd in contest.rounds.all():
            before = result_rows(rnd)
            assert before
            services.compute_results(rnd)
            assert result_rows(rnd) == before, rnd.name


def test_judges_mark_differently_so_normalisation_matters(contests_2020):
    rnd = services.final_round(contests_2020["hebei-micro-video-2020"])
    scores = list(Score.objects.filter(assignment__round=rnd).values_list("assignment__judge_id", "total",
                                                                          "normalized"))
    assert all(normalized is not None for _j, _t, normalized in scores)
    assert sum(1 for _j, total, normalized in scores if total != normalized) > len(scores) // 2
    means = {}
    for judge, total, _n in scores:
        means.setdefault(judge, []).append(total)
    averages = sorted(sum(v) / len(v) for v in means.values())
    assert averages[-1] - averages[0] > 5  # the most lenient judge's average is well above the strictest's


def test_the_live_contest_takes_entries(demo):
    live = live_campaign()
    contest = Contest.objects.get(campaign=live, slug="hebei-speaking")
    now = timezone.now()
    assert contest.status == Contest.Status.OPEN
    assert contest.entries_open_at < now < contest.entries_close_at
    assert contest.entries_close_at - now < timedelta(days=4)
    assert contest.organization.name == "河北省"
    assert contest.categories.count() == 2 and contest.prize_tiers.count() == 4
    prelim = contest.rounds.get(kind=Round.Kind.PRELIMINARY)
    assert prelim.status == Round.Status.PENDING and prelim.criteria.count() == 3
    assert PanelJudge.objects.filter(panel__round=prelim, judge__username="hebei-judge", is_chief=True).exists()
    assert 5 <= contest.entries.count() <= 10
    assert all(contest.entries_open_at <= e.originality_attested_at <= now for e in contest.entries.all())
    entry = services.submit_entry(
        contest, actor=User.objects.get(username="unit-filer"),
        organization=Organization.objects.get(name="石家庄市科技信息研究所"), category=contest.categories.first(),
        title="身边的人工智能", first_author="测试作者", attested=True)
    assert entry.number == contest.entries.count() and entry.status == Entry.Status.SUBMITTED


def test_the_live_final_is_being_marked(demo):
    contest = Contest.objects.get(campaign=live_campaign(), slug="hebei-experiment")
    assert contest.status == Contest.Status.JUDGING
    final = contest.rounds.get()
    assert final.is_live and final.status == Round.Status.SCORING
    scored = final.results.filter(score__isnull=False)
    assert 0 < scored.count() < final.results.count()
    assert all(r.scores_in < r.scores_expected for r in final.results.all())  # hebei-judge still to mark
    hebei_judge = User.objects.get(username="hebei-judge")
    waiting = Assignment.objects.filter(round=final, judge=hebei_judge, score__isnull=True)
    assert waiting.exists()
    assignment = services.judge_assignment(waiting.first().pk, hebei_judge)
    assert assignment.round == final
    assert Conflict.objects.filter(entry__contest=contest, judge__username="sjz-judge").exists()
    now = timezone.now()
    assert not Score.objects.filter(assignment__round=final, submitted_at__gt=now).exists()


def test_loading_the_demo_again_changes_nothing(demo):
    def counts():
        return tuple(model.objects.count() for model in (
            Contest, Entry, Assignment, Score, Result, Award, Conflict, Objection, PanelJudge, Publication, User,
            Membership)) + (list(Result.objects.order_by("pk").values_list("pk", "score", "rank", "prize_tier_id")),)

    before = counts()
    load_demo()
    assert counts() == before


def test_a_contest_loaded_again_comes_out_the_same(demo, contests_2020):
    """Seeded: the speaking contest built again (after deleting it) has the same entries,
    conflicts, marks, ranks and prizes."""
    def snapshot(contest):
        return (
            list(contest.entries.order_by("number").values_list("number", "title", "organization__name",
                                                                  "first_author", "originality_attested_at")),
            sorted(Conflict.objects.filter(entry__contest=contest).values_list("entry__number", "judge__username",
                                                                                "kind")),
            sorted(Score.objects.filter(assignment__round__contest=contest).values_list(
                "assignment__round__position", "assignment__entry__number", "assignment__judge__username", "total",
                "submitted_at")),
            list(Result.objects.filter(round__contest=contest).order_by("round__position", "entry__number")
                 .values_list("entry__number", "score", "rank", "prize_tier__name", "advances")),
        )

    speaking = contests_2020["hebei-speaking-2020"]
    before = snapshot(speaking)
    Publication.objects.filter(contest=speaking).delete()
    Entry.objects.filter(contest=speaking).delete()
    speaking.delete()
    hebei = Organization.objects.get(name="河北省", depth=2)
    again = {c.slug: c for c in contests_demo.load_contest_demo(demo, hebei)}["hebei-speaking-2020"]
    assert again.pk != speaking.pk and again.status == Contest.Status.FINAL
    assert snapshot(again) == before


def test_purging_the_live_campaign_takes_its_contests(demo):
    live = live_campaign()
    kept = Contest.objects.filter(campaign=demo).count()
    contests_demo.purge_contests(live)
    assert not Contest.objects.filter(campaign=live).exists()
    assert not Entry.objects.filter(contest__campaign=live).exists()
    assert Contest.objects.filter(campaign=demo).count() == kept == 3
