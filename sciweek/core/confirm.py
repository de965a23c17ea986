"""The one "are you sure?" step before something that cannot be undone (revoking a role,
cancelling a session, a booking or an activity). A GET, or a POST without `confirmed`, shows
the question; its button POSTs the same fields again with `confirmed=1`. No JavaScript needed."""
from django.shortcuts import render


def confirmed(request) -> bool:
    return request.method == "POST" and request.POST.get("confirmed") == "1"


def confirm_page(request, *, title, question, button, back, note="", hidden=None, danger=True, console=True):
    return render(request, "confirm.html", {
        "layout": "console/base.html" if console else "base.html",
        "title": title, "question": question, "note": note, "button": button, "back": back,
        "hidden": {**(hidden or {}), "confirmed": "1"}, "danger": danger})
