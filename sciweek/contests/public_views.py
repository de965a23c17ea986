"""Public pages of the contests, phone first and working without JavaScript: a year's contests
(<year>/contests/), a contest (rules, categories, dates, entries, prizes once final), an entry
(authors, unit, summary, its video played by the platform, the public vote), the results (the
公示 list with its real-name objection form, then the prize list by tier with certificates),
the live board of a final for the big screen and its small JSON feed, and the certificate's
verification page (contests/certificates/<code>/, the address its QR code opens).

What a page shows of a contest is rendered once per change: fragments are cached (core.cache)
under the contest's own ``version``, which every service bumps on a change the public sees.
Votes do not bump it, so vote counts and the vote button are read per visit. Judges' own
marks and conflicts never reach these pages: only a round's aggregate results.
"""
from __future__ import annotations

import re
import time
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sciweek.accounts.audit import client_ip
from sciweek.api.ratelimit import count_in_db
from sciweek.campaigns.selectors import published_campaigns
from sciweek.core import cache as public_cache
from sciweek.core.device import read_device, remember_device
from sciweek.core.templatetags.sciweek import format_day_time
from sciweek.media import services as media_services
from sciweek.participants.services import public_person

from . import certificates, selectors, services
from .models import Contest, Entry, PrizeTier

OBJECTIONS_PER_HOUR = 5  # per client address; counted in the database, so it holds without the cache
LIVE_REFRESH_SECONDS = 2.5


# --- lookups ---------------------------------------------------------------------------------

def _campaign(year: int):
    return get_object_or_404(published_campaigns(), year=year)


def _contest(year: int, slug: str) -> Contest:
    """A contest the public sees (not DRAFT), with its campaign and organizer, in one query."""
    contest = (Contest.objects.select_related("campaign", "organization")
               .filter(campaign__is_published=True, campaign__year=year, slug=slug,
                       status__in=Contest.Status.PUBLIC).first())
    if contest is None:
        raise Http404
    return contest


def _entry(contest: Contest, number: int) -> Entry:
    entry = selectors.public_entry(contest, number)
    if entry is None:
        raise Http404
    entry.contest = contest
    return entry


def _fragment(name: str, contest: Contest, render_fragment, *key):
    """A piece of a contest's page through the cache, under the contest's version (and the
    language: the fragment holds translated text)."""
    version = f"contest:{contest.pk}:{contest.version}:{contest.status}"
    return public_cache.cached(f"contest-{name}", contest.campaign, render_fragment, *key,
                               translation.get_language(), version=version)


def contest_url(contest: Contest, name: str = "detail", *args) -> str:
    return reverse(f"contests:{name}", args=[contest.campaign.year, contest.slug, *args])


def entry_url(contest: Contest, entry: Entry) -> str:
    return contest_url(contest, "entry", entry.number)


def media_urls(entry: Entry) -> tuple[str, str]:
    """(video, poster) addresses the platform plays the entry's video from: only for a public
    asset, and only once the media module gives its addresses; ("", "") otherwise."""
    asset = entry.video if entry.video_id else None
    if asset is None or not asset.is_public:
        return "", ""
    return media_services.public_url(asset), media_services.public_url(asset, part="poster") if asset.poster else ""


# --- the year's contests and a contest's page -------------------------------------------------

@require_safe
def contest_list(request, year: int):
    campaign = _campaign(year)

    def render_body() -> str:
        contests = list(selectors.public_contests(campaign))
        return render_to_string("contests/public/_list.html", {"campaign": campaign, "contests": contests})

    body = public_cache.cached("contests-list", campaign, render_body, translation.get_language(),
                               version=selectors.public_contests_version(campaign))
    return render(request, "contests/public/list.html", {"campaign": campaign, "body": body})


