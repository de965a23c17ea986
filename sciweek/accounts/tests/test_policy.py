import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from sciweek.accounts import policy
from sciweek.accounts.models import User
from sciweek.organizations.models import Organization

pytestmark = pytest.mark.django_db


def user(name):
    return User.objects.get(username=name)


def test_membership_reaches_the_whole_subtree_and_nothing_else(demo, org):
    sjz_admin = user("sjz-admin")
    assert policy.can(sjz_admin, "organization.manage", org("石家庄市"))
    assert policy.can(sjz_admin, "organization.manage", org("长安区"))
    assert policy.can(sjz_admin, "organization.manage", org("石家庄市科技信息研究所"))
    assert not policy.can(sjz_admin, "organization.view", org("保定市"))
    assert not policy.can(sjz_admin, "organization.view", org("河北省"))  # its parent


def test_roles_decide_actions_inside_the_scope(demo, org):
    assert policy.can(user("sjz-filer"), "activity.file", org("长安区"))
    assert not policy.can(user("sjz-filer"), "organization.manage", org("长安区"))
    assert policy.can(user("sjz-reviewer"), "activity.review", org("长安区"))
    assert not policy.can(user("sjz-reviewer"), "invitation.create", org("石家庄市"))


def test_require_is_404_outside_and_403_inside(demo, org):
    with pytest.raises(Http404):
        policy.require(user("sjz-admin"), "organization.view", org("保定市"))
    with pytest.raises(PermissionDenied):
        policy.require(user("sjz-filer"), "organization.manage", org("石家庄市"))
    policy.require(user("hebei-admin"), "organization.manage", org("保定市"))


def test_unknown_action_is_a_programming_error(demo, org):
    with pytest.raises(ValueError):
        policy.can(user("sjz-admin"), "organisation.view", org("石家庄市"))


def test_anonymous_and_inactive_users_may_do_nothing(demo, org):
    from django.contrib.auth.models import AnonymousUser

    assert not policy.can(AnonymousUser(), "organization.view", org("石家庄市"))
    inactive = user("sjz-admin")
    inactive.is_active = False
    assert not policy.can(inactive, "organization.view", org("石家庄市"))


def test_scoped_queryset_matches_can(demo, org):
    sjz_staff = user("sjz-liaison")
    scoped = policy.scoped(Organization.objects.all(), sjz_staff, "organization.view")
    sjz = org("石家庄市")
    assert set(scoped.values_list("pk", flat=True)) == set(
        Organization.objects.filter(path__startswith=sjz.path).values_list("pk", flat=True)
    )


def test_several_memberships_add_up(demo, org):
    from sciweek.accounts.models import Membership

    person = user("unit-filer")
    Membership.objects.create(user=person, organization=org("保定市"), role="reviewer")
    policy.forget(person)
    assert policy.can(person, "activity.review", org("莲池区"))
    assert not policy.can(person, "activity.review", org("石家庄市科技信息研究所"))
    assert policy.can(person, "activity.file", org("石家庄市科技信息研究所"))
