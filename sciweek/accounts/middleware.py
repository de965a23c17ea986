import time

from django.conf import settings
from django.contrib.auth import logout


class IdleSessionTimeoutMiddleware:
    """Signs a staff user out after SESSION_IDLE_TIMEOUT seconds without a request.

    The absolute lifetime is SESSION_COOKIE_AGE (set at login, never extended).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get("last_seen")
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
            else:
                # Write at most once a minute so most requests do not touch the session store.
                if last is None or now - last > 60:
                    request.session["last_seen"] = now
        return self.get_response(request)
