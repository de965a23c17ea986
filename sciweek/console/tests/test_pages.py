import pytest
from django.urls import reverse

from sciweek.accounts.models import Role
from sciweek.organizations.models import Organization

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_year")]  # 2020 as the current campaign

LEVELS = ["national", "hebei", "sjz", "unit"]


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("role", Role.values)
def test_console_home_for_every_demo_account(level, role, staff_client):
    client = staff_client(f"{level}-{role}")
    response = client.get(reverse("console:home"))
    assert response.status_code == 200
    assert "2020年全国科技活动周" in response.content.decode()


def test_hebei_home_shows_whats_due_and_plan_counts(staff_client):
    page = staff_client("hebei-statistician").get(reverse("console:home")).content.decode()
    assert "活动总结报送" in page and "2020年9月21日" in page  # Hebei answers to the national deadline
    assert "629" in page and "474" in page and "110" in page


def test_unit_sees_its_province_summary_deadline(staff_client):
    page = staff_client("unit-filer").get(reverse("console:home")).content.decode()
    assert "2020年9月10日" in page and "省科技厅政策法规处" in page


def test_console_home_query_count_is_bounded(staff_client, django_assert_max_num_queries):
    client = staff_client("hebei-admin")
    with django_assert_max_num_queries(30):
        client.get(reverse("console:home"))


def test_city_admin_home_query_count_is_bounded(staff_client, django_assert_max_num_queries):
    """Every card reads on its own; together they stay within a fixed number of queries."""
    client = staff_client("sjz-admin")
    # 26 since the summaries card (reports): the levels received for, the waiting count, the own report.
    with django_assert_max_num_queries(26):
        page = client.get(reverse("console:home")).content.decode()
    assert "石家庄市" in page and "最近的账号与权限变动" in page


def test_home_shows_registered_cards_in_order_and_leaves_out_empty_ones(staff_client):
    from sciweek.console.registry import dashboard_cards

    names = [card.name for card in dashboard_cards()]
    assert names.index("accounts.memberships") < names.index("campaigns.deadlines") < names.index(
        "activities.filing_counts") < names.index("accounts.recent_audit")
    page = staff_client("unit-filer").get(reverse("console:home")).content.decode()
    assert "待办与截止日期" in page and "本级及下级活动" in page
    assert "最近的账号与权限变动" not in page and "待我审核" not in page  # no admin, no reviewer


def test_admin_adds_a_child_organization_with_clear_errors(staff_client, org):
    client = staff_client("sjz-admin")
    sjz = org("石家庄市")
    url = reverse("organizations:organization_add", args=[sjz.pk])
    bad = client.post(url, {"name": "", "kind": "school"})
    assert bad.status_code == 200 and "这个字段是必填项" in bad.content.decode()
    good = client.post(url, {"name": "石家庄市第四十中学", "kind": "school", "division": "130102"})
    assert good.status_code == 302
    child = Organization.objects.get(name="石家庄市第四十中学")
    assert Organization.objects.get_parent(child) == sjz and child.division_id == "130102"


def test_admin_invites_by_link(staff_client, org):
    client = staff_client("sjz-admin")
    response = client.post(reverse("accounts:invitation_create", args=[org("长安区").pk]), {"role": "filer"})
    assert response.status_code == 200
    assert "/accounts/invitation/" in response.content.decode()


def test_region_admin_sets_theme_and_online_switch(staff_client, org, demo):
    from sciweek.campaigns.selectors import is_online_only

    client = staff_client("sjz-admin")
    sjz = org("石家庄市")
    response = client.post(reverse("campaigns:regional_plan_edit", args=[sjz.pk]),
                           {"title": "石家庄方案", "theme": "科普惠民", "online_only": "on"})
    assert response.status_code == 302
    assert is_online_only(demo, org("长安区"))
    assert not is_online_only(demo, org("保定市"))


def test_organization_tree_page(staff_client, org):
    page = staff_client("hebei-liaison").get(
        reverse("organizations:organization_detail", args=[org("河北省").pk])).content.decode()
    assert "石家庄市" in page and "定州市" in page and "省科技厅" in page or "河北省科学技术厅" in page
    assert "邀请成员" not in page  # liaison is no admin


