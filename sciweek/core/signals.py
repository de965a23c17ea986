"""Domain events: how apps tell each other what happened without writing each other's rows.

Senders fire them after the write has committed (`transaction.on_commit`), so a receiver
never sees a change that is rolled back. Receivers live in the app that owns the rows they
change and are connected in that app's `AppConfig.ready`.
"""
from django.dispatch import Signal

# A filing moved from one state to another (activities.services, after the transition).
# kwargs: activity, transition (the trail row), from_status, to_status, actor
filing_changed = Signal()

# A person was let in at the door (reservations.services.check_in, exactly once per
# reservation). kwargs: reservation, session, seats, staff
person_checked_in = Signal()

# A campaign (organization None) or a region's plan went online-only (campaigns.services,
# when the switch is turned on). kwargs: campaign, organization, actor
went_online_only = Signal()

# The days allowed for news changed: the campaign's own (organization None) or a region's plan
# (campaigns.services). kwargs: campaign, organization
news_days_changed = Signal()

# A session was cancelled (reservations.services.close_session with cancel_all): the activity's
# last session may end earlier now. kwargs: session, activity_id
session_cancelled = Signal()
