"""Sign-in, two-factor and accepting an invitation; in the console, inviting members,
revoking invitations and roles, and the audit log."""
import base64
from datetime import timedelta

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from sciweek.core.confirm import confirm_page
from sciweek.core.http import absolute_url, safe_next, site_url
from sciweek.organizations.models import Organization

from . import policy, selectors, services
from .audit import ACTION_LABELS, client_ip
from .decorators import console_view
from .forms import AcceptInvitationForm, InvitationForm, StaffAuthenticationForm, TokenForm
from .models import Invitation, Membership, Role


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = StaffAuthenticationForm
    redirect_authenticated_user = True

    def get_redirect_url(self):
        # The one `next` check of the site (core.http.safe_next), as on every other page.
        return safe_next(self.request, "")

    def form_valid(self, form):
        response = super().form_valid(form)
        # Absolute lifetime: idle activity must not extend a session beyond SESSION_COOKIE_AGE.
        self.request.session.set_expiry(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE))
        return response


def logout(request):
    return auth_views.LogoutView.as_view()(request)


@require_http_methods(["GET", "POST"])
def two_factor(request):
    """Verify the TOTP code, or enrol a device first (admins must have one)."""
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    if user.is_verified():
        return redirect(safe_next(request, "console:home"))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = services.start_totp_enrolment(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        ok = (
            services.confirm_totp_enrolment(user=user, device=device, token=token, ip=client_ip(request))
            if enrolling
            else device.verify_token(token)
        )
        if ok:
            otp_login(request, device)
            return redirect(safe_next(request, "console:home"))
        if not enrolling:
            services.record_failed_totp(user, ip=client_ip(request))
        form.add_error("token", _("验证码不正确或已过期，请输入认证器 App 上的最新 6 位数字。"))
    context = {"form": form, "enrolling": enrolling}
    if enrolling:
        qr = segno.make(device.config_url, error="m")
        context.update(qr_svg=qr.svg_inline(scale=4, omitsize=True), secret=_base32_secret(device))
    return render(request, "accounts/two_factor.html", context)


def _base32_secret(device) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


@require_http_methods(["GET", "POST"])
def accept_invitation(request, token):
    invitation = services.find_invitation(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.accept_invitation(token=token, user=request.user, ip=client_ip(request))
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect("portal:home")
            messages.success(request, _("已加入 %(org)s。") % {"org": invitation.organization.name})
            return redirect("console:home")
        return render(request, "accounts/accept_invitation.html", {"invitation": invitation, "form": None})
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.accept_invitation(
                token=token,
                new_account={
                    "username": form.cleaned_data["username"],
                    "full_name": form.cleaned_data["full_name"],
                    "password": form.cleaned_data["password1"],
                },
                ip=client_ip(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            auth_login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            request.session.set_expiry(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE))
            messages.success(request, _("账号已创建，欢迎加入 %(org)s。") % {"org": invitation.organization.name})
            return redirect("console:home")
    return render(request, "accounts/accept_invitation.html", {"invitation": invitation, "form": form})


# --- console: members, invitations, audit log ----------------------------------------------

@console_view
@require_POST
def invitation_create(request, org_id):
    org = get_object_or_404(Organization.objects.select_related("division"), pk=org_id)
    policy.require(request.user, "invitation.create", org)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("邀请信息不完整：%(errors)s") % {"errors": "; ".join(
            str(e) for errors in form.errors.values() for e in errors)})
        return redirect("organizations:organization_detail", org_id=org.pk)
    invitation, token = services.create_invitation(
        actor=request.user, organization=org, ip=client_ip(request), site_url=site_url(request),
        **form.cleaned_data
    )
    link = absolute_url(reverse("accounts:accept_invitation", args=[token]), request)
    return render(request, "accounts/console/invitation_created.html",
                  {"org": org, "invitation": invitation, "link": link})


def _confirm(request, *, title, question, note, button, back, hidden=None, danger=True):
    return confirm_page(request, title=title, question=question, note=note, button=button, back=back,
                        hidden=hidden, danger=danger)


@console_view
@require_http_methods(["GET", "POST"])
def invitation_revoke(request, invitation_id):
    invitation = get_object_or_404(Invitation.objects.select_related("organization"), pk=invitation_id)
    policy.require(request.user, "invitation.create", invitation.organization)
    back = reverse("organizations:organization_detail", args=[invitation.organization_id])
    if request.method == "GET":
        who = " · ".join(p for p in [invitation.get_role_display(), invitation.email, invitation.note] if p)
        return _confirm(
            request, title=_("撤销邀请"),
            question=_("确定要撤销这份邀请（%(who)s）吗？") % {"who": who},
            note=_("撤销后邀请链接立即失效；已经接受邀请的成员不受影响。"), button=_("确定撤销"), back=back)
    if services.revoke_invitation(actor=request.user, invitation=invitation, ip=client_ip(request)):
        messages.success(request, _("邀请已撤销。"))
    else:
        messages.info(request, _("这份邀请已被使用或已撤销。"))
    return redirect(back)


@console_view
@require_http_methods(["GET", "POST"])
def membership_revoke(request, membership_id):
    membership = get_object_or_404(Membership.objects.select_related("organization", "user"), pk=membership_id)
    policy.require(request.user, "membership.manage", membership.organization)
    back = reverse("organizations:organization_detail", args=[membership.organization_id])
    names = {"user": membership.user.display_name, "role": membership.get_role_display(),
             "org": membership.organization.name}
    if request.method == "GET":
        return _confirm(
            request, title=_("撤销角色"),
            question=_("确定要撤销 %(user)s 在 %(org)s 的“%(role)s”角色吗？") % names,
            note=_("撤销后对方不能再以这个角色操作，此操作记入审计日志。"), button=_("确定撤销"), back=back)
    try:
        services.revoke_role(actor=request.user, membership=membership, ip=client_ip(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已撤销 %(user)s 的%(role)s角色。") % names)
    return redirect(back)


@console_view
@require_http_methods(["GET", "POST"])
def membership_change_role(request, membership_id):
    """Change a member's role in place: the organization page's select opens this with the
    new role (GET asks "确定要…？"), the confirmation's button POSTs it."""
    membership = get_object_or_404(Membership.objects.select_related("organization", "user"), pk=membership_id)
    policy.require(request.user, "membership.manage", membership.organization)
    back = reverse("organizations:organization_detail", args=[membership.organization_id])
    role = request.POST.get("role") if request.method == "POST" else request.GET.get("role")
    if role not in Role.values or role == membership.role:
        if request.method == "POST":
            messages.error(request, _("请选择一个新的角色。"))
        return render(request, "accounts/console/change_role.html", {
            "membership": membership, "roles": [(v, label) for v, label in Role.choices if v != membership.role],
            "back": back})
    names = {"user": membership.user.display_name, "org": membership.organization.name,
             "old": membership.get_role_display(), "new": Role(role).label}
    if request.method == "GET":
        return _confirm(
            request, title=_("变更角色"),
            question=_("确定要将 %(user)s 在 %(org)s 的角色由“%(old)s”改为“%(new)s”吗？") % names,
            note=_("变更立即生效，此操作记入审计日志。"), button=_("确定变更"), back=back, hidden={"role": role},
            danger=False)
    try:
        services.change_role(actor=request.user, membership=membership, role=role, ip=client_ip(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已将 %(user)s 的角色由“%(old)s”改为“%(new)s”。") % names)
    return redirect(back)


@console_view
def audit_log(request):
    if not selectors.may_view_audit(request.user):
        home = policy.home_organization(request.user)
        if home is not None:  # filed where the user's own admins look
            policy.refused(request.user, "audit.view", home, 403)
        raise PermissionDenied
    action = request.GET.get("action", "")
    page = Paginator(selectors.audit_events(request.user, action), 50).get_page(request.GET.get("page"))
    # Labels come from every app that records events (accounts.audit.register_labels).
    return render(request, "accounts/console/audit_log.html", {
        "page": page, "action_labels": ACTION_LABELS, "action": action})