def _tiers_in_words(tiers: list[PrizeTier]) -> list[str]:
    words = []
    for tier in tiers:
        if tier.count:
            words.append(_("%(tier)s %(n)s 名") % {"tier": tier.name, "n": tier.count})
        elif tier.share_percent:
            words.append(_("%(tier)s：排名前 %(n)s%% 中的相应名次") % {"tier": tier.name, "n": tier.share_percent})
        else:
            words.append(_("%(tier)s：其余入围作品") % {"tier": tier.name})
    return words


@require_safe
def contest_detail(request, year: int, slug: str):
    contest = _contest(year, slug)

    def render_body() -> str:
        categories = list(contest.categories.all())
        entries = list(selectors.public_entries(contest))
        by_category = {c.pk: [] for c in categories}
        for entry in entries:
            entry.poster_url = media_urls(entry)[1]
            by_category.setdefault(entry.category_id, []).append(entry)
        tiers = list(contest.prize_tiers.all())
        rounds = selectors.rounds_of(contest)
        return render_to_string("contests/public/_contest.html", {
            "contest": contest, "campaign": contest.campaign, "rounds": rounds,
            "groups": [(c, by_category.get(c.pk, [])) for c in categories], "entry_count": len(entries),
            "tiers": _tiers_in_words(tiers),
            # The board is for the final being marked; afterwards the results page tells the outcome.
            "has_live": contest.status == Contest.Status.JUDGING and any(r.is_live for r in rounds),
            "has_results": contest.status in (Contest.Status.PUBLICITY, Contest.Status.FINAL)})

    body = _fragment("page", contest, render_body)
    return render(request, "contests/public/detail.html", {"contest": contest, "campaign": contest.campaign,
                                                           "body": body})


# --- an entry and the public vote -------------------------------------------------------------

def vote_window(contest: Contest, now=None) -> str:
    """"off" (no public vote), "coming", "open" or "closed"."""
    now = now or timezone.now()
    if not contest.vote_enabled:
        return "off"
    if contest.votes_open_at and now < contest.votes_open_at:
        return "coming"
    if (contest.votes_close_at and now > contest.votes_close_at) or contest.status == Contest.Status.FINAL:
        return "closed"
    return "open"


@require_safe
def entry_detail(request, year: int, slug: str, number: int):
    contest = _contest(year, slug)
    entry = _entry(contest, number)

    def render_body() -> str:
        video, poster = media_urls(entry)
        award = (contest.awards.filter(entry=entry).select_related("tier").first()
                 if contest.status == Contest.Status.FINAL else None)
        return render_to_string("contests/public/_entry.html", {
            "contest": contest, "entry": entry, "video_url": video, "poster_url": poster, "award": award,
            "authors": certificates.authors(entry)})

    body = _fragment("entry", contest, render_body, entry.number)
    context = {"contest": contest, "campaign": contest.campaign, "entry": entry, "body": body,
               "window": vote_window(contest)}
    if contest.vote_enabled:
        context["votes"] = selectors.vote_counts([entry.pk]).get(entry.pk, 0)
        context["person"] = public_person(request.user)
    response = render(request, "contests/public/entry.html", context)
    if contest.vote_enabled:
        device_id, new = read_device(request)
        remember_device(request, response, device_id, new)
    return response


@require_POST
def vote(request, year: int, slug: str, number: int):
    contest = _contest(year, slug)
    entry = _entry(contest, number)
    back = entry_url(contest, entry)
    person = public_person(request.user)
    if person is None:
        if request.user.is_authenticated:
            messages.info(request, _("网络投票请使用手机号登录的公众账号。"))
        else:
            messages.info(request, _("请先用手机号登录再投票。"))
        return redirect(f"{reverse('participants:sign_in')}?{urlencode({'next': back})}")
    device_id, new = read_device(request)
    try:
        services.cast_vote(entry, voter=person, ip=client_ip(request), device=device_id, contest=contest)
    except services.ContestError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, _("投票成功，感谢您的参与。"))
    return remember_device(request, redirect(f"{back}#vote"), device_id, new)


