"""The national-scale generator (issue 4), on a small run: a valid tree, activities all over
the country that the catalog finds, and a second run that adds nothing."""
import pytest

from sciweek.activities import catalog
from sciweek.activities.catalog import CatalogQuery
from sciweek.activities.models import Activity, ActivityHost, SearchToken, Session
from sciweek.demo.national_data import NationalGenerator
from sciweek.organizations.models import Division, Organization

pytestmark = pytest.mark.django_db

ORGS, ACTIVITIES = 3_700, 1_500


@pytest.fixture
def generated(demo):
    before = set(Activity.objects.values_list("pk", flat=True))
    result = NationalGenerator(ORGS, ACTIVITIES, log=lambda line: None).run()
    return result, Activity.objects.exclude(pk__in=before)


def test_small_national_run(generated, demo):
    """One run checked three ways: the tree, the activities, and what the catalog finds."""
    result, new = generated
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    assert result["organizations"] == Organization.objects.count() >= ORGS
    # Every prefecture city of every province is an organization, Hebei's existing ones reused.
    cities = Division.objects.filter(level=2).exclude(name__in=["市辖区", "省直辖县级行政区划", "自治区直辖县级行政区划"])
    region_codes = set(Organization.objects.filter(kind="region").values_list("division_id", flat=True))
    assert {c.code for c in cities} <= region_codes
    assert Organization.objects.filter(kind="region", division_id="130100").count() == 1  # 石家庄市, once
    dalian = Organization.objects.get(name="大连市", depth=2)  # a separately planned city keeps its line
    assert dalian.numchild == Organization.objects.filter(path__startswith=dalian.path, depth=3).count() > 0
    assert Organization.objects.filter(is_demo=False).count() == 0

    assert result["approved_activities"] == ACTIVITIES
    assert new.count() == result["activities_added"] > 0
    assert not new.exclude(status="approved").exists() and not new.filter(is_demo=False).exists()
    provinces = {code[:2] for code in new.values_list("division_id", flat=True)}
    assert len(provinces) >= 28
    for activity in new.select_related("organization")[:200]:
        assert "2020-08-23" <= str(activity.starts_on) <= str(activity.ends_on) <= "2020-08-29"
        filer_division = activity.organization.division_id
        assert activity.division_id == filer_division or (filer_division.endswith("0000")
                                                         and activity.division_id[:2] == filer_division[:2])
        if activity.format == "online":
            assert activity.live_stream_url or activity.video_url or activity.online_exhibition_url
        else:
            assert activity.address
    assert not new.exclude(pk__in=ActivityHost.objects.values("activity_id")).exists()
    assert not new.exclude(pk__in=Activity.content_areas.through.objects.values("activity_id")).exists()
    onsite = new.exclude(format="online")
    assert onsite.exists() and not onsite.exclude(pk__in=Session.objects.values("activity_id")).exists()
    assert not new.filter(format="online", pk__in=Session.objects.values("activity_id")).exists()
    assert SearchToken.objects.filter(activity__in=new).exists()

    activity = new.exclude(division__isnull=True).first()
    province = activity.division_id[:2] + "0000"
    found = catalog.search_catalog(demo, CatalogQuery(division=province))
    assert found.filter(pk=activity.pk).exists()
    word = activity.organization.name
    assert catalog.search_catalog(demo, CatalogQuery(q=word)).filter(pk=activity.pk).exists()


def test_a_second_run_tops_up_and_never_duplicates(generated):
    result, _new = generated
    again = NationalGenerator(ORGS, ACTIVITIES, log=lambda line: None).run()
    assert again["organizations_added"] == again["activities_added"] == 0
    assert again["organizations"] == result["organizations"]
    more = NationalGenerator(ORGS + 50, ACTIVITIES + 20, log=lambda line: None).run()
    assert (more["organizations_added"], more["activities_added"]) == (50, 20)
    assert Organization.objects.find_problems() == ([], [], [], [], [])
