from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from . import policy
from .services import needs_two_factor


def console_view(view):
    """Signed-in staff with at least one membership; admins must have passed TOTP."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if needs_two_factor(user) and not user.is_verified():
            # Come back here after the code (two_factor checks `next` with core.http.safe_next).
            here = request.get_full_path()
            target = reverse("accounts:two_factor")
            if request.method == "GET" and here != reverse("console:home"):
                target += "?" + urlencode({"next": here})
            return redirect(target)
        if not policy.has_any_role(user):
            return render(request, "accounts/no_membership.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
