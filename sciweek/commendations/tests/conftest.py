"""A small tree of its own: the committee, province P (cities C1, C2, C3, department D1, D2,
units under C1) and province Q (city E1); a frozen evaluation of P whose ranking is patched
(``ranking``: the contract's Standing rows), and staff at each level."""
from datetime import date, datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from sciweek.accounts.models import Membership, Role, User
from sciweek.campaigns.models import Campaign
from sciweek.evaluation.models import Evaluation
from sciweek.evaluation.selectors import Standing
from sciweek.organizations.models import Organization

YEAR = 2096


def at(month, day, hour=12):
    return timezone.make_aware(datetime(YEAR, month, day, hour), timezone.get_default_timezone())


@pytest.fixture
def tree(db):
    campaign = Campaign.objects.create(year=YEAR, name="测试活动周", theme="测试", starts_on=date(YEAR, 8, 23),
                                       ends_on=date(YEAR, 8, 29))
    root = Organization.objects.add_root({"name": "测试组委会", "kind": "committee"})
    p = Organization.objects.add_child(root, {"name": "甲省", "kind": "region"})
    q = Organization.objects.add_child(root, {"name": "乙省", "kind": "region"})
    cities = [Organization.objects.add_child(p, {"name": f"甲{n}市", "kind": "region"}) for n in "一二三四"]
    departments = [Organization.objects.add_child(p, {"name": f"甲省{n}厅", "kind": "department"}) for n in "一二三"]
    unit = Organization.objects.add_child(cities[0], {"name": "甲一市科技馆", "kind": "museum"})
    e1 = Organization.objects.add_child(q, {"name": "乙一市", "kind": "region"})
    evaluation = Evaluation.objects.create(campaign=campaign, organization=p, name="甲省评估",
                                           evaluated_on=date(YEAR, 9, 30), status=Evaluation.Status.PUBLISHED,
                                           frozen_at=at(9, 30), published_at=at(10, 1))
    q_evaluation = Evaluation.objects.create(campaign=campaign, organization=q, name="乙省评估",
                                             evaluated_on=date(YEAR, 9, 30), status=Evaluation.Status.FROZEN,
                                             frozen_at=at(9, 30))

    def member(name, org, role):
        user = User.objects.create(username=name, full_name=name)
        Membership.objects.create(user=user, organization=org, role=role)
        return user

    return {"campaign": campaign, "root": root, "p": p, "q": q, "cities": cities, "departments": departments,
            "unit": unit, "e1": e1, "evaluation": evaluation, "q_evaluation": q_evaluation,
            "p_admin": member("c-p-admin", p, Role.ADMIN), "p_admin2": member("c-p-admin2", p, Role.ADMIN),
            "p_reviewer": member("c-p-reviewer", p, Role.REVIEWER),
            "p_filer": member("c-p-filer", p, Role.FILER),
            "q_admin": member("c-q-admin", q, Role.ADMIN),
            "c1_admin": member("c-c1-admin", cities[0], Role.ADMIN)}


def standings_for(tree, city_totals=("90", "85", "85", "70"), department_totals=("88", "80", "60")):
    """Standing rows as the evaluation's selector gives them (competition ranks)."""
    def group(orgs, totals, key, label):
        rows, previous, rank = [], None, 0
        for n, (org, total) in enumerate(zip(orgs, totals, strict=True), start=1):
            if total != previous:
                rank, previous = n, total
            rows.append(Standing(org.pk, org.name, key, label, Decimal(total), rank, "high"))
        return rows

    return (group(tree["cities"], city_totals, "cities", "下级地区")
            + group(tree["departments"], department_totals, "departments", "直属部门"))


@pytest.fixture
def ranking(tree):
    """Patch the evaluation's standings and peer groups with the tree's ranking (cities
    90, 85, 85, 70: a tie on the second place; departments 88, 80, 60)."""
    rows = standings_for(tree)

    def standings(evaluation, peer_group=None):
        return [r for r in rows if peer_group in (None, r.peer_group)]

    with mock.patch("sciweek.evaluation.selectors.standings", side_effect=standings), \
            mock.patch("sciweek.evaluation.selectors.peer_groups",
                       return_value=[("cities", "下级地区"), ("departments", "直属部门")]):
        yield rows


@pytest.fixture
def drafted(tree, ranking):
    """P's list: 2 cities, 2 departments, 3 individuals; drawn (cities tie at the boundary)."""
    from sciweek.commendations import services
    from sciweek.commendations.models import Kind

    admin = tree["p_admin"]
    commendation = services.create(admin, tree["evaluation"])
    services.add_category(admin, commendation, kind=Kind.UNIT, quota=2, peer_group="cities")
    services.add_category(admin, commendation, kind=Kind.UNIT, quota=2, peer_group="departments")
    services.add_category(admin, commendation, kind=Kind.INDIVIDUAL, quota=3)
    services.draw_candidates(admin, commendation)
    return commendation


def sign_in(client, user):
    """Sign a test user in with the TOTP step passed (admins need it)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device, _made = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
