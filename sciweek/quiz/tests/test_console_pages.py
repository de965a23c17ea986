"""The quiz console pages: who may open them, the question editor, the bank, the quiz editor
with its rules and pool, publishing, and bounded queries on the lists."""
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sciweek.accounts.models import Role
from sciweek.campaigns.selectors import current_campaign
from sciweek.quiz.models import DrawRule, Question, Quiz

from .test_console_helpers import bulk_questions, make_quiz, user

pytestmark = pytest.mark.django_db
S = Question.Status

QUIZ_ROLES = {Role.ADMIN, Role.PUBLICITY, Role.REVIEWER, Role.STATISTICIAN}  # quiz.manage ∪ quiz.results
BANK_ROLES = {Role.ADMIN, Role.PUBLICITY, Role.FILER, Role.REVIEWER}  # write ∪ review
WRITE_ROLES = {Role.ADMIN, Role.PUBLICITY, Role.FILER}
MANAGE_ROLES = {Role.ADMIN, Role.PUBLICITY}


@pytest.fixture
def hebei_quiz(org):
    return make_quiz(org("河北省"), actor=user("hebei-admin"))


@pytest.fixture
def hebei_question(org):
    return bulk_questions(org("河北省"), 1, by=user("hebei-filer"))[0]


# --- who may open what -----------------------------------------------------------------------

@pytest.mark.parametrize("role", Role.values)
def test_list_pages_open_for_their_roles_only(role, staff_client, demo):
    client = staff_client(f"hebei-{role}")
    expected = {
        "quiz:console_list": QUIZ_ROLES, "quiz:bank": BANK_ROLES, "quiz:review_queue": {Role.REVIEWER},
        "quiz:question_new": WRITE_ROLES, "quiz:question_import": WRITE_ROLES, "quiz:question_template": WRITE_ROLES,
        "quiz:quiz_new": MANAGE_ROLES,
    }
    for name, roles in expected.items():
        response = client.get(reverse(name))
        assert response.status_code == (200 if role in roles else 403), (role, name, response.status_code)


@pytest.mark.parametrize("role", Role.values)
def test_object_pages_open_for_their_roles_only(role, staff_client, hebei_quiz, hebei_question):
    client = staff_client(f"hebei-{role}")
    response = client.get(reverse("quiz:quiz_edit", args=[hebei_quiz.pk]))
    assert response.status_code == (200 if role in MANAGE_ROLES else 403), role
    response = client.get(reverse("quiz:question_edit", args=[hebei_question.pk]))
    assert response.status_code == (200 if role in WRITE_ROLES else 403), role


@pytest.mark.parametrize("username", ["sjz-admin", "sjz-publicity", "unit-filer"])
def test_objects_above_or_beside_the_users_tree_are_not_found(username, staff_client, hebei_quiz, hebei_question):
    client = staff_client(username)
    assert client.get(reverse("quiz:quiz_edit", args=[hebei_quiz.pk])).status_code == 404
    assert client.get(reverse("quiz:question_edit", args=[hebei_question.pk])).status_code == 404
    assert client.post(reverse("quiz:quiz_publish", args=[hebei_quiz.pk])).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, demo):
    for name in ("quiz:console_list", "quiz:bank", "quiz:review_queue", "quiz:question_new", "quiz:quiz_new"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def test_pages_link_to_each_other_as_the_role_allows(staff_client, demo):
    page = staff_client("hebei-filer").get(reverse("quiz:bank")).content.decode()
    assert reverse("quiz:bank") in page and reverse("quiz:review_queue") not in page
    assert f'href="{reverse("quiz:console_list")}"' not in page.split("<main", 1)[1]
    page = staff_client("hebei-reviewer").get(reverse("quiz:bank")).content.decode()
    assert reverse("quiz:review_queue") in page and reverse("quiz:question_new") not in page


# --- the question editor -----------------------------------------------------------------------

def option_data(rows, prefix="options"):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "8"}
    for i, (text, right) in enumerate(rows):
        data[f"{prefix}-{i}-text"] = text
        if right:
            data[f"{prefix}-{i}-correct"] = "on"
    return data


def question_post(org, **fields):
    data = {"organization": str(org.pk), "kind": "single", "stem": "水的沸点在标准大气压下是多少摄氏度？",
            "explanation": "标准大气压下水在 100 ℃ 沸腾。", "difficulty": "1", "topic": "体验美好生活",
            "audiences": ["primary"], **option_data([("100", True), ("90", False), ("80", False), ("", False)])}
    data.update(fields)
    return data


