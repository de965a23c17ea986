"""The console's live statistics of a quiz, the review of flagged attempts and the Excel
exports (results and prize list). Everyone holding ``quiz.results`` over the quiz's
organization (admins, publicity officers, reviewers, statisticians) sees them; outside that
subtree a quiz does not exist (404)."""
from __future__ import annotations

from datetime import UTC, datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from sciweek.accounts import policy
from sciweek.accounts.audit import client_ip, record
from sciweek.accounts.decorators import console_view
from sciweek.activities.public_views import short_province_name
from sciweek.core.confirm import confirm_page, confirmed
from sciweek.spreadsheets.writer import response as xlsx_response

from . import exports, selectors, services
from .models import Attempt, Quiz

ACTION = "quiz.results"
REVIEW_STATES = {"flagged": Attempt.Review.FLAGGED, "cleared": Attempt.Review.CLEARED,
                 "disqualified": Attempt.Review.DISQUALIFIED}
SCHOOLS_SHOWN = 50
PRIZES_SHOWN = 20
FLAGGED_PER_PAGE = 20


class ReviewForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("核查意见"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=gettext_lazy("写明核查的依据，将记入操作日志。"),
                           error_messages={"required": gettext_lazy("请写明核查意见。")})
    decision = forms.ChoiceField(choices=[("clear", gettext_lazy("核查通过")),
                                          ("disqualify", gettext_lazy("取消成绩"))],
                                 widget=forms.HiddenInput)


def _quiz(request, quiz_id) -> Quiz:
    quiz = get_object_or_404(Quiz.objects.select_related("organization", "campaign"), pk=quiz_id)
    policy.require(request.user, ACTION, quiz)
    return quiz


def _quiz_page(quiz) -> str:
    return reverse("quiz:quiz_edit", args=[quiz.pk])


def _province(request) -> str:
    code = request.GET.get("province", "")
    return code if len(code) == 6 and code.isdigit() and code.endswith("0000") else ""


def _chart_data(quiz, stats, questions, regions, by_province: bool) -> dict:
    data = {
        "bands": {"labels": [b.label for b in stats.bands], "values": [b.count for b in stats.bands]},
        "days": {"labels": [d["day"] for d in stats.per_day], "scored": [d["scored"] for d in stats.per_day],
                 "practice": [d["practice"] for d in stats.per_day]},
        "questions": {"labels": [str(i) for i in range(1, len(questions) + 1)],
                      "stems": [q.stem[:60] for q in questions],
                      "values": [q.correct_rate if q.correct_rate is not None else 0 for q in questions]},
    }
    if by_province and len([r for r in regions if r.code]) > 1:
        data["map"] = [{"name": short_province_name(r.name), "full_name": r.name, "value": r.takers}
                       for r in regions if r.code]
    return data


def _figures_context(quiz) -> dict:
    stats = selectors.quiz_statistics(quiz)
    questions = selectors.question_statistics(quiz)
    regions = selectors.participation_by_region(quiz)
    return {"quiz": quiz, "stats": stats, "questions": questions, "live": selectors.is_live(quiz),
            "statistics_rows": exports.statistics_rows(stats),
            "computed_at": timezone.localtime(datetime.fromtimestamp(stats.computed_at, tz=UTC)),
            "chart_data": _chart_data(quiz, stats, questions, regions, True), "regions_all": regions}


def _stats_context(request, quiz, bound: dict | None = None) -> dict:
    province = _province(request)
    context = _figures_context(quiz)
    regions = selectors.participation_by_region(quiz, province) if province else context["regions_all"]
    schools_total, schools = selectors.participation_by_school(quiz, province or None, limit=SCHOOLS_SHOWN)
    review = request.GET.get("review", "flagged")
    if review not in REVIEW_STATES:
        review = "flagged"
    page = Paginator(selectors.flagged_attempts(quiz, REVIEW_STATES[review]), FLAGGED_PER_PAGE).get_page(
        request.GET.get("page"))
    by_device, by_address = selectors.sharing(quiz, page.object_list)
    reviewable = []
    for attempt in page.object_list:
        form = (bound or {}).get(attempt.pk) or ReviewForm(prefix=f"a{attempt.pk}")
        reviewable.append({"attempt": attempt, "reasons": selectors.flag_reasons(attempt), "form": form,
                           "device_people": by_device.get(attempt.device_id), "address_people":
                           by_address.get(attempt.ip_address), "counts": _counts(attempt),
                           "seconds": exports.seconds(attempt.time_used_ms)})
    summary = selectors.PrizeList(ranked=context["stats"].ranked,
                                  counts=selectors.prize_counts(quiz, context["stats"].ranked), basis=quiz.prize_basis)
    prizes = list(selectors.prize_rows(quiz, summary, limit=PRIZES_SHOWN))
    province_name = ""
    if province:
        province_name = selectors.division_names([province]).get(province, province)
    context.update({
        "province": province, "province_name": province_name, "regions": regions, "schools": schools,
        "schools_total": schools_total, "review": review, "review_states": [
            (key, Attempt.Review(value).label) for key, value in REVIEW_STATES.items()],
        "page": page, "reviewable": reviewable, "prize_summary": summary, "prizes": prizes,
        "prize_tiers": [(label, summary.counts[tier]) for tier, label in selectors.PRIZE_TIERS],
        "prize_basis_text": exports.prize_basis_text(quiz, summary), "quiz_page": _quiz_page(quiz) if policy.can(request.user, "quiz.manage", quiz) else "",
        "bound_errors": next((form for form in (bound or {}).values() if form.errors), None),
    })
    return context


