"""Synchronized quiz start (issue 12): 2,000 takers start the same quiz within 10 s and answer
20 questions each at a human pace, over the JSON API, against the production-like server on
PostgreSQL; then the load is raised until p95 breaks.

    .venv/bin/python bench/quiz_start.py                      # 2,000 takers, then the ramp (< 10 min)
    .venv/bin/python bench/quiz_start.py --takers 500 --no-ramp
    .venv/bin/python bench/quiz_start.py --redis ''           # leaderboards in the database

Set-up (its own database ``sciweek_bench_quiz``, created, migrated and dropped at the end): the
divisions, a national committee and Hebei, this year's campaign, a pool of 200 approved
questions (70 true/false, 70 single, 60 multiple choice) and two published quizzes dealing
7 + 7 + 6 = 20 of them (5 points each, 30 s per question, one scored attempt per day): the
*start* quiz and the *ramp* quiz. People with a profile, an API token (bulk, as
reserve_burst.py makes them) and a registration (a Hebei county, one of 200 schools) in both.
Every request comes from 127.0.0.1, so the quizzes allow 250 accounts per device (the address
check, ten times that, stays above the takers; the per-device check still runs: each token is
its own device). Leaderboards in Redis (``--redis``, default db 11 of the local server, flushed
first) as in production; ``--redis ''`` keeps them in the database.

The API's paths are read from its OpenAPI schema by operation id (startQuizAttempt,
getMyQuizAttempt, answerQuizQuestion, finishQuizAttempt, getQuizLeaderboard). A taker starts
(the reply carries the first question), then for each question: thinks, answers (the reply:
right or wrong, the key, how many remain, and the next question: the answer asks for it with
``next: true``, and serving it starts its clock); finally finishes. 21 requests per taker (41
before the answer could bring the next question: a GET of the attempt each time).

Phase 1, the synchronized start: every taker starts within ``--spread`` seconds (uniform),
then answers each question after a think time drawn from ``--think`` (3–8 s), choosing at
random among the options shown (the key never reaches the client), and finishes. One taker in
ten double-clicks finish (two concurrent finishes) and one in twenty sends an answer twice:
both must score once. Requests go through one client pool of ``--connections`` connections
(a proxy's upstream pool), so a request's time includes waiting for a connection. The phase
is bounded (``--phase-limit``): takers still going then are cut and counted as such.

Checks afterwards, in the database: nobody has two scored attempts, every finished attempt has
20 answers, standings count = finished takers, each standing's score = its attempt's score and
it points at a final attempt of its own person (what a second scoring would break);
``leaderboard.top``'s top 100 equals a SQL ranking (score DESC, time_used_ms ASC, finished_at
ASC, person_id ASC) by person, and the public API board's (masked names) by score, time and
finish (to the millisecond the API's JSON carries).

Phase 2, the ramp (``--ramp-steps``, ``--step-seconds``): takers of the ramp quiz answer with a
short think time (``--ramp-think``), in steps of more concurrent takers (closed loop: a taker
that finished is replaced by a fresh person); each step's answers/s and p95 are measured over
its window. The highest rate of a step whose answer p95 stays under 300 ms with no errors is
the sustained rate.

Then, with the server stopped: the console's statistics selectors and the results export,
uncached, on this data; and what each call costs in one process (CPU ms by process_time, which
other processes' load does not inflate the way it inflates latency, and SQL statements), over
20 fresh takers through Django's test client: the figure that says how many answers one core
can serve.

The server (gunicorn, reserve_burst's ``gunicorn_args``) is pinned to core 0 and this client to
core 1. Results: bench/results/quiz-start-<date>.json. Bounded: ``--time-limit`` (570 s) for
the whole run, ``--phase-limit`` (200 s) for phase 1.
"""
import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
DB_NAME = "sciweek_bench_quiz"
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
TARGETS = {"start_p95_ms": 500, "answer_p95_ms": 300}
RUNNING = {}  # the server, for the SIGTERM handler
QUESTIONS = 20


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)


# --- set-up (run in a child process with the bench settings: `quiz_start.py _setup N`) -------

