"""Organizer console. Thin: each view asks accounts.policy, reads through selectors and
writes through services."""
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sciweek.accounts import policy
from sciweek.accounts import services as account_services
from sciweek.accounts.audit import ACTION_LABELS, client_ip
from sciweek.accounts.decorators import console_view
from sciweek.accounts.forms import InvitationForm
from sciweek.accounts.models import AuditEvent, Invitation, Membership, Role
from sciweek.activities import selectors as activity_selectors
from sciweek.activities.models import Activity, Session
from sciweek.campaigns import selectors as campaign_selectors
from sciweek.campaigns import services as campaign_services
from sciweek.campaigns.models import Campaign, Deadline, RegionalPlan
from sciweek.organizations import selectors as org_selectors
from sciweek.organizations import services as org_services
from sciweek.organizations.models import Organization

from .forms import CampaignForm, OrganizationForm, OrganizationSearchForm, RegionalPlanForm


def _organization(request, org_id, action):
    org = get_object_or_404(Organization.objects.select_related("division"), pk=org_id)
    policy.require(request.user, action, org)
    return org


@console_view
def home(request):
    user = request.user
    campaign = campaign_selectors.current_campaign()
    homes = policy.home_organizations(user)
    roles_by_org: dict[int, list[str]] = {}
    for grant in policy.grants(user):
        roles_by_org.setdefault(grant.organization_id, []).append(grant.role)
    cards = []
    for org in homes:
        card = {"organization": org, "roles": [Role(r).label for r in roles_by_org.get(org.pk, [])]}
        if campaign is not None:
            card["deadlines"] = [
                {"deadline": d, "days": days, "overdue": days < 0, "days_abs": abs(days)}
                for d in campaign_selectors.deadlines_for(campaign, org)
                for days in [campaign_selectors.days_until(d.due_on)]
            ]
            card["deadlines_set"] = list(Deadline.objects.filter(campaign=campaign, organization=org).order_by("due_on"))
            card["status_counts"] = activity_selectors.status_counts(
                campaign, org_selectors.within(org.path, "organization__path")
            )
            if org.kind == Organization.Kind.REGION:
                card["plan_counts"] = activity_selectors.plan_counts(campaign, org)
                card["plan"] = campaign_selectors.plan_for(campaign, org)
        cards.append(card)
    recent_activities = policy.scoped(
        Activity.objects.select_related("organization"), user, "activity.view", "organization__path"
    ).order_by("-updated_at")[:8]
    recent_audit = []
    if policy.scope_paths(user, "audit.view") or user.is_superuser:
        recent_audit = policy.scoped(AuditEvent.objects.select_related("organization"), user, "audit.view",
                                     "organization_path").order_by("-created_at")[:8]
    review_waiting = None
    if user.is_superuser or policy.review_level_ids(user):
        inbox = activity_selectors.review_inbox(user, campaign)
        review_waiting = {"count": inbox.count(), "late": inbox.filter(is_late=True).count(),
                          "oldest": inbox.values_list("waiting_since", flat=True).first()}
    unread = user.notifications.filter(read_at__isnull=True).count()
    upcoming_sessions = []
    if policy.scope_paths(user, "reservation.checkin") or user.is_superuser:
        upcoming_sessions = list(
            policy.scoped(Session.objects.all(), user, "reservation.checkin", "activity__organization__path")
            .filter(starts_at__gte=timezone.now() - timedelta(hours=3), activity__status=Activity.Status.APPROVED,
                    cancelled_at__isnull=True)
            .select_related("activity").order_by("starts_at")[:10])
    return render(request, "console/home.html", {
        "campaign": campaign, "cards": cards, "recent_activities": recent_activities,
        "upcoming_sessions": upcoming_sessions, "review_waiting": review_waiting, "unread": unread,
        "recent_audit": recent_audit, "status_labels": dict(Activity.Status.choices),
        "action_labels": ACTION_LABELS,
    })


@console_view
def organization_list(request):
    form = OrganizationSearchForm(request.GET or None)
    scope = policy.scoped(Organization.objects.all(), request.user, "organization.view")
    if form.is_valid():
        scope = org_selectors.search(scope, form.cleaned_data["q"], form.cleaned_data["kind"])
    else:
        scope = org_selectors.search(scope)
    page = Paginator(scope, 50).get_page(request.GET.get("page"))
    return render(request, "console/organization_list.html", {"form": form, "page": page})


@console_view
def organization_detail(request, org_id):
    org = _organization(request, org_id, "organization.view")
    visible_paths = policy.scope_paths(request.user)
    breadcrumbs = [a for a in org_selectors.ancestors(org)
                   if request.user.is_superuser or any(a.path.startswith(p) for p in visible_paths)]
    children = list(org_selectors.children(org)[:500])
    sizes = org_selectors.subtree_sizes(children) if len(children) <= 200 else {}
    can_manage = policy.can(request.user, "organization.manage", org)
    context = {
        "org": org, "breadcrumbs": breadcrumbs, "children": [(c, sizes.get(c.pk)) for c in children],
        "can_manage": can_manage,
    }
    if policy.can(request.user, "membership.view", org):
        context["memberships"] = Membership.objects.filter(organization=org).select_related("user").order_by("role")
        context["invitations"] = Invitation.objects.filter(
            organization=org, accepted_at__isnull=True, revoked_at__isnull=True
        ).select_related("created_by")
        context["invitation_form"] = InvitationForm()
    return render(request, "console/organization_detail.html", context)


