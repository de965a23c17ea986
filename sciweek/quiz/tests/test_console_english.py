"""The quiz console in English: every page answers in English and marks its Chinese data with
lang="zh-CN" (WCAG 3.1.2); the template and the import work with English headers too.

These tests need the console's English strings in the catalog (sciweek/locale/en); until
they are merged they skip. QUIZ_CONSOLE_LOCALE may name a directory holding a compiled copy
(<dir>/en/LC_MESSAGES/django.mo) to run them before the merge.
"""
import os
from io import BytesIO

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from sciweek.core.tests.test_lang_marking import english_client, unmarked_chinese
from sciweek.quiz.models import Question, QuestionKind

from .test_console_helpers import bulk_questions, make_quiz, user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_catalog(settings):
    extra = os.environ.get("QUIZ_CONSOLE_LOCALE")
    if extra:
        settings.LOCALE_PATHS = [extra, *settings.LOCALE_PATHS]
    with translation.override("en"):
        merged = translation.gettext("题目审核") != "题目审核"
    if not merged:
        pytest.skip("the quiz console's English strings are not in the catalog yet")


def test_console_pages_in_english_mark_every_chinese_text(client, org):
    from sciweek.conftest import sign_in

    hebei = org("河北省")
    bulk_questions(hebei, 3, topic="展示科技创新成就", prefix="英文页的题")
    bulk_questions(org("石家庄市"), 3, kind="multiple", status=Question.Status.SUBMITTED, prefix="待审的题")
    quiz = make_quiz(hebei, actor=user("hebei-admin"), slug="english-quiz", title="英文页的答题")
    question = Question.objects.filter(stem__startswith="英文页的题").first()
    pages = {
        "hebei-filer": [reverse("quiz:bank"), reverse("quiz:question_new"),
                        reverse("quiz:question_edit", args=[question.pk]), reverse("quiz:question_import")],
        "sjz-reviewer": [reverse("quiz:review_queue")],
        "hebei-publicity": [reverse("quiz:console_list"), reverse("quiz:quiz_edit", args=[quiz.pk]),
                            reverse("quiz:quiz_new")],
    }
    problems = {}
    for username, urls in pages.items():
        client.logout()
        sign_in(client, username)
        english_client(client)
        for url in urls:
            response = client.get(url)
            html = response.content.decode()
            assert response.status_code == 200 and '<html lang="en"' in html, (username, url)
            # a widget renders its own options (see test_lang_marking); the page's text is checked
            found = [f for f in unmarked_chinese(html) if not any(w in f for w in ("<option>", "<select>", "<textarea>"))]
            if found:
                problems[f"{username} {url}"] = found[:5]
    assert not problems, problems


def test_an_english_template_imports(client, org):
    from sciweek.conftest import sign_in

    sign_in(client, "hebei-filer")
    english_client(client)
    response = client.get(reverse("quiz:question_template"))
    workbook = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Type", "Question", "Option A"] and "Correct answer" in header
    with translation.override("en"):  # the kinds' names are the models' (whatever their English is)
        labels = {value: str(label) for value, label in QuestionKind.choices}
        false = translation.gettext("错误")
    kinds = [dv.formula1 for dv in sheet.data_validations.dataValidation if str(dv.sqref).startswith("A2")]
    assert kinds == ['"' + ",".join(labels.values()) + '"'], kinds
    sheet.append([labels["single"], "Which planet is the largest?", "Jupiter", "Mars", None, None, None, None, "A"])
    sheet.append([labels["true_false"], "The Moon makes its own light.", None, None, None, None, None, None, false])
    sheet.append(["Essay", "Tell me why.", None, None, None, None, None, None, "A"])
    buffer = BytesIO()
    workbook.save(buffer)
    response = client.post(reverse("quiz:question_import"), {
        "organization": str(org("河北省").pk), "submit": "0",
        "file": SimpleUploadedFile("questions.xlsx", buffer.getvalue())})
    result = response.context["result"]
    assert result.created == 2 and [(i.row, i.header) for i in result.issues] == [(4, "Type")]
    assert "is not a question type" in result.issues[0].message
    moon = Question.objects.get(stem="The Moon makes its own light.")
    assert [o.is_correct for o in moon.options.all()] == [False, True]
    assert settings.LANGUAGE_CODE == "zh-hans"
