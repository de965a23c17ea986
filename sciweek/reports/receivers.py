"""Reactions of the reports app to other apps' domain signals (core.signals)."""
from sciweek.activities.models import Activity


def filing_changed(sender, activity=None, to_status=None, **kwargs):
    """An approved filing makes its organization, and the levels above it, expected to report."""
    if activity is not None and to_status == Activity.Status.APPROVED:
        from . import services

        services.activity_approved(activity)
