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
from sciweek.core.templatetags.sciweek import format_day
from sciweek.organizations.models import Division, Organization
from sciweek.quiz import certificates, services
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
    real = certificates.QrCodeWidget

    def spy(value, **kwargs):
        seen.append(value)
        return real(value, **kwargs)

    monkeypatch.setattr(certificates, "QrCodeWidget", spy)
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
