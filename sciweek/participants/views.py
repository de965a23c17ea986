"""Public pages of the person: phone sign-in, sign-out, my data (export and deletion)."""
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sciweek.accounts.audit import client_ip
from sciweek.core.http import safe_next

from . import services
from .forms import CodeForm, PhoneForm
from .models import mask_phone
from .registry import personal_pages


def _landing() -> str:
    """Where sign-in goes without a `next`: the first page of the person's own (registered by
    the apps that have one), else the home page."""
    pages = personal_pages()
    return reverse(pages[0]) if pages else reverse("portal:home")


def _next(request, default):
    return safe_next(request, default)


def sign_in_redirect(request):
    """Send an anonymous visitor to sign in and come back here (for other apps' pages)."""
    return redirect(f"{reverse('participants:sign_in')}?next={request.path}")


@require_http_methods(["GET", "POST"])
def sign_in(request):
    next_url = _next(request, _landing())
    if request.method == "POST" and "code" not in request.POST:
        form = PhoneForm(request.POST)
        if form.is_valid():
            try:
                phone = services.request_code(form.cleaned_data["phone"], ip=client_ip(request))
            except services.ParticipantError as refusal:
                form.add_error("phone", str(refusal))
            else:
                return render(request, "participants/sign_in_code.html", {
                    "form": CodeForm(initial={"phone": phone}), "masked": mask_phone(phone), "next": next_url})
        return render(request, "participants/sign_in.html", {"form": form, "next": next_url})
    if request.method == "POST":
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                user = services.verify_code(form.cleaned_data["phone"], form.cleaned_data["code"],
                                            consent=form.cleaned_data["consent"], name=form.cleaned_data["name"])
            except services.ParticipantError as refusal:
                form.add_error("code", str(refusal))
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect(next_url)
        phone = form.data.get("phone", "")
        return render(request, "participants/sign_in_code.html", {
            "form": form, "masked": f"{phone[:3]}****{phone[-4:]}", "next": next_url})
    return render(request, "participants/sign_in.html", {"form": PhoneForm(), "next": next_url})


@require_POST
def sign_out(request):
    logout(request)
    return redirect("portal:home")


@require_http_methods(["GET", "POST"])
def my_data(request):
    person = services.public_person(request.user)
    if person is None:
        return sign_in_redirect(request)
    if request.method == "POST" and request.POST.get("action") == "delete" and request.POST.get("confirm") == "1":
        services.delete_personal_data(person)
        logout(request)
        messages.success(request, _("您的账号和手机号已删除。"))
        return redirect("portal:home")
    # Times as the person reads them: the platform's zone (Asia/Shanghai), never UTC.
    with timezone.override(settings.TIME_ZONE):
        if request.GET.get("format") == "json":
            data = {"time_zone": settings.TIME_ZONE, **services.export_personal_data(person)}
            response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2),
                                    content_type="application/json; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="sciweek-my-data.json"'
            return response
        return render(request, "participants/my_data.html", {"profile": services.profile_of(person),
                                                             "time_zone": settings.TIME_ZONE})
