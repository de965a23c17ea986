"""The contests' public pages: the year's list, a contest, an entry, the results (公示 list with
its objection form, then the prize list), the public vote through the page, the live board and
its feed (changes after a score, 304 when unchanged), in Chinese and English; DRAFT contests and
results before the notice are 404; query counts on the contest and results pages."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sciweek.accounts.models import User
from sciweek.contests import services
from sciweek.contests.models import Assignment, Contest, Objection, Round, Vote

from .conftest import enter, unit

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


# --- building a contest to each stage (shared with the API, certificate and browser tests) ---

def marks(rnd, content, delivery=8, effect=8) -> dict:
    return {c.pk: v for c, v in zip(rnd.criteria.order_by("position"), (content, delivery, effect), strict=True)}


def judging(kit, *titles):
    """Entries from 保定 (no conflicted judge among the panel's three outside 石家庄), assigned,
    the final open for scoring."""
    for title in titles:
        enter(kit, title, unit("保定市"))
    services.assign(kit.final, actor=kit.admin)
    services.open_round(kit.final, actor=kit.admin)
    kit.final.refresh_from_db()
    kit.contest.refresh_from_db()
    return kit.entries


def score_all(kit, contents: dict) -> None:
    """contents: entry → its judges' content marks (delivery and effect 8 each)."""
    for entry, values in contents.items():
        assignments = list(Assignment.objects.filter(round=kit.final, entry=entry).select_related("judge")
                           .order_by("judge_id"))
        for assignment, content in zip(assignments, values, strict=True):
            services.save_score(assignment, judge=assignment.judge, points=marks(kit.final, content), submit=True)


def publicity(kit, now=None):
    """Four entries scored, the round closed, the results out for notice."""
    a, b, c, d = judging(kit, "星空讲解", "水的旅行", "桥梁的秘密", "身边的物理")
    score_all(kit, {a: [10, 10, 10], b: [9, 9, 9], c: [7, 7, 7], d: [6, 6, 6]})
    services.close_round(kit.final, actor=kit.admin)
    services.publish_results(kit.contest, actor=kit.admin, now=now or timezone.now())
    kit.contest.refresh_from_db()
    return a, b, c, d


def final(kit):
    """The same, past the notice period and final: awards with certificate codes."""
    start = timezone.now() - timedelta(days=8)
    entries = publicity(kit, now=start)
    services.finalize(kit.contest, actor=kit.admin)
    kit.contest.refresh_from_db()
    return entries


def url(kit, name="detail", *args):
    return reverse(f"contests:{name}", args=[kit.contest.campaign.year, kit.contest.slug, *args])


@pytest.fixture
def person(db):
    from sciweek.participants.models import Profile

    user = User.objects.create(username="p_contest_voter")
    Profile.objects.create(user=user, phone="13900001234", consent_at=timezone.now())
    return user


# --- the list, a contest, an entry --------------------------------------------------------------

def test_list_and_contest_page_in_chinese_and_english(kit, client):
    enter(kit, "星空讲解", unit("保定市"))
    listing = client.get(reverse("contests:list", args=[2020]))
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "测试科普讲解大赛" in text and "征集中" in text
    page = client.get(url(kit))
    text = page.content.decode()
    assert page.status_code == 200 and "星空讲解" in text and "科普工作者组" in text and "讲解内容 50%" in text
    assert "一等奖 1 名" in text and "三等奖：其余入围作品" in text
    english = client.get(url(kit), **EN)
    text = english.content.decode()
    assert english.status_code == 200 and 'lang="en"' in text
    assert '<span lang="zh-CN">星空讲解</span>' in text  # data marked as Chinese on an English page


def test_draft_contests_and_unknown_years_are_404(kit, client):
    Contest.objects.filter(pk=kit.contest.pk).update(status=Contest.Status.DRAFT)
    assert "测试科普讲解大赛" not in client.get(reverse("contests:list", args=[2020])).content.decode()
    assert client.get(url(kit)).status_code == 404
    assert client.get(url(kit, "results")).status_code == 404
    assert client.get(reverse("contests:list", args=[1999])).status_code == 404


def test_entry_page_shows_authors_unit_and_no_player_without_a_public_video(kit, client):
    entry = services.submit_entry(kit.contest, actor=kit.admin, organization=unit("保定市"),
                                  category=kit.categories[1], title="水的旅行", first_author="李明",
                                  team_members="王芳、赵强", summary="一滴水的循环。", attested=True)
    page = client.get(url(kit, "entry", entry.number))
    text = page.content.decode()
    assert page.status_code == 200
    assert "李明、王芳、赵强" in text and "一滴水的循环。" in text and "学生组" in text and "<video" not in text
    assert client.get(url(kit, "entry", 999)).status_code == 404
    services.withdraw_entry(entry, actor=kit.admin)
    assert client.get(url(kit, "entry", entry.number)).status_code == 404  # not in the contest any more


def test_the_contest_page_is_cached_under_the_contests_version(kit, client, django_assert_max_num_queries):
    for title in ("甲", "乙", "丙", "丁", "戊"):
        enter(kit, title, unit("保定市"))
    with django_assert_max_num_queries(9):  # contest; categories, entries, rounds+criteria, tiers; the nav's year links (cold)
        assert client.get(url(kit)).status_code == 200
    with django_assert_max_num_queries(2):  # the contest (its version keys the fragment); the shell's campaign
        assert client.get(url(kit)).status_code == 200
    enter(kit, "新作品", unit("保定市"))  # bumps the version: the page shows it at once
    assert "新作品" in client.get(url(kit)).content.decode()


# --- results -------------------------------------------------------------------------------------

def test_results_are_404_before_the_notice(kit, client):
    judging(kit, "甲", "乙")
    assert client.get(url(kit, "results")).status_code == 404
    assert "公示名单" not in client.get(url(kit)).content.decode()


def test_publicity_list_with_dates_ranks_scores_and_prizes(kit, client, django_assert_max_num_queries):
    a, b, c, d = publicity(kit)
    with django_assert_max_num_queries(7):  # contest, publication, results (+ joins); fragment once; year links (cold)
        page = client.get(url(kit, "results"))
    text = page.content.decode()
    assert page.status_code == 200 and "评审结果公示" in text and "公示期" in text
    assert "星空讲解" in text and "90.0" in text and "一等奖" in text and "二等奖" in text
    assert text.index("星空讲解") < text.index("水的旅行") < text.index("桥梁的秘密")
    with django_assert_max_num_queries(3):  # contest, publication, the shell's campaign: the rest is cached
        client.get(url(kit, "results"))
    english = client.get(url(kit, "results"), **EN)
    assert english.status_code == 200 and '<html lang="en"' in english.content.decode()
    assert '<span lang="zh-CN">星空讲解</span>' in english.content.decode()


def test_an_objection_in_real_name_is_recorded(kit, client):
    a, b, c, d = publicity(kit)
    response = client.post(url(kit, "results"), {"entry": c.number, "name": "王某", "phone": "0311-8765432",
                                                 "text": "引用资料未注明出处。"})
    assert response.status_code == 302
    objection = Objection.objects.get(contest=kit.contest)
    assert (objection.entry_id, objection.name, objection.phone) == (c.pk, "王某", "0311-8765432")
    assert "您的异议已提交" in client.get(response["Location"]).content.decode()


def test_objection_bad_input_is_explained_on_the_form(kit, client):
    publicity(kit)
    page = client.post(url(kit, "results"), {"entry": "", "name": " ", "phone": "abc", "text": ""})
    text = page.content.decode()
    assert page.status_code == 200 and 'role="alert"' in text
    assert "请填写有效的联系电话" in text and "这个字段是必填项" in text
    assert 'aria-describedby="objection_phone_helptext objection_phone_error"' in text
    assert client.post(url(kit, "results"), {"entry": 999, "name": "王某", "phone": "13800001111",
                                             "text": "x"}).status_code == 200  # not a listed entry
    assert not Objection.objects.filter(contest=kit.contest).exists()


def test_objections_are_rate_limited_per_address(kit, client):
    a, *_ = publicity(kit)
    body = {"entry": a.number, "name": "王某", "phone": "13800001111", "text": "异议"}
    for _ in range(5):
        assert client.post(url(kit, "results"), body).status_code == 302
    page = client.post(url(kit, "results"), body)
    assert page.status_code == 200 and "提交太频繁" in page.content.decode()
    assert Objection.objects.filter(contest=kit.contest).count() == 5


def test_objections_after_the_notice_period_are_refused(kit, client):
    a, *_ = publicity(kit, now=timezone.now() - timedelta(days=8))  # the notice ended yesterday
    page = client.get(url(kit, "results"))
    assert "公示期已结束" in page.content.decode()
    refused = client.post(url(kit, "results"), {"entry": a.number, "name": "王某", "phone": "13800001111",
                                                "text": "晚了"}, follow=True)
    assert "当前不在公示期" in refused.content.decode() and not Objection.objects.filter(contest=kit.contest).exists()


def test_prize_list_after_final_grouped_by_tier_with_certificates(kit, client, django_assert_max_num_queries):
    a, b, c, d = final(kit)
    with django_assert_max_num_queries(7):  # as above, with the awards
        page = client.get(url(kit, "results"))
    text = page.content.decode()
    assert page.status_code == 200 and "获奖名单" in text and "提出异议" not in text
    assert text.index("一等奖") < text.index("星空讲解") < text.index("二等奖") < text.index("水的旅行")
    assert text.count("下载获奖证书（PDF）") == 4
    refused = client.post(url(kit, "results"), {"entry": a.number, "name": "王某", "phone": "13800001111",
                                                "text": "晚了"}, follow=True)
    assert "当前不在公示期" in refused.content.decode() and not Objection.objects.filter(contest=kit.contest).exists()
    assert "查看获奖名单" in client.get(url(kit)).content.decode()
    assert "一等奖" in client.get(url(kit, "entry", a.number)).content.decode()


# --- the public vote through the page -------------------------------------------------------------

def voting(kit, per_entry=2, per_category=3):
    Contest.objects.filter(pk=kit.contest.pk).update(vote_enabled=True, votes_per_entry_per_day=per_entry,
                                                     votes_per_category_per_day=per_category)
    kit.contest.refresh_from_db()


def test_a_visitor_must_sign_in_with_a_phone_to_vote(kit, client):
    voting(kit)
    entry = enter(kit, "甲", unit("保定市"))
    page = client.get(url(kit, "entry", entry.number))
    assert "登录后投票" in page.content.decode() and "sciweek_device" in page.cookies
    response = client.post(url(kit, "vote", entry.number))
    assert response.status_code == 302 and response["Location"].startswith(reverse("participants:sign_in"))
    client.force_login(kit.admin, backend="django.contrib.auth.backends.ModelBackend")  # staff: not a voter
    client.post(url(kit, "vote", entry.number))
    assert not Vote.objects.exists()


def test_vote_caps_through_the_page_and_voided_votes_not_counted(kit, client, person):
    voting(kit, per_entry=2, per_category=3)
    a = enter(kit, "甲", unit("保定市"))
    b = enter(kit, "乙", unit("保定市"))
    client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
    for _ in range(2):
        page = client.post(url(kit, "vote", a.number), follow=True)
        assert "投票成功" in page.content.decode()
    refused = client.post(url(kit, "vote", a.number), follow=True).content.decode()
    assert "您今天已为这件作品投了 2 票" in refused
    assert '<span class="quiz-score">2</span>' in refused
    client.post(url(kit, "vote", b.number))
    refused = client.post(url(kit, "vote", b.number), follow=True).content.decode()
    assert "您今天在这个组别已投了 3 票" in refused
    vote = Vote.objects.filter(entry=a).first()
    assert vote.device and vote.ip == "127.0.0.1"  # the device cookie's hash, the client address
    services.void_votes(kit.contest, actor=kit.admin, reason="刷票", vote_ids=[vote.pk])
    assert '<span class="quiz-score">1</span>' in client.get(url(kit, "entry", a.number)).content.decode()


def test_no_vote_section_without_a_public_vote(kit, client):
    entry = enter(kit, "甲", unit("保定市"))
    assert "网络投票" not in client.get(url(kit, "entry", entry.number)).content.decode()


# --- the live board --------------------------------------------------------------------------------

def test_live_board_feed_changes_after_a_score_and_is_304_when_unchanged(kit, client,
                                                                        django_assert_max_num_queries):
    Round.objects.filter(pk=kit.final.pk).update(is_live=True)
    a, b = judging(kit, "甲", "乙")
    page = client.get(url(kit, "live"))
    text = page.content.decode()
    assert page.status_code == 200 and "现场实时成绩" in text and "js/contest-live.js" in text
    assert "<script>" not in text  # no inline script (CSP)
    assert "已评 0/3" in text
    first = client.get(url(kit, "live_data"))
    assert first.status_code == 200 and first["Cache-Control"] == "no-cache"
    etag = first["ETag"]
    rows = {r["number"]: r for c in first.json()["categories"] for r in c["rows"]}
    assert rows[a.number]["score"] is None and rows[a.number]["progress"] == "已评 0/3"
    with django_assert_max_num_queries(1):
        unchanged = client.get(url(kit, "live_data"), HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged["ETag"] == etag
    assignments = list(Assignment.objects.filter(round=kit.final, entry=a).select_related("judge"))
    for assignment in assignments[:2]:
        services.save_score(assignment, judge=assignment.judge, points=marks(kit.final, 9), submit=True)
    partial = client.get(url(kit, "live_data"), HTTP_IF_NONE_MATCH=etag)
    assert partial.status_code == 200 and partial["ETag"] != etag
    row = next(r for c in partial.json()["categories"] for r in c["rows"] if r["number"] == a.number)
    assert (row["scores_in"], row["score"], row["rank"]) == (2, None, None)  # not until the last judge
    services.save_score(assignments[2], judge=assignments[2].judge, points=marks(kit.final, 9), submit=True)
    done = client.get(url(kit, "live_data"), HTTP_IF_NONE_MATCH=partial["ETag"]).json()
    row = next(r for c in done["categories"] for r in c["rows"] if r["number"] == a.number)
    assert (row["scores_in"], row["complete"], row["score"], row["rank"]) == (3, True, "85.0", 1)
    assert "judge" not in str(done).lower()  # no judge's own mark or name in the feed
    english = client.get(url(kit, "live_data"), **EN)
    assert english["ETag"] != partial["ETag"]


def test_live_board_is_404_without_a_live_round(kit, client):
    judging(kit, "甲")
    assert client.get(url(kit, "live")).status_code == 404
    assert client.get(url(kit, "live_data")).status_code == 404


def test_every_public_page_renders_in_english(kit, client):
    Round.objects.filter(pk=kit.final.pk).update(is_live=True)
    voting(kit)
    a, *_ = final(kit)
    award = a.awards.get()
    pages = [reverse("contests:list", args=[2020]), url(kit), url(kit, "entry", a.number), url(kit, "results"),
             url(kit, "live"), reverse("contests:certificate_verify", args=[award.certificate_code])]
    for path in pages:
        page = client.get(path, **EN)
        assert page.status_code == 200, path
        text = page.content.decode()
        assert '<html lang="en"' in text and '<span lang="zh-CN">' in text, path
    feed = client.get(url(kit, "live_data"), **EN)
    assert feed.status_code == 200 and feed.json()["round"] == "决赛"


def test_the_demo_years_contests_render(client, demo):
    """Whatever the 2020 demo holds (its contests at every stage): every public page answers."""
    for contest in Contest.objects.filter(campaign=demo, status__in=Contest.Status.PUBLIC):
        base = [demo.year, contest.slug]
        assert client.get(reverse("contests:detail", args=base)).status_code == 200, contest.slug
        published = contest.status in (Contest.Status.PUBLICITY, Contest.Status.FINAL)
        assert client.get(reverse("contests:results", args=base)).status_code == (200 if published else 404)
        first = contest.entries.filter(status="submitted").order_by("number").first()
        if first is not None:
            assert client.get(reverse("contests:entry", args=[*base, first.number])).status_code == 200
        for award in contest.awards.select_related("contest__campaign")[:2]:
            assert client.get(reverse("contests:certificate_verify", args=[award.certificate_code])).status_code == 200
