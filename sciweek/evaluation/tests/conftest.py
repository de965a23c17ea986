"""Fixtures: the demo's Hebei 2020 evaluation, and a small tree of its own (province P with
cities C1, C2, C3 and a department DP; units under the cities) with activities, check-ins, news
clocks, summaries and media reports whose figures are worked out by hand in the tests."""
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from sciweek.accounts.models import Membership, Role, User
from sciweek.activities.models import Activity, Session
from sciweek.campaigns.models import Campaign
from sciweek.evaluation import services
from sciweek.evaluation.models import SCORED
from sciweek.news.models import NewsDue
from sciweek.organizations.models import Organization
from sciweek.reports.models import MediaCoverage, SummaryReport
from sciweek.reservations.models import Reservation

YEAR = 2096


def at(month, day, hour=12):
    return timezone.make_aware(datetime(YEAR, month, day, hour), timezone.get_default_timezone())


@pytest.fixture
def hebei_evaluation(demo):
    from sciweek.evaluation.demo import load_evaluation_demo

    return load_evaluation_demo(demo, Organization.objects.get(name="河北省"))


def member(name, org, role):
    user = User.objects.create(username=name)
    Membership.objects.create(user=user, organization=org, role=role)
    return user


def _activity(campaign, org, status=Activity.Status.APPROVED, day=24, n=[0]):  # noqa: B006 (a counter)
    n[0] += 1
    return Activity.objects.create(campaign=campaign, organization=org, title=f"{org.name}活动{n[0]}", status=status,
                                   starts_on=date(YEAR, 8, day), ends_on=date(YEAR, 8, day))


def _report(campaign, org, receiver, *, on_time, complete, returns=0, submitted=True):
    return SummaryReport.objects.create(
        campaign=campaign, organization=org, receiver=receiver, org_path=org.path, expected=True,
        status="accepted" if submitted else "draft", on_time=on_time if submitted else None, complete=complete,
        returns=returns, first_submitted_at=at(9, 5) if submitted else None)


