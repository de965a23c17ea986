"""The review queue: submitted questions in the reviewer's subtree with their answer keys,
approved or returned (with a reason) one by one and in bulk; 200 questions through pages of
50 with select-all; bounded queries whatever the page size."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sciweek.accounts.models import AuditEvent
from sciweek.quiz.models import Question

from .test_console_helpers import bulk_questions, user

pytestmark = pytest.mark.django_db
S = Question.Status


def ticked(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<input type="checkbox" name="question" value="(\d+)" checked>', html)]


def test_the_reviewer_sees_the_answer_key(staff_client, org):
    question = bulk_questions(org("石家庄市"), 1, kind="multiple", status=S.SUBMITTED, prefix="钥匙题",
                              by=user("sjz-filer"))[0]
    page = staff_client("sjz-reviewer").get(reverse("quiz:review_queue"), {"q": "钥匙题"}).content.decode()
    article = page.split(f'id="q-{question.pk}-title"', 1)[1].split("</article>", 1)[0]
    assert "A. 甲 <span class=\"badge online\">✓ 正确答案</span>" in article
    assert "B. 乙 <span class=\"badge online\">✓ 正确答案</span>" in article
    assert "C. 丙</li>" in article and "因为如此。" in article and "多选题" in article


def test_the_queue_is_the_reviewers_subtree(staff_client, org):
    bulk_questions(org("石家庄市"), 2, status=S.SUBMITTED, prefix="石家庄题")
    bulk_questions(org("保定市"), 2, status=S.SUBMITTED, prefix="保定题")
    bulk_questions(org("河北省"), 2, status=S.SUBMITTED, prefix="省级题")
    bulk_questions(org("石家庄市"), 2, status=S.DRAFT, prefix="草稿题")
    page = staff_client("sjz-reviewer").get(reverse("quiz:review_queue")).content.decode()
    assert "石家庄题0" in page and "保定题" not in page and "省级题" not in page and "草稿题" not in page
    page = staff_client("hebei-reviewer").get(reverse("quiz:review_queue")).content.decode()
    assert "石家庄题0" in page and "保定题0" in page and "省级题0" in page


def test_two_hundred_questions_in_four_pages_of_fifty(staff_client, org, django_assert_max_num_queries):
    questions = bulk_questions(org("石家庄市"), 200, status=S.SUBMITTED, prefix="批量题")
    client = staff_client("sjz-reviewer")
    for _round in range(4):
        page = client.get(reverse("quiz:review_queue"), {"q": "批量题", "all": "1"}).content.decode()
        chosen = ticked(page)
        assert len(chosen) == 50
        with django_assert_max_num_queries(20):
            response = client.post(reverse("quiz:review_decide"), {
                "question": chosen, "decision": "approve", "back": "q=批量题"})
        assert response.status_code == 302 and response["Location"] == reverse("quiz:review_queue") + "?q=%E6%89%B9%E9%87%8F%E9%A2%98"
    assert Question.objects.filter(pk__in=[q.pk for q in questions], status=S.APPROVED).count() == 200
    assert "没有等待您审核的题目。" in client.get(reverse("quiz:review_queue"), {"q": "批量题"}).content.decode()
    events = AuditEvent.objects.filter(action="quiz.questions_approved", actor__username="sjz-reviewer")
    assert events.count() == 4


def test_two_hundred_at_once_on_a_page_of_two_hundred(staff_client, org, django_assert_max_num_queries):
    questions = bulk_questions(org("石家庄市"), 200, status=S.SUBMITTED, prefix="整页题")
    client = staff_client("sjz-reviewer")
    chosen = ticked(client.get(reverse("quiz:review_queue"), {"q": "整页题", "per": "200", "all": "1"}).content.decode())
    assert len(chosen) == 200
    with django_assert_max_num_queries(20):
        client.post(reverse("quiz:review_decide"), {"question": chosen, "decision": "approve"})
    assert Question.objects.filter(pk__in=[q.pk for q in questions], status=S.APPROVED).count() == 200


def test_returning_needs_a_reason_and_keeps_the_selection(staff_client, org):
    questions = bulk_questions(org("石家庄市"), 3, status=S.SUBMITTED, prefix="退回题")
    client = staff_client("sjz-reviewer")
    ids = [q.pk for q in questions[:2]]
    response = client.post(reverse("quiz:review_decide"), {"question": ids, "decision": "return", "note": " ",
                                                           "back": "q=退回题"})
    page = response.content.decode()
    assert response.status_code == 400
    assert page.count('role="alert"') == 1 and "退回时请写明原因。" in page and '<a href="#id_note">' in page
    assert sorted(ticked(page)) == sorted(ids)
    assert set(Question.objects.filter(pk__in=ids).values_list("status", flat=True)) == {S.SUBMITTED}
    client.post(reverse("quiz:review_decide"), {"question": ids, "decision": "return", "note": "选项表述不清"})
    assert set(Question.objects.filter(pk__in=ids).values_list("status", "review_note")) == {
        (S.RETURNED, "选项表述不清")}
    bank = staff_client("sjz-filer").get(reverse("quiz:bank"), {"status": "returned"}).content.decode()
    assert "选项表述不清" in bank


def test_one_by_one_with_its_own_reason(staff_client, org):
    first, second = bulk_questions(org("石家庄市"), 2, status=S.SUBMITTED, prefix="单题")
    client = staff_client("sjz-reviewer")
    client.post(reverse("quiz:review_decide"), {"approve_one": first.pk, "question": [second.pk]})
    assert Question.objects.get(pk=first.pk).status == S.APPROVED
    assert Question.objects.get(pk=second.pk).status == S.SUBMITTED  # the ticks are not what was asked
    response = client.post(reverse("quiz:review_decide"), {"return_one": second.pk})
    page = response.content.decode()
    assert response.status_code == 400 and f'<a href="#id_q{second.pk}-note">' in page
    client.post(reverse("quiz:review_decide"), {"return_one": second.pk, f"q{second.pk}-note": "解析有误"})
    assert Question.objects.filter(pk=second.pk, status=S.RETURNED, review_note="解析有误").exists()


def test_questions_outside_the_reviewers_tree_are_left_alone(staff_client, org):
    mine = bulk_questions(org("石家庄市"), 1, status=S.SUBMITTED)[0]
    theirs = bulk_questions(org("保定市"), 1, status=S.SUBMITTED)[0]
    client = staff_client("sjz-reviewer")
    response = client.post(reverse("quiz:review_decide"), {"question": [mine.pk, theirs.pk], "decision": "approve"},
                           follow=True)
    assert Question.objects.get(pk=mine.pk).status == S.APPROVED
    assert Question.objects.get(pk=theirs.pk).status == S.SUBMITTED
    assert "1 道题未处理" in response.content.decode()
    client.post(reverse("quiz:review_decide"), {"approve_one": theirs.pk})
    assert Question.objects.get(pk=theirs.pk).status == S.SUBMITTED


def test_only_reviewers_decide(staff_client, org):
    question = bulk_questions(org("石家庄市"), 1, status=S.SUBMITTED)[0]
    for username in ("sjz-admin", "sjz-filer", "sjz-publicity"):
        response = staff_client(username).post(reverse("quiz:review_decide"), {"approve_one": question.pk})
        assert response.status_code == 403, username
    assert Question.objects.get(pk=question.pk).status == S.SUBMITTED


def test_queue_queries_do_not_grow_with_the_page(staff_client, org):
    bulk_questions(org("石家庄市"), 220, status=S.SUBMITTED, prefix="计数题")
    client = staff_client("sjz-reviewer")
    client.get(reverse("quiz:review_queue"))

    def count(params):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("quiz:review_queue"), params).status_code == 200
        return len(queries)

    small, large = count({"per": "20"}), count({"per": "200", "all": "1"})
    assert large == small <= 14, (small, large)
