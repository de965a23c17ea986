"""A small contest to judge, built through the services where a service exists: Hebei's
speaking contest with two categories, a final with a 50/40/10 rubric marked 0–10, prize tiers
1/1/rest, judges from units across the province, entries from Shijiazhuang and Baoding units."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from sciweek.accounts.models import Membership, Role, User
from sciweek.contests import services
from sciweek.contests.models import Category, Contest, Criterion, Entry, Panel, PrizeTier, Round
from sciweek.organizations.models import Organization


@dataclass
class Kit:
    contest: Contest
    final: Round
    categories: list[Category]
    panel: Panel
    judges: list[User]
    admin: User
    filer: User
    entries: list[Entry] = field(default_factory=list)


def judge_user(username: str, organization: Organization) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"full_name": f"评委{username[-2:]}"})
    Membership.objects.get_or_create(user=user, organization=organization, role=Role.JUDGE)
    return user


def unit(name: str) -> Organization:
    return Organization.objects.get(name=name)


@pytest.fixture
def kit(demo) -> Kit:
    hebei = unit("河北省")
    now = timezone.now()
    contest = Contest.objects.create(
        campaign=demo, organization=hebei, kind=Contest.Kind.SPEAKING, title="测试科普讲解大赛", slug="test-speaking",
        status=Contest.Status.OPEN, entries_open_at=now - timedelta(days=1), entries_close_at=now + timedelta(days=5),
        judges_per_entry=3, max_entries_per_first_author=2)
    categories = [Category.objects.create(contest=contest, name="科普工作者组", position=1),
                  Category.objects.create(contest=contest, name="学生组", position=2)]
    final = Round.objects.create(contest=contest, kind=Round.Kind.FINAL, name="决赛", position=1)
    for i, (name, weight) in enumerate([("讲解内容", 50), ("表达能力", 40), ("现场效果", 10)]):
        Criterion.objects.create(round=final, name=name, weight=Decimal(weight), min_points=0, max_points=10,
                                 position=i)
    for i, (name, count) in enumerate([("一等奖", 1), ("二等奖", 1), ("三等奖", None)]):
        PrizeTier.objects.create(contest=contest, name=name, position=i, count=count)
    panel = Panel.objects.create(round=final, name="决赛评审组")
    # Judges from units: two from Shijiazhuang's tree (conflicted with its entries), three from elsewhere.
    homes = ["石家庄市", "石家庄市科技信息研究所", "河北省科学技术协会", "河北省科学院", "河北大学"]
    judges = []
    for i, home in enumerate(homes):
        try:
            org = unit(home)
        except Organization.DoesNotExist:
            org = Organization.objects.filter(path__startswith=hebei.path, depth=hebei.depth + 1).exclude(
                name="石家庄市").order_by("path")[i]
        judge = judge_user(f"test-judge-{i:02d}", org)
        judges.append(judge)
        Panel.objects.get(pk=panel.pk).judges.create(judge=judge, is_chief=(i == 2))
    admin = User.objects.get(username="hebei-admin")
    filer = User.objects.get(username="hebei-admin")
    return Kit(contest, final, categories, panel, judges, admin, filer)


def enter(kit: Kit, title: str, organization: Organization, *, category: Category | None = None,
          author: str | None = None) -> Entry:
    entry = services.submit_entry(kit.contest, actor=kit.admin, organization=organization,
                                  category=category or kit.categories[0], title=title,
                                  first_author=author or f"作者{title}", attested=True)
    kit.entries.append(entry)
    return entry