@pytest.fixture
def small(db):
    campaign = Campaign.objects.create(year=YEAR, name="测试活动周", theme="测试", starts_on=date(YEAR, 8, 23),
                                       ends_on=date(YEAR, 8, 29))
    root = Organization.objects.add_root({"name": "测试组委会", "kind": "committee"})
    p = Organization.objects.add_child(root, {"name": "甲省", "kind": "region"})
    q = Organization.objects.add_child(root, {"name": "乙省", "kind": "region"})
    c1 = Organization.objects.add_child(p, {"name": "甲一市", "kind": "region"})
    c2 = Organization.objects.add_child(p, {"name": "甲二市", "kind": "region"})
    c3 = Organization.objects.add_child(p, {"name": "甲三市", "kind": "region"})
    dp = Organization.objects.add_child(p, {"name": "甲省科技厅", "kind": "department"})
    u1 = Organization.objects.add_child(c1, {"name": "甲一市科技馆", "kind": "museum"})
    u2 = Organization.objects.add_child(c1, {"name": "甲一市大学", "kind": "university"})
    u3 = Organization.objects.add_child(c2, {"name": "甲二市科技馆", "kind": "museum"})
    q1 = Organization.objects.add_child(q, {"name": "乙一市", "kind": "region"})

    # C1: 4 filed (3 approved and held, 1 submitted); C2: 2 filed, 1 approved, 1 cancelled; C3: none.
    a1 = _activity(campaign, u1)
    a2 = _activity(campaign, u2)
    _activity(campaign, c1)
    _activity(campaign, u1, Activity.Status.SUBMITTED)
    a5 = _activity(campaign, u3)
    _activity(campaign, u3, Activity.Status.CANCELLED)
    _activity(campaign, u3, Activity.Status.DRAFT)  # not filed
    _activity(campaign, q1)  # another province
    # Check-ins: C1 5 people (3 + 2), C2 1; one reservation not checked in.
    s1 = Session.objects.create(activity=a1, starts_at=at(8, 24, 9), ends_at=at(8, 24, 11), capacity=50)
    s5 = Session.objects.create(activity=a5, starts_at=at(8, 24, 9), ends_at=at(8, 24, 11), capacity=50)
    for n, (session, seats, checked) in enumerate([(s1, 3, True), (s1, 2, True), (s5, 1, True), (s5, 4, False)]):
        person = User.objects.create(username=f"e-person-{n}")
        Reservation.objects.create(session=session, person=person, seats=seats, status="confirmed", code=f"EV{n:04d}",
                                   checked_in_at=at(8, 24, 10) if checked else None)
    # News clocks: C1 2 of 2 on time (1 with images); C2 0 of 1.
    for activity, org, on_time, images in [(a1, u1, True, True), (a2, u2, True, False), (a5, u3, False, False)]:
        NewsDue.objects.create(campaign=campaign, activity=activity, organization=org, org_path=org.path,
                               clock_starts_at=at(8, 24, 18), within_days=3, due_at=at(8, 27, 18),
                               first_news_at=at(8, 25) if on_time else None, on_time=on_time, with_images=images)
    # Summaries: C1 itself on time and complete, u1 on time incomplete, u2 late complete with 2 returns;
    # C2 itself not submitted; u3 on time complete; DP on time complete.
    r_c1 = _report(campaign, c1, p, on_time=True, complete=True)
    _report(campaign, u1, c1, on_time=True, complete=False)
    _report(campaign, u2, c1, on_time=False, complete=True, returns=2)
    _report(campaign, c2, p, on_time=None, complete=False, submitted=False)
    r_u3 = _report(campaign, u3, c2, on_time=True, complete=True)
    _report(campaign, dp, p, on_time=True, complete=True)
    # Media reports: C1 2, C2 1 (and one after the evaluation date, not counted).
    for report, day in [(r_c1, date(YEAR, 8, 25)), (r_c1, date(YEAR, 8, 26)), (r_u3, date(YEAR, 8, 27)),
                        (r_u3, date(YEAR, 12, 1))]:
        MediaCoverage.objects.create(report=report, outlet="测试日报", title="报道", published_on=day)

    people = {
        "p_admin": member("e-p-admin", p, Role.ADMIN),
        "p_reviewer": member("e-p-reviewer", p, Role.REVIEWER),
        "p_statistician": member("e-p-statistician", p, Role.STATISTICIAN),
        "c1_admin": member("e-c1-admin", c1, Role.ADMIN),
        "c1_reviewer": member("e-c1-reviewer", c1, Role.REVIEWER),
        "q_admin": member("e-q-admin", q, Role.ADMIN),
        "dp_reviewer": member("e-dp-reviewer", dp, Role.REVIEWER),
    }
    # A reviewer who is also a member of C1 (scores for P but belongs to C1).
    both = member("e-both-reviewer", p, Role.REVIEWER)
    Membership.objects.create(user=both, organization=c1, role=Role.FILER)
    people["both_reviewer"] = both
    return {"campaign": campaign, "root": root, "p": p, "q": q, "c1": c1, "c2": c2, "c3": c3, "dp": dp, "u1": u1,
            "u2": u2, "u3": u3, "q1": q1, **people}


@pytest.fixture
def evaluation(small):
    """P's evaluation of its cities (C1, C2, C3) and its department (DP), on 09-30."""
    actor = small["p_admin"]
    ev = services.create_evaluation(actor, small["campaign"], small["p"], "甲省评估", date(YEAR, 9, 30))
    results = services.add_pillar(actor, ev, "results", "组织成效")
    reporting = services.add_pillar(actor, ev, "reporting", "材料报送")
    codes = {}
    for code, pillar, source, weight in [
        ("held_rate", results, "activities_held_rate", 20), ("held", results, "activities_held", 10),
        ("check_ins", results, "check_ins", 10), ("news", results, "news_on_time_rate", 10),
        ("media", results, "media_reports", 10), ("leadership", results, SCORED, 20),
        ("summary_on_time", reporting, "summary_on_time_rate", 10),
        ("summary_returns", reporting, "summary_returns", 10),
    ]:
        codes[code] = services.add_indicator(actor, ev, pillar, code, source=source, weight=weight)
    services.add_peer_group(actor, ev, "cities", "市", ["region"], 1)
    services.add_peer_group(actor, ev, "departments", "部门", ["department"], 1)
    services.sync_subjects(actor, ev)
    ev.codes = codes
    return ev


def later(days=1):
    return timezone.now() + timedelta(days=days)
