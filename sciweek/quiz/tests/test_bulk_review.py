"""Bulk submission and bulk review of bank questions in the console: a bounded number of SQL
statements whatever the number ticked (5 or 50 cost the same), every permission still checked
on the server, per question, by the services."""
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sciweek.conftest import sign_in
from sciweek.quiz import services
from sciweek.quiz.models import Option, Question

from .test_console_helpers import bulk_questions, user

pytestmark = pytest.mark.django_db
S = Question.Status


def posted(client, url, data) -> int:
    """Statements of one POST (the client warmed up before: its session and grants read once)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data)
    assert response.status_code == 302, response.status_code
    return len(queries)


def test_submitting_and_reviewing_in_bulk_costs_the_same_for_5_and_50(demo, org):
    sjz = org("石家庄市")
    filer, reviewer = Client(), Client()
    sign_in(filer, "sjz-filer")
    sign_in(reviewer, "sjz-reviewer")
    filer.get(reverse("quiz:bank"))
    reviewer.get(reverse("quiz:review_queue"))
    counts = {}
    for n in (5, 50):
        approve = bulk_questions(sjz, n, prefix=f"通过{n}题")
        send_back = bulk_questions(sjz, n, kind="multiple", prefix=f"退回{n}题")
        counts[n] = (
            posted(filer, reverse("quiz:bank_submit"), {"question": [q.pk for q in approve + send_back]}),
            posted(reviewer, reverse("quiz:review_decide"), {"question": [q.pk for q in approve],
                                                              "decision": "approve"}),
            posted(reviewer, reverse("quiz:review_decide"), {"question": [q.pk for q in send_back],
                                                              "decision": "return", "note": "请补充解析。"}),
        )
        assert set(Question.objects.filter(pk__in=[q.pk for q in approve]).values_list("status", flat=True)) == {
            S.APPROVED}
        returned = Question.objects.filter(pk__in=[q.pk for q in send_back])
        assert set(returned.values_list("status", "review_note")) == {(S.RETURNED, "请补充解析。")}
        assert set(returned.values_list("reviewed_by__username", flat=True)) == {"sjz-reviewer"}
    assert counts[5] == counts[50], counts
    submit, approve, send_back = counts[50]
    assert submit <= 12 and approve <= 12 and send_back <= 12, counts  # was 6 + 5 per question to submit


def test_bulk_submit_sends_only_what_meets_the_rules(staff_client, org):
    sjz = org("石家庄市")
    good = bulk_questions(sjz, 3, prefix="合格题")
    bad = bulk_questions(sjz, 1, prefix="两个答案的单选题")[0]
    Option.objects.filter(question=bad).update(is_correct=True)  # a single choice with four right answers
    returned = bulk_questions(sjz, 1, status=S.RETURNED, prefix="改过的题")[0]
    client = staff_client("sjz-filer")
    response = client.post(reverse("quiz:bank_submit"), {"question": [q.pk for q in [*good, bad, returned]]})
    statuses = dict(Question.objects.filter(pk__in=[q.pk for q in [*good, bad, returned]]).values_list("pk", "status"))
    assert [statuses[q.pk] for q in good] == [S.SUBMITTED] * 3
    assert (statuses[bad.pk], statuses[returned.pk]) == (S.DRAFT, S.SUBMITTED)
    page = client.get(response["Location"]).content.decode()
    assert "已提交 4 道题，等待审核。" in page and "1 道题不符合要求，没有提交，请打开修改。" in page


def test_the_bulk_services_check_the_policy_for_each_question(org):
    """Whatever a view passes in, the services refuse a question outside the actor's subtrees
    (404) or a role that may not act on it (403), and move nothing."""
    mine = bulk_questions(org("石家庄市"), 2, prefix="本市题")
    theirs = bulk_questions(org("保定市"), 1, prefix="外市题")[0]
    loaded = list(Question.objects.filter(pk__in=[q.pk for q in [*mine, theirs]]).select_related(
        "organization").prefetch_related("options").order_by("pk"))
    with pytest.raises(Http404):
        services.submit_questions(loaded, actor=user("sjz-filer"))
    with pytest.raises(PermissionDenied):
        services.submit_questions(loaded[:2], actor=user("sjz-reviewer"))  # a reviewer writes no questions
    assert set(Question.objects.filter(pk__in=[q.pk for q in loaded]).values_list("status", flat=True)) == {S.DRAFT}
    assert services.submit_questions(loaded[:2], actor=user("sjz-filer")) == (2, 0)
    submitted = list(Question.objects.filter(pk__in=[q.pk for q in mine]).select_related("organization"))
    with pytest.raises(PermissionDenied):
        services.review_questions(submitted, actor=user("sjz-filer"), approve=True)
    assert set(Question.objects.filter(pk__in=[q.pk for q in mine]).values_list("status", flat=True)) == {S.SUBMITTED}
