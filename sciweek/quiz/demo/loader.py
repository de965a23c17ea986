"""The quiz's demo data: Hebei's reviewed question bank (``questions_2020.json``), the finished
2020 quiz with its takers, standings, flags and prizes, and the quizzes of the live demo
campaign (one open now, one coming). Called by ``sciweek.demo.loader.load_demo`` (the bank and
2020) and ``sciweek.demo.live`` (the live quizzes, built and purged with the live campaign).

Everything is written through ``sciweek.quiz.services`` as the demo's staff would write it:
hebei-admin writes the questions and runs the quizzes, hebei-reviewer reviews the questions
and the flagged attempts. Every attempt is started, answered and handed in through the
services with explicit times (``now=``; the answers of a sheet in one ``record_sheet``, by the
rules of ``answer``), so standings, flags, leaderboards and prize lists are what the real code
makes of them.

Determinism: a seeded ``random.Random`` per taker and per attempt decides who takes the quiz
when, how many answers are right and how fast each comes, so scores, times and rankings are
the same on every load. Which questions an attempt deals, and their option order, come from the
services' own ``SystemRandom`` (as for every real taker) and vary from load to load: the plan
decides how many answers are right (the easier questions of the sheet are the likelier to be
right), never which question ids.

Idempotent: the bank fills in only the keys it lacks, the 2020 quiz is played once (an existing
quiz of that slug is left alone), and the live quizzes exist only as long as the live campaign.
"""
from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password

from sciweek.accounts.models import User
from sciweek.organizations.models import Division, Organization
from sciweek.participants.models import Profile

from .. import bank, services
from ..models import Attempt, AttemptQuestion, Question, Quiz, Registration

BANK_FILE = Path(__file__).with_name("questions_2020.json")
TZ_2020 = ZoneInfo("Asia/Shanghai")
SEED = 2020

# The bank's review state: a few questions still wait for the reviewer, two came back.
PENDING_KEYS = ("epi-065", "inn-060", "life-061", "rural-054", "epi-066")
RETURNED_KEYS = {
    "life-040": "解析只说明了白雾的成因，请补充“干冰是固态二氧化碳”这一答案本身的依据。",
    "rural-056": "与三系杂交水稻一题考点重复，请更换考点后再提交。",
}
BANK_WRITTEN = datetime(2020, 7, 20, 10, 0, tzinfo=TZ_2020)
BANK_REVIEWED = datetime(2020, 8, 10, 15, 30, tzinfo=TZ_2020)

# Members of the public who take the demo quizzes (phone numbers of no one: 1360001xxxx, the
# block after the live campaign's visitors, demo only).
TAKERS = 36  # enough for boards per city and school; each one costs ~40 queries at every demo load
TAKER_USERNAME = "demo-quiz-taker-{n:03d}"
TAKER_NAME = "演示答题者{n:03d}"
TAKER_PHONE = "1360001{n:04d}"
FAST_TAKERS = (9, 21, 30)  # answer in about a second a question: flagged too fast
DISQUALIFIED_TAKER = 21  # ...and this one's result is taken out of the ranking
PRACTICE_TAKERS = (5, 27)  # tried the practice mode first
DISQUALIFY_NOTE = "平均每题用时约1秒，远快于正常阅读和作答速度，经核查取消成绩。（演示数据）"

# The 2020 quiz (the week: 2020-08-23 to 08-29).
QUIZ_2020 = {
    "slug": "hebei-school-2020",
    "title": "2020年河北省中小学科普知识网络答题",
    "description": "面向全省中学生。每次随机抽取20题（判断题7题、单选题7题、多选题6题），每题5分、限时30秒；"
                   "每天可计分答题1次，取最高成绩；得分60分及以上为合格，可下载合格证书。（演示数据）",
    "audience": Quiz.Audience.SECONDARY,
    "seconds_per_question": 30,
    "scored_attempts_per_day": 1,
    "score_rule": Quiz.ScoreRule.BEST,
    "practice_enabled": True,
    "pass_percent": 60,
    "asks_region": True,
    "asks_school": True,
    "prize_basis": Quiz.PrizeBasis.COUNT,
    "first_prizes": 3,
    "second_prizes": 6,
    "third_prizes": 10,
}
OPENS_2020 = datetime(2020, 8, 23, 9, 0, tzinfo=TZ_2020)
CLOSES_2020 = datetime(2020, 8, 29, 18, 0, tzinfo=TZ_2020)
MIX_20 = [("true_false", 7, 5), ("single", 7, 5), ("multiple", 6, 5)]
MIX_10 = [("true_false", 4, 10), ("single", 4, 10), ("multiple", 2, 10)]
# Schools typed by takers that are not organizers in the demo: (name, division name or None
# for the city's districts, city code).
OTHER_SCHOOLS = [("石家庄市第二中学", None, "130100"), ("保定市第三中学", None, "130600"),
                 ("邯郸市第四中学", None, "130400"), ("正定县第一中学", "正定县", "130100")]
