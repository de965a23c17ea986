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


def news_days_changed(sender, campaign=None, organization=None, **kwargs):
    """The days allowed changed (the campaign's or a plan's): every clock they bind moves, in a
    task (a national campaign has 200,000)."""
    if campaign is None:
        return
    from . import tasks

    tasks.resync_news_dues.enqueue(campaign.pk)


def session_cancelled(sender, activity_id=None, **kwargs):
    """A cancelled session no longer ends the activity: its clock may start earlier."""
    if activity_id is None:
        return
    from . import services

    services.sync_news_due(Activity(pk=activity_id))
