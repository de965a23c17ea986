"""Public pages of the commendations: a level's list on notice (公示, with the notice period,
where objections go and a form to raise one, rate-limited per address) or final (with the
decision text), and the certificate's verification page (the address its QR code opens).
A draft, proposed, approved or withdrawn list does not exist here (404)."""
from __future__ import annotations

import time

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from sciweek.accounts.audit import client_ip
from sciweek.api.ratelimit import count_in_db

from . import certificates, selectors, services
from .models import CommendationStatus

OBJECTIONS_PER_HOUR = 5  # per client address; counted in the database, so it holds without the cache


class ObjectionForm(forms.Form):
    candidate = forms.TypedChoiceField(label=gettext_lazy("对哪个单位或个人提出异议"), coerce=int, required=False,
                                       empty_value=None)
    text = forms.CharField(label=gettext_lazy("异议内容"), max_length=services.MAX_OBJECTION_CHARS,
                           widget=forms.Textarea(attrs={"rows": 5}),
                           help_text=gettext_lazy("请写明事实和理由，最多 2000 字。"))
    name = forms.CharField(label=gettext_lazy("姓名（选填）"), max_length=40, required=False)
    contact = forms.CharField(label=gettext_lazy("联系方式（选填）"), max_length=60, required=False,
                              help_text=gettext_lazy("留下联系方式便于核实和答复，不会公开。"))

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidate"].choices = [("", _("整份名单")), *choices]
        self.fields["name"].widget.attrs["autocomplete"] = "name"


def _allowed(request) -> bool:
    window = 3600
    start = int(time.time()) // window * window
    return count_in_db(f"commendations:objection:{client_ip(request) or 'unknown'}", start,
                       window) <= OBJECTIONS_PER_HOUR


@require_http_methods(["GET", "HEAD", "POST"])
def public_list(request, year: int, commendation_id: int):
    commendation = selectors.public_by_id(year, commendation_id)
    if commendation is None:
        raise Http404
    here = reverse("commendations:public", args=[year, commendation.pk])
    open_now = services.notice_open(commendation)
    if request.method == "POST" and not open_now:
        messages.error(request, _("当前不在公示期，不能提出异议。"))
        return redirect(here)
    data = selectors.public_page(commendation)
    form = None
    if open_now:
        choices = [(c["id"], c["name"]) for cat in data["categories"] for c in cat["candidates"]]
        form = ObjectionForm(request.POST if request.method == "POST" else None, choices=choices,
                             auto_id="objection_%s")
        if request.method == "POST" and form.is_valid():
            if not _allowed(request):
                form.add_error(None, _("提交太频繁，请一小时后再试。"))
            else:
                try:
                    services.raise_objection(commendation, text=form.cleaned_data["text"],
                                             candidate_id=form.cleaned_data["candidate"],
                                             name=form.cleaned_data["name"], contact=form.cleaned_data["contact"])
                except services.CommendationError as refusal:
                    for message in refusal.messages:
                        form.add_error(None, message)
                else:
                    messages.success(request, _("您的异议已提交，我们将在公示期内核实处理。"))
                    return redirect(f"{here}#objection")
    return render(request, "commendations/public/list.html", {
        "commendation": commendation, "campaign": commendation.campaign, "categories": data["categories"],
        "final": commendation.status == CommendationStatus.FINAL, "open_now": open_now, "form": form},
        status=400 if form is not None and form.errors else 200)


@require_safe
def certificate_verify(request, code: str):
    candidate = certificates.verify(code)
    context = {"valid": candidate is not None, "candidate": candidate}
    if candidate is not None:
        commendation = candidate.commendation
        context.update(commendation=commendation, honour=certificates.honour(candidate),
                       list_url=reverse("commendations:public", args=[commendation.campaign.year, commendation.pk]))
    return render(request, "commendations/public/certificate.html", context)
