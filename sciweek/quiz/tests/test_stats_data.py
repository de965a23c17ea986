"""A small quiz with known results, built through the services (as test_smoke.py does), for
the statistics and export tests. Importing this module defines no tests.

Five questions per attempt (2 true/false, 2 single, 1 multiple choice, 20 points each), so a
taker's score is 20 × the questions answered right. Takers (time used, finish):

    p2 100 50 s · p1 100 60 s · p7 80 1 s (too fast: flagged) · p3 80 40 s · p9 80 40 s
    (p3 and p9 start and finish together: tied, p3 first by person id) · p4 60 30 s (Beijing)
    · p5 40 20 s · p6 0 12 s · p8 100 45 s (disqualified) — and p1's practice attempt,
    p10 still answering.
"""
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from sciweek.accounts.models import User
from sciweek.organizations.models import Division, Organization
from sciweek.quiz import bank, services
from sciweek.quiz.models import Quiz


def make_bank(admin, reviewer, organization, prefix="题"):
    questions = []
    for i in range(4):
        questions.append(services.save_question(
            actor=admin, organization=organization, kind="true_false", stem=f"{prefix}判断{i}：水在标准大气压下 100 ℃ 沸腾。",
            options=services.true_false_options(i % 2 == 0), submit=True))
        questions.append(services.save_question(
            actor=admin, organization=organization, kind="single", stem=f"{prefix}单选{i}：光速约为多少？", submit=True,
            options=[services.OptionIn("30 万千米每秒", True), services.OptionIn("3 万千米每秒", False),
                     services.OptionIn("300 千米每秒", False)]))
    for i in range(3):
        questions.append(services.save_question(
            actor=admin, organization=organization, kind="multiple", stem=f"{prefix}多选{i}：哪些是哺乳动物？", submit=True,
            options=[services.OptionIn("鲸", True), services.OptionIn("蝙蝠", True), services.OptionIn("鲨鱼", False),
                     services.OptionIn("企鹅", False)]))
    services.review_questions(questions, actor=reviewer, approve=True)
    return questions


def make_quiz(campaign, organization, admin, questions, slug="stats", **fields) -> Quiz:
    now = timezone.now()
    values = {"opens_at": now - timedelta(days=2), "closes_at": now + timedelta(days=2), "seconds_per_question": 30,
              "asks_school": True, "prize_basis": Quiz.PrizeBasis.COUNT, "first_prizes": 1, "second_prizes": 2,
              "third_prizes": 2}
    values.update(fields)
    quiz = services.save_quiz(Quiz(campaign=campaign, organization=organization, slug=slug, title="统计测试答题", **values),
                              actor=admin, rules=[{"kind": "true_false", "count": 2, "points": 20},
                                                  {"kind": "single", "count": 2, "points": 20},
                                                  {"kind": "multiple", "count": 1, "points": 20}])
    services.set_pool(quiz, questions, actor=admin)
    services.publish_quiz(quiz, actor=admin)
    quiz.refresh_from_db()
    return quiz


def take(quiz, person, *, correct: int, seconds: float, start, practice=False, finish=True, device_id=""):
    """An attempt answering the first ``correct`` questions right and the others wrong, handed
    in ``seconds`` after ``start`` (every step through the services, at the given times)."""
    attempt = services.start_attempt(quiz, person, practice=practice, now=start, device_id=device_id)
    step = timedelta(seconds=seconds / (attempt.question_count + 1))
    at = start
    for i in range(attempt.question_count if finish else 0):
        at += step
        item = services.serve(attempt, now=at)
        key = bank.question_info(quiz, item.question_id)["key"]
        chosen = key if i < correct else [o for o in item.option_order if o not in key][:1]
        services.answer(attempt, person, position=item.position, option_ids=chosen, now=at + step / 2)
    if finish:
        return services.finish(attempt, person, now=start + timedelta(seconds=seconds))
    return attempt


@dataclass
class Dataset:
    quiz: Quiz
    people: dict
    admin: User
    reviewer: User
    divisions: dict


def county(prefix: str) -> Division:
    return Division.objects.filter(code__startswith=prefix, level=3).exclude(name="市辖区").order_by("code").first()


def build(campaign, *, slug="stats", organization: str = "河北省", **quiz_fields) -> Dataset:
    admin = User.objects.get(username="hebei-admin")
    reviewer = User.objects.get(username="hebei-reviewer")
    owner = Organization.objects.get(name=organization)
    quiz = make_quiz(campaign, owner, admin, make_bank(admin, reviewer, owner, prefix=slug), slug=slug, **quiz_fields)
    divisions = {"sjz": county("1301"), "bd": county("1306"), "bj": county("1101")}
    plan = {  # name: (division, school, correct, seconds, start offset in minutes before now)
        "p1": ("sjz", "石家庄市第一中学", 5, 60, 300), "p2": ("sjz", "石家庄市第一中学", 5, 50, 290),
        "p3": ("bd", "保定市第一中学", 4, 40, 280), "p9": ("bd", "保定市第一中学", 4, 40, 280),
        "p4": ("bj", "北京市第八中学", 3, 30, 270), "p5": ("sjz", "石家庄市第二中学", 2, 20, 260),
        "p6": ("sjz", "石家庄市第二中学", 0, 12, 250), "p7": ("bd", "保定市第一中学", 4, 1, 240),
        "p8": ("sjz", "石家庄市第一中学", 5, 45, 230),
    }
    now = timezone.now()
    people = {}
    for name in ["p1", "p2", "p3", "p9", "p4", "p5", "p6", "p7", "p8", "p10"]:
        people[name] = User.objects.create(username=f"{slug}-{name}")
    for name, (where, school, correct, seconds, before) in plan.items():
        services.register(quiz, people[name], display_name=f"学生{name}", division=divisions[where], school_name=school)
        take(quiz, people[name], correct=correct, seconds=seconds, start=now - timedelta(minutes=before))
    take(quiz, people["p1"], correct=2, seconds=30, start=now - timedelta(minutes=200), practice=True)
    services.register(quiz, people["p10"], display_name="学生p10", division=divisions["sjz"], school_name="石家庄市第一中学")
    take(quiz, people["p10"], correct=0, seconds=0, start=now - timedelta(seconds=20), finish=False)
    p8 = quiz.attempts.get(person=people["p8"], is_practice=False)
    services.review_attempt(p8, actor=reviewer, disqualify=True, note="代答")
    return Dataset(quiz=quiz, people=people, admin=admin, reviewer=reviewer, divisions=divisions)
