"""A small tree of its own: the committee, province P (cities C1, C2, and a department PD filing
at the province), province Q (city D1); units under the cities. Filings of every kind, format,
level and several statuses and dates; sessions with reservations and check-ins; one quiz. One
person (walker) is checked in at C1 *and* at C2 and also takes P's quiz: one person (人), three
participations (人次) at P."""
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from sciweek.accounts.models import Membership, Role, User
from sciweek.activities.models import Activity, Session
from sciweek.campaigns.models import Campaign, ContentArea
from sciweek.organizations.models import Division, Organization
from sciweek.quiz.models import Attempt, Quiz
from sciweek.reservations.models import Reservation

YEAR = 2096
A = Activity


def at(month, day, hour=10):
    return timezone.make_aware(datetime(YEAR, month, day, hour), timezone.get_default_timezone())


@pytest.fixture
def tree(db):
    campaign = Campaign.objects.create(year=YEAR, name="统计测试周", theme="测试", starts_on=date(YEAR, 8, 23),
                                       ends_on=date(YEAR, 8, 29))
    area1 = ContentArea.objects.create(campaign=campaign, name="科技战疫", position=1)
    area2 = ContentArea.objects.create(campaign=campaign, name="创新成就", position=2)
    hebei = Division.objects.filter(code="130000").first()
    sjz = Division.objects.filter(code="130100").first()
    ts = Division.objects.filter(code="130200").first()
    root = Organization.objects.add_root({"name": "统计测试组委会", "kind": "committee"})
    p = Organization.objects.add_child(root, {"name": "测甲省", "kind": "region", "division": hebei})
    q = Organization.objects.add_child(root, {"name": "测乙省", "kind": "region"})
    pd = Organization.objects.add_child(p, {"name": "测甲省气象局", "kind": "department"})
    c1 = Organization.objects.add_child(p, {"name": "测甲一市", "kind": "region", "division": sjz})
    c2 = Organization.objects.add_child(p, {"name": "测甲二市", "kind": "region", "division": ts})
    d1 = Organization.objects.add_child(q, {"name": "测乙一市", "kind": "region"})
    u1 = Organization.objects.add_child(c1, {"name": "测甲一市科技馆", "kind": "museum"})
    u2 = Organization.objects.add_child(c1, {"name": "测甲一市大学", "kind": "university"})
    u3 = Organization.objects.add_child(c2, {"name": "测甲二市研究所", "kind": "research_institute"})
    v1 = Organization.objects.add_child(d1, {"name": "测乙一市科技馆", "kind": "museum"})

    def activity(org, title, *, kind=A.Kind.PROJECT, fmt=A.Format.ONSITE, level=A.Level.UNIT,
                 status=A.Status.APPROVED, day=24, areas=()):
        a = A.objects.create(campaign=campaign, organization=org, title=title, kind=kind, format=fmt, level=level,
                             status=status, starts_on=date(YEAR, 8, day) if day else None,
                             ends_on=date(YEAR, 8, day) if day else None)
        a.content_areas.set(areas)
        return a

    acts = {
        "u1_show": activity(u1, "科技馆展览", areas=[area1, area2], level=A.Level.CITY),
        "u1_live": activity(u1, "线上直播", fmt=A.Format.ONLINE, day=25, areas=[area1]),
        "u2_open": activity(u2, "大学开放日", kind=A.Kind.OPEN_DAY, day=26),
        "u2_draft": activity(u2, "草稿活动", status=A.Status.DRAFT),
        "u3_open": activity(u3, "研究所开放日", kind=A.Kind.OPEN_DAY, fmt=A.Format.HYBRID, day=27, areas=[area2]),
        "u3_rejected": activity(u3, "未通过的活动", status=A.Status.REJECTED),
        "pd_major": activity(pd, "省级重大活动", level=A.Level.PROVINCIAL, day=20),  # before the week
        "p_own": activity(p, "省本级活动", level=A.Level.PROVINCIAL, day=None),
        "v1_show": activity(v1, "乙省展览", day=23),
    }
    # a change copy of an approved activity: never counted
    A.objects.create(campaign=campaign, organization=u1, title="科技馆展览（变更）", status=A.Status.SUBMITTED,
                     revises=acts["u1_show"], starts_on=date(YEAR, 8, 24), ends_on=date(YEAR, 8, 24))

    def session(a, day, *, cancelled=False):
        return Session.objects.create(activity=a, starts_at=at(8, day), ends_at=at(8, day, 12), capacity=100,
                                      cancelled_at=at(8, 1) if cancelled else None)

    s_u1 = session(acts["u1_show"], 24)
    session(acts["u1_show"], 25, cancelled=True)
    s_u2 = session(acts["u2_open"], 26)
    s_u3 = session(acts["u3_open"], 27)
    s_v1 = session(acts["v1_show"], 23)

    people = [User.objects.create(username=f"st-person-{i}") for i in range(5)]
    walker = people[0]
    codes = iter(f"ST{i:04d}" for i in range(1000))

    def book(s, person, *, seats=1, checked=True, status=Reservation.Status.CONFIRMED):
        return Reservation.objects.create(session=s, person=person, seats=seats, status=status, code=next(codes),
                                          checked_in_at=s.starts_at + timedelta(minutes=5) if checked else None)

    book(s_u1, walker)                    # C1
    book(s_u3, walker)                    # C2: the same person in another city
    book(s_u1, people[1], seats=3)        # a group of 3 (one known person)
    book(s_u2, people[2], checked=False)  # booked, never came
    book(s_u3, people[3], checked=False, status=Reservation.Status.CANCELLED)  # not counted at all
    book(s_v1, people[4])                 # in Q

    quiz = Quiz.objects.create(campaign=campaign, organization=p, slug="st-quiz", title="测甲省答题",
                               opens_at=at(8, 23, 0), closes_at=at(8, 29, 23))
    for person, status in ((walker, Attempt.Status.FINISHED), (people[1], Attempt.Status.EXPIRED),
                           (people[2], Attempt.Status.IN_PROGRESS)):
        done = status != Attempt.Status.IN_PROGRESS
        Attempt.objects.create(quiz=quiz, person=person, is_practice=True, status=status, started_at=at(8, 24),
                               deadline_at=at(8, 24, 11), finished_at=at(8, 24, 10) if done else None,
                               score=10 if done else None, time_used_ms=1000 if done else None)

    def member(name, org, role):
        user = User.objects.create(username=name)
        Membership.objects.create(user=user, organization=org, role=role)
        return user

    staff = {
        "root_stat": member("st-root-stat", root, Role.STATISTICIAN),
        "p_stat": member("st-p-stat", p, Role.STATISTICIAN),
        "p_reviewer": member("st-p-reviewer", p, Role.REVIEWER),
        "c1_stat": member("st-c1-stat", c1, Role.STATISTICIAN),
        "c2_stat": member("st-c2-stat", c2, Role.STATISTICIAN),
        "c1_filer": member("st-c1-filer", c1, Role.FILER),
        "u1_stat": member("st-u1-stat", u1, Role.STATISTICIAN),
    }
    return {"campaign": campaign, "root": root, "p": p, "q": q, "pd": pd, "c1": c1, "c2": c2, "d1": d1, "u1": u1,
            "u2": u2, "u3": u3, "v1": v1, "area1": area1, "area2": area2, "walker": walker, "acts": acts, **staff}


def signed_in(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client
