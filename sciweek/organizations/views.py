"""Console pages of the organizer network: the searchable list, an organization with its
children (and, for admins, its members and open invitations), adding and editing."""
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sciweek.accounts import policy
from sciweek.accounts import selectors as account_selectors
from sciweek.accounts.decorators import console_view
from sciweek.accounts.forms import InvitationForm

from . import selectors, services
from .forms import OrganizationForm, OrganizationSearchForm
from .models import Organization


def _organization(request, org_id, action):
    org = get_object_or_404(Organization.objects.select_related("division"), pk=org_id)
    policy.require(request.user, action, org)
    return org


@console_view
def organization_list(request):
    form = OrganizationSearchForm(request.GET or None)
    scope = policy.scoped(Organization.objects.all(), request.user, "organization.view")
    if form.is_valid():
        scope = selectors.search(scope, form.cleaned_data["q"], form.cleaned_data["kind"])
    else:
        scope = selectors.search(scope)
    page = Paginator(scope, 50).get_page(request.GET.get("page"))
    return render(request, "organizations/console/organization_list.html", {"form": form, "page": page})


@console_view
def organization_detail(request, org_id):
    org = _organization(request, org_id, "organization.view")
    visible_paths = policy.scope_paths(request.user)
    breadcrumbs = [a for a in selectors.ancestors(org)
                   if request.user.is_superuser or any(a.path.startswith(p) for p in visible_paths)]
    children = list(selectors.children(org)[:500])
    sizes = selectors.subtree_sizes(children) if len(children) <= 200 else {}
    can_manage = policy.can(request.user, "organization.manage", org)
    context = {
        "org": org, "breadcrumbs": breadcrumbs, "children": [(c, sizes.get(c.pk)) for c in children],
        "can_manage": can_manage,
    }
    if policy.can(request.user, "membership.view", org):
        context["memberships"] = account_selectors.memberships_of(org)
        context["invitations"] = account_selectors.open_invitations(org)
        context["invitation_form"] = InvitationForm()
    return render(request, "organizations/console/organization_detail.html", context)


@console_view
@require_http_methods(["GET", "POST"])
def organization_add(request, org_id):
    parent = _organization(request, org_id, "organization.manage")
    form = OrganizationForm(request.POST or None, parent=parent)
    if request.method == "POST" and form.is_valid():
        child = services.add_organization(parent=parent, actor=request.user, **form.cleaned_data)
        messages.success(request, _("已新建 %(name)s。") % {"name": child.name})
        return redirect("organizations:organization_detail", org_id=child.pk)
    return render(request, "organizations/console/organization_form.html",
                  {"form": form, "parent": parent, "org": None})


@console_view
@require_http_methods(["GET", "POST"])
def organization_edit(request, org_id):
    org = _organization(request, org_id, "organization.manage")
    form = OrganizationForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        services.update_organization(Organization.objects.get(pk=org.pk), actor=request.user, **form.cleaned_data)
        messages.success(request, _("已保存。"))
        return redirect("organizations:organization_detail", org_id=org.pk)
    return render(request, "organizations/console/organization_form.html", {"form": form, "org": org, "parent": None})
