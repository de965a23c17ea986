"""Issue 9, what the reviewer reads: the approve button says what happens (转报河北省审核 while
the filing goes on upward, 审核通过 only where this level decides), in the filing page and in
the review inbox; the diff of a resubmission shows values as people read them."""
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation
from freezegun import freeze_time

from sciweek.accounts.models import User
from sciweek.activities import services, workflow
from sciweek.activities.models import Activity
from sciweek.activities.tests.factories import complete_filing

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def user(name):
    return User.objects.get(username=name)


@pytest.fixture(autouse=True)
def _within_filing_period():
    with freeze_time("2020-07-20 10:00:00", tick=True):
        yield


@pytest.fixture
def provincial(demo):
    activity = complete_filing(demo, level=Activity.Level.PROVINCIAL, title="省级的智慧气象科普体验日")
    services.submit(activity, actor=user("unit-filer"))
    return Activity.objects.get(pk=activity.pk)


@pytest.fixture
def unit_level(demo):
    activity = complete_filing(demo, title="单位级的实验室开放")
    services.submit(activity, actor=user("unit-filer"))
    return Activity.objects.get(pk=activity.pk)


def labels(activity, username):
    return [str(a.label) for a in workflow.available_actions(activity, user(username)) if a.group == "review"]


def test_the_approve_button_names_the_next_level(provincial, unit_level):
    assert labels(provincial, "sjz-reviewer") == ["转报河北省审核", "退回修改", "不予通过"]
    assert labels(unit_level, "sjz-reviewer") == ["审核通过", "退回修改", "不予通过"]
    services.approve(provincial, actor=user("sjz-reviewer"))
    assert labels(Activity.objects.get(pk=provincial.pk), "hebei-reviewer")[0] == "审核通过"  # the final level


def test_the_filing_page_says_forward_and_tells_where_it_went(staff_client, provincial):
    client = staff_client("sjz-reviewer")
    url = reverse("activities:filing_detail", args=[provincial.pk])
    page = client.get(url).content.decode()
    assert ">转报河北省审核</button>" in page and ">审核通过</button>" not in page
    response = client.post(reverse("activities:filing_action", args=[provincial.pk]),
                           {"action": "approve", "comment": "同意上报"}, follow=True)
    assert "已转报河北省审核。" in response.content.decode()
    assert Activity.objects.get(pk=provincial.pk).review_level.name == "河北省"


def test_the_inbox_says_what_approving_does_row_by_row_and_in_bulk(staff_client, provincial, unit_level):
    client = staff_client("sjz-reviewer")
    inbox = reverse("activities:review_inbox")
    page = client.get(inbox, {"q": "省级的智慧气象"}).content.decode()
    assert "转报河北省审核" in page and ">通过并转报所选</button>" in page
    page = client.get(inbox, {"q": "单位级的实验室开放"}).content.decode()
    assert "审核完成" in page and ">批量通过所选</button>" in page and "通过并转报" not in page
    page = client.get(inbox, {"q": "的"}).content.decode()  # both: the button says some go on
    assert "通过所选（需上级审核的转报上级）" in page
    response = client.post(reverse("activities:review_bulk"), {
        "activity": [provincial.pk, unit_level.pk], "decision": "approve"}, follow=True)
    assert "已通过 2 份备案，其中 1 份已转报上级审核。" in response.content.decode()


def test_next_levels_answers_for_a_page_in_two_queries(demo, provincial, unit_level, django_assert_num_queries):
    filings = list(Activity.objects.filter(pk__in=[provincial.pk, unit_level.pk]).select_related("organization"))
    with django_assert_num_queries(2):
        following = workflow.next_levels(filings)
    assert {pk: getattr(level, "name", None) for pk, level in following.items()} == {
        provincial.pk: "河北省", unit_level.pk: None}
    assert all(following[a.pk] == workflow.next_level(a) for a in filings)


# --- the diff ----------------------------------------------------------------------------

