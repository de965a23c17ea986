"""Reactions of the news app to other apps' domain signals (core.signals)."""
from sciweek.activities.models import Activity


def filing_changed(sender, activity=None, from_status=None, to_status=None, **kwargs):
    """A filing that becomes approved starts having a news clock; one whose approved version
    changed (a change applied: sessions, dates) has it moved; one that leaves approval
    (cancelled, withdrawn) loses it."""
    if activity is None or Activity.Status.APPROVED not in (from_status, to_status):
        return
    from . import services

    services.sync_news_due(activity)