SCHOOL_WEIGHT = {"130100": 5, "130600": 3, "130200": 3, "130400": 3}  # bigger cities, more takers

# The live campaign's quizzes (dates relative to the day the demo is loaded).
LIVE_OPEN = {
    "slug": "science-week-quiz",
    "title": "{year}年河北省科普知识在线答题（演示）",
    "description": "面向社会公众。每次随机抽取10题（判断题4题、单选题4题、多选题2题），每题10分、限时20秒；"
                   "每天可计分答题3次，取最高成绩。（演示数据）",
    "audience": Quiz.Audience.PUBLIC,
    "seconds_per_question": 20,
    "scored_attempts_per_day": 3,
    "score_rule": Quiz.ScoreRule.BEST,
    "practice_enabled": True,
    "pass_percent": 60,
    "asks_region": True,
    "asks_school": False,
    "prize_basis": Quiz.PrizeBasis.SHARE,
    "first_prizes": 5,
    "second_prizes": 10,
    "third_prizes": 20,
}
LIVE_COMING = {
    **QUIZ_2020,
    "slug": "hebei-school",
    "title": "{year}年河北省中小学科普知识网络答题（演示）",
    "description": QUIZ_2020["description"].replace("（演示数据）", "活动周期间开放。（演示数据）"),
}
LIVE_TAKERS = range(1, 11)  # the demo takers who already took the open quiz (10 people)
LIVE_FAST_TAKER = 9  # one of them flagged too fast, for the live review list
# Where the public takers are (the division is the city: the quiz asks for the region only).
LIVE_CITIES = ("130100", "130100", "130200", "130600", "130400", "131000", "130900", "130500", "131100", "130700",
               "130800", "130300")

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田董袁"
GIVEN = ["子涵", "浩然", "雨桐", "思远", "一诺", "梓萱", "宇轩", "欣怡", "俊杰", "若曦", "博文", "佳琪", "明哲",
         "诗雨", "天佑", "嘉怡", "铭泽", "雅婷", "晨阳", "书瑶", "睿", "涵", "航", "悦"]
NICKNAMES = ["科学小达人", "追光少年", "星河", "小小发明家", "北斗迷", "爱问为什么", "实验室常客", "未来工程师",
             "量子猫", "蓝天下", "晨读者", "小科迷"]


def tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@cache
def bank_rows() -> tuple[dict, ...]:
    with BANK_FILE.open(encoding="utf-8") as f:
        return tuple(json.load(f)["questions"])


def staff(username: str) -> User:
    return User.objects.get(username=username)


# --- the bank -----------------------------------------------------------------------------

def load_bank(hebei: Organization, admin: User, reviewer: User) -> int:
    """Every question of questions_2020.json in Hebei's bank (those not there yet), written by
    hebei-admin and reviewed by hebei-reviewer: all approved but PENDING_KEYS (submitted) and
    RETURNED_KEYS (returned with a note). Returns how many were written."""
    have = set(Question.objects.filter(organization=hebei, is_demo=True).exclude(source_key="")
               .values_list("source_key", flat=True))
    written = []
    for row in bank_rows():
        if row["key"] in have:
            continue
        written.append(services.save_question(
            actor=admin, organization=hebei, kind=row["kind"], stem=row["stem"], explanation=row["explanation"],
            options=[services.OptionIn(o["text"], o["correct"]) for o in row["options"]],
            difficulty=row["difficulty"], topic=row["area"], audiences=row["audience"], submit=True,
            source_key=row["key"], is_demo=True))
    if not written:
        return 0
    # Written and reviewed before the 2020 week (created_at and reviewed_at are set on write).
    ids = [q.pk for q in written]
    Question.objects.filter(pk__in=ids).update(created_at=BANK_WRITTEN, updated_at=BANK_WRITTEN)
    approve = [q for q in written if q.source_key not in PENDING_KEYS and q.source_key not in RETURNED_KEYS]
    services.review_questions(approve, actor=reviewer, approve=True)
    for question in written:
        if question.source_key in RETURNED_KEYS:
            services.review_questions([question], actor=reviewer, approve=False,
                                      note=RETURNED_KEYS[question.source_key])
    Question.objects.filter(pk__in=ids, reviewed_at__isnull=False).update(reviewed_at=BANK_REVIEWED,
                                                                           updated_at=BANK_REVIEWED)
    return len(written)


