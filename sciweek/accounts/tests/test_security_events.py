"""Security events reach the admins whose subtree they concern (issue 9): a failed TOTP code,
a lockout and a failed sign-in are filed under the user's home organization; a refused access
("permission.denied") under the organization of the object refused. The audit log is scoped
by organization_path, so 河北省's admin sees 石家庄's events and 保定's admin does not."""
import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from sciweek.accounts import policy, selectors
from sciweek.accounts.models import AuditEvent, Membership, User
from sciweek.activities.models import Activity
from sciweek.demo.demo_data import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def baoding_admin(demo, org):
    admin = User.objects.create_user("bd-admin", password="x", full_name="保定管理员")
    Membership.objects.create(user=admin, organization=org("保定市"), role="admin")
    TOTPDevice.objects.create(user=admin, name="SciWeek", confirmed=True)
    return admin


@pytest.fixture
def baoding_filing(demo):
    return Activity.objects.filter(organization__name="保定市科学技术局", status="approved").first()


def seen_by(username_or_user, action):
    user = username_or_user if isinstance(username_or_user, User) else User.objects.get(username=username_or_user)
    return selectors.audit_events(user, action)


def test_failed_totp_is_filed_under_the_users_home_organization(client, demo, baoding_admin):
    filer = User.objects.get(username="sjz-filer")
    TOTPDevice.objects.create(user=filer, name="SciWeek", confirmed=True)  # enrolled voluntarily
    client.force_login(filer, backend="django.contrib.auth.backends.ModelBackend")
    page = client.post(reverse("accounts:two_factor"), {"token": "000000"}).content.decode()
    assert "验证码不正确" in page
    event = AuditEvent.objects.get(action="otp.failed", actor=filer)
    assert event.organization == policy.home_organization(filer) and event.organization is not None
    assert event.organization_path
    assert event in seen_by("hebei-admin", "otp.failed")
    assert event in seen_by("sjz-admin", "otp.failed")
    assert event not in seen_by(baoding_admin, "otp.failed")


def test_failed_totp_at_enrolment_is_filed_too(client, demo, org):
    admin = User.objects.create_user("new-sjz-admin", password="Pass-word-2024")
    Membership.objects.create(user=admin, organization=org("长安区"), role="admin")
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    client.get(reverse("accounts:two_factor"))
    client.post(reverse("accounts:two_factor"), {"token": "000000"})
    event = AuditEvent.objects.get(action="otp.failed", actor=admin)
    assert event.organization == org("长安区")
    assert event in seen_by("sjz-admin", "otp.failed")


def test_refused_access_across_cities_is_filed_under_the_refused_object(staff_client, baoding_admin,
                                                                         baoding_filing):
    client = staff_client("sjz-filer")
    response = client.get(reverse("activities:filing_detail", args=[baoding_filing.pk]), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 404  # outside the filer's tree: it does not exist for them
    event = AuditEvent.objects.get(action="permission.denied", actor__username="sjz-filer")
    assert event.organization == baoding_filing.organization
    assert event.detail["status"] == 404 and event.detail["action"] == "activity.view"
    assert event.detail["path"] == reverse("activities:filing_detail", args=[baoding_filing.pk])
    assert event.ip_address == "10.1.2.3"
    assert event in seen_by("hebei-admin", "permission.denied")
    assert event in seen_by(baoding_admin, "permission.denied")  # it was 保定's filing that was probed
    assert event not in seen_by("sjz-admin", "permission.denied")  # the event is not about 石家庄's data


def test_refused_role_inside_the_tree_is_filed_too(staff_client, org):
    client = staff_client("sjz-filer")
    assert client.get(reverse("organizations:organization_edit", args=[org("石家庄市").pk])).status_code == 403
    event = AuditEvent.objects.get(action="permission.denied", actor__username="sjz-filer")
    assert event.organization == org("石家庄市") and event.detail["status"] == 403
    assert event in seen_by("sjz-admin", "permission.denied")


def test_hebei_admin_reads_sjz_events_in_the_audit_log_and_baoding_admin_does_not(
        client, staff_client, demo, baoding_admin, baoding_filing):
    filer = User.objects.get(username="sjz-filer")
    TOTPDevice.objects.create(user=filer, name="SciWeek", confirmed=True)
    client.force_login(filer, backend="django.contrib.auth.backends.ModelBackend")
    client.post(reverse("accounts:two_factor"), {"token": "000000"})
    client.get(reverse("activities:filing_detail", args=[baoding_filing.pk]))
    client.logout()

    hebei = staff_client("hebei-admin").get(reverse("accounts:audit_log")).content.decode()
    assert "双因素验证码错误" in hebei and "越权操作被拒绝" in hebei and "sjz-filer" in hebei

    from sciweek.conftest import sign_in

    sign_in(client, "bd-admin")
    response = client.get(reverse("accounts:audit_log"), {"action": "otp.failed"})
    assert response.status_code == 200 and "sjz-filer" not in response.content.decode()


def test_lockout_and_failed_sign_in_are_filed_under_the_home_organization(client, demo, baoding_admin):
    filer = User.objects.get(username="sjz-filer")
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": "sjz-filer", "password": "wrong-password-1"})
    client.post(reverse("accounts:login"), {"username": "sjz-filer", "password": DEMO_PASSWORD})
    home = policy.home_organization(filer)
    for action in ("login.failed", "login.locked_out"):
        events = AuditEvent.objects.filter(action=action, target_user=filer)
        assert events.exists() and all(e.organization == home for e in events), action
        assert set(events) <= set(seen_by("hebei-admin", action))
        assert not set(events) & set(seen_by(baoding_admin, action))


def test_an_anonymous_visitor_records_nothing(client, demo, baoding_filing):
    client.get(reverse("activities:filing_detail", args=[baoding_filing.pk]))
    assert not AuditEvent.objects.filter(action="permission.denied").exists()


def test_opening_the_audit_log_without_the_role_is_filed_under_the_home_organization(staff_client):
    client = staff_client("sjz-filer")
    assert client.get(reverse("accounts:audit_log")).status_code == 403
    event = AuditEvent.objects.get(action="permission.denied", actor__username="sjz-filer")
    assert event.organization == policy.home_organization(event.actor) and event.detail["action"] == "audit.view"
    assert event in seen_by("sjz-admin", "permission.denied")