def test_new_question_saves_a_draft_then_submits(staff_client, org):
    client = staff_client("hebei-filer")
    hebei = org("河北省")
    response = client.post(reverse("quiz:question_new"), question_post(hebei, save="1"))
    question = Question.objects.get(stem="水的沸点在标准大气压下是多少摄氏度？")
    assert response.status_code == 302 and response["Location"] == reverse("quiz:question_edit", args=[question.pk])
    assert question.status == S.DRAFT and question.organization == hebei and question.audiences == ["primary"]
    assert [(o.text, o.is_correct) for o in question.options.all()] == [("100", True), ("90", False), ("80", False)]
    page = client.get(response["Location"]).content.decode()
    assert 'value="100"' in page and "体验美好生活" in page
    response = client.post(response["Location"], question_post(hebei, submit="1", stem="水的沸点是多少？"))
    question.refresh_from_db()
    assert response.status_code == 302 and question.status == S.SUBMITTED and question.stem == "水的沸点是多少？"


def test_true_false_has_its_two_fixed_options(staff_client, org):
    client = staff_client("hebei-publicity")
    data = question_post(org("河北省"), kind="true_false", stem="光在真空中传播最快。", tf_answer="false",
                         **option_data([("乱写", True)]))
    assert client.post(reverse("quiz:question_new"), data).status_code == 302
    question = Question.objects.get(stem="光在真空中传播最快。")
    assert [(o.text, o.is_correct) for o in question.options.all()] == [("正确", False), ("错误", True)]
    page = client.get(reverse("quiz:question_edit", args=[question.pk])).content.decode()
    assert re.search(r'<input type="radio" name="tf_answer" value="false"[^>]* checked', page)


@pytest.mark.parametrize(("fields", "message"), [
    ({**option_data([("100", True), ("90", True)])}, "单选题只能有一个正确答案。"),
    ({"kind": "multiple", **option_data([("甲", True), ("乙", False), ("丙", False)])}, "多选题至少要有两个正确答案。"),
    ({**option_data([("100", True)])}, "单选题需要 2 到 6 个选项。"),
    ({**option_data([("同", True), ("同", False)])}, "选项不能重复。"),
    ({"kind": "true_false", "tf_answer": ""}, "请选择判断题的答案。"),
])
def test_question_editor_shows_the_rules_and_keeps_what_was_typed(fields, message, staff_client, org):
    client = staff_client("hebei-filer")
    before = Question.objects.count()
    response = client.post(reverse("quiz:question_new"), question_post(org("河北省"), save="1", **fields))
    page = response.content.decode()
    assert response.status_code == 400 and Question.objects.count() == before
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert message in summary
    assert "水的沸点在标准大气压下是多少摄氏度？" in page and "标准大气压下水在 100 ℃ 沸腾。" in page


def test_empty_stem_is_an_error_on_the_stem(staff_client, org):
    response = staff_client("hebei-filer").post(reverse("quiz:question_new"), question_post(org("河北省"), stem=" "))
    page = response.content.decode()
    assert response.status_code == 400
    assert '<a href="#id_stem">' in page and "请填写题干。" in page
    assert 'aria-describedby="id_stem_error"' in page and 'aria-invalid="true"' in page


def test_adding_an_option_row_keeps_the_form_and_shows_no_errors(staff_client, org):
    client = staff_client("hebei-filer")
    data = question_post(org("河北省"), stem="", add_option="1")
    response = client.post(reverse("quiz:question_new"), data)
    page = response.content.decode()
    assert response.status_code == 200 and "error-summary" not in page
    assert 'name="options-TOTAL_FORMS" value="5"' in page and 'value="90"' in page
    assert not Question.objects.filter(stem="").exists()


def test_editing_an_approved_question_sends_it_back_to_review(staff_client, org):
    question = bulk_questions(org("河北省"), 1, status=S.APPROVED)[0]
    client = staff_client("hebei-filer")
    page = client.get(reverse("quiz:question_edit", args=[question.pk])).content.decode()
    assert "修改后会重新送审" in page
    data = question_post(org("河北省"), stem="改过的题干？", save="1")
    assert client.post(reverse("quiz:question_edit", args=[question.pk]), data).status_code == 302
    question.refresh_from_db()
    assert question.status == S.SUBMITTED and question.stem == "改过的题干？"


def test_retiring_a_question_asks_first(staff_client, org):
    question = bulk_questions(org("河北省"), 1)[0]
    client = staff_client("hebei-filer")
    url = reverse("quiz:question_retire", args=[question.pk])
    assert "确定要停用这道题吗？" in client.get(url).content.decode()
    assert Question.objects.get(pk=question.pk).status == S.DRAFT
    assert client.post(url, {"confirmed": "1"}).status_code == 302
    assert Question.objects.get(pk=question.pk).status == S.RETIRED