@console_view
@require_http_methods(["GET", "POST"])
def organization_add(request, org_id):
    parent = _organization(request, org_id, "organization.manage")
    form = OrganizationForm(request.POST or None, parent=parent)
    if request.method == "POST" and form.is_valid():
        child = org_services.add_organization(parent=parent, actor=request.user, **form.cleaned_data)
        messages.success(request, _("已新建 %(name)s。") % {"name": child.name})
        return redirect("console:organization_detail", org_id=child.pk)
    return render(request, "console/organization_form.html", {"form": form, "parent": parent, "org": None})


@console_view
@require_http_methods(["GET", "POST"])
def organization_edit(request, org_id):
    org = _organization(request, org_id, "organization.manage")
    form = OrganizationForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        org_services.update_organization(Organization.objects.get(pk=org.pk), actor=request.user, **form.cleaned_data)
        messages.success(request, _("已保存。"))
        return redirect("console:organization_detail", org_id=org.pk)
    return render(request, "console/organization_form.html", {"form": form, "org": org, "parent": None})


@console_view
@require_POST
def invitation_create(request, org_id):
    org = _organization(request, org_id, "invitation.create")
    form = InvitationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("邀请信息不完整：%(errors)s") % {"errors": "; ".join(
            str(e) for errors in form.errors.values() for e in errors)})
        return redirect("console:organization_detail", org_id=org.pk)
    invitation, token = account_services.create_invitation(
        actor=request.user, organization=org, ip=client_ip(request), **form.cleaned_data
    )
    link = request.build_absolute_uri(reverse("accounts:accept_invitation", args=[token]))
    return render(request, "console/invitation_created.html", {"org": org, "invitation": invitation, "link": link})


@console_view
@require_POST
def invitation_revoke(request, invitation_id):
    invitation = get_object_or_404(Invitation.objects.select_related("organization"), pk=invitation_id)
    policy.require(request.user, "invitation.create", invitation.organization)
    account_services.revoke_invitation(actor=request.user, invitation=invitation, ip=client_ip(request))
    messages.success(request, _("邀请已撤销。"))
    return redirect("console:organization_detail", org_id=invitation.organization_id)


@console_view
@require_POST
def membership_revoke(request, membership_id):
    membership = get_object_or_404(Membership.objects.select_related("organization", "user"), pk=membership_id)
    policy.require(request.user, "membership.manage", membership.organization)
    try:
        account_services.revoke_role(actor=request.user, membership=membership, ip=client_ip(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已撤销 %(user)s 的%(role)s角色。") % {
            "user": membership.user.display_name, "role": membership.get_role_display()})
    return redirect("console:organization_detail", org_id=membership.organization_id)


@console_view
def campaign_detail(request):
    campaign = campaign_selectors.current_campaign()
    if campaign is None:
        return render(request, "console/campaign_detail.html", {"campaign": None})
    campaign = campaign_selectors.campaign_with_details(campaign.year)
    homes = policy.home_organizations(request.user)
    plans = []
    for org in homes:
        plan = campaign_selectors.plan_for(campaign, org)
        plans.append({
            "organization": org, "plan": plan,
            "deadlines": campaign_selectors.deadlines_for(campaign, org),
            "online_only": campaign_selectors.is_online_only(campaign, org),
            "can_edit": org.kind in (Organization.Kind.REGION, Organization.Kind.COMMITTEE)
            and policy.can(request.user, "regional_plan.manage", org),
        })
    root = org_selectors.national_committee()
    can_manage = root is not None and policy.can(request.user, "campaign.manage", root)
    return render(request, "console/campaign_detail.html", {"campaign": campaign, "plans": plans,
                                                            "can_manage_campaign": can_manage})


@console_view
@require_http_methods(["GET", "POST"])
def campaign_edit(request):
    """National committee admins set the week's dates, theme and switches (e.g. online-only)."""
    root = org_selectors.national_committee()
    if root is None:
        raise PermissionDenied
    policy.require(request.user, "campaign.manage", root)
    campaign = campaign_selectors.current_campaign()
    if campaign is None:
        return redirect("console:campaign")
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        campaign_services.update_campaign(Campaign.objects.get(pk=campaign.pk),
                                          actor=request.user, **form.cleaned_data)
        messages.success(request, _("活动周设置已保存。"))
        return redirect("console:campaign")
    return render(request, "console/campaign_form.html", {"form": form, "campaign": campaign})


@console_view
@require_http_methods(["GET", "POST"])
def regional_plan_edit(request, org_id):
    org = _organization(request, org_id, "regional_plan.manage")
    if org.kind not in (Organization.Kind.REGION, Organization.Kind.COMMITTEE):
        raise PermissionDenied
    campaign = campaign_selectors.current_campaign()
    if campaign is None:
        return redirect("console:campaign")
    instance = RegionalPlan.objects.filter(campaign=campaign, organization=org).first()
    form = RegionalPlanForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        campaign_services.save_regional_plan(actor=request.user, campaign=campaign, organization=org,
                                             **form.cleaned_data)
        messages.success(request, _("地方工作方案已保存。"))
        return redirect("console:campaign")
    return render(request, "console/regional_plan_form.html", {"form": form, "org": org, "campaign": campaign})


@console_view
def audit_log(request):
    if not (request.user.is_superuser or policy.scope_paths(request.user, "audit.view")):
        raise PermissionDenied
    events = policy.scoped(AuditEvent.objects.select_related("actor", "organization", "target_user"),
                           request.user, "audit.view", "organization_path")
    action = request.GET.get("action", "")
    if action in ACTION_LABELS:
        events = events.filter(action=action)
    page = Paginator(events.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "console/audit_log.html", {
        "page": page, "action_labels": ACTION_LABELS, "action": action})
