"""House rule: a service that takes an actor checks the policy itself, so no caller (a page,
the API, a script) can skip it. 404 outside the actor's subtree, 403 inside without the role."""
import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from sciweek.accounts import services as account_services
from sciweek.accounts.models import Invitation, User
from sciweek.campaigns import services as campaign_services
from sciweek.organizations import services as org_services

pytestmark = pytest.mark.django_db


def user(name):
    return User.objects.get(username=name)


def test_organization_writes(demo, org):
    sjz, baoding = org("石家庄市"), org("保定市")
    with pytest.raises(PermissionDenied):
        org_services.add_organization(parent=sjz, actor=user("sjz-filer"), name="越权新增", kind="school")
    with pytest.raises(Http404):
        org_services.add_organization(parent=baoding, actor=user("sjz-admin"), name="越权新增", kind="school")
    with pytest.raises(PermissionDenied):
        org_services.add_organization(parent=None, actor=user("national-admin"), name="新根", kind="other")
    with pytest.raises(Http404):
        org_services.update_organization(baoding, actor=user("sjz-admin"), short_name="入侵")
    assert org_services.add_organization(parent=sjz, actor=user("sjz-admin"), name="新学校", kind="school").pk


def test_invitations(demo, org):
    with pytest.raises(Http404):
        account_services.create_invitation(actor=user("sjz-admin"), organization=org("保定市"), role="filer")
    with pytest.raises(PermissionDenied):
        account_services.create_invitation(actor=user("sjz-filer"), organization=org("石家庄市"), role="filer")
    invitation, _token = account_services.create_invitation(actor=user("sjz-admin"), organization=org("长安区"),
                                                            role="filer")
    with pytest.raises(PermissionDenied):
        account_services.revoke_invitation(actor=user("sjz-reviewer"), invitation=invitation)
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None


def test_campaign_settings(demo, org):
    with pytest.raises((PermissionDenied, Http404)):
        campaign_services.update_campaign(demo, actor=user("hebei-admin"), theme="入侵")
    with pytest.raises(Http404):
        campaign_services.save_regional_plan(actor=user("sjz-admin"), campaign=demo, organization=org("保定市"),
                                             theme="入侵")
    demo.refresh_from_db()
    assert demo.theme != "入侵"