def approved_bank(hebei: Organization):
    return Question.objects.filter(organization=hebei, is_demo=True, status=Question.Status.APPROVED).only("pk")


def make_quiz(campaign, hebei: Organization, admin: User, spec: dict, *, opens_at, closes_at, mix) -> Quiz:
    """A published quiz of Hebei on its approved demo bank, through the services."""
    fields = {k: v.format(year=campaign.year) if k == "title" else v for k, v in spec.items()}
    quiz = services.save_quiz(
        Quiz(campaign=campaign, organization=hebei, opens_at=opens_at, closes_at=closes_at, is_demo=True, **fields),
        actor=admin, rules=[{"kind": kind, "count": count, "points": points} for kind, count, points in mix])
    services.set_pool(quiz, approved_bank(hebei), actor=admin)
    services.publish_quiz(quiz, actor=admin)
    quiz.refresh_from_db()
    return quiz


# --- takers -------------------------------------------------------------------------------

def takers(numbers) -> dict[int, User]:
    """The demo takers numbered `numbers` (members of the public with a profile), created
    once: {n: user}."""
    numbers = list(numbers)
    names = {TAKER_USERNAME.format(n=n): n for n in numbers}
    found = {names[u.username]: u for u in User.objects.filter(username__in=list(names))}
    missing = [n for n in numbers if n not in found]
    if missing:
        password = make_password(None)
        created = User.objects.bulk_create([
            User(username=TAKER_USERNAME.format(n=n), full_name=TAKER_NAME.format(n=n), is_demo=True,
                 password=password) for n in missing])
        consent = datetime(2020, 8, 20, 20, 0, tzinfo=TZ_2020)
        Profile.objects.bulk_create([
            Profile(user=user, phone=TAKER_PHONE.format(n=n), name=TAKER_NAME.format(n=n), consent_at=consent)
            for n, user in zip(missing, created, strict=True)])
        found.update(zip(missing, created, strict=True))
    return found


@dataclass
class Step:
    think: float  # seconds from the question shown to the answer
    gap: float  # seconds from the answer to the next question (reading the explanation)
    rank: float  # the lower, the likelier right (with the question's difficulty)
    pick: float  # which wrong answer, when wrong
    timeout: bool  # left unanswered until its time ran out


@dataclass
class Sitting:
    """One attempt as planned: when, how many right, and each question's timing."""

    start: datetime
    right: int
    steps: list[Step]
    practice: bool = False
    stop_after: int | None = None  # walked away after this many questions (closed at the deadline)
    at_school: bool = False

    def right_positions(self, difficulty: dict[int, int]) -> set[int]:
        """Which positions are answered right: `right` of those answered in time, the easier first."""
        last = self.stop_after or len(self.steps)
        eligible = [p for p in range(1, last + 1) if not self.steps[p - 1].timeout]
        eligible.sort(key=lambda p: difficulty.get(p, 2) + 2.5 * self.steps[p - 1].rank)
        return set(eligible[:self.right])

    def expected_correct(self) -> int:
        """What the attempt scores in right answers (independent of the questions dealt)."""
        last = self.stop_after or len(self.steps)
        return min(self.right, sum(1 for p in range(1, last + 1) if not self.steps[p - 1].timeout))


def plan_sitting(seed: str, start: datetime, *, questions: int, limit: int, skill: float, pace: float,
                 fast: bool = False, practice: bool = False, stop_after: int | None = None,
                 at_school: bool = False) -> Sitting:
    """A fixed number of draws per question whatever the deal, so the plan is the same every load."""
    rng = random.Random(seed)
    right = sum(rng.random() < skill for _ in range(questions))
    steps = []
    for _ in range(questions):
        if fast:
            think, gap = rng.uniform(0.5, 1.1), rng.uniform(0.15, 0.3)
        else:
            think = min(max(rng.lognormvariate(math.log(pace), 0.5), 1.8), limit - 2.5)
            gap = rng.uniform(0.6, 2.0)
        timeout = rng.random() < (0 if fast else 0.015)
        steps.append(Step(think=think, gap=gap, rank=rng.random(), pick=rng.random(), timeout=timeout))
    return Sitting(start=start, right=right, steps=steps, practice=practice, stop_after=stop_after,
                   at_school=at_school)


