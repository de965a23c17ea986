"""Roles change in place and every destructive step asks first (issue 9): changing a member's
role, revoking a role and revoking an invitation each show "确定要…？" on a GET and act only
on the confirmation's POST (no JavaScript needed); the service checks the policy, audits both
roles, and keeps an organization's last admin."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from sciweek.accounts import services
from sciweek.accounts.models import AuditEvent, Invitation, Membership, User

pytestmark = pytest.mark.django_db


def user(name):
    return User.objects.get(username=name)


def membership(username, role=None):
    memberships = Membership.objects.filter(user__username=username)
    return memberships.get(role=role) if role else memberships.get()


def test_change_role_service_changes_in_place_and_audits(demo):
    filer = membership("sjz-filer")
    changed = services.change_role(actor=user("sjz-admin"), membership=filer, role="reviewer")
    assert changed.pk == filer.pk and Membership.objects.get(pk=filer.pk).role == "reviewer"
    event = AuditEvent.objects.get(action="membership.changed", target_user__username="sjz-filer")
    assert event.detail == {"from": "filer", "to": "reviewer"} and event.organization == filer.organization
    assert "填报员" in event.summary and "审核员" in event.summary


def test_change_role_checks_the_policy(demo, org):
    filer = membership("sjz-filer")
    with pytest.raises(PermissionDenied):
        services.change_role(actor=user("sjz-reviewer"), membership=filer, role="admin")
    outsider = User.objects.create_user("bd-admin", password="x")
    Membership.objects.create(user=outsider, organization=org("保定市"), role="admin")
    with pytest.raises(Http404):
        services.change_role(actor=outsider, membership=filer, role="admin")
    assert Membership.objects.get(pk=filer.pk).role == "filer"


def test_change_role_refuses_unknown_same_and_duplicate_roles(demo):
    filer = membership("sjz-filer")
    admin = user("sjz-admin")
    for role in ("", "owner", "filer"):
        with pytest.raises(ValidationError):
            services.change_role(actor=admin, membership=filer, role=role)
    Membership.objects.create(user=filer.user, organization=filer.organization, role="liaison")
    with pytest.raises(ValidationError, match="已有这个角色"):
        services.change_role(actor=admin, membership=filer, role="liaison")
    assert Membership.objects.get(pk=filer.pk).role == "filer"


def test_last_admin_cannot_demote_themselves(demo):
    own = membership("sjz-admin")
    assert not Membership.objects.filter(organization=own.organization, role="admin").exclude(pk=own.pk).exists()
    with pytest.raises(ValidationError, match="最后一位管理员"):
        services.change_role(actor=user("sjz-admin"), membership=own, role="filer")
    with pytest.raises(ValidationError, match="最后一位管理员"):
        services.revoke_role(actor=user("sjz-admin"), membership=own)
    assert Membership.objects.get(pk=own.pk).role == "admin"
    # With a second admin, they may step down.
    Membership.objects.filter(user__username="sjz-reviewer", organization=own.organization).update(role="admin")
    services.change_role(actor=user("sjz-admin"), membership=own, role="reviewer")
    assert Membership.objects.get(pk=own.pk).role == "reviewer"


def test_change_role_loses_cleanly_when_someone_else_changed_it_first(demo):
    filer = membership("sjz-filer")
    stale = Membership.objects.get(pk=filer.pk)
    Membership.objects.filter(pk=filer.pk).update(role="liaison")  # the other admin's change
    with pytest.raises(ValidationError, match="刚被其他人"):
        services.change_role(actor=user("sjz-admin"), membership=stale, role="reviewer")
    assert Membership.objects.get(pk=filer.pk).role == "liaison"


def test_revoke_role_service_checks_the_policy(demo):
    with pytest.raises(PermissionDenied):
        services.revoke_role(actor=user("sjz-reviewer"), membership=membership("sjz-filer"))
    assert Membership.objects.filter(user__username="sjz-filer").exists()


# --- pages ----------------------------------------------------------------------------

def test_organization_page_offers_change_and_revoke_as_questions(staff_client):
    filer = membership("sjz-filer")
    page = staff_client("sjz-admin").get(
        reverse("organizations:organization_detail", args=[filer.organization_id])).content.decode()
    assert f'action="{reverse("accounts:membership_change_role", args=[filer.pk])}"' in page
    revoke = reverse("accounts:membership_revoke", args=[filer.pk])
    assert f'<form method="get" action="{revoke}">' in page  # opens the question, changes nothing


def test_changing_a_role_asks_first_then_changes(staff_client):
    client = staff_client("sjz-admin")
    filer = membership("sjz-filer")
    url = reverse("accounts:membership_change_role", args=[filer.pk])
    chooser = client.get(url).content.decode()
    assert "变更角色" in chooser and 'name="role"' in chooser and 'value="filer"' not in chooser
    question = client.get(url, {"role": "reviewer"})
    assert question.status_code == 200
    html = question.content.decode()
    assert "确定要将" in html and "“填报员”改为“审核员”" in html and 'method="post"' in html
    assert 'name="role" value="reviewer"' in html
    assert Membership.objects.get(pk=filer.pk).role == "filer"  # a GET changes nothing
    response = client.post(url, {"role": "reviewer"}, follow=True)
    assert Membership.objects.get(pk=filer.pk).role == "reviewer"
    assert "已将" in response.content.decode()


def test_demoting_the_last_admin_on_the_page_says_why(staff_client):
    client = staff_client("sjz-admin")
    own = membership("sjz-admin")
    response = client.post(reverse("accounts:membership_change_role", args=[own.pk]), {"role": "filer"},
                           follow=True)
    assert "最后一位管理员" in response.content.decode()
    assert Membership.objects.get(pk=own.pk).role == "admin"


def test_revoking_a_role_asks_first(staff_client):
    client = staff_client("sjz-admin")
    filer = membership("sjz-filer")
    url = reverse("accounts:membership_revoke", args=[filer.pk])
    question = client.get(url)
    assert question.status_code == 200
    html = question.content.decode()
    assert "确定要撤销" in html and "填报员" in html and 'method="post"' in html and "取消，返回" in html
    assert Membership.objects.filter(pk=filer.pk).exists()
    assert client.post(url).status_code == 302
    assert not Membership.objects.filter(pk=filer.pk).exists()


def test_revoking_an_invitation_asks_first(staff_client, org):
    client = staff_client("sjz-admin")
    invitation, _token = services.create_invitation(actor=user("sjz-admin"), organization=org("长安区"),
                                                    role="filer", email="new@example.cn")
    url = reverse("accounts:invitation_revoke", args=[invitation.pk])
    page = client.get(reverse("organizations:organization_detail", args=[org("长安区").pk])).content.decode()
    assert f'<form method="get" action="{url}">' in page
    question = client.get(url).content.decode()
    assert "确定要撤销这份邀请" in question and "new@example.cn" in question
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None
    client.post(url)
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is not None
    again = client.post(url, follow=True).content.decode()
    assert "已被使用或已撤销" in again


def test_confirmation_pages_are_for_admins_only(staff_client):
    client = staff_client("sjz-filer")
    filer = membership("sjz-filer")
    for name in ("accounts:membership_revoke", "accounts:membership_change_role"):
        assert client.get(reverse(name, args=[filer.pk]), {"role": "admin"}).status_code == 403
    assert Membership.objects.get(pk=filer.pk).role == "filer"


def test_confirmation_page_in_english(staff_client, settings):
    client = staff_client("sjz-admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    filer = membership("sjz-filer")
    html = client.get(reverse("accounts:membership_change_role", args=[filer.pk]), {"role": "reviewer"}
                      ).content.decode()
    assert "Change the role of" in html and "Yes, change" in html and "Cancel and go back" in html
