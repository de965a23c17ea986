"""The campaigns app's card on the console home: what each home organization must send up
and by when, and the deadlines it set for the levels below it."""
from sciweek.accounts.dashboard import home_organizations

from . import selectors


def deadlines(request):
    campaign = selectors.current_campaign_of(request)
    if campaign is None:
        return None
    homes = home_organizations(request)
    organizations = []
    for org in homes:
        due = []
        for deadline in selectors.deadlines_for(campaign, org):
            days = selectors.days_until(deadline.due_on)
            due.append({"deadline": deadline, "days": days, "overdue": days < 0, "days_abs": abs(days)})
        organizations.append({"organization": org, "deadlines": due,
                              "deadlines_set": selectors.deadlines_set_by(campaign, org)})
    return {"campaign": campaign, "organizations": organizations, "several": len(homes) > 1}
