"""What the quiz adds to the shells: the public nav's 答题 link (for a year with a published
quiz, read through the cache: no query per page), the API tag's description, my quiz attempts
as a personal page, and the quiz console pages in the accessibility/reflow walk
(`a11y.console_pages`), each opening for the demo account that walks it."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from sciweek.a11y import console_pages, quiz_console_pages
from sciweek.accounts import policy
from sciweek.accounts.models import User
from sciweek.campaigns.selectors import current_campaign
from sciweek.organizations.models import Organization
from sciweek.quiz import selectors
from sciweek.quiz.api import TAGS
from sciweek.quiz.models import Quiz

pytestmark = pytest.mark.django_db
NAV = re.compile(r'<nav aria-label="主导航">(.*?)</nav>', re.S)


def nav(client, url="/") -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return NAV.search(response.content.decode()).group(1)


def test_the_nav_links_the_years_quizzes(client, demo):
    campaign = current_campaign()
    assert Quiz.objects.filter(campaign=campaign, status=Quiz.Status.PUBLISHED).exists()  # the live demo's
    link = f'<a href="{reverse("quiz:list", args=[campaign.year])}">答题</a>'
    assert link in nav(client)
    assert link in nav(client, reverse("activities:catalog", args=[campaign.year]))
    # On the quiz list itself the link says so.
    here = nav(client, reverse("quiz:list", args=[campaign.year]))
    assert f'<a href="{reverse("quiz:list", args=[campaign.year])}" aria-current="page">答题</a>' in here


def test_no_quiz_link_for_a_year_without_a_published_quiz(client, demo):
    campaign = current_campaign()
    Quiz.objects.filter(campaign=campaign, status=Quiz.Status.PUBLISHED).update(status=Quiz.Status.WITHDRAWN)
    selectors.forget_public_quizzes(campaign.pk)
    assert "答题" not in nav(client)
    assert reverse("quiz:list", args=[campaign.year]) not in nav(client)


def test_the_link_is_read_from_the_cache_not_once_a_page(client, demo):
    campaign = current_campaign()
    client.get("/")  # warms what the page caches
    with CaptureQueriesContext(connection) as queries:
        assert "答题" in nav(client, reverse("activities:catalog", args=[campaign.year]))
    assert not [q["sql"] for q in queries.captured_queries if "quiz_quiz" in q["sql"]]
    # A quiz withdrawn shows at the latest when the cached answer expires (or at once, forgotten).
    Quiz.objects.filter(campaign=campaign).update(status=Quiz.Status.WITHDRAWN)
    assert "答题" in nav(client)
    selectors.forget_public_quizzes(campaign.pk)
    assert "答题" not in nav(client)
    assert 0 < selectors.PUBLIC_QUIZZES_SECONDS <= 300


def test_console_pages_keep_their_own_nav(staff_client):
    page = staff_client("hebei-publicity").get("/console/quiz/").content.decode()
    assert 'href="/console/quiz/"' in page
    assert f'href="{reverse("quiz:list", args=[current_campaign().year])}">答题<' not in page


def test_the_api_documents_the_quiz_tag(client, demo):
    schema = client.get("/api/openapi.json").json()
    described = {tag["name"]: tag.get("description", "") for tag in schema.get("tags", [])}
    assert described.get("quiz") == TAGS[0]["description"]


def test_my_quiz_attempts_is_a_personal_page_after_my_reservations():
    from sciweek.participants.registry import personal_pages

    pages = personal_pages()
    assert "quiz:mine" in pages and pages[0] == "reservations:mine"  # sign-in still lands on my reservations


QUIZ_PAGES = {"quiz question bank": ("quiz:bank", "quiz.question.write"),
              "quiz question, new": ("quiz:question_new", "quiz.question.write"),
              "quiz question import": ("quiz:question_import", "quiz.question.write"),
              "quiz question review queue": ("quiz:review_queue", "quiz.question.review"),
              "quiz statistics (2020, prizes)": ("quiz:stats", "quiz.results"),
              "quiz list": ("quiz:console_list", "quiz.results"),
              "quiz editor (open now)": ("quiz:quiz_edit", "quiz.manage"),
              "quiz, new": ("quiz:quiz_new", "quiz.manage")}


def test_the_accessibility_walk_visits_every_quiz_console_page(client, demo):
    """Each quiz console page is in the walk once, seen by an account holding the page's
    action over Hebei (the demo's quizzes and questions are Hebei's), and opens for it."""
    from sciweek.conftest import sign_in
    from sciweek.demo.live import live_campaign

    hebei = Organization.objects.get(name="河北省")
    walked = [page for page in console_pages() if page[1] in QUIZ_PAGES]
    assert walked == quiz_console_pages(live_campaign())
    assert [label for _user, label, _path in walked] == list(QUIZ_PAGES)
    for username, label, path in walked:
        url_name, action = QUIZ_PAGES[label]
        assert f"quiz:{resolve(path).url_name}" == url_name, label
        assert policy.can(User.objects.get(username=username), action, hebei), (username, action)
        client.logout()
        sign_in(client, username)
        assert client.get(path).status_code == 200, (username, label, path)
    # The pages have something to show: the bank's pending questions and the 2020 prize list.
    queue = next(path for _u, label, path in walked if label == "quiz question review queue")
    stats = next(path for _u, label, path in walked if label.startswith("quiz statistics"))
    sign_in(client, "hebei-reviewer")
    assert 'name="question"' in client.get(queue).content.decode()
    assert "一等奖" in client.get(stats).content.decode()
