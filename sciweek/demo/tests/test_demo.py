"""The 2020 demo reproduces the national notice and the Hebei plan (../shared/seeds)."""
import pytest

from sciweek.accounts.models import Membership, Role, User
from sciweek.activities import selectors
from sciweek.activities.models import Activity
from sciweek.campaigns.models import Campaign, Deadline
from sciweek.demo import demo_data
from sciweek.demo.loader import load_demo
from sciweek.organizations.models import Organization

pytestmark = pytest.mark.django_db


def test_campaign_2020_facts(demo):
    assert (demo.theme, str(demo.starts_on), str(demo.ends_on)) == ("科技战疫 创新强国", "2020-08-23", "2020-08-29")
    assert demo.is_demo
    assert [f.name for f in demo.flagships.all()][:2] == ["科学之夜活动", "科研机构和大学开放"]
    assert demo.flagships.count() == 14
    assert list(demo.content_areas.filter(plan=None).values_list("name", flat=True)) == demo_data.NATIONAL_CONTENT_AREAS
    assert demo.main_venue_events.count() == 3
    hebei_plan = demo.regional_plans.get(organization__name="河北省")
    assert hebei_plan.theme == "科学防控 科普行动 科技扶贫 科创惠民"
    assert list(hebei_plan.focus_areas.values_list("name", flat=True)) == ["科学防控", "科普行动", "科技扶贫", "科创惠民"]
    deadlines = {(d.organization.name, d.kind): str(d.due_on) for d in Deadline.objects.filter(campaign=demo)}
    assert deadlines[("全国科技活动周组委会", "filing")] == "2020-07-31"
    assert deadlines[("全国科技活动周组委会", "summary")] == "2020-09-21"
    assert deadlines[("河北省", "summary")] == "2020-09-10"


def test_hebei_counts_are_what_the_plan_says(demo, org):
    counts = selectors.plan_counts(demo, org("河北省"))
    assert (counts.total, counts.by_departments, counts.by_cities, counts.open_sessions) == (629, 110, 474, 45)
    assert (counts.open_research_institutes, counts.open_universities) == (19, 10)


def test_hebei_provincial_major_activities_with_their_hosts(demo, org):
    majors = list(selectors.key_activities(demo, org("河北省"), Activity.Level.PROVINCIAL))
    assert len(majors) == 10
    listed = [(a.title, [link.organization.display_name for link in a.host_links.all()]) for a in majors]
    assert listed[0] == ("2020年全省科技活动周启动仪式", ["省科技厅", "省委宣传部", "省卫生健康委", "省科协"])
    assert listed[3] == ("2020年河北省科学实验展演汇演", ["省科技厅", "省科学院", "河北省微生物研究所"])
    assert listed[9] == ("举办科技创新论坛及科技成果展", ["中国电科五十四所"])
    assert [t for t, _ in listed] == [row[0] for row in demo_data.HEBEI_PROVINCIAL_MAJOR]


def test_hebei_city_key_activities_with_their_hosts(demo, org):
    keys = list(selectors.key_activities(demo, org("河北省"), Activity.Level.CITY))
    assert [a.title for a in keys] == [row[0] for row in demo_data.HEBEI_CITY_KEY]
    first_hosts = [link.organization.name for link in keys[0].host_links.all()]
    assert first_hosts == ["石家庄市科学技术局", "中共石家庄市委宣传部", "石家庄市卫生健康委员会", "石家庄市科学技术协会"]
    assert [link.organization.name for link in keys[11].host_links.all()] == ["定州市科学技术局"]


def test_network_shape(demo):
    root = Organization.objects.get_root_nodes().get()
    children = Organization.objects.get_children(root)
    provinces = [c for c in children.select_related("division") if c.division and c.division.level == 1
                 and c.name == c.division.name]
    assert len(provinces) == 31
    for name, _ in demo_data.SEPARATELY_PLANNED_CITIES:
        assert children.filter(name=name).exists()
    assert children.filter(name="新疆生产建设兵团").exists()
    assert children.filter(committee_role="lead").get().short_name == "科技部"
    assert children.filter(committee_role="co_host").count() == 3
    hebei = children.get(name="河北省")
    assert Organization.objects.get_children(hebei).filter(committee_role__in=["lead", "co_host"]).count() == 4
    assert Organization.objects.filter(path__startswith=hebei.path, kind="research_institute").count() >= 19
    assert Organization.objects.filter(path__startswith=hebei.path, kind="university").count() == 10
    assert not Organization.objects.filter(is_demo=False).exists()


def test_demo_accounts_for_every_role_at_every_level(demo):
    for prefix, _org_name, _ in demo_data.DEMO_ACCOUNT_LEVELS:
        for role in Role.values:
            user = User.objects.get(username=f"{prefix}-{role}")
            assert user.is_demo and user.check_password(demo_data.DEMO_PASSWORD)
            assert Membership.objects.filter(user=user, role=role).exists()


def test_loading_twice_changes_nothing(demo):
    def snapshot():
        return (Organization.objects.count(), Activity.objects.count(), User.objects.count(),
                Membership.objects.count(), Campaign.objects.count(),
                list(Organization.objects.order_by("path").values_list("path", "name")))

    before = snapshot()
    load_demo()
    assert snapshot() == before