@dataclass
class Taker:
    n: int
    display_name: str
    division_code: str
    school: str
    sittings: list[Sitting] = field(default_factory=list)
    fast: bool = False

    @property
    def device(self) -> str:
        return f"demo-phone-{self.n:03d}"

    @property
    def home_ip(self) -> str:
        return f"203.0.113.{self.n}"  # documentation addresses (RFC 5737)


def display_name(rng: random.Random) -> str:
    roll = rng.random()
    surname = rng.choice(SURNAMES)
    if roll < 0.6:
        return surname + rng.choice(GIVEN)
    if roll < 0.85:
        return f"{surname}同学"
    return rng.choice(NICKNAMES)


def schools_2020(hebei: Organization) -> list[tuple[str, str, list[str]]]:
    """[(school name, city code, division codes a taker of it lives in)], the demo's secondary
    schools (organizations of kind school) and a few others by name."""
    counties: dict[str, list[tuple[str, str]]] = {}
    for code, name, parent in Division.objects.filter(code__startswith="13", level=3).values_list(
            "code", "name", "parent_id").order_by("code"):
        counties.setdefault(parent, []).append((code, name))

    def districts(city_code):
        if city_code not in counties:  # a county-level city run by the province (定州, 辛集)
            return [city_code]
        urban = [c for c, name in counties[city_code] if name.endswith("区") and "开发区" not in name
                 and "园区" not in name and "管理区" not in name]
        return urban or [c for c, _name in counties[city_code]]

    found = []
    for name, division in Organization.objects.filter(
            path__startswith=hebei.path, kind=Organization.Kind.SCHOOL, name__endswith="中学").order_by(
            "name").values_list("name", "division_id"):
        found.append((name, division, districts(division)))
    for name, county, city in OTHER_SCHOOLS:
        codes = [c for c, n in counties.get(city, []) if n == county] if county else districts(city)
        found.append((name, city, codes or districts(city)))
    return found


def clock(day: date, minutes: float, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone) + timedelta(minutes=minutes)


def plan_2020(schools: list[tuple[str, str, list[str]]]) -> list[Taker]:
    """Who took the 2020 quiz, from where, when and how well (the same every load)."""
    rng = random.Random(f"{SEED}:quiz:takers")
    days = [OPENS_2020.date() + timedelta(days=i) for i in range(7)]
    weights = [SCHOOL_WEIGHT.get(city, 1) * (2 if name.endswith("第一中学") else 1) for name, city, _ in schools]
    plan = []
    walked_away = 0
    for n in range(1, TAKERS + 1):
        school, _city, divisions = rng.choices(schools, weights=weights)[0]
        taker = Taker(n=n, display_name=display_name(rng), division_code=rng.choice(divisions), school=school,
                      fast=n in FAST_TAKERS)
        skill = min(max(rng.gauss(0.72, 0.12), 0.35), 0.97)
        pace = rng.uniform(5.0, 12.0)
        count = 1 if taker.fast else rng.choices([1, 2, 3, 4], weights=[70, 14, 10, 6])[0]
        chosen = sorted(rng.sample(range(7), count))
        practice = n in PRACTICE_TAKERS
        for i, index in enumerate(chosen):
            day = days[index]
            # After school and in the evening mostly; inside the quiz's hours on its first and last day.
            low, high = rng.choice([(7 * 60 + 20, 8 * 60), (12 * 60, 13 * 60 + 30), (16 * 60 + 30, 21 * 60 + 50),
                                    (16 * 60 + 30, 21 * 60 + 50)])
            if index == 0:
                low, high = max(low, 9 * 60 + 50), max(high, 10 * 60 + 30)
            if index == 6:
                low, high = min(low, 16 * 60), min(high, 17 * 60 + 15)
            start = clock(day, rng.uniform(low, high), TZ_2020)
            at_school = low == 12 * 60
            seed = f"{SEED}:quiz:{n}:{i}"
            stop_after = None
            if count >= 2 and i == 1 and walked_away < 2:
                walked_away += 1
                stop_after = 8 + n % 7
            if i == 0 and practice:
                taker.sittings.append(plan_sitting(
                    seed + ":practice", start - timedelta(minutes=30), questions=20, limit=30, skill=skill - 0.05,
                    pace=pace, practice=True, at_school=at_school))
            taker.sittings.append(plan_sitting(
                seed, start, questions=20, limit=30, skill=0.97 if taker.fast else min(0.99, skill + 0.03 * i),
                pace=pace, fast=taker.fast, stop_after=stop_after, at_school=at_school))
        plan.append(taker)
    return plan


