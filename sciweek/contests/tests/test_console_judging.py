"""The judges' pages: their rounds and list, the score sheet (draft, refusals, submit with its
confirm step, 下一件), conflicts (automatic and declared: a conflicted judge never sees the
entry), anonymous judging (no author or organization anywhere in the HTML), the chief judge's
reopen with a reason, bounded queries, and one page in English."""
import pytest
from django.urls import reverse

from sciweek.accounts.models import AuditEvent, User
from sciweek.contests import services
from sciweek.contests.models import Assignment, Conflict, Contest, Criterion, Round, Score

from .conftest import enter, unit

pytestmark = pytest.mark.django_db


def as_user(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def scoring(kit):
    """Three entries from 保定 and one from 石家庄 (two judges conflicted with it), assigned, round open."""
    baoding, sjz = unit("保定市"), unit("石家庄市")
    for i in range(3):
        enter(kit, f"保定作品{i}", baoding, author=f"保定作者{i}")
    enter(kit, "石家庄作品", sjz, author="石家庄作者")
    admin = User.objects.get(username="hebei-admin")
    services.assign(kit.final, actor=admin)
    services.open_round(kit.final, actor=admin)
    kit.final.refresh_from_db()
    return kit


def marks(kit, values):
    return {f"c{c.pk}": v for c, v in zip(Criterion.objects.filter(round=kit.final).order_by("position"), values,
                                          strict=True)}


def mine(kit, judge):
    return list(Assignment.objects.filter(round=kit.final, judge=judge).select_related("entry").order_by(
        "entry__number"))


def points(kit, value):
    return {str(c.pk): value for c in kit.final.criteria.all()}


def test_home_and_round_list_show_progress_and_states(scoring, client):
    chief = scoring.judges[2]
    judge = max(scoring.judges, key=lambda j: len(mine(scoring, j)))
    work = mine(scoring, judge)
    assert len(work) >= 3
    services.save_score(work[0], judge=judge, points=points(scoring, "8"), submit=True)
    services.save_score(work[1], judge=judge, points=points(scoring, "5"), submit=False)
    c = as_user(client, judge)
    home = c.get(reverse("contests:judge_home")).content.decode()
    assert "测试科普讲解大赛" in home and f"已提交 1 / {len(work)} 件" in home
    assert ("评审组长" in home) == (judge == chief)
    page = c.get(reverse("contests:judge_round", args=[scoring.final.pk])).content.decode()
    assert page.count('badge online">已提交') == 1 and page.count('badge warn">草稿') == 1
    assert page.count('class="badge">未评') == len(work) - 2
    assert all(a.entry.title in page for a in work)


def test_score_page_draft_refusals_submit_and_next(scoring, client):
    judge = scoring.judges[3]
    c = as_user(client, judge)
    first, second = mine(scoring, judge)[:2]
    url = reverse("contests:judge_score", args=[first.pk])
    page = c.get(url).content.decode()
    assert 'inputmode="decimal"' in page and 'min="0"' in page and 'max="10"' in page and 'step="0.01"' in page
    assert "contest-score.js" in page and "<script>" not in page  # no inline script (CSP)
    # Out of range: the service's message names the criterion; what was typed stays.
    refused = c.post(url, {"action": "save", **marks(scoring, ["11", "7", "6"])})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "“讲解内容”的分数应在 0 到 10 之间。" in text and 'value="11"' in text
    saved = c.post(url, {"action": "save", **marks(scoring, ["8", "7", "6"])}, follow=True)
    assert "已保存草稿" in saved.content.decode()
    assert Score.objects.get(assignment=first).status == Score.Status.DRAFT
    assert c.get(url).content.decode().count('value="8"') == 1
    done = c.post(url, {"action": "submit", "confirmed": "1", **marks(scoring, ["8", "7", "6"])})
    assert done.status_code == 302 and done["Location"] == reverse("contests:judge_score", args=[second.pk])
    locked = c.post(url, {"action": "save", **marks(scoring, ["9", "9", "9"])})
    assert locked.status_code == 400 and "已提交并锁定" in locked.content.decode()
    assert c.get(url).content.decode().count("评分已提交") >= 1


def test_round_not_scoring_is_refused_clearly(scoring, client):
    judge = scoring.judges[3]
    Round.objects.filter(pk=scoring.final.pk).update(status=Round.Status.PENDING)
    c = as_user(client, judge)
    a = mine(scoring, judge)[0]
    assert "不在评分时间" in c.get(reverse("contests:judge_score", args=[a.pk])).content.decode()
    response = c.post(reverse("contests:judge_score", args=[a.pk]), {"action": "save", **marks(scoring, ["1", "1", "1"])})
    assert response.status_code == 400 and "这一轮当前不在评分时间" in response.content.decode()


def test_a_judge_cannot_open_another_judges_assignment(scoring, client):
    theirs = mine(scoring, scoring.judges[2])[0]
    c = as_user(client, scoring.judges[3])
    if theirs.judge_id == scoring.judges[3].pk:
        pytest.fail("fixture gave the same judge")
    mine_ids = {a.entry_id for a in mine(scoring, scoring.judges[3])}
    other = next(a for a in Assignment.objects.filter(round=scoring.final).exclude(judge=scoring.judges[3]))
    for url in (reverse("contests:judge_score", args=[other.pk]), reverse("contests:judge_conflict", args=[other.pk])):
        assert (c.post(url, {"reason": "x"}) if "conflict" in url else c.get(url)).status_code == 404
    assert c.post(reverse("contests:judge_score", args=[other.pk]),
                  {"action": "submit", "confirmed": "1", **marks(scoring, ["1", "1", "1"])}).status_code == 404
    assert not Score.objects.filter(assignment=other).exists()
    assert mine_ids  # the judge does have work of their own


def test_conflicted_judge_never_sees_the_entry(scoring, client):
    sjz_entry = next(e for e in scoring.entries if e.title == "石家庄作品")
    sjz_judge = scoring.judges[0]  # from 石家庄市: conflicted by the tree
    assert Conflict.objects.filter(entry=sjz_entry, judge=sjz_judge).exists()
    assert not Assignment.objects.filter(entry=sjz_entry, judge=sjz_judge).exists()
    c = as_user(client, sjz_judge)
    page = c.get(reverse("contests:judge_round", args=[scoring.final.pk])).content.decode()
    assert "石家庄作品" not in page
    # A declared conflict: the assignment goes, the page is a 404 from then on.
    judge = scoring.judges[4]
    a = mine(scoring, judge)[0]
    c = as_user(client, judge)
    assert c.post(reverse("contests:judge_conflict", args=[a.pk]), {"reason": ""}).status_code == 302
    assert Assignment.objects.filter(pk=a.pk).exists()  # no reason, nothing declared
    c.post(reverse("contests:judge_conflict", args=[a.pk]), {"reason": "作者是我的学生"})
    assert Conflict.objects.filter(entry=a.entry, judge=judge, kind=Conflict.Kind.DECLARED).exists()
    assert c.get(reverse("contests:judge_score", args=[a.pk])).status_code == 404
    assert a.entry.title not in c.get(reverse("contests:judge_round", args=[scoring.final.pk])).content.decode()


def test_conflict_row_without_losing_the_assignment_is_still_404(scoring, client):
    """services.judge_assignment refuses a conflicted judge even if an assignment row is left."""
    judge = scoring.judges[3]
    a = mine(scoring, judge)[0]
    Conflict.objects.create(entry=a.entry, judge=judge, kind=Conflict.Kind.DECLARED, reason="x")
    c = as_user(client, judge)
    response = c.get(reverse("contests:judge_score", args=[a.pk]))
    assert response.status_code == 404 and a.entry.title not in response.content.decode()


def test_anonymous_judging_hides_author_and_organization(scoring, client):
    Contest.objects.filter(pk=scoring.contest.pk).update(anonymous_judging=True)
    judge = scoring.judges[2]
    a = mine(scoring, judge)[0]
    entry = a.entry
    c = as_user(client, judge)
    for url in (reverse("contests:judge_score", args=[a.pk]), reverse("contests:judge_round", args=[scoring.final.pk])):
        html = c.get(url).content.decode()
        assert entry.code in html and entry.title in html
        assert entry.first_author not in html and entry.organization.name not in html, url
        assert "保定" not in html.replace(entry.title, ""), url
    html = c.get(reverse("contests:chief_scores", args=[scoring.final.pk])).content.decode()
    assert "保定作者" not in html and "保定市" not in html
    # Without anonymity the judge sees who made it.
    Contest.objects.filter(pk=scoring.contest.pk).update(anonymous_judging=False)
    html = c.get(reverse("contests:judge_score", args=[a.pk])).content.decode()
    assert entry.first_author in html and entry.organization.name in html


def test_chief_judge_reopens_a_score_with_a_reason(scoring, client):
    judge, chief = scoring.judges[3], scoring.judges[2]
    a = mine(scoring, judge)[0]
    score = services.save_score(a, judge=judge, points={str(c.pk): "7" for c in scoring.final.criteria.all()},
                                submit=True)
    # Not the chief: the page and the action do not exist for them.
    c = as_user(client, judge)
    assert c.get(reverse("contests:chief_scores", args=[scoring.final.pk])).status_code == 404
    assert c.post(reverse("contests:chief_reopen", args=[score.pk]), {f"s{score.pk}-reason": "x",
                                                                       "confirmed": "1"}).status_code == 404
    c = as_user(client, chief)
    page = c.get(reverse("contests:chief_scores", args=[scoring.final.pk])).content.decode()
    assert a.entry.title in page and "退回评分" in page
    url = reverse("contests:chief_reopen", args=[score.pk])
    question = c.post(url, {f"s{score.pk}-reason": "现场效果一项误填"})
    assert question.status_code == 200 and "确定退回" in question.content.decode()
    assert Score.objects.get(pk=score.pk).status == Score.Status.SUBMITTED
    c.post(url, {f"s{score.pk}-reason": "现场效果一项误填", "confirmed": "1"})
    assert Score.objects.get(pk=score.pk).status == Score.Status.DRAFT
    event = AuditEvent.objects.get(action="contests.score_reopened")
    assert event.detail["reason"] == "现场效果一项误填" and event.actor == chief
    # The judge may change it now.
    c = as_user(client, judge)
    assert c.post(reverse("contests:judge_score", args=[a.pk]),
                  {"action": "submit", "confirmed": "1", **marks(scoring, ["7", "7", "9"])}).status_code == 302


def test_judge_pages_query_counts(scoring, client, django_assert_max_num_queries):
    judge = scoring.judges[2]
    c = as_user(client, judge)
    a = mine(scoring, judge)[0]
    services.save_score(a, judge=judge, points={str(x.pk): "6" for x in scoring.final.criteria.all()}, submit=False)
    c.get(reverse("contests:judge_home"))  # warm the session
    with django_assert_max_num_queries(12):
        assert c.get(reverse("contests:judge_home")).status_code == 200
    with django_assert_max_num_queries(12):
        assert c.get(reverse("contests:judge_round", args=[scoring.final.pk])).status_code == 200
    with django_assert_max_num_queries(14):
        assert c.get(reverse("contests:judge_score", args=[a.pk])).status_code == 200
    # More entries do not mean more queries on the list.
    for i in range(6):
        enter(scoring, f"新增{i}", unit("保定市"))
    services.assign(scoring.final, actor=User.objects.get(username="hebei-admin"))
    with django_assert_max_num_queries(12):
        assert c.get(reverse("contests:judge_round", args=[scoring.final.pk])).status_code == 200


def test_score_page_in_english(scoring, client):
    judge = scoring.judges[2]
    c = as_user(client, judge)
    a = mine(scoring, judge)[0]
    c.cookies["django_language"] = "en"
    html = c.get(reverse("contests:judge_score", args=[a.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en"' in html
    # The words the site already translates (the contests' own msgids come with the PO fragment).
    assert ">Save</button>" in html and ">Submit</button>" in html
    assert "保存</button>" not in html
    assert f'<span lang="zh-CN">{a.entry.title}</span>' in html
    assert '<label for="id_c' in html and '<span lang="zh-CN">讲解内容</span></label>' in html  # rubric data
