from datetime import timedelta

from django.utils import timezone

from sciweek.accounts.models import User
from sciweek.activities.models import Activity, Session
from sciweek.participants.models import Profile


def person(n: int) -> User:
    user = User.objects.create(username=f"p_test_{n}")
    Profile.objects.create(user=user, phone=f"139{n:08d}", consent_at=timezone.now())
    return user


def open_session(capacity=30, **fields) -> Session:
    """A session a week from now of an approved on-site demo open day."""
    activity = Activity.objects.filter(kind="open_day", status="approved").order_by("id").first()
    start = timezone.now() + timedelta(days=7)
    return Session.objects.create(activity=activity, starts_at=start, ends_at=start + timedelta(hours=2),
                                  capacity=capacity, **fields)