def plan_live(now: datetime, opens_at: datetime) -> list[Taker]:
    """Who took the live quiz since it opened (yesterday) until a little before the load (the
    same people and results every day; only the times follow the day)."""
    zone = tz()
    rng = random.Random(f"{SEED}:quiz:live")
    first = opens_at + timedelta(minutes=10)
    last = now - timedelta(minutes=20)
    plan = []
    window = max((last - first).total_seconds(), 0)
    for n in LIVE_TAKERS:
        fast = n == LIVE_FAST_TAKER
        taker = Taker(n=n, display_name=display_name(rng), division_code=rng.choice(LIVE_CITIES), school="", fast=fast)
        skill = min(max(rng.gauss(0.7, 0.13), 0.35), 0.97)
        pace = rng.uniform(4.0, 9.0)
        count = 1 if fast else rng.choices([1, 2, 3], weights=[65, 25, 10])[0]
        starts = sorted(rng.uniform(0, window) for _ in range(count))
        previous = None
        for i, offset in enumerate(starts):
            start = first + timedelta(seconds=offset)
            if previous is not None and start < previous + timedelta(minutes=8):
                continue  # one attempt at a time: too close to the one before, dropped
            if window == 0 or start > last:
                continue
            previous = start
            # Scored attempts per day: 3; an attempt past the third of a local day is dropped.
            if sum(1 for s in taker.sittings if timezone_day(s.start, zone) == timezone_day(start, zone)) >= 3:
                continue
            taker.sittings.append(plan_sitting(
                f"{SEED}:quiz:live:{n}:{i}", start, questions=10, limit=20,
                skill=0.97 if fast else min(0.99, skill + 0.04 * i), pace=pace, fast=fast))
        if taker.sittings:
            plan.append(taker)
    return plan


def timezone_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


# --- playing ------------------------------------------------------------------------------

def wrong_answer(item, pick: float) -> list[int]:
    key = sorted(item.correct_options)
    wrong = [pk for pk in item.option_order if pk not in key]
    if len(key) == 1:
        return [wrong[int(pick * len(wrong))]]
    variants = [[pk for pk in key if pk != left_out] for left_out in key] + [sorted([*key, w]) for w in wrong]
    return variants[int(pick * len(variants))]


def play(quiz: Quiz, person: User, sitting: Sitting, *, ip: str, device: str) -> Attempt:
    """One attempt through the services, at the sitting's times: started as a taker starts one,
    its sheet then answered in one go (``record_sheet``: each question shown and answered at the
    time a taker would have, checked and valued by the rules of ``answer``, a timed-out one
    missed as ``serve`` misses it) and handed in through the normal finish. Playing it question
    by question (serve, answer, twenty times) cost ~90 statements an attempt; this costs ~25."""
    limit = timedelta(seconds=quiz.seconds_per_question)
    attempt = services.start_attempt(quiz, person, practice=sitting.practice, ip=ip, device_id=device,
                                     now=sitting.start)
    sheet = list(AttemptQuestion.objects.filter(attempt_id=attempt.pk).order_by("position"))
    questions = bank.question_data(quiz)
    right = sitting.right_positions({item.position: questions[item.question_id]["difficulty"] for item in sheet})
    answers = []
    now = sitting.start + timedelta(seconds=1.2)  # the first question loads
    for item in sheet:
        if now >= attempt.deadline_at:
            break  # serve would close it here: handed in as it stood at its deadline
        step = sitting.steps[item.position - 1]
        if step.timeout:  # missed; the next one is served when the taker looks again
            answers.append(services.SheetAnswer(item.position, served_at=now))
            now += limit + timedelta(seconds=3)
            continue
        answered_at = now + timedelta(seconds=step.think)
        chosen = sorted(item.correct_options) if item.position in right else wrong_answer(item, step.pick)
        answers.append(services.SheetAnswer(item.position, served_at=now, answered_at=answered_at,
                                            option_ids=chosen))
        now = answered_at + timedelta(seconds=step.gap)
        if sitting.stop_after is not None and item.position >= sitting.stop_after:
            # Walked away: the attempt is closed (scored as it stood) at its deadline.
            return services.record_sheet(attempt, answers, finished_at=attempt.deadline_at + timedelta(minutes=3))
    return services.record_sheet(attempt, answers, finished_at=now + timedelta(seconds=1.5))


