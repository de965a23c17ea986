"""No IDOR in the quiz console: staff of a sibling city, of a unit or of another province can
neither see nor change a quiz or a question outside their subtrees (404 on every route that
takes an id, whatever the method), and the bulk pages ignore ids from outside.

The matrix must name every route of console_views that takes an object id; the same entries
belong in console/tests/test_isolation.py (see the report of the console part of issue 12).
"""
import pytest
from django.urls import URLPattern, get_resolver, reverse

from sciweek.quiz.models import Question, Quiz

from .test_console_helpers import bulk_questions, make_quiz, other_province_admin, user

pytestmark = pytest.mark.django_db

ATTACKERS = ["sjz-admin", "sjz-reviewer", "sjz-filer", "sjz-publicity", "unit-admin", "unit-filer",
             "other-province-admin"]
PAYLOAD = {"title": "入侵", "slug": "x", "stem": "入侵", "kind": "single", "topic": "", "question": [], "confirmed": "1",
           "decision": "approve", "note": "入侵", "save": "1", "submit": "1"}

# route name -> (kwargs for 保定's objects, methods to try)
MATRIX = {
    "quiz:quiz_edit": (lambda o: {"quiz_id": o["quiz"].pk}, ["get", "post"]),
    "quiz:pool_add": (lambda o: {"quiz_id": o["quiz"].pk}, ["post"]),
    "quiz:pool_remove": (lambda o: {"quiz_id": o["quiz"].pk}, ["post"]),
    "quiz:quiz_publish": (lambda o: {"quiz_id": o["quiz"].pk}, ["post"]),
    "quiz:quiz_withdraw": (lambda o: {"quiz_id": o["quiz"].pk}, ["get", "post"]),
    "quiz:question_edit": (lambda o: {"question_id": o["question"].pk}, ["get", "post"]),
    "quiz:question_retire": (lambda o: {"question_id": o["question"].pk}, ["get", "post"]),
}


@pytest.fixture
def baoding(org):
    """A quiz of 保定 (a sibling city of 石家庄) with a question in its pool, and a draft question."""
    city = org("保定市")
    other_province_admin()
    approved = bulk_questions(city, 1, status=Question.Status.APPROVED, prefix="保定题")
    quiz = make_quiz(city, actor=user("hebei-admin"), slug="bd-quiz", title="保定答题")
    from sciweek.quiz import services

    services.set_pool(quiz, approved, actor=user("hebei-admin"))
    question = bulk_questions(city, 1, prefix="保定草稿")[0]
    return {"quiz": quiz, "question": question, "approved": approved[0]}


def console_object_routes() -> set[str]:
    namespace = get_resolver().namespace_dict["quiz"][1]
    return {f"quiz:{p.name}" for p in namespace.url_patterns
            if isinstance(p, URLPattern) and p.pattern.converters and str(p.pattern).startswith("console/")
            and getattr(p.callback, "__module__", "") == "sciweek.quiz.console_views"}


def test_every_object_route_is_in_the_matrix():
    assert console_object_routes() == set(MATRIX)


def unchanged(objects):
    quiz = Quiz.objects.get(pk=objects["quiz"].pk)
    assert (quiz.title, quiz.status, quiz.pool.count()) == ("保定答题", Quiz.Status.DRAFT, 1)
    question = Question.objects.get(pk=objects["question"].pk)
    assert (question.stem, question.status) == ("保定草稿0：single？", Question.Status.DRAFT)
    assert not Question.objects.filter(stem="入侵").exists()


@pytest.mark.parametrize("attacker", ATTACKERS)
def test_other_trees_objects_are_not_found(attacker, baoding, staff_client):
    client = staff_client(attacker)
    for route, (kwargs, methods) in MATRIX.items():
        url = reverse(route, kwargs=kwargs(baoding))
        for method in methods:
            response = client.post(url, PAYLOAD) if method == "post" else client.get(url)
            assert response.status_code == 404, (route, attacker, method, response.status_code)
    unchanged(baoding)


@pytest.mark.parametrize("attacker", ["sjz-reviewer", "sjz-admin", "other-province-admin"])
def test_bulk_pages_ignore_ids_from_outside(attacker, baoding, staff_client):
    client = staff_client(attacker)
    theirs = bulk_questions(baoding["quiz"].organization, 1, status=Question.Status.SUBMITTED)[0]
    for url, data in [(reverse("quiz:bank_submit"), {"question": [baoding["question"].pk]}),
                      (reverse("quiz:review_decide"), {"question": [theirs.pk], "decision": "approve"}),
                      (reverse("quiz:review_decide"), {"approve_one": theirs.pk})]:
        assert client.post(url, data).status_code in (302, 403)
    assert Question.objects.get(pk=theirs.pk).status == Question.Status.SUBMITTED
    unchanged(baoding)
    for name in ("quiz:bank", "quiz:review_queue", "quiz:console_list"):
        response = client.get(reverse(name))
        page = response.content.decode()
        assert response.status_code in (200, 403) and "保定题" not in page and "保定答题" not in page, name


def test_another_provinces_admin_cannot_reach_hebeis_quiz(staff_client, org):
    quiz = make_quiz(org("河北省"), actor=user("hebei-admin"), slug="hb-iso")
    question = bulk_questions(org("河北省"), 1)[0]
    other_province_admin()
    client = staff_client("other-province-admin")
    assert client.get(reverse("quiz:quiz_edit", args=[quiz.pk])).status_code == 404
    assert client.get(reverse("quiz:question_edit", args=[question.pk])).status_code == 404
    assert client.post(reverse("quiz:quiz_publish", args=[quiz.pk])).status_code == 404
    # and their own pages work, empty of Hebei
    page = client.get(reverse("quiz:console_list")).content.decode()
    assert "测试答题" not in page and "河北省" not in page.split("<main", 1)[1]


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_anonymous_is_sent_to_sign_in(route, baoding, client):
    kwargs, methods = MATRIX[route]
    url = reverse(route, kwargs=kwargs(baoding))
    for method in methods:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_new_question_or_quiz_cannot_be_put_in_another_tree(staff_client, org):
    client = staff_client("sjz-admin")
    hebei = org("保定市")
    response = client.post(reverse("quiz:question_new"), {"organization": str(hebei.pk), "kind": "single",
                                                          "stem": "入侵", "difficulty": "2"})
    assert response.status_code == 404 and not Question.objects.filter(stem="入侵").exists()
    response = client.post(reverse("quiz:quiz_new"), {"organization_choice": str(hebei.pk), "title": "入侵"})
    assert response.status_code == 404 and not Quiz.objects.filter(title="入侵").exists()