def _counts(attempt) -> bool:
    """Is this attempt the person's counted result, still in the ranking?"""
    standing = getattr(attempt, "standing", None)  # None when another attempt (or none) counts
    return standing is not None and not standing.disqualified


@console_view
@require_GET
def stats(request, quiz_id):
    quiz = _quiz(request, quiz_id)
    return render(request, "quiz/console/stats.html", _stats_context(request, quiz))


@console_view
@require_GET
def stats_figures(request, quiz_id):
    """The figures the page refreshes every 30 seconds (htmx)."""
    quiz = _quiz(request, quiz_id)
    if not request.htmx:
        return redirect("quiz:stats", quiz_id=quiz.pk)
    return render(request, "quiz/console/stats_figures.html", _figures_context(quiz))


@console_view
@require_http_methods(["GET", "POST"])
def stats_review(request, quiz_id, attempt_id):
    """Clear a flagged attempt or disqualify its result (with a written reason; disqualifying
    asks to confirm, as it cannot be undone)."""
    quiz = _quiz(request, quiz_id)
    attempt = get_object_or_404(Attempt.objects.select_related("quiz__organization", "registration"),
                                pk=attempt_id, quiz=quiz, is_practice=False)
    back = reverse("quiz:stats", args=[quiz.pk]) + "#flagged"
    if request.method == "GET":
        return HttpResponseRedirect(back)
    form = ReviewForm(request.POST, prefix=f"a{attempt.pk}")
    if not form.is_valid():
        context = _stats_context(request, quiz, bound={attempt.pk: form})
        return render(request, "quiz/console/stats.html", context, status=422)
    note, disqualify = form.cleaned_data["note"], form.cleaned_data["decision"] == "disqualify"
    if disqualify and not confirmed(request):
        name = attempt.registration.display_name if attempt.registration else str(attempt.person_id)
        return confirm_page(
            request, title=_("取消答题成绩"), back=back,
            question=_("确定取消 %(name)s 在“%(quiz)s”中的成绩吗？") % {"name": name, "quiz": quiz.title},
            note=_("取消后此人不再出现在排行榜和获奖名单中，不能恢复。核查意见：%(note)s") % {"note": note},
            button=_("确定取消成绩"),
            hidden={f"a{attempt.pk}-note": note, f"a{attempt.pk}-decision": "disqualify"})
    try:
        services.review_attempt(attempt, actor=request.user, disqualify=disqualify, note=note)
    except ValidationError as error:
        form.add_error("note", error)
        return render(request, "quiz/console/stats.html", _stats_context(request, quiz, bound={attempt.pk: form}),
                      status=422)
    messages.success(request, _("已取消该答题成绩。") if disqualify else _("已核查通过。"))
    return HttpResponseRedirect(back)


def _export(request, quiz_id, kind):
    quiz = _quiz(request, quiz_id)
    if kind == "results":
        workbook, rows = exports.results_workbook(quiz)
        summary = _("%(quiz)s：成绩（%(n)s 条）") % {"quiz": quiz.title, "n": rows}
    else:
        workbook, rows = exports.prizes_workbook(quiz)
        summary = _("%(quiz)s：获奖名单（%(n)s 条）") % {"quiz": quiz.title, "n": rows}
    record("quiz.results_exported", actor=request.user, organization=quiz.organization, ip=client_ip(request),
           summary=summary, detail={"quiz": quiz.pk, "kind": kind, "rows": rows})
    return xlsx_response(workbook, f"quiz-{quiz.pk}-{kind}-{timezone.localdate().isoformat()}.xlsx")


@console_view
@require_GET
def export_results(request, quiz_id):
    return _export(request, quiz_id, "results")


@console_view
@require_GET
def export_prizes(request, quiz_id):
    return _export(request, quiz_id, "prizes")
