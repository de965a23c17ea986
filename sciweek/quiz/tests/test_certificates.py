"""Certificates: a reportlab PDF (A4 landscape) with the quiz, organizer, taker, score, date,
number, the QR of the verification address and how to verify; only for a final, passed,
scored attempt of a person not disqualified. Tokens: valid, tampered, unknown, disqualified.

Neither pypdf nor pdftotext is on this machine: the text is read back from the PDF's page
stream, decoded with reportlab's own ASCII85 decoder and zlib, its strings in the CID font's
UTF-16BE."""
import re
import zlib
from datetime import timedelta

import pytest
from django.core import signing
from django.urls import NoReverseMatch, resolve, reverse
from django.utils import timezone, translation
from reportlab.lib.rl_accel import asciiBase85Decode

from sciweek.accounts.models import User
from sciweek.core import certificate_pdf
from sciweek.core.templatetags.sciweek import format_day
from sciweek.organizations.models import Division, Organization
from sciweek.quiz import certificates, selectors, services
from sciweek.quiz.models import Attempt, Question, Quiz, Standing

pytestmark = pytest.mark.django_db

SITE = "https://kepu.example.cn"


# --- reading a PDF back -------------------------------------------------------------------------

_STREAM = re.compile(rb"/Filter \[ /ASCII85Decode /FlateDecode \] /Length (\d+)\s*>>\s*stream\r?\n")
_STRING = re.compile(rb"\((?:\\.|[^\\)])*\)", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(literal: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(literal):
        ch = literal[i:i + 1]
        if ch != b"\\":
            out += ch
            i += 1
            continue
        nxt = literal[i + 1:i + 2]
        octal = re.match(rb"[0-7]{1,3}", literal[i + 1:i + 4])
        if octal:
            out.append(int(octal.group(), 8))
            i += 1 + len(octal.group())
        else:
            out += _ESCAPES.get(nxt, nxt)
            i += 2
    return bytes(out)


def page_streams(data: bytes) -> list[bytes]:
    streams = []
    for match in _STREAM.finditer(data):
        raw = data[match.end():match.end() + int(match.group(1))]
        streams.append(zlib.decompress(asciiBase85Decode(raw)))
    return streams


def pdf_text(data: bytes) -> str:
    """The text drawn in the CID font (UTF-16BE strings), in drawing order, joined."""
    parts = []
    for stream in page_streams(data):
        for literal in _STRING.findall(stream):
            raw = _unescape(literal[1:-1])
            if raw and len(raw) % 2 == 0:
                try:
                    parts.append(raw.decode("utf-16-be"))
                except UnicodeDecodeError:
                    continue
    return "".join(parts)


# --- fixtures ----------------------------------------------------------------------------------------

@pytest.fixture
def quiz(demo):
    admin = User.objects.get(username="hebei-admin")
    reviewer = User.objects.get(username="hebei-reviewer")
    hebei = Organization.objects.get(name="河北省")
    questions = [services.save_question(
        actor=admin, organization=hebei, kind=Question.Kind.SINGLE, stem=f"证书测试题{i}？", submit=True,
        options=[services.OptionIn("甲", True), services.OptionIn("乙", False), services.OptionIn("丙", False)])
        for i in range(5)]
    services.review_questions(questions, actor=reviewer, approve=True)
    now = timezone.now()
    quiz = services.save_quiz(
        Quiz(campaign=demo, organization=hebei, slug="cert-test", title="科普知识网络答题 <测试> & 证书",
             opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1), seconds_per_question=60,
             scored_attempts_per_day=None, min_seconds_per_answer=0, pass_percent=60),
        actor=admin, rules=[{"kind": Question.Kind.SINGLE, "count": 5, "points": 20}])
    services.set_pool(quiz, questions, actor=admin)
    services.publish_quiz(quiz, actor=admin)
    quiz.refresh_from_db()
    return quiz


@pytest.fixture
def division(demo):
    return Division.objects.filter(code__startswith="1301").exclude(code="130100").first() or Division.objects.get(
        code="130100")


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE


def play(quiz, person, correct: int, *, practice=False, finish=True):
    attempt = services.start_attempt(quiz, person, practice=practice)
    for i in range(5):
        item = services.serve(attempt)
        key = services.bank.question_info(quiz, item.question_id)["key"]
        wrong = [o for o in item.option_order if o not in key][:1]
        services.answer(attempt, person, position=item.position, option_ids=key if i < correct else wrong)
    return services.finish(attempt, person) if finish else attempt


@pytest.fixture
def taker(quiz, division):
    person = User.objects.create(username="cert-taker")
    services.register(quiz, person, display_name="王小明", division=division)
    return person


@pytest.fixture
def passed(quiz, taker):
    return play(quiz, taker, correct=4)


# --- the PDF -------------------------------------------------------------------------------------------

def test_the_certificate_is_a_landscape_a4_pdf_with_everything_on_it(passed, site):
    data = certificates.pdf(passed)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert b"ReportLab Generated PDF document" in data and b"/Creator (SciWeek \\(reportlab\\))" in data
    assert re.search(rb"/MediaBox \[ 0 0 841\.889\d* 595\.275\d* \]", data)  # A4 turned: 297 × 210 mm
    assert b"/BaseFont /STSong-Light" in data and b"/FontFile" not in data  # the built-in CID font, no file
    title = re.search(rb"/Title \(((?:\\.|[^\\)])*)\)", data).group(1)
    assert _unescape(title).decode("utf-16") == f"{passed.quiz.title} 合格证书"
    text = pdf_text(data)
    url = SITE + certificates.verification_path(passed)
    for expected in ["合格证书", "王小明", "科普知识网络答题 <测试> & 证书", "河北省", "得分 80 分", "满分 100 分",
                     f"证书编号：{passed.certificate_code}", format_day(timezone.localtime(passed.finished_at), year=True),
                     "查验方法", url]:
        assert expected in text, expected


def test_the_qr_code_holds_the_absolute_verification_address(passed, site, monkeypatch):
    seen = []
    real = certificate_pdf.QrCodeWidget  # the page is drawn by core.certificate_pdf

    def spy(value, **kwargs):
        seen.append(value)
        return real(value, **kwargs)

    monkeypatch.setattr(certificate_pdf, "QrCodeWidget", spy)
    certificates.pdf(passed)
    assert seen == [SITE + certificates.verification_path(passed)]
    assert seen[0] == certificates.verification_url(passed)


def test_the_path_is_the_public_verification_page(passed):
    try:
        path = reverse("quiz:certificate_verify", kwargs={"token": "x"})
    except NoReverseMatch:
        pytest.skip("the public pages do not name quiz:certificate_verify yet")
    assert path
    match = resolve(certificates.verification_path(passed))
    assert match.view_name == "quiz:certificate_verify"
    assert match.kwargs["token"] == certificates.verification_token(passed)


def test_an_english_certificate_renders_too(passed, site):
    with translation.override("en"):
        data = certificates.pdf(passed)
    assert data.startswith(b"%PDF-") and "王小明" in pdf_text(data)


def test_the_name_comes_from_the_standing_when_there_is_no_registration(passed, site):
    Attempt.objects.filter(pk=passed.pk).update(registration=None)
    passed.refresh_from_db()
    assert certificates.taker_name(passed) == "王小明"  # the standing keeps the registered name


def test_no_certificate_for_a_failed_a_practice_or_an_unfinished_attempt(quiz, taker, division):
    failed = play(quiz, taker, correct=2)  # 40 < 60
    assert failed.is_final and not failed.passed
    practice = play(quiz, taker, correct=5, practice=True)
    assert practice.passed and practice.is_practice
    other = User.objects.create(username="cert-open")
    services.register(quiz, other, display_name="李四", division=division)
    open_attempt = play(quiz, other, correct=5, finish=False)
    for attempt, reason in ((failed, "及格线"), (practice, "练习"), (open_attempt, "尚未完成")):
        assert not certificates.available(attempt)
        with pytest.raises(ValueError, match=reason):
            certificates.pdf(attempt)


def test_no_certificate_once_disqualified(passed):
    services.review_attempt(passed, actor=User.objects.get(username="hebei-admin"), disqualify=True, note="代答")
    passed.refresh_from_db()
    with pytest.raises(ValueError, match="取消"):
        certificates.pdf(passed)


def test_a_disqualified_person_gets_no_certificate_for_another_attempt(quiz, taker):
    first = play(quiz, taker, correct=5)
    second = play(quiz, taker, correct=4)
    services.review_attempt(first, actor=User.objects.get(username="hebei-admin"), disqualify=True, note="代答")
    assert Standing.objects.get(quiz=quiz, person=taker).disqualified
    second.refresh_from_db()
    assert second.review != Attempt.Review.DISQUALIFIED and second.passed
    assert not certificates.available(second)
    assert certificates.verify(certificates.verification_token(second)) is None


# --- tokens --------------------------------------------------------------------------------------------

def test_a_valid_token_verifies(passed, django_assert_max_num_queries):
    token = certificates.verification_token(passed)
    assert passed.certificate_code in token and re.fullmatch(r"[A-Za-z0-9_\-:]+", token)
    with django_assert_max_num_queries(2):  # the attempt (with quiz, organizer, registration), the standing
        found = certificates.verify(token)
        assert found == passed and found.quiz.organization.name == "河北省" and found.registration.display_name


def test_a_tampered_token_fails(passed):
    token = certificates.verification_token(passed)
    code, signature = token.rsplit(":", 1)
    flip = {"A": "B", "B": "A"}
    changed_code = (code[:-1] + (flip.get(code[-1], "A"))) + ":" + signature
    changed_signature = code + ":" + signature[:-1] + (flip.get(signature[-1], "A"))
    for bad in (changed_code, changed_signature, code, code + ":", ":" + signature, "", "x" * 200,
                token + "x", signing.Signer(salt="another.salt").sign(passed.certificate_code),
                signing.Signer().sign(passed.certificate_code)):
        assert certificates.verify(bad) is None, bad


def test_an_unknown_code_fails_even_when_signed(passed):
    assert certificates.verify(signing.Signer(salt=certificates.SALT).sign("no-such-code")) is None


def test_a_disqualified_attempts_token_stops_verifying(passed):
    token = certificates.verification_token(passed)
    assert certificates.verify(token) is not None
    services.review_attempt(passed, actor=User.objects.get(username="hebei-admin"), disqualify=True, note="代答")
    assert certificates.verify(token) is None


def test_a_failed_attempts_token_does_not_verify(quiz, taker):
    failed = play(quiz, taker, correct=1)
    assert certificates.verify(certificates.verification_token(failed)) is None


def test_tokens_differ_per_attempt_and_do_not_follow_from_the_attempt_id(quiz, taker, division):
    first = play(quiz, taker, correct=5)
    other = User.objects.create(username="cert-other")
    services.register(quiz, other, display_name="赵六", division=division)
    second = play(quiz, other, correct=5)
    tokens = {certificates.verification_token(first), certificates.verification_token(second)}
    assert len(tokens) == 2
    assert {t.split(":")[0] for t in tokens} == {first.certificate_code, second.certificate_code}
    assert len(first.certificate_code) == 16  # 96 random bits, not the attempt's number


# --- prizes: 获奖证书 ------------------------------------------------------------------------------

def _takers(quiz, division, scores):
    """One taker per score (correct answers of 5), in that order: {name: their attempt}."""
    attempts = {}
    for i, correct in enumerate(scores):
        person = User.objects.create(username=f"cert-prize-{i}")
        services.register(quiz, person, display_name=f"获奖测试{i}", division=division)
        attempts[f"获奖测试{i}"] = play(quiz, person, correct=correct)
    return attempts


def _close(quiz):
    """The quiz closes now (prizes are decided after the close)."""
    Quiz.objects.filter(pk=quiz.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    quiz.refresh_from_db()


def _fresh(attempt):
    return Attempt.objects.select_related("quiz__organization", "registration").get(pk=attempt.pk)


@pytest.fixture
def prize_quiz(quiz):
    """One 一等奖, one 二等奖, two 三等奖 by count."""
    Quiz.objects.filter(pk=quiz.pk).update(prize_basis=Quiz.PrizeBasis.COUNT, first_prizes=1, second_prizes=1,
                                           third_prizes=2)
    quiz.refresh_from_db()
    return quiz


def test_the_prize_tier_is_the_prize_lists_tier(prize_quiz, division):
    attempts = _takers(prize_quiz, division, [3, 5, 4, 3, 3, 5])  # 60, 100, 80, 60, 60, 100
    _close(prize_quiz)
    _summary, rows = selectors.prize_list(prize_quiz)
    listed = {row.standing.attempt_id: row.tier for row in rows if row.tier}
    assert sorted(listed.values()) == ["first", "second", "third", "third"]
    won = {}
    for attempt in attempts.values():
        prize = selectors.prize_of(_fresh(attempt))
        if prize is not None:
            won[attempt.pk] = prize.tier
            assert prize.ranked == 6 and str(prize.label) == dict(selectors.PRIZE_TIERS)[prize.tier]
    assert won == listed
    # Both 100s hold 一等奖 and 二等奖 (the ranking breaks the tie); the two 60s below the 80 are third.
    hundreds = {attempts["获奖测试1"].pk, attempts["获奖测试5"].pk}
    assert {won[pk] for pk in hundreds} == {"first", "second"}
    assert won[attempts["获奖测试2"].pk] == "third"


def test_share_tiers_follow_the_prize_counts(quiz, division):
    Quiz.objects.filter(pk=quiz.pk).update(prize_basis=Quiz.PrizeBasis.SHARE, first_prizes=10, second_prizes=20,
                                           third_prizes=30)
    quiz.refresh_from_db()
    attempts = _takers(quiz, division, [5, 5, 4, 4, 4, 3, 3])  # N = 7: 1, 1 and 2 winners (module doc)
    _close(quiz)
    tiers = [getattr(selectors.prize_of(_fresh(a)), "tier", None) for a in attempts.values()]
    assert sorted(t for t in tiers if t) == ["first", "second", "third", "third"]
    assert selectors.prize_counts(quiz, 7) == {"first": 1, "second": 1, "third": 2}


def test_no_prize_before_the_close_without_prizes_or_for_an_attempt_that_does_not_count(prize_quiz, taker, division):
    best = play(prize_quiz, taker, correct=5)
    second = play(prize_quiz, taker, correct=4)  # passed, but the best result counts
    practice = play(prize_quiz, taker, correct=5, practice=True)
    assert selectors.prize_of(_fresh(best)) is None  # still open: the ranking may move
    assert selectors.prize_of(_fresh(best), now=prize_quiz.closes_at).tier == "first"
    _close(prize_quiz)
    assert selectors.prize_of(_fresh(best)).tier == "first"
    assert selectors.prize_of(_fresh(second)) is None and selectors.prize_of(_fresh(practice)) is None
    Quiz.objects.filter(pk=prize_quiz.pk).update(first_prizes=0, second_prizes=0, third_prizes=0)
    assert selectors.prize_of(_fresh(best)) is None


def test_a_flagged_winner_waits_for_the_review_and_a_disqualified_one_moves_the_others_up(prize_quiz, division):
    attempts = _takers(prize_quiz, division, [5, 4])
    first, second = attempts["获奖测试0"], attempts["获奖测试1"]
    _close(prize_quiz)
    Attempt.objects.filter(pk=first.pk).update(review=Attempt.Review.FLAGGED, flags=["too_fast"])
    assert selectors.prize_of(_fresh(first)) is None  # the organizer decides first
    admin = User.objects.get(username="hebei-admin")
    services.review_attempt(_fresh(first), actor=admin, disqualify=False)
    assert selectors.prize_of(_fresh(first)).tier == "first"
    services.review_attempt(_fresh(first), actor=admin, disqualify=True, note="代答")
    assert selectors.prize_of(_fresh(second)).tier == "first"


def test_a_winners_certificate_says_prize_certificate_with_the_tier(prize_quiz, division, site):
    attempts = _takers(prize_quiz, division, [5, 4, 3, 3, 3])
    winner = attempts["获奖测试0"]
    text = pdf_text(certificates.pdf(_fresh(winner)))
    assert "合格证书" in text and "获奖证书" not in text  # while the quiz is open
    _close(prize_quiz)
    data = certificates.pdf(_fresh(winner))
    title = re.search(rb"/Title \(((?:\\.|[^\\)])*)\)", data).group(1)
    assert _unescape(title).decode("utf-16") == f"{prize_quiz.title} 获奖证书"
    text = pdf_text(data)
    for expected in ["获奖证书", "荣获一等奖", "奖项：一等奖", "获奖测试0", "得分 100 分"]:
        assert expected in text, expected
    assert "合格证书" not in text and "成绩合格" not in text
    second = pdf_text(certificates.pdf(_fresh(attempts["获奖测试1"])))
    assert "荣获二等奖" in second and "奖项：二等奖" in second
    # Two 三等奖 among three takers of 60: the one the ranking leaves out gets the pass certificate.
    thirds = [a for a in attempts.values() if a.score == 60]
    tiers = [getattr(selectors.prize_of(_fresh(a)), "tier", None) for a in thirds]
    assert sorted(map(str, tiers)) == ["None", "third", "third"]
    below = thirds[tiers.index(None)]
    plain = pdf_text(certificates.pdf(_fresh(below)))
    assert "合格证书" in plain and "成绩合格" in plain and "获奖证书" not in plain and "奖项" not in plain
    assert "荣获三等奖" in pdf_text(certificates.pdf(_fresh(thirds[tiers.index("third")])))


def test_the_verification_page_names_the_prize(prize_quiz, division, client, django_assert_max_num_queries):
    attempts = _takers(prize_quiz, division, [5, 3, 3, 3, 3])
    _close(prize_quiz)
    page = client.get(certificates.verification_path(attempts["获奖测试0"])).content.decode()
    assert "获奖证书" in page and "一等奖" in page and "合格证书" not in page
    plain = next(a for a in attempts.values() if selectors.prize_of(_fresh(a)) is None)
    page = client.get(certificates.verification_path(plain)).content.decode()
    assert "合格证书" in page and "获奖证书" not in page and "等奖" not in page
    with django_assert_max_num_queries(8):  # the attempt, the standing, the counted standing, the rank
        found = certificates.verify(certificates.verification_token(attempts["获奖测试0"]))
    assert found.prize.tier == "first"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_prize_certificates_text_blocks_do_not_overlap(prize_quiz, division, site, monkeypatch, language):
    """No PDF renderer here to look at it: the paragraphs' boxes (from reportlab's own wrap) are
    checked instead. The prize line makes the facts block one line taller."""
    winner = _takers(prize_quiz, division, [5])["获奖测试0"]
    _close(prize_quiz)
    boxes = []
    real = certificate_pdf.Paragraph.drawOn

    def spy(self, canvas, x, y, *args, **kwargs):
        boxes.append((y, y + self.height, self.getPlainText()[:12]))
        return real(self, canvas, x, y, *args, **kwargs)

    monkeypatch.setattr(certificate_pdf.Paragraph, "drawOn", spy)
    with translation.override(language):
        certificates.pdf(_fresh(winner))
    body, _caption, facts, how = boxes
    assert facts[1] < body[0], (facts, body)  # the facts (prize, organizer, date, number) below the body
    assert how[1] < facts[0], (how, facts)  # the how-to-verify line below the facts
    assert how[0] > 17 * 2.8346 and body[1] < 210 * 2.8346 - 72 * 2.8346  # inside the frame, under the name
