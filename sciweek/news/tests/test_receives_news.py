"""The review queue's nav entry asks `receives_news` once per request; a role granted during
the request is seen after `policy.forget`, as every other grant is."""
from sciweek.accounts import policy
from sciweek.accounts.models import Membership, User
from sciweek.news import selectors
from sciweek.organizations.models import Organization


def test_a_role_granted_within_the_request_is_seen_after_forget(demo):
    person = User.objects.get(username="unit-filer")
    assert selectors.receives_news(person) is False
    baoding = Organization.objects.get(name="保定市")
    Membership.objects.create(user=person, organization=baoding, role="reviewer")
    assert selectors.receives_news(person) is False  # remembered for the request
    policy.forget(person)
    assert selectors.receives_news(person) is True