def test_the_diff_shows_values_as_people_read_them(demo, org, unit_level, staff_client):
    services.return_for_revision(unit_level, actor=user("sjz-reviewer"), comment="请补充主办单位和线上渠道")
    activity = Activity.objects.get(pk=unit_level.pk)
    services.update_filing(
        activity, actor=user("unit-filer"),
        fields={"format": Activity.Format.HYBRID, "live_stream_url": "https://live.example.cn/lab", "is_key": True,
                "starts_on": date(2020, 8, 25), "ends_on": date(2020, 8, 25), "contact_email": ""},
        hosts=[org("石家庄市科技信息研究所"), org("石家庄市科学技术局")],
        sessions=[{"starts_at": datetime.combine(date(2020, 8, 25), time(9), TZ),
                   "ends_at": datetime.combine(date(2020, 8, 25), time(11), TZ), "capacity": 30},
                  {"starts_at": datetime.combine(date(2020, 8, 25), time(14), TZ),
                   "ends_at": datetime.combine(date(2020, 8, 25), time(16), TZ), "capacity": 20}])
    services.submit(activity, actor=user("unit-filer"))
    changes = {c["field"]: (c["old"], c["new"]) for c in services.changes_since_last_submission(activity)}
    assert changes["举办形式"] == ("线下", "线上线下结合")
    assert changes["主办单位"] == ("石家庄市科技信息研究所", "石家庄市科技信息研究所、石家庄市科学技术局")
    assert changes["开始日期"] == ("2020年8月24日", "2020年8月25日")
    assert changes["直播链接"] == ("（空）", "https://live.example.cn/lab")
    assert changes["场次"] == ("2020年8月24日 09:00–11:00（30 个名额）",
                              "2020年8月25日 09:00–11:00（30 个名额）、2020年8月25日 14:00–16:00（20 个名额）")
    assert changes["列入方案的重点活动"] == ("否", "是")
    assert "联系邮箱" not in changes  # empty before and after
    for old, new in changes.values():
        for value in (old, new):
            assert "[" not in value and "'" not in value and value not in ("None", "True", "False", "hybrid")

    page = staff_client("sjz-reviewer").get(reverse("activities:filing_detail", args=[activity.pk])).content.decode()
    assert "<del>线下</del>" in page and "<ins>石家庄市科技信息研究所、石家庄市科学技术局</ins>" in page
    with translation.override("en"):
        english = {c["field"]: (c["old"], c["new"]) for c in services.changes_since_last_submission(activity)}
        assert english["Format"] == ("On-site", "Online and on-site")
        assert english["Start date"] == ("Aug. 24, 2020", "Aug. 25, 2020")
        assert english["Hosts"][1] == "石家庄市科技信息研究所, 石家庄市科学技术局"
        assert english["Live stream link"][0] == "(empty)"
        assert services.readable_values({"sessions": [{"starts_at": "2020-08-25T06:00:00+00:00",
                                                       "ends_at": "2020-08-25T08:00:00+00:00", "capacity": None}]},
                                        ["sessions"])["sessions"] == "Aug. 25, 2020 14:00–16:00 (No limit on places)"
    assert services.readable_values({"sessions": [{"starts_at": "2020-08-25T06:00:00+00:00",
                                                   "ends_at": "2020-08-25T08:00:00+00:00", "capacity": None}]},
                                    ["sessions"])["sessions"] == "2020年8月25日 14:00–16:00（不限名额）"


def test_older_snapshots_read_the_same_and_are_no_change(demo, unit_level):
    """Snapshots stored before values were read as people read them ("True", sessions as text)."""
    from sciweek.activities.models import Transition

    first = Transition.objects.filter(activity=unit_level, action="submit").latest("id")
    old = dict(first.snapshot, is_key="False", content_areas=[])
    Transition.objects.filter(pk=first.pk).update(snapshot=old)
    services.return_for_revision(unit_level, actor=user("sjz-reviewer"), comment="再看看")
    activity = Activity.objects.get(pk=unit_level.pk)
    services.submit(activity, actor=user("unit-filer"))
    changes = {c["field"]: (c["old"], c["new"]) for c in services.changes_since_last_submission(activity)}
    assert "列入方案的重点活动" not in changes  # "False" then, False now: the same 否
    assert changes["内容方向"][0] == "（空）" and "[" not in changes["内容方向"][1]
