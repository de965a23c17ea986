"""The work plan's download in the console: GET ?year=&org= returns the level's plan (.docx),
for those who may see the level's statistics (statistics.view over its subtree)."""
from io import BytesIO

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from sciweek.accounts import audit, policy
from sciweek.accounts.decorators import console_view
from sciweek.campaigns.selectors import requested_campaign
from sciweek.organizations.models import Organization

from . import workplan

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"



def _level(request) -> Organization:
    """?org= (asked of the policy), else the user's topmost organization where they may see
    statistics, else their topmost one (refused there: 403)."""
    raw = request.GET.get("org", "")
    if raw.isdigit():
        level = get_object_or_404(Organization, pk=int(raw))
    else:
        homes = policy.home_organizations(request.user)
        level = next((o for o in homes if policy.can(request.user, "statistics.view", o)), homes[0] if homes else None)
        if level is None:
            raise Http404
    policy.require(request.user, "statistics.view", level)
    if not workplan.supports(level):
        raise Http404
    return level


@console_view
@require_GET
def download(request):
    level = _level(request)
    campaign = requested_campaign(request)
    plan = workplan.plan_outline(campaign, level)
    content = workplan.docx_bytes(plan)
    audit.record("statistics.work_plan_downloaded", actor=request.user, organization=level,
                 summary=plan.title, ip=audit.client_ip(request), detail={"year": campaign.year})
    response = FileResponse(BytesIO(content), as_attachment=True, filename=plan.filename, content_type=DOCX)
    response["Cache-Control"] = "private, no-store"
    return response