# --- results: the public notice with objections, then the prize list --------------------------

PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,18}[0-9]$")


class ObjectionForm(forms.Form):
    """An objection in real name (实名) during the notice: which entry, who, how to reach them, why."""

    entry = forms.TypedChoiceField(label=gettext_lazy("对哪件作品提出异议"), coerce=int)
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=40,
                           help_text=gettext_lazy("异议须实名提出，匿名异议不予受理。"))
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=20,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
                            help_text=gettext_lazy("手机或固定电话，仅供主办单位核实和答复，不会公开。"))
    text = forms.CharField(label=gettext_lazy("异议内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}),
                           help_text=gettext_lazy("请写明异议的事实和理由，最多 2000 字。"))

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].choices = [("", _("请选择作品")), *choices]
        self.fields["name"].widget.attrs["autocomplete"] = "name"

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if not PHONE.match(phone):
            raise forms.ValidationError(_("请填写有效的联系电话（手机号或带区号的固定电话）。"))
        return phone

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("请填写姓名。"))
        return name


def _objection_allowed(request) -> bool:
    """At most OBJECTIONS_PER_HOUR objections an hour from one client address."""
    window = 3600
    start = int(time.time()) // window * window
    return count_in_db(f"contests:objection:{client_ip(request) or 'unknown'}", start, window) <= OBJECTIONS_PER_HOUR


def _objection_choices(contest: Contest, rows) -> list[tuple[int, str]]:
    """The entries on the notice (number, label), cached under the contest's version."""
    return _fragment("objection-choices", contest, lambda: [(r.entry.number, f"{r.entry.code} {r.entry.title}")
                                                           for r in rows()])


@require_http_methods(["GET", "HEAD", "POST"])
def results(request, year: int, slug: str):
    contest = _contest(year, slug)
    publication = selectors.publication_of(contest)
    if publication is None:
        raise Http404
    final = contest.status == Contest.Status.FINAL
    open_for_objections = not final and timezone.now() <= publication.publicity_ends_at
    if request.method == "POST" and not open_for_objections:
        messages.error(request, _("当前不在公示期，不能提出异议。"))
        return redirect(contest_url(contest, "results"))
    loaded: list = []

    def rows() -> list:  # the notice's results, read at most once per request (cache misses only)
        if not loaded:
            loaded.append(selectors.published_results(publication))
        return loaded[0]

    form = None
    if open_for_objections:
        form = ObjectionForm(request.POST if request.method == "POST" else None,
                             choices=_objection_choices(contest, rows), auto_id="objection_%s")
    if request.method == "POST" and form.is_valid():
        entry = selectors.public_entry(contest, form.cleaned_data["entry"])
        if entry is None:  # left the contest since the list was drawn
            form.add_error("entry", _("这件作品已不在公示名单中。"))
        elif not _objection_allowed(request):
            form.add_error(None, _("提交太频繁，请一小时后再试。"))
        else:
            try:
                services.raise_objection(contest, entry=entry, name=form.cleaned_data["name"],
                                         phone=form.cleaned_data["phone"], text=form.cleaned_data["text"])
            except services.ContestError as refusal:
                for message in refusal.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("您的异议已提交，主办单位将在公示期结束前核实处理，并通过您留下的电话答复。"))
                return redirect(f"{contest_url(contest, 'results')}#objection")

    def render_body() -> str:
        context = {"contest": contest, "publication": publication, "final": final}
        if final:
            groups: list[tuple] = []
            for award in selectors.awards_of(contest):
                if award.entry.status not in Entry.Status.IN_CONTEST:
                    continue
                award.contest = contest
                if not groups or groups[-1][0].pk != award.tier_id:
                    groups.append((award.tier, []))
                award.certificate_url = certificates.download_path(award)
                award.video_url = media_urls(award.entry)[0]
                groups[-1][1].append(award)
            context["tiers"] = groups
        else:
            categories: list[tuple] = []
            for result in rows():
                if not categories or categories[-1][0].pk != result.entry.category_id:
                    categories.append((result.entry.category, []))
                categories[-1][1].append(result)
            context["categories"] = categories
        return render_to_string("contests/public/_results.html", context)

    body = _fragment("results", contest, render_body)
    return render(request, "contests/public/results.html", {
        "contest": contest, "campaign": contest.campaign, "publication": publication, "final": final,
        "body": body, "form": form, "open_for_objections": open_for_objections})