def setup_data(people: int) -> dict:
    """The data set described in the module doc; returns ids and the plain API keys."""
    import secrets
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from sciweek.accounts.models import User
    from sciweek.api.models import ApiToken, hash_key
    from sciweek.campaigns.models import Campaign
    from sciweek.organizations.models import Division, Organization
    from sciweek.organizations.services import load_divisions
    from sciweek.participants.models import Profile
    from sciweek.quiz.models import DrawRule, Option, Question, Quiz, QuizQuestion, Registration

    load_divisions()
    root = Organization.add_root(name="全国科技活动周组委会", kind="committee")
    hebei = root.add_child(name="河北省", kind="region", division_id="130000")
    today = timezone.localdate()
    campaign = Campaign.objects.create(year=today.year, name=f"{today.year}年全国科技活动周", theme="科技创新 美好生活",
                                       starts_on=today, ends_on=today + timedelta(days=7))
    rng = random.Random(12)
    questions = []
    for kind, count in (("true_false", 70), ("single", 70), ("multiple", 60)):
        for i in range(count):
            questions.append(Question(organization=hebei, kind=kind, difficulty=1 + i % 3, status="approved",
                                      stem=f"{kind} 第{i + 1}题：以下说法是否正确？" + "科学" * rng.randint(5, 30),
                                      explanation="解析：" + "知识" * 20, topic="日常生活科学"))
    Question.objects.bulk_create(questions, batch_size=500)
    options = []
    for question in questions:
        if question.kind == "true_false":
            right = rng.random() < 0.5
            texts = [("正确", right), ("错误", not right)]
        elif question.kind == "single":
            correct = rng.randrange(4)
            texts = [(f"选项{j + 1}", j == correct) for j in range(4)]
        else:
            right = set(rng.sample(range(5), 2 + rng.randrange(2)))
            texts = [(f"选项{j + 1}", j in right) for j in range(5)]
        options += [Option(question=question, text=t, is_correct=c, position=j) for j, (t, c) in enumerate(texts)]
    Option.objects.bulk_create(options, batch_size=2000)
    now = timezone.now()
    quizzes = []
    for slug in ("start", "ramp"):
        quiz = Quiz.objects.create(campaign=campaign, organization=hebei, slug=slug, title=f"科普知识网络答题（{slug}）",
                                   status="published", opens_at=now - timedelta(minutes=5),
                                   closes_at=now + timedelta(days=1), seconds_per_question=30,
                                   scored_attempts_per_day=1, first_prizes=10, second_prizes=20, third_prizes=30,
                                   # every request comes from 127.0.0.1: the address check (10 × this) stays
                                   # above the takers; the per-device check (distinct tokens) still runs
                                   accounts_per_device=250)
        DrawRule.objects.bulk_create([DrawRule(quiz=quiz, kind=k, count=c, points=5, position=i)
                                      for i, (k, c) in enumerate((("true_false", 7), ("single", 7), ("multiple", 6)))])
        QuizQuestion.objects.bulk_create([QuizQuestion(quiz=quiz, question=q) for q in questions])
        quizzes.append(quiz)
    unusable = make_password(None)  # token sign-in only
    users = User.objects.bulk_create([User(username=f"bench_quiz_{i}", password=unusable) for i in range(people)],
                                     batch_size=2000)
    Profile.objects.bulk_create([Profile(user=u, phone=f"16{i:09d}", consent_at=now) for i, u in enumerate(users)],
                                batch_size=2000)
    keys, tokens = [], []
    for u in users:
        key = "sw_" + secrets.token_urlsafe(24)
        keys.append(key)
        tokens.append(ApiToken(user=u, name="bench", prefix=key[:10], key_hash=hash_key(key), last_used_at=now))
    ApiToken.objects.bulk_create(tokens, batch_size=2000)
    counties = list(Division.objects.filter(code__startswith="13", level=3).exclude(name="市辖区"))
    schools = [f"河北省第{i + 1}中学" for i in range(200)]
    registrations = []
    for quiz in quizzes:
        for i, u in enumerate(users):
            county = counties[i % len(counties)]
            registrations.append(Registration(
                quiz=quiz, person=u, display_name=f"答题者{i}", division=county, province_code="130000",
                city_code=county.code[:4] + "00", school_name=schools[i % len(schools)]))
    Registration.objects.bulk_create(registrations, batch_size=2000)
    return {"quizzes": {q.slug: q.pk for q in quizzes}, "year": campaign.year, "keys": keys,
            "people": [u.pk for u in users]}


