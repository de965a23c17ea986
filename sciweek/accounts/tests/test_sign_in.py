import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import totp
from freezegun import freeze_time

from sciweek.accounts.models import AuditEvent, Invitation, Membership, User
from sciweek.accounts.services import accept_invitation, create_invitation
from sciweek.demo.demo_data import DEMO_PASSWORD
from sciweek.demo.loader import demo_totp_key

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def post_login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_filer_signs_in_with_password_and_reaches_console(client, demo):
    response = post_login(client, "sjz-filer", DEMO_PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("console:home")
    assert client.get(reverse("console:home")).status_code == 200
    assert AuditEvent.objects.filter(action="login.succeeded", actor__username="sjz-filer").exists()


def test_session_id_changes_at_sign_in(client, demo):
    client.get(LOGIN)
    client.cookies["sessionid"] = "attacker-chosen"
    post_login(client, "sjz-filer", DEMO_PASSWORD)
    assert client.cookies["sessionid"].value != "attacker-chosen"


def test_admin_must_pass_totp(client, demo):
    with freeze_time("2026-03-01 09:00:00") as clock:
        post_login(client, "hebei-admin", DEMO_PASSWORD)
        response = client.get(reverse("console:home"))
        assert response.status_code == 302 and response["Location"] == reverse("accounts:two_factor")
        bad = client.post(reverse("accounts:two_factor"), {"token": "000000"})
        assert "验证码不正确" in bad.content.decode()
        assert AuditEvent.objects.filter(action="otp.failed", actor__username="hebei-admin").exists()
        clock.tick(5)  # django-otp throttles the next try after a failure
        code = f"{totp(demo_totp_key('hebei-admin')):06d}"
        good = client.post(reverse("accounts:two_factor"), {"token": code})
        assert good.status_code == 302
        assert client.get(reverse("console:home")).status_code == 200


def test_admin_without_device_enrols_first(client, demo, org):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    admin = User.objects.create_user("new-admin", password="Pass-word-2024")
    Membership.objects.create(user=admin, organization=org("保定市"), role="admin")
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("accounts:two_factor")).content.decode()
    assert "<svg" in page and "密钥" in page
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    code = f"{totp(device.bin_key):06d}"
    assert client.post(reverse("accounts:two_factor"), {"token": code}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="otp.enrolled", actor=admin).exists()


def test_lockout_after_five_failures_even_with_the_right_password(client, demo):
    for _ in range(5):
        response = post_login(client, "sjz-filer", "wrong-password-1")
        assert response.status_code in (200, 429)
    response = post_login(client, "sjz-filer", DEMO_PASSWORD)
    assert response.status_code == 429
    assert "暂时锁定" in response.content.decode()
    assert AuditEvent.objects.filter(action="login.failed", summary="sjz-filer").count() >= 5
    assert AuditEvent.objects.filter(action="login.locked_out", summary="sjz-filer").exists()


def test_wrong_password_message_does_not_reveal_whether_the_account_exists(client, demo):
    known = post_login(client, "sjz-filer", "nope-nope-1").content.decode()
    unknown = post_login(client, "nobody-here", "nope-nope-1").content.decode()
    assert "用户名或密码不正确" in known and "用户名或密码不正确" in unknown


def test_idle_session_expires(client, demo):
    with freeze_time("2026-01-01 08:00:00") as clock:
        post_login(client, "sjz-filer", DEMO_PASSWORD)
        assert client.get(reverse("console:home")).status_code == 200
        clock.tick(31 * 60)
        response = client.get(reverse("console:home"))
        assert response.status_code == 302 and LOGIN in response["Location"]


def test_session_has_an_absolute_lifetime(client, demo, settings):
    post_login(client, "sjz-filer", DEMO_PASSWORD)
    assert client.session.get_expiry_age() <= settings.SESSION_COOKIE_AGE


def test_logout_then_replaying_the_old_cookie_fails(client, demo):
    post_login(client, "sjz-filer", DEMO_PASSWORD)
    old = client.cookies["sessionid"].value
    client.post(reverse("accounts:logout"))
    client.cookies["sessionid"] = old
    response = client.get(reverse("console:home"))
    assert response.status_code == 302


def test_invitation_link_creates_account_with_membership_once(client, demo, org):
    inviter = User.objects.get(username="sjz-admin")
    invitation, token = create_invitation(actor=inviter, organization=org("长安区"), role="filer",
                                          email="filer@example.cn")
    assert len(mail.outbox) == 1 and token in mail.outbox[0].body
    url = reverse("accounts:accept_invitation", args=[token])
    page = client.get(url).content.decode()
    assert "长安区" in page and "填报员" in page
    weak = client.post(url, {"username": "zhang", "full_name": "张三", "password1": "12345678",
                             "password2": "12345678"})
    assert "密码" in weak.content.decode() and not User.objects.filter(username="zhang").exists()
    response = client.post(url, {"username": "zhang", "full_name": "张三", "password1": "Kexue-2020-zhou",
                                 "password2": "Kexue-2020-zhou"})
    assert response.status_code == 302
    zhang = User.objects.get(username="zhang")
    assert Membership.objects.filter(user=zhang, organization__name="长安区", role="filer").exists()
    assert Invitation.objects.get(pk=invitation.pk).accepted_by == zhang
    assert AuditEvent.objects.filter(action="invitation.accepted", target_user=zhang).exists()
    assert AuditEvent.objects.filter(action="membership.granted", target_user=zhang).exists()
    client.logout()
    assert client.get(url).status_code == 404  # single use


def test_accepting_twice_yields_one_membership(demo, org):
    from django.core.exceptions import ValidationError

    inviter = User.objects.get(username="sjz-admin")
    _, token = create_invitation(actor=inviter, organization=org("长安区"), role="reviewer")
    someone = User.objects.get(username="unit-liaison")
    accept_invitation(token=token, user=someone)
    with pytest.raises(ValidationError):
        accept_invitation(token=token, user=someone)
    assert Membership.objects.filter(user=someone, role="reviewer").count() == 1


def test_expired_invitation_is_refused(client, demo, org):
    inviter = User.objects.get(username="sjz-admin")
    with freeze_time("2020-01-01"):
        _, token = create_invitation(actor=inviter, organization=org("长安区"), role="filer")
    assert client.get(reverse("accounts:accept_invitation", args=[token])).status_code == 404


def test_role_changes_are_audited_and_last_admin_is_kept(staff_client, org):
    client = staff_client("sjz-admin")
    filer = Membership.objects.get(user__username="sjz-filer")
    response = client.post(reverse("accounts:membership_revoke", args=[filer.pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=filer.pk).exists()
    assert AuditEvent.objects.filter(action="membership.revoked", target_user__username="sjz-filer").exists()
    own = Membership.objects.get(user__username="sjz-admin")
    client.post(reverse("accounts:membership_revoke", args=[own.pk]), follow=True)
    assert Membership.objects.filter(pk=own.pk).exists()


def test_disabling_an_account_ends_its_sessions(client, demo):
    post_login(client, "sjz-filer", DEMO_PASSWORD)
    assert client.get(reverse("console:home")).status_code == 200
    User.objects.filter(username="sjz-filer").update(is_active=False)
    response = client.get(reverse("console:home"))
    assert response.status_code == 302 and LOGIN in response["Location"]