# --- the bank --------------------------------------------------------------------------------

def test_bank_filters_by_status_kind_difficulty_topic_and_text(staff_client, org):
    hebei = org("河北省")
    bulk_questions(hebei, 3, kind="single", topic="展示科技战疫成效", prefix="防疫")
    bulk_questions(hebei, 2, kind="multiple", difficulty=3, prefix="创新")
    bulk_questions(hebei, 2, kind="true_false", status=S.APPROVED, prefix="生活")
    bulk_questions(org("保定市"), 2, prefix="保定的题")
    client = staff_client("hebei-filer")

    def stems(**params):
        page = client.get(reverse("quiz:bank"), params).content.decode()
        return set(re.findall(r"(防疫\d|创新\d|生活\d|保定的题\d)", page))

    assert stems(kind="multiple") == {"创新0", "创新1"}
    assert stems(difficulty="3") == {"创新0", "创新1"}
    assert stems(topic="展示科技战疫成效") == {"防疫0", "防疫1", "防疫2"}
    assert stems(status="approved") == {"生活0", "生活1"}
    assert stems(q="创新1") == {"创新1"}
    assert {"保定的题0", "保定的题1"} <= stems()  # 保定 lies in Hebei's subtree
    assert stems(kind="multiple", q="防疫") == set()
    sjz_page = staff_client("sjz-filer").get(reverse("quiz:bank")).content.decode()
    assert "保定的题" not in sjz_page and "防疫" not in sjz_page


def test_bulk_submit_sends_ticked_drafts_to_review(staff_client, org):
    hebei = org("河北省")
    drafts = bulk_questions(hebei, 5)
    approved = bulk_questions(hebei, 1, status=S.APPROVED)[0]
    elsewhere = bulk_questions(org("保定市"), 1)[0]
    client = staff_client("sjz-filer")  # cannot touch Hebei's or 保定's bank
    client.post(reverse("quiz:bank_submit"), {"question": [drafts[0].pk, elsewhere.pk]})
    assert Question.objects.get(pk=drafts[0].pk).status == S.DRAFT
    assert Question.objects.get(pk=elsewhere.pk).status == S.DRAFT
    client = staff_client("hebei-filer")
    page = client.get(reverse("quiz:bank"), {"all": "1"}).content.decode()
    assert page.count("checked") >= 5
    response = client.post(reverse("quiz:bank_submit"), {
        "question": [q.pk for q in drafts[:4]] + [approved.pk], "back": "kind=single&page=1"})
    assert response.status_code == 302 and response["Location"] == reverse("quiz:bank") + "?kind=single&page=1"
    statuses = dict(Question.objects.filter(pk__in=[q.pk for q in drafts]).values_list("pk", "status"))
    assert [statuses[q.pk] for q in drafts] == [S.SUBMITTED] * 4 + [S.DRAFT]
    assert Question.objects.get(pk=approved.pk).status == S.APPROVED
    follow = client.get(response["Location"]).content.decode()
    assert "已提交 4 道题" in follow and "1 道题未提交" in follow


def count_queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def test_bank_list_queries_do_not_grow_with_the_page(staff_client, org):
    hebei = org("河北省")
    for kind in ("single", "multiple", "true_false"):
        bulk_questions(hebei, 70, kind=kind, topic="体验美好生活")
    client = staff_client("hebei-filer")
    client.get(reverse("quiz:bank"))  # the session and grants warm up
    small = count_queries(client, reverse("quiz:bank"), {"per": "20"})
    large = count_queries(client, reverse("quiz:bank"), {"per": "200", "all": "1"})
    assert large == small <= 14, (small, large)


# --- the quiz editor ---------------------------------------------------------------------------

def quiz_post(org=None, rules=(("true_false", "", "2", "10"), ("single", "", "3", "10")), **fields):
    now = timezone.localtime() + timedelta(hours=1)
    data = {"title": "河北省中小学科普网络答题", "slug": "console-test-quiz", "description": "面向全省中小学生。",
            "audience": "secondary", "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"), "seconds_per_question": "30",
            "seconds_per_attempt": "", "scored_attempts_per_day": "1", "scored_attempts_total": "3",
            "score_rule": "best", "practice_enabled": "on", "pass_percent": "60", "min_seconds_per_answer": "2",
            "accounts_per_device": "3", "asks_region": "on", "asks_school": "on", "prize_basis": "count",
            "first_prizes": "10", "second_prizes": "20", "third_prizes": "30",
            "rules-TOTAL_FORMS": str(len(rules)), "rules-INITIAL_FORMS": "0", "rules-MIN_NUM_FORMS": "0",
            "rules-MAX_NUM_FORMS": "20"}
    if org is not None:
        data["organization_choice"] = str(org.pk)
    for i, (kind, difficulty, count, points) in enumerate(rules):
        data.update({f"rules-{i}-kind": kind, f"rules-{i}-difficulty": difficulty, f"rules-{i}-count": count,
                     f"rules-{i}-points": points})
    data.update(fields)
    return data