def prepare(args, env) -> dict:
    import psycopg

    with psycopg.connect(ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    manage = [sys.executable, str(ROOT / "manage.py")]
    run(manage + ["migrate", "-v0"], env=env)
    run(manage + ["collectstatic", "--noinput", "-v0"], env=env)
    out = run([sys.executable, __file__, "_setup", str(args.takers)], env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def flush_redis(url: str) -> None:
    if not url:
        return
    import redis

    redis.Redis.from_url(url).flushdb()


# --- the API (sciweek/quiz/api.py) --------------------------------------------------------

OPERATIONS = {"start": "startQuizAttempt", "current": "getMyQuizAttempt", "answer": "answerQuizQuestion",
              "finish": "finishQuizAttempt", "leaderboard": "getQuizLeaderboard"}


def api_paths(schema: dict) -> dict[str, str]:
    """{call: path template} from the OpenAPI schema, found by operation id (the paths may move)."""
    found = {}
    for path, methods in schema["paths"].items():
        for operation in methods.values():
            for call, operation_id in OPERATIONS.items():
                if operation.get("operationId") == operation_id:
                    found[call] = path
    missing = set(OPERATIONS) - set(found)
    if missing:
        raise SystemExit(f"the API has no {sorted(missing)}: is sciweek/quiz/api.py there?")
    return found


class Api:
    """The taker's calls (sciweek/quiz/api.py). Each returns (status, json) and raises nothing:
    errors are counted. A question comes with the attempt (start, or GET of the attempt, which
    serves the next one and starts its clock); an answer's reply has its result and how many
    questions remain, so a taker asks for the next question after each answer."""

    def __init__(self, client, paths, connections):
        self.client, self.paths = client, paths
        # At most `connections` requests handed to httpx at once: its pool serves waiters in a
        # loop over all of them (quadratic with 2,000 waiting), which starved this client's core.
        self.slots = asyncio.Semaphore(connections)

    def path(self, call, **ids):
        return self.paths[call].format(**ids)

    async def _call(self, method, path, key, body=None):
        try:
            async with self.slots:
                response = await self.client.request(method, path, json=body,
                                                     headers={"Authorization": f"Bearer {key}"})
        except Exception as error:  # noqa: BLE001 — a transport error is a result here
            return 0, {"error": {"code": type(error).__name__}}
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, {"error": {"code": "not_json"}}

    async def start(self, quiz_id, key):
        return await self._call("POST", self.path("start", quiz_id=quiz_id), key, {"practice": False})

    async def current(self, attempt_id, key):
        return await self._call("GET", self.path("current", attempt_id=attempt_id), key)

    async def answer(self, attempt_id, key, position, options):
        # `next`: the reply carries the next question (served), as a mini-program that moves on
        # at once would ask; the GET of the attempt stays the fallback.
        return await self._call("POST", self.path("answer", attempt_id=attempt_id), key,
                                {"position": position, "options": options, "next": True})

    async def finish(self, attempt_id, key):
        return await self._call("POST", self.path("finish", attempt_id=attempt_id), key)

    async def leaderboard(self, quiz_id, n=100):
        response = await self.client.get(self.path("leaderboard", quiz_id=quiz_id), params={"top": n})
        return response.status_code, response.json()


def pick(question, rng):
    options = [o["number"] for o in question["options"]]
    if question["kind"] == "multiple":
        return rng.sample(options, 2)
    return [rng.choice(options)]


class Recorder:
    def __init__(self):
        self.samples = []  # (kind, started monotonic, seconds, status, code)

    def add(self, kind, started, status, body):
        code = "" if 200 <= status < 300 else (body.get("error", {}) or {}).get("code", "") if isinstance(body, dict) else ""
        self.samples.append((kind, started, time.monotonic() - started, status, code))

    def summary(self, kind, since=None, until=None):
        rows = [s for s in self.samples if s[0] == kind and (since is None or s[1] >= since)
                and (until is None or s[1] < until)]
        if not rows:
            return {"n": 0}
        ms = [s[2] * 1000 for s in rows]
        errors = {}
        for s in rows:
            if not 200 <= s[3] < 300:
                errors[f"{s[3]} {s[4]}"] = errors.get(f"{s[3]} {s[4]}", 0) + 1
        return {"n": len(rows), "p50_ms": round(statistics.median(ms), 1), "p95_ms": round(percentile(ms, 95), 1),
                "p99_ms": round(percentile(ms, 99), 1), "max_ms": round(max(ms), 1), "errors": errors}


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))]


async def taker(api, recorder, quiz_id, key, *, delay, think, rng, double_finish, repeat_answer, deadline):
    """One taker: wait `delay`, start, answer every question after a think time, finish."""
    await asyncio.sleep(delay)
    started = time.monotonic()
    status, body = await api.start(quiz_id, key)
    recorder.add("start", started, status, body)
    if status not in (200, 201):
        return "start_failed"
    attempt = body["id"]
    question = body["current"]
    repeated = False
    while question is not None:
        if time.monotonic() > deadline:
            return "deadline"
        await asyncio.sleep(rng.uniform(*think))
        chosen = pick(question, rng)
        started = time.monotonic()
        status, reply = await api.answer(attempt, key, question["position"], chosen)
        recorder.add("answer", started, status, reply)
        if status != 200:
            return "answer_failed"
        if repeat_answer and not repeated:  # the same answer again (a retry): the same result
            repeated = True
            started = time.monotonic()
            status, again = await api.answer(attempt, key, question["position"], chosen)
            recorder.add("answer_retry", started, status, again)
            if status != 200 or again.get("is_correct") != reply.get("is_correct"):
                recorder.add("retry_mismatch", started, 599, {"error": {"code": "retry_differs"}})
        if not reply.get("remaining"):
            break
        if reply.get("next") is not None:
            question = reply["next"]
            continue
        started = time.monotonic()  # the next question (served now: its clock starts)
        status, body = await api.current(attempt, key)
        recorder.add("next", started, status, body)
        if status != 200:
            return "next_failed"
        question = body["current"]
    calls = 2 if double_finish else 1
    started = time.monotonic()
    results = await asyncio.gather(*(api.finish(attempt, key) for _ in range(calls)))
    for status, reply in results:
        recorder.add("finish", started, status, reply)
    return "done"


