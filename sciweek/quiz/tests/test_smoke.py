from datetime import timedelta

import pytest
from django.utils import timezone

from sciweek.accounts.models import User
from sciweek.organizations.models import Division, Organization
from sciweek.participants.models import Profile
from sciweek.quiz import services
from sciweek.quiz.models import Quiz

pytestmark = pytest.mark.django_db


def test_start_answer_finish(demo):
    admin = User.objects.get(username="hebei-admin")
    reviewer = User.objects.get(username="hebei-reviewer")
    hebei = Organization.objects.get(name="河北省")
    questions = []
    for i in range(6):
        questions.append(services.save_question(
            actor=admin, organization=hebei, kind="single", stem=f"题目{i}？", submit=True,
            options=[services.OptionIn("甲", True), services.OptionIn("乙", False), services.OptionIn("丙", False)]))
    assert services.review_questions(questions, actor=reviewer, approve=True) == 6
    now = timezone.now()
    quiz = services.save_quiz(Quiz(campaign=demo, organization=hebei, slug="t", title="测试", opens_at=now - timedelta(hours=1),
                                   closes_at=now + timedelta(days=1), seconds_per_question=30),
                              actor=admin, rules=[{"kind": "single", "count": 5, "points": 20}])
    services.set_pool(quiz, questions, actor=admin)
    services.publish_quiz(quiz, actor=admin)
    quiz.refresh_from_db()
    person = User.objects.create(username="taker1")
    Profile.objects.create(user=person, phone="13900000001", consent_at=now)
    division = Division.objects.filter(code__startswith="1301").exclude(code="130100").first() or Division.objects.get(code="130100")
    services.register(quiz, person, display_name="小明", division=division)
    attempt = services.start_attempt(quiz, person)
    assert services.start_attempt(quiz, person).pk == attempt.pk
    for _i in range(5):
        item = services.serve(attempt)
        data = services.bank.question_info(quiz, item.question_id)
        result = services.answer(attempt, person, position=item.position, option_ids=data["key"])
        assert result.is_correct
    assert services.serve(attempt) is None
    done = services.finish(attempt, person)
    assert done.score == 100 and done.status == "finished"
    assert services.finish(attempt, person).score == 100
    with pytest.raises(services.LimitReached):
        services.start_attempt(quiz, person)
    practice = services.start_attempt(quiz, person, practice=True)
    assert practice.is_practice