def test_new_quiz_form_offers_the_usual_mix(staff_client, demo):
    page = staff_client("hebei-publicity").get(reverse("quiz:quiz_new")).content.decode()
    assert page.count('name="rules-') >= 15 and "每次答题共 20 题，满分 100 分。" in page
    assert 'name="rules-0-kind"' in page and 'value="7"' in page


def test_quiz_editor_saves_rules_and_keeps_what_was_typed(staff_client, org):
    client = staff_client("hebei-publicity")
    hebei = org("河北省")
    bad = quiz_post(hebei, closes_at="2000-01-01T00:00", pass_percent="120")
    response = client.post(reverse("quiz:quiz_new"), bad)
    page = response.content.decode()
    assert response.status_code == 400 and not Quiz.objects.filter(slug="console-test-quiz").exists()
    assert "结束时间必须晚于开始时间。" in page and "河北省中小学科普网络答题" in page and "面向全省中小学生。" in page
    assert '<a href="#id_pass_percent">' in page
    response = client.post(reverse("quiz:quiz_new"), quiz_post(hebei))
    quiz = Quiz.objects.get(slug="console-test-quiz")
    assert response.status_code == 302 and response["Location"] == reverse("quiz:quiz_edit", args=[quiz.pk])
    assert quiz.campaign == current_campaign() and quiz.organization == hebei and quiz.asks_school
    assert list(quiz.draw_rules.values_list("kind", "difficulty", "count", "points")) == [
        ("true_false", None, 2, 10), ("single", None, 3, 10)]
    page = client.get(response["Location"]).content.decode()
    assert "每次答题共 5 题，满分 50 分。" in page and "发布前须解决" in page
    # a third rule, added with its own button, keeps everything typed so far
    data = quiz_post(rules=(("true_false", "", "2", "10"), ("single", "2", "3", "10")), title="改名", add_rule="1")
    page = client.post(response["Location"], data).content.decode()
    assert 'name="rules-TOTAL_FORMS" value="3"' in page and 'value="改名"' in page and "error-summary" not in page
    data = quiz_post(rules=(("true_false", "", "2", "10"), ("single", "2", "3", "10"), ("multiple", "3", "2", "15")))
    client.post(response["Location"], data)
    assert list(quiz.draw_rules.values_list("kind", "difficulty", "count", "points")) == [
        ("true_false", None, 2, 10), ("single", 2, 3, 10), ("multiple", 3, 2, 15)]


def test_slug_is_unique_within_the_campaign(staff_client, org, hebei_quiz):
    response = staff_client("hebei-admin").post(reverse("quiz:quiz_new"), quiz_post(org("河北省"), slug=hebei_quiz.slug))
    assert response.status_code == 400 and "已有答题活动使用这个网址名" in response.content.decode()