class RssSampler:
    """Peak resident memory of the gunicorn workers (children of the master), sampled."""

    def __init__(self, master_pid):
        self.master, self.peak_kb, self._stop, self.load = master_pid, 0, False, []

    def _workers(self):
        try:
            return [int(p) for p in Path(f"/proc/{self.master}/task/{self.master}/children").read_text().split()]
        except OSError:
            return []

    def sample(self):
        total = 0
        for pid in self._workers():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        kb = int(line.split()[1])
                        self.peak_kb = max(self.peak_kb, kb)
                        total += kb
            except OSError:
                pass
        self.load.append(os.getloadavg()[0])

    async def run(self):
        while not self._stop:
            self.sample()
            await asyncio.sleep(1)

    def stop(self):
        self._stop = True


def client(port, connections):
    import httpx

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits,
                             timeout=httpx.Timeout(60, pool=120))


async def synchronized_start(args, setup, sampler):
    recorder = Recorder()
    rng = random.Random(7)
    deadline = time.monotonic() + args.phase_limit
    async with client(args.port, args.connections) as http:
        api = Api(http, setup["paths"], args.connections)
        sampler_task = asyncio.create_task(sampler.run())
        began, cpu = time.monotonic(), time.process_time()
        tasks = [asyncio.create_task(taker(api, recorder, setup["quizzes"]["start"], key,
                                           delay=rng.uniform(0, args.spread), think=args.think, rng=random.Random(i),
                                           double_finish=i % 10 == 0, repeat_answer=i % 20 == 5, deadline=deadline))
                 for i, key in enumerate(setup["keys"][:args.takers])]
        progress = asyncio.create_task(report_progress(recorder, tasks, began))
        done, pending = await asyncio.wait(tasks, timeout=args.phase_limit + 20)
        progress.cancel()
        for task in pending:  # the phase's bound: requests still waiting are abandoned
            task.cancel()
        await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), 30)
        outcomes = [t.result() if not t.cancelled() and t.exception() is None else "cut_at_the_bound" for t in tasks]
        elapsed, client_cpu = time.monotonic() - began, time.process_time() - cpu
        sampler.stop()
        await sampler_task
        try:
            status, board = await asyncio.wait_for(api.leaderboard(setup["quizzes"]["start"], 100), 90)
        except (TimeoutError, asyncio.TimeoutError):
            status, board = 0, {}
    counts = {}
    for outcome in outcomes:
        counts[outcome] = counts.get(outcome, 0) + 1
    answers = [s for s in recorder.samples if s[0] == "answer"]
    busiest = _busiest_window(answers, 10)
    return {
        "takers": args.takers, "spread_s": args.spread, "think_s": list(args.think), "seconds": round(elapsed, 1),
        "outcomes": counts, "start": recorder.summary("start"), "answer": recorder.summary("answer"),
        "answer_retry": recorder.summary("answer_retry"), "retry_mismatch": recorder.summary("retry_mismatch"),
        "next": recorder.summary("next"), "finish": recorder.summary("finish"),
        "answers_per_s_mean": round(len(answers) / elapsed, 1) if elapsed else None,
        "answers_per_s_peak_10s": busiest, "peak_worker_rss_mb": round(sampler.peak_kb / 1024, 1),
        "client_cpu_share": round(client_cpu / elapsed, 2) if elapsed else None,
        "load_average_max": round(max(sampler.load), 2) if sampler.load else None,
        "api_leaderboard": board if status == 200 else {"status": status},
    }


async def report_progress(recorder, tasks, began, every=15):
    """A line every `every` seconds: what has been done and answered so far."""
    while True:
        await asyncio.sleep(every)
        counts = {}
        for sample in recorder.samples:
            if 200 <= sample[3] < 300:
                counts[sample[0]] = counts.get(sample[0], 0) + 1
        errors = sum(1 for sample in recorder.samples if not 200 <= sample[3] < 300)
        print(f"  {time.monotonic() - began:5.0f} s: {sum(t.done() for t in tasks)} takers done, "
              f"{counts.get('start', 0)} started, {counts.get('answer', 0)} answers, "
              f"{counts.get('finish', 0)} finishes, {errors} errors", flush=True)


def _busiest_window(samples, seconds):
    """The most answers completed in any `seconds`-long window, per second."""
    ends = sorted(s[1] + s[2] for s in samples if 200 <= s[3] < 300)
    best, j = 0, 0
    for i in range(len(ends)):
        while ends[i] - ends[j] > seconds:
            j += 1
        best = max(best, i - j + 1)
    return round(best / seconds, 1)


