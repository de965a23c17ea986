"""Shared pieces of the console tests (no tests here): questions and quizzes made quickly."""
from datetime import timedelta

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from sciweek.accounts.models import Membership, User
from sciweek.campaigns.selectors import current_campaign
from sciweek.organizations.models import Organization
from sciweek.quiz import services
from sciweek.quiz.models import Option, Question, Quiz

OPTIONS = {
    "true_false": [("正确", True), ("错误", False)],
    "single": [("甲", True), ("乙", False), ("丙", False), ("丁", False)],
    "multiple": [("甲", True), ("乙", True), ("丙", False), ("丁", False)],
}


def user(username: str) -> User:
    return User.objects.get(username=username)


def bulk_questions(organization, n: int, *, kind="single", status=Question.Status.DRAFT, difficulty=2, topic="",
                   prefix="题目", by=None) -> list[Question]:
    """n questions with their options in a few queries (test data: the rules hold by construction)."""
    questions = Question.objects.bulk_create(
        Question(organization=organization, kind=kind, difficulty=difficulty, topic=topic, status=status,
                 stem=f"{prefix}{i}：{kind}？", explanation="因为如此。", created_by=by)
        for i in range(n))
    Option.objects.bulk_create(Option(question=q, text=text, is_correct=right, position=p)
                               for q in questions for p, (text, right) in enumerate(OPTIONS[kind]))
    return questions


def make_quiz(organization, *, actor, slug="q", rules=None, title="测试答题", **fields) -> Quiz:
    now = timezone.now()
    quiz = Quiz(campaign=current_campaign(), organization=organization, slug=slug, title=title,
                opens_at=fields.pop("opens_at", now - timedelta(hours=1)),
                closes_at=fields.pop("closes_at", now + timedelta(days=3)),
                seconds_per_question=fields.pop("seconds_per_question", 30), **fields)
    return services.save_quiz(quiz, actor=actor, rules=rules if rules is not None else [
        {"kind": "true_false", "count": 2, "points": 10}, {"kind": "single", "count": 3, "points": 10}])


def other_province_admin() -> User:
    """An admin of a province that is not Hebei (a sibling subtree under the national committee)."""
    hebei = Organization.objects.get(name="河北省")
    other = Organization.objects.filter(depth=hebei.depth).exclude(pk=hebei.pk).order_by("path").first()
    person, _created = User.objects.get_or_create(username="other-province-admin", defaults={"full_name": "外省管理员"})
    Membership.objects.get_or_create(user=person, organization=other, role="admin")
    TOTPDevice.objects.get_or_create(user=person, name="test", defaults={"confirmed": True})
    return person
