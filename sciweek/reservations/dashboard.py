"""The reservations app's card on the console home: sessions about to start, with a button
to the check-in page, for staff who check people in."""
from sciweek.accounts import policy

from . import selectors


def upcoming_sessions(request):
    user = request.user
    if not (user.is_superuser or policy.scope_paths(user, "reservation.checkin")):
        return None
    sessions = selectors.sessions_to_check_in(user)
    return {"sessions": sessions} if sessions else None