async def ramp(args, setup, sampler):
    """Closed loop on the ramp quiz: each step adds takers (think time `--ramp-think`); a taker
    that finished its 20 questions is replaced by a fresh person."""
    recorder = Recorder()
    steps = []
    keys = list(setup["keys"])
    next_key = 0
    quiz_id = setup["quizzes"]["ramp"]
    async with client(args.port, args.connections) as http:
        api = Api(http, setup["paths"], args.connections)
        sampler_task = asyncio.create_task(sampler.run())
        running: set[asyncio.Task] = set()
        stop_at = time.monotonic() + args.step_seconds * len(args.ramp_steps) + 30

        async def loop(i):
            nonlocal next_key
            rng = random.Random(1000 + i)
            while time.monotonic() < stop_at and next_key < len(keys):
                key = keys[next_key]
                next_key += 1
                await taker(api, recorder, quiz_id, key, delay=0, think=args.ramp_think, rng=rng,
                            double_finish=False, repeat_answer=False, deadline=stop_at)

        for level in args.ramp_steps:
            while len(running) < level:
                task = asyncio.create_task(loop(len(running)))
                running.add(task)
            window_start = time.monotonic() + 3  # let the new takers reach their pace
            await asyncio.sleep(args.step_seconds)
            window_end = time.monotonic()
            answer = recorder.summary("answer", window_start, window_end)
            done = [s for s in recorder.samples if s[0] == "answer" and 200 <= s[3] < 300
                    and window_start <= s[1] + s[2] < window_end]
            rate = round(len(done) / (window_end - window_start), 1)
            step = {"takers": level, "answers_per_s": rate, "answer": answer,
                    "start": recorder.summary("start", window_start, window_end),
                    "load_average": round(os.getloadavg()[0], 2), "people_used": next_key}
            steps.append(step)
            print(f"  ramp {level:>5} takers: {rate:7.1f} answers/s, p95 {answer.get('p95_ms')} ms, "
                  f"errors {answer.get('errors')}", flush=True)
            if answer.get("n") and (answer["p95_ms"] > 3 * TARGETS["answer_p95_ms"] or next_key >= len(keys)):
                break
        stop_at = time.monotonic()
        finished, unfinished = await asyncio.wait(running, timeout=30)
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)
        sampler.stop()
        await sampler_task
    sustained = None
    for step in steps:
        answer = step["answer"]
        if answer.get("n") and answer["p95_ms"] < TARGETS["answer_p95_ms"] and not answer["errors"]:
            if sustained is None or step["answers_per_s"] > sustained["answers_per_s"]:
                sustained = step
    return {"think_s": list(args.ramp_think), "step_seconds": args.step_seconds, "steps": steps,
            "highest_sustained_answers_per_s": sustained["answers_per_s"] if sustained else None,
            "at_takers": sustained["takers"] if sustained else None,
            "peak_worker_rss_mb": round(sampler.peak_kb / 1024, 1)}


# --- checks -------------------------------------------------------------------------------

def finish_storm(setup, seconds: float, threads: int = 16) -> dict:
    """Hand in what phase 1 left in progress, each attempt twice at once (a double click), in
    this process through ``services.finish`` (what the API's finish calls), 16 threads with a
    database connection each, for at most ``seconds``; ``attempt_finished`` (sent once per
    scored attempt, on commit) is counted per attempt: more than one is a double scoring."""
    import threading
    from collections import Counter
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from sciweek.quiz import services
    from sciweek.quiz.models import Attempt

    sent, lock = Counter(), threading.Lock()

    def scored(sender, attempt, standing=None, **kwargs):
        with lock:
            sent[attempt.pk] += 1

    services.attempt_finished.connect(scored, weak=False, dispatch_uid="bench-quiz-scored")
    ids = list(Attempt.objects.filter(quiz_id=setup["quizzes"]["start"], status="in_progress").order_by("pk")
               .values_list("pk", flat=True))
    until = time.monotonic() + seconds
    calls, errors = Counter(), Counter()

    def one(pk):
        if time.monotonic() > until:
            return
        try:
            attempt = Attempt.objects.select_related("quiz__campaign", "quiz__organization", "person",
                                                     "registration").get(pk=pk)
            services.finish(attempt, attempt.person)
            with lock:
                calls[pk] += 1
        except Exception as error:  # noqa: BLE001 — counted, reported
            with lock:
                errors[type(error).__name__] += 1
        finally:
            connection.close()

    began = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        for pk in ids:
            pool.submit(one, pk)
            pool.submit(one, pk)  # the same attempt again, at once
    services.attempt_finished.disconnect(dispatch_uid="bench-quiz-scored")
    twice = [pk for pk, n in calls.items() if n >= 2]
    return {"in_progress_before": len(ids), "finish_calls": sum(calls.values()), "attempts_finished_twice_at_once":
            len(twice), "seconds": round(time.monotonic() - began, 1), "errors": dict(errors),
            "scored_signals": sum(sent.values()), "attempts_scored_more_than_once": sum(1 for n in sent.values() if n > 1),
            "attempts_called_but_not_scored": sum(1 for pk in calls if sent[pk] == 0)}