# --- the live board ---------------------------------------------------------------------------

@require_safe
def live(request, year: int, slug: str):
    contest = _contest(year, slug)
    rnd = selectors.live_round(contest)
    if rnd is None:
        raise Http404
    return render(request, "contests/public/live.html", {
        "contest": contest, "campaign": contest.campaign, "round": rnd, "board": _board(rnd),
        "data_url": contest_url(contest, "live_data"), "refresh_ms": int(LIVE_REFRESH_SECONDS * 1000)})


def _board(rnd) -> dict:
    """The board as the page and the feed show it: rows grouped by category, progress in words."""
    categories: list[dict] = []
    for row in selectors.live_board(rnd):
        if not categories or categories[-1]["id"] != row["category_id"]:
            categories.append({"id": row["category_id"], "name": row["category"], "rows": []})
        row["progress"] = _("已评 %(in)s/%(expected)s") % {"in": row["scores_in"], "expected": row["scores_expected"]}
        categories[-1]["rows"].append(row)
    return {"round": rnd.name, "version": rnd.version, "categories": categories,
            "updated": format_day_time(timezone.now())}


def _etag(if_none_match: str, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = parse_etags(if_none_match)
    return tags == ["*"] or etag.removeprefix("W/") in {t.removeprefix("W/") for t in tags}


@require_safe
def live_data(request, year: int, slug: str):
    """The live board's feed, polled every few seconds. Its ETag is the round's and the
    contest's version (and the language): an unchanged board is one query and a 304."""
    from .models import Round

    rnd = (Round.objects.select_related("contest")
           .filter(contest__campaign__is_published=True, contest__campaign__year=year, contest__slug=slug,
                   contest__status__in=Contest.Status.PUBLIC, is_live=True)
           .order_by("-position", "-id").first())
    if rnd is None:
        raise Http404
    language = translation.get_language()
    etag = f'W/"live-{rnd.pk}-{rnd.version}-{rnd.contest.version}-{language}"'
    if _etag(request.headers.get("If-None-Match", ""), etag):
        response = HttpResponseNotModified()
    else:
        board = public_cache.cached("contest-live", None, lambda: _board(rnd), language,
                                    version=f"live:{rnd.pk}:{rnd.version}:{rnd.contest.version}")
        response = JsonResponse(board, json_dumps_params={"ensure_ascii": False})
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"  # always revalidate: the board changes within seconds
    response["Vary"] = "Accept-Language, Cookie"
    return response


# --- certificates -----------------------------------------------------------------------------

@require_safe
def certificate_pdf(request, year: int, slug: str, code: str):
    contest = _contest(year, slug)
    award = certificates.verify(code)
    if award is None or award.contest_id != contest.pk:
        raise Http404
    response = HttpResponse(certificates.pdf(award, request), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="sciweek-contest-certificate-{award.pk}.pdf"'
    return response


@require_safe
def certificate_verify(request, code: str):
    """Anyone holding the QR's address may check a certificate: valid or not, the contest, the
    prize, the entry, its authors and unit, the date."""
    award = certificates.verify(code)
    context = {"valid": award is not None}
    if award is not None:
        context.update({"award": award, "contest": award.contest, "entry": award.entry,
                        "authors": certificates.authors(award.entry),
                        "entry_url": entry_url(award.contest, award.entry)})
    return render(request, "contests/public/certificate.html", context, status=200 if award else 404)

