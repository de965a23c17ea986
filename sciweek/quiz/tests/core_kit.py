"""Small builders for the quiz core's tests (services, races): a campaign and an organization
of their own (no demo needed, so transactional tests stay fast), a bank of approved questions,
a published quiz drawing from it, takers."""
from __future__ import annotations

import itertools
from datetime import date, timedelta

from django.utils import timezone

from sciweek.accounts.models import User
from sciweek.campaigns.models import Campaign
from sciweek.organizations.models import Organization
from sciweek.participants.models import Profile
from sciweek.quiz import bank
from sciweek.quiz.models import DrawRule, Option, Question, Quiz, QuizQuestion

_serial = itertools.count(1)

DEFAULT_RULES = [{"kind": "true_false", "count": 3, "points": 5},
                 {"kind": "single", "count": 3, "points": 10},
                 {"kind": "multiple", "count": 2, "points": 10}]
DEFAULT_BANK = {"true_false": 6, "single": 6, "multiple": 5}


def campaign_and_organization(campaign=None, organization=None):
    if campaign is None:
        campaign = Campaign.objects.filter(year=2099).first() or Campaign.objects.create(
            year=2099, name="测试活动周", theme="测试", starts_on=date(2099, 5, 1), ends_on=date(2099, 5, 7))
    if organization is None:
        organization = Organization.objects.filter(name="测试组委会").first() or Organization.objects.add_root(
            {"name": "测试组委会", "kind": "committee"})
    return campaign, organization


def make_questions(organization, counts=None, status=Question.Status.APPROVED) -> list[Question]:
    made = []
    for kind, n in (counts or DEFAULT_BANK).items():
        for _i in range(n):
            serial = next(_serial)
            question = Question.objects.create(organization=organization, kind=kind, stem=f"第{serial}题：{kind}？",
                                               explanation=f"解析{serial}", status=status)
            if kind == "true_false":
                options = [("正确", True), ("错误", False)]
            elif kind == "single":
                options = [("甲", True), ("乙", False), ("丙", False), ("丁", False)]
            else:
                options = [("甲", True), ("乙", True), ("丙", False), ("丁", False)]
            Option.objects.bulk_create(Option(question=question, text=text, is_correct=right, position=i)
                                       for i, (text, right) in enumerate(options))
            made.append(question)
    return made


def make_quiz(campaign=None, organization=None, *, bank_counts=None, rules=None, questions=None,
              status=Quiz.Status.PUBLISHED, **fields) -> Quiz:
    """A published quiz open from an hour ago to tomorrow, 30 s per question, one scored attempt
    a day, no registration asked (unless fields say otherwise)."""
    campaign, organization = campaign_and_organization(campaign, organization)
    now = timezone.now()
    values = {"slug": f"q{next(_serial)}", "title": "测试答题", "opens_at": now - timedelta(hours=1),
              "closes_at": now + timedelta(days=1), "seconds_per_question": 30, "asks_region": False,
              "min_seconds_per_answer": 0, **fields}
    quiz = Quiz.objects.create(campaign=campaign, organization=organization, status=status, **values)
    for i, rule in enumerate(rules or DEFAULT_RULES):
        DrawRule.objects.create(quiz=quiz, position=i, kind=rule["kind"], difficulty=rule.get("difficulty"),
                                count=rule["count"], points=rule.get("points", 5))
    if questions is None:
        questions = make_questions(organization, bank_counts)
    QuizQuestion.objects.bulk_create(QuizQuestion(quiz=quiz, question=q) for q in questions)
    bank.forget()
    return Quiz.objects.select_related("campaign", "organization").get(pk=quiz.pk)


def taker(n: int | None = None) -> User:
    n = next(_serial) + 700000 if n is None else n
    user = User.objects.create(username=f"quiz_taker_{n}")
    Profile.objects.create(user=user, phone=f"137{n:08d}", consent_at=timezone.now())
    return user


def key_of(quiz, item) -> list[int]:
    return bank.question_info(quiz, item.question_id)["key"]


def wrong_of(quiz, item) -> list[int]:
    info = bank.question_info(quiz, item.question_id)
    return [next(o["id"] for o in info["options"] if o["id"] not in info["key"])]


def play(attempt, person, right, now=None):
    """Serve and answer every question; `right`: how many of them correctly (the first ones)."""
    from sciweek.quiz import services

    given = 0
    while (item := services.serve(attempt, now=now)) is not None:
        quiz = attempt.quiz
        options = key_of(quiz, item) if given < right else wrong_of(quiz, item)
        services.answer(attempt, person, position=item.position, option_ids=options, now=now)
        given += 1
    return given