def check(setup, api_board) -> dict:
    """Integrity after the synchronized start (in the bench database)."""
    from django.db import connection
    from django.db.models import Count, F

    from sciweek.quiz import leaderboard
    from sciweek.quiz.models import Attempt, Standing

    quiz_id = setup["quizzes"]["start"]
    scored = Attempt.objects.filter(quiz_id=quiz_id, is_practice=False)
    per_person = scored.values("person_id").annotate(n=Count("pk"))
    several = per_person.filter(n__gt=1).count()
    finished = scored.filter(status__in=["finished", "expired"])
    standings = Standing.objects.filter(quiz_id=quiz_id)
    mismatched = standings.exclude(score=F("attempt__score")).count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT person_id, score, time_used_ms, finished_at FROM quiz_standing WHERE quiz_id = %s "
                       "AND NOT disqualified ORDER BY score DESC, time_used_ms ASC, finished_at ASC, person_id ASC "
                       "LIMIT 100", [quiz_id])
        sql_rows = cursor.fetchall()
    sql_top = [[p, s, t] for p, s, t, _f in sql_rows]
    sql_public = [[s, t, f] for _p, s, t, f in sql_rows]
    with connection.cursor() as cursor:
        # "scored once": the finish's conditional UPDATE wins once; a second scoring would have
        # left a standing pointing at a different attempt of the person, or a second final attempt.
        cursor.execute("SELECT count(*) FROM quiz_standing s JOIN quiz_attempt a ON a.id = s.attempt_id "
                       "WHERE s.quiz_id = %s AND (a.person_id <> s.person_id OR a.status = 'in_progress')", [quiz_id])
        bad_standing = cursor.fetchone()[0]
    board = [[r.person_id, r.score, r.time_used_ms] for r in leaderboard.top(quiz_id, n=100)]
    api_rows = api_board.get("rows", []) if isinstance(api_board, dict) else []
    # The public board names no person (masked names): compared on score, time and finish.
    api_top = [[r["score"], r["time_used_ms"], r["finished_at"]] for r in api_rows]
    flags = {}
    for row in finished.values("review").annotate(n=Count("pk")):
        flags[row["review"] or "none"] = row["n"]
    return {
        "attempts": scored.count(), "finished": finished.count(), "in_progress": scored.filter(status="in_progress").count(),
        "people_with_several_scored_attempts": several,
        "standings": standings.count(), "standings_equal_finished_takers":
            standings.count() == finished.values("person_id").distinct().count(),
        "standing_score_differs_from_attempt": mismatched, "standings_not_on_a_final_own_attempt": bad_standing,
        "double_scored": several + mismatched + bad_standing,
        "leaderboard_backend": leaderboard.backend(), "leaderboard_top100_equals_sql": board == sql_top,
        "api_leaderboard_rows": len(api_top),
        "api_leaderboard_top100_equals_sql": [[s, t, _iso(f)] for s, t, f in api_top]
        == [[s, t, _iso(f)] for s, t, f in sql_public],
        "review": flags,
    }


