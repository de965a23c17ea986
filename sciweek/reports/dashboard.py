"""The reports app's card on the console home: summaries waiting for the user's decision, and
the user's own summary's state."""
from sciweek.accounts import policy
from sciweek.campaigns import selectors as campaign_selectors

from . import selectors
from .models import ReportStatus


def summaries(request):
    user = request.user
    campaign = campaign_selectors.current_campaign_of(request)
    if campaign is None:
        return None
    receives = user.is_superuser or bool(policy.receiving_level_ids(user, "report.review"))
    waiting = selectors.inbox(user, campaign).count() if receives else 0
    own = list(selectors.own_reports(user, campaign).filter(
        organization__path__in=policy.scope_paths(user, "report.file"))[:3])
    if not waiting and not own:
        return None
    return {"waiting": waiting, "own": own, "campaign": campaign, "editable": ReportStatus.EDITABLE}
