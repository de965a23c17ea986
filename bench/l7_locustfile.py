"""L7 of RELIABILITY-PLAN §3.2: the users of a sustained mixed load (locust).

Run by bench/l7_mixed.py, which prepares the data, starts the server and passes what the users
need in the JSON file named by L7_SEED (year, activity ids, search words, one bookable
session, people's bearer tokens). Each user is a visitor of the public site (Chinese pages:
`Accept-Language: zh-CN`) who thinks L7_WAIT seconds between actions (default "2,6") and:

- 70 %: browses — the catalog (page 1 or a later page), a search, an activity page;
- 20 %: reserves a place through the API (`POST /api/v1/sessions/<id>/reservations`, a fresh
  person and `Idempotency-Key` each time) and cancels it (`POST /api/v1/me/reservations/<code>/cancel`);
- 10 %: the quiz — **not written yet** (see QUIZ_WEIGHT and `quiz` below): until it is, its
  share is left out and the other two keep their 70 : 20 ratio.

Every answer other than the one expected (200, 201 for a reservation) counts as a failure.

    L7_SEED=seed.json locust -f bench/l7_locustfile.py --headless -u 200 -r 50 --run-time 120s --host http://…
"""
import itertools
import json
import os
import random
import threading
import uuid
from urllib.parse import quote

from locust import FastHttpUser, between, task

SEED = json.loads(open(os.environ["L7_SEED"], encoding="utf-8").read())  # noqa: SIM115 — read once at import
WAIT = tuple(float(x) for x in os.environ.get("L7_WAIT", "2,6").split(","))
YEAR = SEED["year"]
HEADERS = {"Accept-Language": "zh-CN,zh;q=0.9", "Accept": "text/html,application/xhtml+xml"}

# Each reservation takes the next person, so no one comes near the limit of 20 reservations per
# person in 10 minutes (bench data: 2,000 people).
_people = itertools.cycle(SEED["tokens"])
_people_lock = threading.Lock()


def next_person() -> str:
    with _people_lock:
        return next(_people)


# The quiz flow (RELIABILITY-PLAN L7: 10 % of the mix). Whoever writes it: put the flow in
# `quiz` below (start an attempt, answer its questions, finish; the data it needs goes in the
# seed that bench/l7_mixed.py writes, e.g. SEED["quiz"]) and set QUIZ_WEIGHT to 10.
QUIZ_WEIGHT = 0


class Visitor(FastHttpUser):
    wait_time = between(*WAIT)

    @task(30)
    def catalog(self):
        page = random.choice([1, 1, 1, 2, 3, 5])  # noqa: S311 — load mix, not security
        path = f"/{YEAR}/activities/" + (f"?page={page}" if page > 1 else "")
        self.client.get(path, headers=HEADERS, name=f"/{YEAR}/activities/ [catalog]")

    @task(15)
    def search(self):
        word = random.choice(SEED["words"])  # noqa: S311
        self.client.get(f"/{YEAR}/activities/?q={quote(word)}", headers=HEADERS, name=f"/{YEAR}/activities/?q= [search]")

    @task(25)
    def activity(self):
        activity_id = random.choice(SEED["activities"])  # noqa: S311
        self.client.get(f"/{YEAR}/activities/{activity_id}/", headers=HEADERS,
                        name=f"/{YEAR}/activities/<id>/ [activity]")

    @task(20)
    def reserve_and_cancel(self):
        auth = {"Authorization": f"Bearer {next_person()}", "Accept-Language": "zh-CN"}
        with self.client.post(f"/api/v1/sessions/{SEED['session']}/reservations", json={"seats": 1},
                              headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
                              name="/api/v1/sessions/<id>/reservations [reserve]", catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code} {response.text[:200]}")
                return
            code = response.json()["code"]
        self.client.post(f"/api/v1/me/reservations/{code}/cancel", headers=auth,
                         name="/api/v1/me/reservations/<code>/cancel [cancel]")

    if QUIZ_WEIGHT:
        @task(QUIZ_WEIGHT)
        def quiz(self):
            raise NotImplementedError("the quiz flow of L7 (see QUIZ_WEIGHT)")