def request_costs(setup, takers=20) -> dict:
    """What one call costs in the server's own process, whatever the machine's load: CPU time
    (process_time, which other processes do not inflate) and SQL statements per call, medians
    over ``takers`` fresh people taking the ramp quiz in full through Django's test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    quiz_id = setup["quizzes"]["ramp"]
    costs: dict[str, list] = {"start": [], "next": [], "answer": [], "finish": []}
    rng = random.Random(3)
    client = Client()

    def call(kind, method, path, key, body=None):
        with CaptureQueriesContext(connection) as queries:
            began = time.process_time()
            response = getattr(client, method)(path, data=json.dumps(body) if body is not None else None,
                                               content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
            spent = time.process_time() - began
        costs[kind].append((spent * 1000, len(queries)))
        return response.status_code, response.json()

    paths = setup["paths"]
    for key in setup["keys"][-takers:]:
        status, body = call("start", "post", paths["start"].format(quiz_id=quiz_id), key, {"practice": False})
        if status not in (200, 201):
            raise SystemExit(f"request_costs: start answered {status} {body}")
        attempt, question = body["id"], body["current"]
        while question is not None:
            status, reply = call("answer", "post", paths["answer"].format(attempt_id=attempt), key,
                                 {"position": question["position"], "options": pick(question, rng), "next": True})
            if not reply.get("remaining"):
                break
            if reply.get("next") is not None:
                question = reply["next"]
                continue
            status, body = call("next", "get", paths["current"].format(attempt_id=attempt), key)
            question = body["current"]
        call("finish", "post", paths["finish"].format(attempt_id=attempt), key)
    out = {}
    for kind, rows in costs.items():
        if not rows:
            out[kind] = {"n": 0}
            continue
        out[kind] = {"n": len(rows), "cpu_ms_median": round(statistics.median(r[0] for r in rows), 2),
                     "cpu_ms_p95": round(percentile([r[0] for r in rows], 95), 2),
                     "queries_median": statistics.median(r[1] for r in rows), "queries_max": max(r[1] for r in rows)}
    nexts = out["next"]["cpu_ms_median"] if out["next"]["n"] else 0  # a GET only where the answer brought none
    per_taker = (out["start"]["cpu_ms_median"] + out["finish"]["cpu_ms_median"]
                 + (QUESTIONS - 1) * nexts + QUESTIONS * out["answer"]["cpu_ms_median"])
    out["cpu_ms_per_taker"] = round(per_taker, 1)
    out["answers_per_core_second"] = round(1000 * QUESTIONS / per_taker, 1)
    return out


def _iso(value) -> int:
    """A finish time from the API (ISO text, to the millisecond: Django's JSON encoder drops the
    microseconds' last three digits) or the database (datetime), as whole milliseconds."""
    from datetime import datetime

    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return int(value.timestamp()) * 1000 + value.microsecond // 1000


def stats_timing(setup) -> dict:
    """How long the console's statistics take on this data, uncached (selectors), and the
    results export (built and saved)."""
    from io import BytesIO

    from django.core.cache import cache

    from sciweek.quiz import exports, selectors
    from sciweek.quiz.models import Quiz

    quiz = Quiz.objects.get(pk=setup["quizzes"]["start"])
    timings = {}
    for name, call in (("quiz_statistics", lambda: selectors.quiz_statistics(quiz, fresh=True)),
                       ("question_statistics", lambda: selectors.question_statistics(quiz)),
                       ("participation_by_region", lambda: selectors.participation_by_region(quiz)),
                       ("participation_by_school", lambda: selectors.participation_by_school(quiz)),
                       ("prize_list", lambda: selectors.prize_list(quiz)),
                       ("results_workbook", lambda: exports.results_workbook(quiz)[0].save(BytesIO()))):
        cache.clear()
        began = time.perf_counter()
        call()
        timings[name + "_ms"] = round((time.perf_counter() - began) * 1000, 1)
    return timings


# --- main ---------------------------------------------------------------------------------

def start_server(env, args, quiz_id, log_path):
    """The production-like server: gunicorn with reserve_burst's flags (``gunicorn_args``), pinned
    to core 0; ready once a small API read answers (a loaded machine boots workers slowly)."""
    import httpx
    import reserve_burst

    flags = (reserve_burst.gunicorn_args(args.workers, args.threads) if hasattr(reserve_burst, "gunicorn_args")
             else ["-w", str(args.workers), "-k", "gthread", "--threads", str(args.threads), "--timeout", "30",
                   "--keep-alive", "75"])
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "sciweek.wsgi", "-b", f"127.0.0.1:{args.port}", *flags]
    if Path("/usr/bin/taskset").exists():
        cmd = ["taskset", "-c", "0"] + cmd
    log = open(log_path, "ab")  # noqa: SIM115 — the server's log, open while it runs
    server = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    until = time.monotonic() + 90
    while time.monotonic() < until:
        try:
            if httpx.get(f"http://127.0.0.1:{args.port}/api/v1/quizzes/{quiz_id}", timeout=5).status_code < 500:
                return server, flags
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise SystemExit("server did not start: " + Path(log_path).read_text(errors="replace")[-2000:])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--takers", type=int, default=2000)
    parser.add_argument("--spread", type=float, default=10, help="all starts within this many seconds")
    parser.add_argument("--think", type=float, nargs=2, default=(3, 8), help="think time per question, s")
    parser.add_argument("--connections", type=int, default=64, help="client pool (a proxy's upstream pool)")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11", help="REDIS_URL ('' for none)")
    parser.add_argument("--no-ramp", action="store_true")
    parser.add_argument("--ramp-steps", type=int, nargs="+", default=[5, 10, 20, 30, 40, 60, 80, 120, 160])
    parser.add_argument("--ramp-think", type=float, nargs=2, default=(0.5, 1.5))
    parser.add_argument("--step-seconds", type=float, default=15)
    parser.add_argument("--phase-limit", type=float, default=200, help="phase 1 bound, s")
    parser.add_argument("--time-limit", type=float, default=570, help="whole run bound, s")
    parser.add_argument("--keep-db", action="store_true", help="leave the bench database (to look at it)")
    parser.add_argument("--no-costs", action="store_true", help="skip the in-process cost per call")
    args = parser.parse_args()

    began = time.monotonic()
    import signal

    def stop(*_args):  # a `timeout` (SIGTERM) still stops the server
        if RUNNING.get("server") is not None:
            RUNNING["server"].terminate()
        os._exit(143)

    signal.signal(signal.SIGTERM, stop)
    if not args.port:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            args.port = probe.getsockname()[1]
    var_dir = tempfile.mkdtemp(prefix="sciweek-bench-quiz-")
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}", "SCIWEEK_VAR_DIR": var_dir,
           "SCIWEEK_DEBUG": "false", "SCIWEEK_API_RATE_LIMIT": "", "DJANGO_SETTINGS_MODULE": "sciweek.settings",
           "SCIWEEK_LOG_LEVEL": "ERROR", "REDIS_URL": args.redis}
    if not args.redis:
        env.pop("REDIS_URL")
    cost_people = 0 if args.no_costs else 20  # the last ones: request_costs
    people = args.takers + (0 if args.no_ramp else 3000) + cost_people
    print(f"preparing {people} people, 200 questions, two quizzes …", flush=True)
    flush_redis(args.redis)
    setup = prepare(argparse.Namespace(takers=people), env)
    setup["keys_start"] = setup["keys"][:args.takers]
    print(f"  ready in {time.monotonic() - began:.0f} s", flush=True)
    server, flags = start_server(env, args, setup["quizzes"]["start"], Path(var_dir) / "gunicorn.log")
    RUNNING["server"] = server
    import httpx

    setup["paths"] = api_paths(httpx.get(f"http://127.0.0.1:{args.port}/api/openapi.json", timeout=120).json())
    result = {}
    try:
        if hasattr(os, "sched_setaffinity") and os.cpu_count() and os.cpu_count() > 1:
            os.sched_setaffinity(0, {1})
        print(f"phase 1: {args.takers} takers start within {args.spread:.0f} s …", flush=True)
        phase1_setup = {**setup, "keys": setup["keys"][:args.takers]}
        result["synchronized_start"] = asyncio.run(synchronized_start(args, phase1_setup, RssSampler(server.pid)))
        s = result["synchronized_start"]
        print(f"  start p95 {s['start'].get('p95_ms')} ms, answer p95 {s['answer'].get('p95_ms')} ms, "
              f"outcomes {s['outcomes']}", flush=True)
        left = args.time_limit - (time.monotonic() - began) - 120  # the storm, the checks, the costs
        if not args.no_ramp and left > args.step_seconds * 2:
            args.ramp_steps = args.ramp_steps[:max(1, int(left // args.step_seconds) - 1)]
            print(f"phase 2: ramp {args.ramp_steps} takers, {args.step_seconds:.0f} s each …", flush=True)
            ramp_setup = {**setup, "keys": setup["keys"][args.takers:len(setup["keys"]) - cost_people]}
            time.sleep(10)  # what phase 1 left queued drains
            result["ramp"] = asyncio.run(ramp(args, ramp_setup, RssSampler(server.pid)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from machine import machine_info

    result["synchronized_start"].pop("api_leaderboard", {})
    left = args.time_limit - (time.monotonic() - began) - 45
    result["finish_storm"] = finish_storm(setup, max(10.0, min(60.0, left)))
    from django.test import Client

    board = Client().get(setup["paths"]["leaderboard"].format(quiz_id=setup["quizzes"]["start"]),
                         {"top": 100}).json()
    result["checks"] = check(setup, board)
    result["statistics_uncached"] = stats_timing(setup)
    if not args.no_costs:
        result["request_costs_in_process"] = request_costs(setup)
    from django.db import connection

    connection.close()
    s, c = result["synchronized_start"], result["checks"]
    summary = {
        "machine": machine_info(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "server": "gunicorn " + " ".join(flags) + " (core 0), PostgreSQL, "
                  + ("Redis leaderboards" if args.redis else "database leaderboards"),
        "client": f"asyncio + httpx on core 1, {args.connections} connections",
        "targets": TARGETS,
        **result,
        "verdict": {
            "start_p95_ok": bool(s["start"].get("p95_ms") is not None and s["start"]["p95_ms"] < TARGETS["start_p95_ms"]),
            "answer_p95_ok": bool(s["answer"].get("p95_ms") is not None
                                  and s["answer"]["p95_ms"] < TARGETS["answer_p95_ms"]),
            "errors": sum(sum(s[k].get("errors", {}).values())
                          for k in ("start", "answer", "next", "finish", "answer_retry", "retry_mismatch")),
            "double_scored": c["double_scored"] + result["finish_storm"]["attempts_scored_more_than_once"],
            "finished": c["finished"],
            "leaderboard_exact": c["leaderboard_top100_equals_sql"] and c["api_leaderboard_top100_equals_sql"],
        },
        "run_seconds": round(time.monotonic() - began, 1),
    }
    out = ROOT / "bench" / "results" / f"quiz-start-{date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    print(json.dumps(summary["verdict"], ensure_ascii=False), flush=True)
    print(f"written {out}", flush=True)
    if not args.keep_db:
        import psycopg

        with psycopg.connect(ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "_setup":
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        print(json.dumps(setup_data(int(sys.argv[2]))))
    else:
        main()
