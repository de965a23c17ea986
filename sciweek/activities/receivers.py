"""How activities hears what other apps did (domain signals from sciweek.core.signals).
Connected in ActivitiesConfig.ready."""
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from .models import Activity


def count_attendance(sender, *, session, seats, **kwargs):
    """A person let in at the door counts toward the activity's actual participants (the
    reports' number). One conditional UPDATE: no read, so concurrent check-ins never lose a
    count; an activity without a number yet (NULL) starts at these seats."""
    Activity.objects.filter(pk=session.activity_id).update(
        actual_participants=Coalesce(F("actual_participants"), Value(0)) + seats)
