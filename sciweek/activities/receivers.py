"""How activities hears what other apps did (domain signals from sciweek.core.signals).
Connected in ActivitiesConfig.ready."""
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils.module_loading import import_string

from .models import Activity


def count_attendance(sender, *, session, seats, **kwargs):
    """A person let in at the door counts toward the activity's actual participants (the
    reports' number). One conditional UPDATE: no read, so concurrent check-ins never lose a
    count; an activity without a number yet (NULL) starts at these seats."""
    Activity.objects.filter(pk=session.activity_id).update(
        actual_participants=Coalesce(F("actual_participants"), Value(0)) + seats)


def tell_paused_organizers(sender, *, campaign, organization=None, **kwargs):
    """A campaign or a region went online-only: its on-site sessions stop taking bookings
    (selectors.booking_state); their organizers hear of it, in the background."""
    from sciweek.core import http

    # The worker has no request: the site's address goes along for the e-mails' links.
    import_string("sciweek.activities.tasks.notify_onsite_paused").enqueue(
        campaign.pk, organization.pk if organization is not None else None, http.site_url())
