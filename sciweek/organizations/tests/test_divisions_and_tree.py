import pytest

from sciweek.organizations import selectors, services
from sciweek.organizations.models import Division, Organization

pytestmark = pytest.mark.django_db


def test_divisions_cover_every_province_prefecture_and_county(demo):
    assert Division.objects.filter(level=1).count() == 31
    assert Division.objects.filter(level=2).count() == 342
    assert Division.objects.filter(level=3).count() == 2975
    hebei = Division.objects.get(code="130000")
    assert hebei.name == "河北省"
    dingzhou = Division.objects.get(code="130682")
    assert (dingzhou.name, dingzhou.parent.name, dingzhou.parent.parent.name) == ("定州市", "保定市", "河北省")
    assert Division.objects.get(code="440300").name == "深圳市"


def test_loading_divisions_again_changes_nothing(demo):
    before = list(Division.objects.values_list("code", "name", "level", "parent_id"))
    services.load_divisions()
    assert list(Division.objects.values_list("code", "name", "level", "parent_id")) == before


def test_reporting_line_need_not_match_division(demo, org):
    """Shenzhen reports to the national committee but lies in Guangdong."""
    shenzhen = org("深圳市")
    committee = selectors.national_committee()
    assert Organization.objects.get_parent(shenzhen) == committee
    assert shenzhen.division.parent.name == "广东省"
    assert not shenzhen.is_within(org("广东省"))


def test_subtree_and_ancestors_follow_the_reporting_line(demo, org):
    hebei, sjz, unit = org("河北省"), org("石家庄市"), org("石家庄市科技信息研究所")
    assert unit.is_within(sjz) and sjz.is_within(hebei)
    assert list(selectors.ancestors(unit)) == [selectors.national_committee(), hebei, sjz]
    names = set(selectors.subtree(sjz).values_list("name", flat=True))
    assert {"石家庄市", "石家庄市科学技术局", "长安区", "石家庄市科技信息研究所"} <= names
    assert "保定市" not in names
    assert not selectors.subtree(sjz).filter(name="莲池区").exists()  # a district of 保定


def test_region_children_are_the_cities_including_dingzhou_and_xinji(demo, org):
    cities = list(selectors.regions_under(org("河北省")).values_list("name", flat=True))
    assert len(cities) == 13
    assert "定州市" in cities and "辛集市" in cities


def test_add_organization_appends_child_and_audits(demo, org):
    from sciweek.accounts.models import AuditEvent, User

    sjz = org("石家庄市")
    actor = User.objects.get(username="sjz-admin")
    child = services.add_organization(parent=sjz, actor=actor, name="石家庄市第二中学", kind="school",
                                      division_id="130102")
    assert Organization.objects.get_parent(child) == sjz and child.depth == sjz.depth + 1
    assert AuditEvent.objects.filter(action="organization.created", organization=child).exists()


def test_minimal_paths_drops_nested_scopes():
    assert selectors.minimal_paths(["0001", "00010002", "0002", "00020001000A"]) == ["0001", "0002"]


def test_subtree_query_is_a_single_indexed_prefix_scan(demo, org, django_assert_num_queries):
    hebei = org("河北省")
    with django_assert_num_queries(1):
        count = selectors.subtree(hebei).count()
    assert count > 300
    assert Organization.objects.filter(kind="region", depth=2).count() >= 31 + 5 + 1


def test_path_successor_bounds_every_descendant():
    assert selectors.path_successor("0001") == "0002"
    assert selectors.path_successor("000Z") == "0010"
    assert selectors.path_successor("ZZZZ") is None
    parent = "0001000Z"
    upper = selectors.path_successor(parent)
    for child in ("0001000Z", "0001000Z0001", "0001000ZZZZZ0001"):
        assert parent <= child < upper
    assert not ("0001000Z" <= "00010010" < upper)