def take(quiz: Quiz, taker: Taker, person: User, division: Division, *,
         school_ips: dict[str, str] | None = None) -> list[Attempt]:
    """The taker registers (where they are, their school) and sits each planned attempt."""
    services.register(quiz, person, display_name=taker.display_name, division=division, school_name=taker.school)
    attempts = []
    for sitting in taker.sittings:
        ip = school_ips[taker.school] if sitting.at_school and school_ips else taker.home_ip
        attempts.append(play(quiz, person, sitting, ip=ip, device=taker.device))
    return attempts


def backdate_registrations(quiz: Quiz, plan: list[Taker], people: dict[int, User]) -> None:
    """A registration's created_at is set on write: make it the taker's first visit."""
    first = {people[t.n].pk: t.sittings[0].start - timedelta(minutes=2) for t in plan if t.sittings}
    registrations = list(Registration.objects.filter(quiz=quiz, person_id__in=list(first)))
    for registration in registrations:
        registration.created_at = first[registration.person_id]
    Registration.objects.bulk_update(registrations, ["created_at"], batch_size=500)


# --- the entry points ---------------------------------------------------------------------

def load_quiz_demo(campaign, hebei: Organization) -> Quiz:
    """The bank and the finished 2020 quiz (idempotent)."""
    admin, reviewer = staff("hebei-admin"), staff("hebei-reviewer")
    load_bank(hebei, admin, reviewer)
    existing = Quiz.objects.filter(campaign=campaign, slug=QUIZ_2020["slug"]).first()
    if existing is not None:
        return existing
    quiz = make_quiz(campaign, hebei, admin, QUIZ_2020, opens_at=OPENS_2020, closes_at=CLOSES_2020, mix=MIX_20)
    Quiz.objects.filter(pk=quiz.pk).update(created_at=datetime(2020, 8, 12, 9, 30, tzinfo=TZ_2020))
    schools = schools_2020(hebei)
    school_ips = {name: f"198.51.100.{i + 1}" for i, (name, _city, _codes) in enumerate(schools)}
    plan = plan_2020(schools)
    people = takers(t.n for t in plan)
    divisions = Division.objects.in_bulk({t.division_code for t in plan})
    counted = {}
    for taker in plan:
        counted[taker.n] = take(quiz, taker, people[taker.n], divisions[taker.division_code], school_ips=school_ips)
    # The reviewer looks at the flagged attempts: one result is taken out of the ranking, the
    # others wait on the review list.
    cheat = next(a for a in counted[DISQUALIFIED_TAKER] if not a.is_practice)
    services.review_attempt(cheat, actor=reviewer, disqualify=True, note=DISQUALIFY_NOTE)
    backdate_registrations(quiz, plan, people)
    return quiz


def build_live_quizzes(campaign, hebei: Organization, *, today: date, now: datetime) -> list[Quiz]:
    """The live campaign's quizzes: one open since yesterday until the week ends, with takers
    who finished yesterday and today; one that opens on the week's first day."""
    zone = tz()
    admin = staff("hebei-admin")
    if timezone_day(now, zone) != today:  # built for another day than the clock's: its noon
        now = datetime.combine(today, time(12, 0), zone)
    opens_at = datetime.combine(today - timedelta(days=1), time(9, 0), zone)
    closes_at = datetime.combine(campaign.ends_on + timedelta(days=1), time(0, 0), zone)
    live = make_quiz(campaign, hebei, admin, LIVE_OPEN, opens_at=opens_at, closes_at=closes_at, mix=MIX_10)
    coming = make_quiz(campaign, hebei, admin, LIVE_COMING,
                       opens_at=datetime.combine(campaign.starts_on, time(9, 0), zone),
                       closes_at=datetime.combine(campaign.ends_on, time(18, 0), zone), mix=MIX_20)
    plan = plan_live(now, opens_at)
    people = takers(t.n for t in plan)
    divisions = Division.objects.in_bulk({t.division_code for t in plan})
    for taker in plan:
        take(live, taker, people[taker.n], divisions[taker.division_code])
    backdate_registrations(live, plan, people)
    return [live, coming]


def purge_quizzes(campaign) -> None:
    """Delete every quiz of a (live demo) campaign with its attempts (and so its sheets and
    standings), registrations, pool and rules; the bank's questions stay."""
    Attempt.objects.filter(quiz__campaign=campaign).delete()
    Quiz.objects.filter(campaign=campaign).delete()