def test_pool_by_filter_counts_and_publishing(staff_client, org, hebei_quiz):
    """(Hebei's demo bank is usable too: every filter here names a topic of this test's own.)"""
    hebei = org("河北省")
    client = staff_client("hebei-publicity")
    url = reverse("quiz:quiz_edit", args=[hebei_quiz.pk])
    bulk_questions(hebei, 3, kind="single", status=S.APPROVED, topic="测试甲")
    bulk_questions(hebei, 2, kind="multiple", status=S.APPROVED, topic="测试甲")
    bulk_questions(hebei, 4, kind="single", status=S.APPROVED, topic="测试乙", difficulty=3)
    tf = bulk_questions(hebei, 1, kind="true_false", status=S.APPROVED, topic="测试乙")
    bulk_questions(hebei, 5, kind="true_false", status=S.SUBMITTED, topic="测试乙")  # not reviewed: never offered
    bulk_questions(org("保定市"), 5, kind="true_false", status=S.APPROVED, topic="测试乙")  # below Hebei: not usable

    client.post(reverse("quiz:pool_add", args=[hebei_quiz.pk]), {"kind": "single", "topic": "测试甲"})
    assert hebei_quiz.pool.count() == 3
    client.post(reverse("quiz:pool_add", args=[hebei_quiz.pk]), {"topic": "测试乙"})
    assert hebei_quiz.pool.count() == 8
    client.post(reverse("quiz:pool_add", args=[hebei_quiz.pk]), {"topic": "测试乙", "difficulty": "3"})
    assert hebei_quiz.pool.count() == 8  # nothing new
    response = client.get(url)
    page = response.content.decode()
    assert "题目池中有 8 道题" in page and "判断题需要 2 道已审核通过的题，题库中只有 1 道。" in page
    assert "还差 1 道" in page
    in_pool = {label: [have for have, _more in cells] for label, cells, _n, _m in response.context["matrix"]}
    assert in_pool == {"判断题": [0, 1, 0], "单选题": [0, 3, 4], "多选题": [0, 0, 0]}

    response = client.post(reverse("quiz:quiz_publish", args=[hebei_quiz.pk]), follow=True)
    assert "还不能发布" in response.content.decode()
    assert Quiz.objects.get(pk=hebei_quiz.pk).status == Quiz.Status.DRAFT

    more = bulk_questions(hebei, 1, kind="true_false", status=S.APPROVED, topic="测试丙")
    client.post(reverse("quiz:pool_add", args=[hebei_quiz.pk]), {"kind": "true_false", "topic": "测试丙"})
    assert "发布前须解决" not in client.get(url).content.decode()
    client.post(reverse("quiz:quiz_publish", args=[hebei_quiz.pk]))
    assert Quiz.objects.get(pk=hebei_quiz.pk).status == Quiz.Status.PUBLISHED

    # a published quiz keeps its rules satisfiable: removing questions is allowed, saving refuses
    client.post(reverse("quiz:pool_remove", args=[hebei_quiz.pk]), {"question": [tf[0].pk, more[0].pk]})
    assert hebei_quiz.pool.count() == 7
    response = client.post(url, quiz_post(title=hebei_quiz.title, slug=hebei_quiz.slug))
    assert response.status_code == 400 and "判断题需要 2 道已审核通过的题" in response.content.decode()

    withdraw = reverse("quiz:quiz_withdraw", args=[hebei_quiz.pk])
    assert "确定要撤下" in client.get(withdraw).content.decode()
    assert Quiz.objects.get(pk=hebei_quiz.pk).status == Quiz.Status.PUBLISHED
    client.post(withdraw, {"confirmed": "1"})
    assert Quiz.objects.get(pk=hebei_quiz.pk).status == Quiz.Status.WITHDRAWN


def test_quiz_list_shows_status_and_counts(staff_client, org, hebei_quiz):
    hebei = org("河北省")
    from sciweek.quiz import services

    questions = bulk_questions(hebei, 6, kind="single", status=S.APPROVED)
    services.set_pool(hebei_quiz, questions, actor=user("hebei-admin"))
    other = make_quiz(org("保定市"), actor=user("hebei-admin"), slug="bd", title="保定答题")
    client = staff_client("hebei-statistician")
    page = client.get(reverse("quiz:console_list")).content.decode()
    assert "测试答题" in page and "保定答题" in page and "5 题 / 50 分" in page
    edit = reverse("quiz:quiz_edit", args=[hebei_quiz.pk])
    assert f'href="{edit}"' not in page and f'href="{edit}stats/"' in page  # results only: statistics, no editor
    page = staff_client("hebei-publicity").get(reverse("quiz:console_list")).content.decode()
    assert f'href="{edit}"' in page
    page = staff_client("sjz-publicity").get(reverse("quiz:console_list")).content.decode()
    assert "测试答题" not in page and "保定答题" not in page
    assert DrawRule.objects.filter(quiz=other).count() == 2


def test_quiz_list_queries_are_bounded(staff_client, org):
    hebei = org("河北省")
    for i in range(12):
        make_quiz(hebei, actor=user("hebei-admin"), slug=f"q{i}", title=f"答题{i}")
    client = staff_client("hebei-admin")
    client.get(reverse("quiz:console_list"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("quiz:console_list"))
    assert len(queries) <= 14, len(queries)


def test_a_superuser_sees_every_bank_and_queue(client, org):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from sciweek.accounts.models import User
    from sciweek.conftest import sign_in

    root = User.objects.create_superuser("quiz-root", password="x")
    TOTPDevice.objects.create(user=root, name="t", confirmed=True)
    bulk_questions(org("保定市"), 1, status=S.SUBMITTED, prefix="超级用户看到的题")
    sign_in(client, "quiz-root")
    for name in ("quiz:bank", "quiz:review_queue"):
        response = client.get(reverse(name), {"q": "超级用户看到的题"})
        assert response.status_code == 200 and "超级用户看到的题0" in response.content.decode(), name
    assert client.get(reverse("quiz:console_list")).status_code == 200