def test_audit_log_for_admin_only(staff_client):
    assert staff_client("sjz-admin").get(reverse("accounts:audit_log")).status_code == 200


def test_audit_log_forbidden_without_admin_role(client, demo):
    from sciweek.conftest import sign_in

    sign_in(client, "sjz-filer")
    assert client.get(reverse("accounts:audit_log")).status_code == 403


def test_national_admin_switches_the_campaign_online(staff_client, demo):
    from sciweek.accounts.models import User
    from sciweek.activities import services
    from sciweek.activities.tests.factories import complete_filing

    assert staff_client("hebei-admin").get(reverse("campaigns:campaign_edit")).status_code == 404  # outside its tree
    client = staff_client("national-admin")
    data = {"name": demo.name, "theme": demo.theme, "starts_on": "2020-08-23", "ends_on": "2020-08-29",
            "online_only": "on", "allow_late_filing": "on", "news_within_days": "3",
            "summary_video_max_seconds": "180", "summary_min_images": "3", "summary_grace_days": "10", "is_published": "on"}
    assert client.post(reverse("campaigns:campaign_edit"), data).status_code == 302
    demo.refresh_from_db()
    assert demo.online_only
    assert "全部改为线上举办" in client.get("/").content.decode()
    activity = complete_filing(demo)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.submit(activity, actor=User.objects.get(username="unit-filer"))
    assert "线上" in " ".join(error.value.messages)
    bad = client.post(reverse("campaigns:campaign_edit"), {**data, "ends_on": "2020-08-01"})
    assert "结束日期不能早于开始日期" in bad.content.decode()


def test_home_lists_upcoming_sessions_to_check_in(staff_client, demo):
    from sciweek.reservations.tests.helpers import open_session

    session = open_session(capacity=12)
    page = staff_client("hebei-liaison").get(reverse("console:home")).content.decode()
    assert "即将开始的场次" in page and reverse("reservations:check_in", args=[session.pk]) in page
    page = staff_client("sjz-liaison").get(reverse("console:home")).content.decode()
    assert reverse("reservations:check_in", args=[session.pk]) not in page


def test_reviewer_home_says_how_much_waits(staff_client):
    page = staff_client("sjz-reviewer").get(reverse("console:home")).content.decode()
    assert "待我审核" in page and "份备案等待审核" in page
    page = staff_client("unit-filer").get(reverse("console:home")).content.decode()
    assert "份备案等待审核" not in page


def test_receiving_levels_see_the_deadlines_they_set(staff_client):
    page = staff_client("national-statistician").get(reverse("console:home")).content.decode()
    assert "本级设定、下级报送的截止日期" in page and "2020年7月31日" in page and "2020年9月21日" in page
    page = staff_client("hebei-statistician").get(reverse("console:home")).content.decode()
    assert "本级设定、下级报送的截止日期" in page and "2020年9月10日" in page


def test_campaign_page_offers_the_regional_plan_to_region_admins(staff_client, org):
    page = staff_client("sjz-admin").get(reverse("campaigns:campaign")).content.decode()
    assert "科技战疫 创新强国" in page
    assert reverse("campaigns:regional_plan_edit", args=[org("石家庄市").pk]) in page
    assert reverse("campaigns:campaign_edit") not in page  # only national committee admins
    assert staff_client("sjz-admin").get(reverse("campaigns:regional_plan_edit", args=[org("石家庄市").pk])).status_code == 200


def test_audit_log_filters_by_labels_every_app_registered(staff_client, org):
    client = staff_client("sjz-admin")
    client.post(reverse("campaigns:regional_plan_edit", args=[org("石家庄市").pk]), {"title": "石家庄方案"})
    page = client.get(reverse("accounts:audit_log"), {"action": "campaign.updated"}).content.decode()
    assert "修改活动周设置" in page and "新建组织" in page and "调整场次名额" in page  # labels of three apps
    assert "2020 石家庄市" in page
