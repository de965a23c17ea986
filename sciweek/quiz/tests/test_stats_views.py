"""The console statistics page, its live figures, the review of flagged attempts and who may
see them (another province: 404; a filer: 403)."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sciweek.accounts.models import AuditEvent, User
from sciweek.organizations.models import Organization
from sciweek.quiz import bank, selectors
from sciweek.quiz.models import Attempt, Quiz, Standing

from .test_stats_data import build, take

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(demo):
    return build(demo)


def url(name, quiz, *args):
    return reverse(f"quiz:{name}", args=[quiz.pk, *args])


def test_the_page_shows_the_figures(data, staff_client):
    client = staff_client("hebei-statistician")
    response = client.get(url("stats", data.quiz))
    assert response.status_code == 200
    html = response.content.decode()
    stats = response.context["stats"]
    assert (stats.takers, stats.ranked, stats.average, stats.median, stats.passed) == (9, 8, 67.5, 80, 6)
    assert 'id="quiz-stats-data"' in html and "js/quiz-stats.js" in html and "vendor/echarts.min.js" in html
    assert "<script>" not in html.replace('<script type="application/json"', "")  # no inline script (CSP)
    assert 'hx-trigger="every 30s"' in html  # the quiz is open: the figures refresh
    assert "判断" in html and "光速约为多少" in html  # stems in the per-question table
    assert "石家庄市第一中学" in html and "河北省" in html and "北京市" in html
    assert "答题速度快于合理速度" in html  # p7's reason in the review list
    assert reverse("quiz:stats_review", args=[data.quiz.pk, Attempt.objects.get(
        quiz=data.quiz, person=data.people["p7"]).pk]) in html
    assert "一等奖" in html and "学生p2" in html
    chart = response.context["chart_data"]
    assert chart["bands"]["values"] == [2, 1, 0, 3, 0, 2]
    assert chart["map"] and {d["name"] for d in chart["map"]} == {"河北", "北京"}
    assert len(chart["questions"]["values"]) == len(response.context["questions"])


def test_a_province_shows_its_cities(data, staff_client):
    response = staff_client("hebei-statistician").get(url("stats", data.quiz) + "?province=130000")
    assert [r.name for r in response.context["regions"]] == ["石家庄市", "保定市"]
    assert "返回各省统计" in response.content.decode()
    assert staff_client("hebei-statistician").get(url("stats", data.quiz) + "?province=x").context["province"] == ""


def test_query_count_is_bounded(data, staff_client, django_assert_max_num_queries):
    client = staff_client("hebei-admin")
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cold():
        cache.clear()
        bank.forget()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("stats", data.quiz)).status_code == 200
        return len(queries)

    def warm():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("stats", data.quiz)).status_code == 200
        return len(queries)

    client.get(url("stats", data.quiz))  # the first request after signing in also saves the session
    before_cold = cold()
    before_warm = warm()
    # More takers, more flagged attempts, more schools: the same number of queries.
    now = timezone.now()
    for i in range(6):
        person = User.objects.create(username=f"more-{i}")
        from sciweek.quiz import services

        services.register(data.quiz, person, display_name=f"新人{i}", division=data.divisions["bd"],
                          school_name=f"新学校{i}")
        take(data.quiz, person, correct=i % 5, seconds=1 if i % 2 else 40, start=now - timedelta(minutes=100 + i))
    assert cold() == before_cold
    assert warm() == before_warm
    assert before_cold <= 30 and before_warm <= 18, (before_cold, before_warm)
    with django_assert_max_num_queries(before_warm):
        client.get(url("stats", data.quiz))


def test_the_figures_part_for_htmx(data, staff_client):
    client = staff_client("hebei-statistician")
    response = client.get(url("stats_figures", data.quiz), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<div id=\"quiz-figures\"") and 'hx-trigger="every 30s"' in html
    assert "<html" not in html
    assert client.get(url("stats_figures", data.quiz)).status_code == 302  # not htmx: the page


def test_a_closed_quiz_does_not_poll(data, staff_client):
    Quiz.objects.filter(pk=data.quiz.pk).update(closes_at=timezone.now() - timedelta(hours=1))
    html = staff_client("hebei-statistician").get(url("stats", data.quiz)).content.decode()
    assert "hx-trigger" not in html


def flagged(data):
    return Attempt.objects.get(quiz=data.quiz, person=data.people["p7"])


def test_clear_a_flagged_attempt(data, staff_client):
    client = staff_client("hebei-reviewer")
    attempt = flagged(data)
    client.get(url("stats", data.quiz))  # figures kept in the cache
    response = client.post(url("stats_review", data.quiz, attempt.pk),
                           {f"a{attempt.pk}-note": "监考老师确认本人作答", f"a{attempt.pk}-decision": "clear"})
    assert response.status_code == 302 and response.url.endswith("#flagged")
    attempt.refresh_from_db()
    assert attempt.review == "cleared"
    assert AuditEvent.objects.filter(action="quiz.attempt_cleared", summary="监考老师确认本人作答").exists()
    page = client.get(url("stats", data.quiz))
    assert page.context["stats"].flagged == 0  # the kept figures were forgotten
    assert "没有待核查的答题。" in page.content.decode()
    cleared = client.get(url("stats", data.quiz) + "?review=cleared")
    assert [e["attempt"].pk for e in cleared.context["reviewable"]] == [attempt.pk]


def test_a_reason_is_required(data, staff_client):
    client = staff_client("hebei-reviewer")
    attempt = flagged(data)
    response = client.post(url("stats_review", data.quiz, attempt.pk),
                           {f"a{attempt.pk}-note": " ", f"a{attempt.pk}-decision": "clear"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "请写明核查意见。" in html and 'role="alert"' in html and f'href="#id_a{attempt.pk}-note"' in html
    attempt.refresh_from_db()
    assert attempt.review == "flagged"


def test_disqualify_asks_to_confirm(data, staff_client):
    client = staff_client("hebei-reviewer")
    attempt = flagged(data)
    fields = {f"a{attempt.pk}-note": "同一人多次代答", f"a{attempt.pk}-decision": "disqualify"}
    response = client.post(url("stats_review", data.quiz, attempt.pk), fields)
    assert response.status_code == 200 and "确定取消成绩" in response.content.decode()
    assert Attempt.objects.get(pk=attempt.pk).review == "flagged"
    response = client.post(url("stats_review", data.quiz, attempt.pk), {**fields, "confirmed": "1"})
    assert response.status_code == 302
    assert Standing.objects.get(quiz=data.quiz, person=data.people["p7"]).disqualified
    assert AuditEvent.objects.filter(action="quiz.attempt_disqualified").exists()
    stats = client.get(url("stats", data.quiz)).context["stats"]
    assert (stats.ranked, stats.disqualified) == (7, 2)
    assert "学生p7" not in [r.standing.display_name for r in selectors.prize_list(data.quiz)[1]]


def test_review_of_an_attempt_of_another_quiz_is_404(data, demo, staff_client):
    other = build(demo, slug="other")
    attempt = flagged(other)
    response = staff_client("hebei-reviewer").post(url("stats_review", data.quiz, attempt.pk),
                                                   {f"a{attempt.pk}-note": "x", f"a{attempt.pk}-decision": "clear"})
    assert response.status_code == 404


@pytest.fixture
def shanxi_quiz(data):
    shanxi = Organization.objects.get(name="山西省")
    quiz = Quiz.objects.create(campaign=data.quiz.campaign, organization=shanxi, slug="shanxi", title="山西答题",
                               opens_at=data.quiz.opens_at, closes_at=data.quiz.closes_at, seconds_per_question=30)
    return quiz


@pytest.mark.parametrize("name", ["stats", "stats_figures", "export_results", "export_prizes"])
def test_another_province_is_404(shanxi_quiz, staff_client, name):
    assert staff_client("hebei-admin").get(url(name, shanxi_quiz), HTTP_HX_REQUEST="true").status_code == 404


@pytest.mark.parametrize("name", ["stats", "stats_figures", "export_results", "export_prizes"])
def test_a_city_does_not_see_its_province_quiz(data, staff_client, name):
    assert staff_client("sjz-admin").get(url(name, data.quiz), HTTP_HX_REQUEST="true").status_code == 404


@pytest.mark.parametrize("name", ["stats", "stats_figures", "export_results", "export_prizes"])
def test_a_filer_is_403(data, staff_client, name):
    assert staff_client("hebei-filer").get(url(name, data.quiz), HTTP_HX_REQUEST="true").status_code == 403


def test_a_filer_cannot_review(data, staff_client):
    attempt = flagged(data)
    response = staff_client("hebei-filer").post(url("stats_review", data.quiz, attempt.pk),
                                                {f"a{attempt.pk}-note": "x", f"a{attempt.pk}-decision": "clear"})
    assert response.status_code == 403
    assert Attempt.objects.get(pk=attempt.pk).review == "flagged"


@pytest.mark.parametrize("username", ["hebei-admin", "hebei-publicity", "hebei-reviewer", "hebei-statistician",
                                      "national-statistician"])
def test_who_sees_the_statistics(data, staff_client, username):
    assert staff_client(username).get(url("stats", data.quiz)).status_code == 200


def test_english_page_renders(data, staff_client):
    client = staff_client("hebei-statistician")
    response = client.get(url("stats", data.quiz), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
