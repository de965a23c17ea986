"""Public pages of the quiz (科普知识网络答题), phone first and working without JavaScript
(WeChat's browser included): the campaign's quizzes, a quiz's rules and my standing, the
registration (name, region, school), an attempt one question at a time, the feedback after
each answer, the result with explanations and ranks, the certificate and its public
verification page, and the leaderboards.

The attempt is dealt and timed on the server (``services``): these views only show what it
deals and pass on what the taker chose. The answer key of a question is never rendered
before that question is answered (the feedback and result pages show it afterwards).
JavaScript (static/js/quiz.js) only runs the visible countdown; without it the deadline's
time is shown. Every refusal of the service is a localized message on the page, never a 500;
another person's attempt is a 404.
"""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from sciweek.accounts.audit import client_ip
from sciweek.campaigns.selectors import published_campaigns
from sciweek.core.confirm import confirm_page, confirmed
from sciweek.core.device import read_device, remember_device
from sciweek.core.templatetags.sciweek import format_day_time, zh
from sciweek.organizations.models import Division
from sciweek.organizations.selectors import division_children, provinces
from sciweek.participants.services import public_person

from . import bank, certificates, leaderboard, services
from .models import Attempt, AttemptQuestion, Question, Quiz, Registration, Standing

SCHOOL_EXAMPLE = "石家庄市第二中学"  # in the registration form's help (and its translations)
BOARD_SIZE = 50  # rows on a leaderboard page
PREVIEW_SIZE = 10  # rows of the board on the quiz page
HISTORY_SIZE = 20  # my attempts listed on the quiz page
SCOPES = ("all", "province", "city", "school")
SCOPE_LABELS = {"all": gettext_lazy("全部"), "province": gettext_lazy("本省"), "city": gettext_lazy("本市"),
                "school": gettext_lazy("本校")}
SCOPE_RANK_LABELS = {"all": gettext_lazy("全部答题者中"), "province": gettext_lazy("本省"),
                     "city": gettext_lazy("本市"), "school": gettext_lazy("本校")}


# --- small helpers ---------------------------------------------------------------------------

def _campaign(year: int):
    return get_object_or_404(published_campaigns(), year=year)


def _public_quizzes(campaign):
    return Quiz.objects.filter(campaign=campaign, status=Quiz.Status.PUBLISHED).select_related("organization")


def _quiz(year: int, slug: str) -> Quiz:
    return get_object_or_404(
        Quiz.objects.select_related("campaign", "organization").filter(
            campaign__is_published=True, status=Quiz.Status.PUBLISHED), campaign__year=year, slug=slug)


def quiz_state(quiz: Quiz, now=None) -> str:
    """"open", "coming" or "ended" (by the clock; a published quiz)."""
    now = now or timezone.now()
    if now < quiz.opens_at:
        return "coming"
    if now >= quiz.closes_at:
        return "ended"
    return "open"


def duration(ms: int | None) -> str:
    """Time used, as a person reads it: 3 分 25.4 秒 / 25.4 秒."""
    if ms is None:
        return ""
    minutes, rest = divmod(ms, 60_000)
    seconds = f"{rest / 1000:.1f}"
    if minutes:
        return _("%(m)s 分 %(s)s 秒") % {"m": minutes, "s": seconds}
    return _("%(s)s 秒") % {"s": seconds}


def _seconds(n: int) -> str:
    minutes, seconds = divmod(n, 60)
    if minutes and seconds:
        return _("%(m)s 分 %(s)s 秒") % {"m": minutes, "s": seconds}
    if minutes:
        return _("%(m)s 分钟") % {"m": minutes}
    return _("%(s)s 秒") % {"s": seconds}


def quiz_url(quiz: Quiz) -> str:
    return reverse("quiz:detail", args=[quiz.campaign.year, quiz.slug])


def attempt_url(attempt: Attempt, name: str = "attempt") -> str:
    return reverse(f"quiz:{name}", args=[attempt.quiz.campaign.year, attempt.quiz.slug, attempt.pk])


def _sign_in(request, next_url: str):
    """Send a visitor to the phone sign-in, coming back to `next_url` (a page, never a POST-only
    address)."""
    if request.user.is_authenticated:
        messages.info(request, _("参加答题请使用手机号登录的公众账号。"))
    else:
        messages.info(request, _("请先用手机号登录再参加答题。"))
    return redirect(f"{reverse('participants:sign_in')}?{urlencode({'next': next_url})}")


def _own_attempt(request, year: int, slug: str, attempt_id: int) -> Attempt:
    """The signed-in person's attempt at this address (another person's id: 404)."""
    person = public_person(request.user)
    if person is None:
        raise Http404
    try:
        attempt = services.attempt_of(person, attempt_id)
    except services.NotFound:
        raise Http404 from None
    if attempt.quiz.slug != slug or attempt.quiz.campaign.year != year:
        raise Http404
    attempt.person = person
    return attempt


def rules_in_words(quiz: Quiz) -> dict:
    """What the quiz page says about its rules, in sentences."""
    rules = bank.rules(quiz)
    kinds = dict(Question.Kind.choices)
    difficulties = dict(Question.Difficulty.choices)
    mix = []
    for rule in rules:
        kind = str(kinds.get(rule["kind"], rule["kind"]))
        if rule["difficulty"]:
            kind = _("%(kind)s（%(difficulty)s）") % {"kind": kind, "difficulty": difficulties.get(rule["difficulty"])}
        mix.append(_("%(kind)s %(n)s 道，每题 %(points)s 分") % {"kind": kind, "n": rule["count"],
                                                               "points": rule["points"]})
    count = sum(rule["count"] for rule in rules)
    max_score = sum(rule["count"] * rule["points"] for rule in rules)
    limits = []
    if quiz.seconds_per_question:
        limits.append(_("每题限时 %(t)s") % {"t": _seconds(quiz.seconds_per_question)})
    if quiz.seconds_per_attempt:
        limits.append(_("每次答题限时 %(t)s") % {"t": _seconds(quiz.seconds_per_attempt)})
    attempts = []
    if quiz.scored_attempts_per_day is None and quiz.scored_attempts_total is None:
        attempts.append(_("计分答题次数不限"))
    if quiz.scored_attempts_per_day is not None:
        attempts.append(_("每天可计分答题 %(n)s 次") % {"n": quiz.scored_attempts_per_day})
    if quiz.scored_attempts_total is not None:
        attempts.append(_("共可计分答题 %(n)s 次") % {"n": quiz.scored_attempts_total})
    pass_score = -(-max_score * quiz.pass_percent // 100) if max_score else 0
    prizes = []
    for label, number in ((_("一等奖"), quiz.first_prizes), (_("二等奖"), quiz.second_prizes),
                          (_("三等奖"), quiz.third_prizes)):
        if number:
            if quiz.prize_basis == Quiz.PrizeBasis.SHARE:
                prizes.append(_("%(prize)s：成绩排名前 %(n)s%% 中的相应名次") % {"prize": label, "n": number})
            else:
                prizes.append(_("%(prize)s %(n)s 名") % {"prize": label, "n": number})
    return {
        "count": count, "max_score": max_score, "mix": mix, "limits": limits, "attempts": attempts,
        "score_rule": quiz.get_score_rule_display(), "pass_score": pass_score, "prizes": prizes,
        "share_prizes": quiz.prize_basis == Quiz.PrizeBasis.SHARE and bool(prizes),
    }


def attempts_left(quiz: Quiz, person, now=None) -> int | None:
    """Scored attempts the person may still start (None: no limit)."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    scored = list(Attempt.objects.filter(quiz=quiz, person=person, is_practice=False).values_list("day", flat=True))
    left = []
    if quiz.scored_attempts_total is not None:
        left.append(max(0, quiz.scored_attempts_total - len(scored)))
    if quiz.scored_attempts_per_day is not None:
        left.append(max(0, quiz.scored_attempts_per_day - sum(1 for d in scored if d == day)))
    return min(left) if left else None


def _rank_lines(quiz: Quiz, person, registration: Registration | None) -> list[dict]:
    ranks = leaderboard.rank_of(quiz, person) or {}
    lines = []
    for scope in SCOPES:
        found = ranks.get(scope)
        if not found or not found[0]:
            continue
        rank, total = found
        lines.append({"scope": scope, "label": SCOPE_RANK_LABELS[scope], "rank": rank, "total": total,
                      "url": board_url(quiz, scope, _scope_key(scope, registration))})
    return lines


def _scope_key(scope: str, registration: Registration | None) -> str:
    """The key of the person's own board in `scope` ("" when they are on none)."""
    if registration is None:
        return ""
    return leaderboard.scopes_of(registration).get(scope, "")


def board_url(quiz: Quiz, scope: str = "all", key: str = "") -> str:
    url = reverse("quiz:leaderboard", args=[quiz.campaign.year, quiz.slug])
    params = {k: v for k, v in (("scope", scope if scope != "all" else ""), ("key", key)) if v}
    return f"{url}?{urlencode(params)}" if params else url


def _board_rows(rows, person=None) -> list[dict]:
    """Leaderboard rows (leaderboard.Row, names already masked) for a template, with the time
    used in words and the viewer's own row marked."""
    me = getattr(person, "pk", None)
    return [{"rank": row.rank, "display_name": row.display_name, "score": row.score,
             "time": duration(row.time_used_ms), "is_me": me is not None and row.person_id == me} for row in rows]


# --- the campaign's quizzes and a quiz's page ------------------------------------------------

@require_safe
def quiz_list(request, year: int):
    campaign = _campaign(year)
    now = timezone.now()
    groups = {"open": [], "coming": [], "ended": []}
    for quiz in _public_quizzes(campaign).order_by("opens_at", "id"):
        groups[quiz_state(quiz, now)].append(quiz)
    groups["ended"].reverse()  # the latest ended first
    return render(request, "quiz/public/list.html", {"campaign": campaign, "groups": [
        (("open", groups["open"]), _("正在进行"), _("现在没有正在进行的答题。")),
        (("coming", groups["coming"]), _("即将开始"), _("暂无即将开始的答题。")),
        (("ended", groups["ended"]), _("已经结束"), _("暂无已结束的答题。")),
    ]})


@require_safe
def quiz_detail(request, year: int, slug: str):
    quiz = _quiz(year, slug)
    person = public_person(request.user)
    now = timezone.now()
    context = {"quiz": quiz, "campaign": quiz.campaign, "state": quiz_state(quiz, now), "rules": rules_in_words(quiz),
               "refusal": services.open_refusal(quiz, now), "person": person,
               "board": _board_rows(leaderboard.top(quiz, "all", "", PREVIEW_SIZE), person),
               "board_url": board_url(quiz)}
    if person is not None:
        registration = Registration.objects.filter(quiz=quiz, person=person).select_related("division").first()
        history = list(Attempt.objects.filter(quiz=quiz, person=person).order_by("-started_at", "-id")[:HISTORY_SIZE])
        current = next((a for a in history if a.status == Attempt.Status.IN_PROGRESS and a.deadline_at > now), None)
        standing = Standing.objects.filter(quiz=quiz, person=person).first()
        context.update({
            "registration": registration, "history": history, "current": current,
            "needs_registration": registration is None or services.registration_missing(quiz, registration),
            "left": attempts_left(quiz, person, now), "standing": standing,
            "standing_time": duration(standing.time_used_ms) if standing else "",
            "ranks": _rank_lines(quiz, person, registration) if standing and not standing.disqualified else [],
        })
    device_id, new = read_device(request)
    return remember_device(request, render(request, "quiz/public/detail.html", context), device_id, new)


@require_GET
def join(request, year: int, slug: str):
    """"登录参加答题": to the phone sign-in (saying why), back to the quiz page."""
    quiz = _quiz(year, slug)
    if public_person(request.user) is None:
        return _sign_in(request, quiz_url(quiz))
    return redirect(quiz_url(quiz))


# --- registration ----------------------------------------------------------------------------

class RegistrationForm(forms.Form):
    """The taker's name (on boards and the certificate), region (province → city → county) and
    school, as the quiz asks. Works without JavaScript: choosing a province and pressing
    "选择" shows its cities (quiz.js presses it on change)."""

    display_name = forms.CharField(label=gettext_lazy("姓名或昵称"), max_length=32,
                                   help_text=gettext_lazy("显示在证书上；排行榜上会隐去部分字。"))
    p = forms.ChoiceField(label=gettext_lazy("省份"), required=False)
    c = forms.ChoiceField(label=gettext_lazy("城市"), required=False)
    d = forms.ChoiceField(label=gettext_lazy("区县（可不选）"), required=False)
    school_name = forms.CharField(label=gettext_lazy("学校"), max_length=64, required=False,
                                  help_text=gettext_lazy("请填写学校全称，如：石家庄市第二中学。"))  # SCHOOL_EXAMPLE

    def __init__(self, *args, quiz: Quiz, **kwargs):
        super().__init__(*args, **kwargs)
        self.quiz = quiz
        if not quiz.asks_region:
            for name in ("p", "c", "d"):
                del self.fields[name]
        # The help's example is a school's name: data, marked as Chinese on an English page.
        help_text = conditional_escape(str(self.fields["school_name"].help_text))
        self.fields["school_name"].help_text = mark_safe(  # noqa: S308 - escaped just above
            help_text.replace(SCHOOL_EXAMPLE, str(conditional_escape(zh(SCHOOL_EXAMPLE)))))
        if quiz.asks_school:
            self.fields["school_name"].required = True
        else:
            self.fields["school_name"].label = _("学校（可不填）")
        if quiz.asks_region:
            source = self.data if self.is_bound else self.initial
            province = self._valid(source.get("p", ""), None)
            city = self._valid(source.get("c", ""), province) if province else ""
            self.province, self.city = province, city
            self.fields["p"].required = True
            self.fields["p"].choices = [("", _("请选择"))] + [(d.code, d.name) for d in provinces()]
            self.cities = list(division_children(province)) if province else []
            self.fields["c"].choices = [("", _("请选择"))] + [(d.code, d.name) for d in self.cities]
            counties = list(division_children(city)) if city else []
            self.fields["d"].choices = [("", _("不选"))] + [(d.code, d.name) for d in counties]
            if not self.cities:
                self.fields["c"].widget.attrs["disabled"] = True
            if not counties:
                self.fields["d"].widget.attrs["disabled"] = True

    @staticmethod
    def _valid(code, parent) -> str:
        code = str(code or "")[:6]
        if not (code.isdigit() and len(code) == 6):
            return ""
        return code if Division.objects.filter(code=code, parent_id=parent).exists() else ""

    def clean(self):
        data = super().clean()
        if not self.quiz.asks_region or self.errors:
            return data
        province, city, county = data.get("p"), data.get("c"), data.get("d")
        if not province:
            self.add_error("p", _("请选择所在地区。"))
            return data
        if self.cities and not city:
            self.add_error("c", _("请选择城市。"))
            return data
        code = county or city or province
        data["division"] = Division.objects.filter(code=code).first()
        return data


def _registration_initial(quiz: Quiz, registration: Registration | None, person) -> dict:
    if registration is not None:
        code = registration.division_id or ""
        initial = {"display_name": registration.display_name, "school_name": registration.school_name}
        if code:
            initial["p"] = code[:2] + "0000"
            initial["c"] = code[:4] + "00" if code[2:4] != "00" else ""
            initial["d"] = code if code[4:] != "00" else ""
        return initial
    initial = {"display_name": getattr(getattr(person, "public_profile", None), "name", "")}
    division = quiz.organization.division_id or ""
    if division and division[:2] != "00":  # a provincial or local quiz: its province first
        initial["p"] = division[:2] + "0000"
    return initial


@require_http_methods(["GET", "POST"])
def register(request, year: int, slug: str):
    quiz = _quiz(year, slug)
    person = public_person(request.user)
    if person is None:
        return _sign_in(request, request.path)
    registration = Registration.objects.filter(quiz=quiz, person=person).first()
    if request.method == "POST" and "refresh" in request.POST:
        # Only the region's next level was asked for: show it, keep what was typed, no errors.
        data = request.POST.copy()
        if data.get("p", "")[:2] != data.get("c", "")[:2]:
            data["c"] = ""
        if data.get("c", "")[:4] != data.get("d", "")[:4]:
            data["d"] = ""
        form = RegistrationForm(initial={k: data.get(k, "") for k in ("display_name", "p", "c", "d", "school_name")},
                                quiz=quiz)
        following = {"p": "c", "c": "d"}.get(data.get("refresh", ""))
        if following in form.fields and not form.fields[following].widget.attrs.get("disabled"):
            form.fields[following].widget.attrs["autofocus"] = True  # carry on where the choice goes next
    elif request.method == "POST":
        form = RegistrationForm(request.POST, quiz=quiz)
        if form.is_valid():
            try:
                services.register(quiz, person, display_name=form.cleaned_data["display_name"],
                                  division=form.cleaned_data.get("division"),
                                  school_name=form.cleaned_data.get("school_name", ""))
            except forms.ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("登记信息已保存。"))
                return redirect(quiz_url(quiz))
    else:
        form = RegistrationForm(initial=_registration_initial(quiz, registration, person), quiz=quiz)
    return render(request, "quiz/public/register.html", {"quiz": quiz, "form": form, "registration": registration})


# --- starting, answering, finishing ----------------------------------------------------------

@require_POST
def start(request, year: int, slug: str):
    quiz = _quiz(year, slug)
    person = public_person(request.user)
    if person is None:
        return _sign_in(request, quiz_url(quiz))
    practice = request.POST.get("practice") == "1"
    registration = Registration.objects.filter(quiz=quiz, person=person).first()
    if registration is None or services.registration_missing(quiz, registration):
        messages.info(request, _("开始答题前，请先填写登记信息。"))
        return redirect("quiz:register", year, slug)
    device_id, new = read_device(request)
    began = timezone.now()
    try:
        attempt = services.start_attempt(quiz, person, practice=practice, ip=client_ip(request), device_id=device_id)
    except services.NeedsRegistration as refusal:
        messages.info(request, str(refusal))
        response = redirect("quiz:register", year, slug)
    except services.QuizError as refusal:
        messages.error(request, str(refusal))
        response = redirect(quiz_url(quiz))
    else:
        if attempt.started_at < began - timedelta(seconds=1):
            messages.info(request, _("您有一次答题还没有完成，请继续作答。"))
        response = redirect(attempt_url(attempt))
    return remember_device(request, response, device_id, new)


class AnswerForm(forms.Form):
    """One question as dealt: its options in this attempt's order (option_order, all of them),
    radio buttons for one answer, check boxes for a multiple choice. Nothing in it says which
    option is right: an option's value is its number in this attempt's shuffled order, never
    its database id (ids follow the order the author wrote the options in, and authors often
    write the right one first)."""

    position = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, item: AttemptQuestion, info: dict, **kwargs):
        super().__init__(*args, **kwargs)
        texts = {option["id"]: option["text"] for option in info["options"]}
        choices = [(str(number), texts.get(pk, "")) for number, pk in enumerate(item.option_order, start=1)]
        if info["kind"] == Question.Kind.MULTIPLE:
            field = forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple,
                                              help_text=_("多选题：选出全部正确答案。"))
        else:
            field = forms.ChoiceField(choices=choices, widget=forms.RadioSelect)
        field.label = zh(info["stem"])
        self.fields["option"] = field
        self.initial.setdefault("position", item.position)

    def refuse(self, message: str, *, on_question: bool = True) -> None:
        """Show a refusal of the service (the form's own validation is not used)."""
        self.is_valid()
        self.errors.clear()
        if not hasattr(self, "cleaned_data"):  # unbound: the question shown fresh
            self.cleaned_data = {}
        self.add_error("option" if on_question else None, message)
        if on_question:
            self.fields["option"].widget.attrs["aria-describedby"] = f"{self['option'].auto_id}_error"


def _question_context(attempt: Attempt, item: AttemptQuestion, data=None, error: str | None = None,
                      on_question: bool = True) -> dict:
    quiz = attempt.quiz
    info = bank.question_info(quiz, item.question_id)
    form = AnswerForm(data, item=item, info=info)
    if error:
        form.refuse(error, on_question=on_question)
    deadline = attempt.deadline_at
    question_deadline = None
    if quiz.seconds_per_question and item.served_at:
        question_deadline = item.served_at + timedelta(seconds=quiz.seconds_per_question)
        deadline = min(deadline, question_deadline)
    return {"item": item, "form": form, "kind": Question.Kind(info["kind"]).label, "deadline": deadline,
            "question_deadline": question_deadline, "multiple": info["kind"] == Question.Kind.MULTIPLE}


def _attempt_page(request, attempt: Attempt, *, data=None, error=None, status=200):
    """The question to answer now (served: its clock starts), or, when every question is
    answered, the hand-in step. `error`: a refusal to show with it (on the question when it is
    about this question, else above it)."""
    item = services.serve(attempt)
    if item is None:
        attempt.refresh_from_db(fields=["status", "finished_at", "score", "correct_count", "time_used_ms"])
        if attempt.is_final:  # the attempt's time ran out
            messages.warning(request, _("答题时间已到，本次答题已自动交卷。"))
            return redirect(attempt_url(attempt, "result"))
    context = {"attempt": attempt, "quiz": attempt.quiz, "now": timezone.now(), "error": error}
    if item is not None:
        on_question = data is not None and str(data.get("position", "")).strip() == str(item.position)
        context.update(_question_context(attempt, item, data if on_question else None, error, on_question))
    return render(request, "quiz/public/attempt.html", context, status=status)


@require_GET
def attempt_page(request, year: int, slug: str, attempt_id: int):
    if public_person(request.user) is None:
        return _sign_in(request, request.path)
    attempt = _own_attempt(request, year, slug, attempt_id)
    if attempt.is_final:
        return redirect(attempt_url(attempt, "result"))
    return _attempt_page(request, attempt)


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


@require_POST
def answer(request, year: int, slug: str, attempt_id: int):
    if public_person(request.user) is None:
        return _sign_in(request, reverse("quiz:detail", args=[year, slug]))
    attempt = _own_attempt(request, year, slug, attempt_id)
    position = _int(request.POST.get("position"))
    if position is None or not 0 < position <= 1000:  # a question's number (the database's range)
        return _attempt_page(request, attempt, error=_("这道题不在本次答题中。"))
    try:
        result = services.answer(attempt, attempt.person, position=position, numbers=request.POST.getlist("option"))
    except services.NotFound:
        raise Http404 from None
    except (services.TooLate, services.AttemptClosed) as refusal:
        messages.warning(request, str(refusal))
        return redirect(attempt_url(attempt, "result"))
    except services.AlreadyAnswered as refusal:
        item = attempt.sheet.filter(position=position).first()
        return _feedback(request, attempt, item, notice=str(refusal))
    except services.BadAnswer as refusal:
        return _attempt_page(request, attempt, data=request.POST, error=str(refusal))
    return _feedback(request, attempt, result.item, remaining=result.remaining, explanation=result.explanation)


def _choices(info: dict, order: list[int], chosen, key) -> list[dict]:
    texts = {option["id"]: option["text"] for option in info["options"]}
    chosen, key = set(chosen or []), set(key or [])
    return [{"id": pk, "text": texts.get(pk, ""), "chosen": pk in chosen, "correct": pk in key,
             "letter": "ABCDEFGH"[i] if i < 8 else str(i + 1)} for i, pk in enumerate(order)]


def _feedback(request, attempt: Attempt, item: AttemptQuestion, *, remaining: int | None = None,
              explanation: str | None = None, notice: str = ""):
    """After an answer: right or wrong, the right options, the explanation, then the next one."""
    info = bank.question_info(attempt.quiz, item.question_id)
    if remaining is None:
        remaining = attempt.sheet.filter(answered_at__isnull=True).count()
    return render(request, "quiz/public/feedback.html", {
        "attempt": attempt, "quiz": attempt.quiz, "item": item, "notice": notice, "remaining": remaining,
        "stem": info["stem"], "kind": Question.Kind(info["kind"]).label,
        "options": _choices(info, item.option_order, item.chosen, item.correct_options),
        "explanation": info["explanation"] if explanation is None else explanation,
        "skipped": not item.chosen})


@require_POST
def finish(request, year: int, slug: str, attempt_id: int):
    if public_person(request.user) is None:
        return _sign_in(request, reverse("quiz:detail", args=[year, slug]))
    attempt = _own_attempt(request, year, slug, attempt_id)
    if attempt.status == Attempt.Status.IN_PROGRESS and not confirmed(request):
        unanswered = attempt.sheet.filter(answered_at__isnull=True).count()
        if unanswered and timezone.now() < attempt.deadline_at:
            return confirm_page(
                request, console=False, title=_("交卷"), back=attempt_url(attempt),
                question=_("还有 %(n)s 道题没有作答，确定要交卷吗？") % {"n": unanswered},
                note=_("交卷后不能再作答，没有作答的题不得分。"), button=_("确定交卷"))
    services.finish(attempt, attempt.person)  # idempotent: a double click scores once
    return redirect(attempt_url(attempt, "result"))


# --- results, certificates, boards -----------------------------------------------------------

@require_GET
def result(request, year: int, slug: str, attempt_id: int):
    if public_person(request.user) is None:
        return _sign_in(request, request.path)
    attempt = _own_attempt(request, year, slug, attempt_id)
    person = attempt.person
    attempt = services.expire_if_overdue(attempt)
    if not attempt.is_final:
        return redirect(attempt_url(attempt))
    quiz = attempt.quiz
    sheet = []
    for item in attempt.sheet.all():
        info = bank.question_info(quiz, item.question_id)
        sheet.append({"item": item, "stem": info["stem"], "kind": Question.Kind(info["kind"]).label,
                      "explanation": info["explanation"],
                      "options": _choices(info, item.option_order, item.chosen, item.correct_options)})
    standing = None if attempt.is_practice else Standing.objects.filter(quiz=quiz, person=person).first()
    registration = attempt.registration
    counted = standing is not None and standing.attempt_id == attempt.pk and not standing.disqualified
    ranks = _rank_lines(quiz, person, registration) if standing is not None and not standing.disqualified else []
    has_certificate = attempt.passed and not attempt.is_practice and certificates.available(attempt)
    return render(request, "quiz/public/result.html", {
        "attempt": attempt, "quiz": quiz, "sheet": sheet, "time_used": duration(attempt.time_used_ms),
        "passed": attempt.passed, "standing": standing, "counted": counted, "ranks": ranks,
        "standing_time": duration(standing.time_used_ms) if standing else "",
        "certificate": has_certificate,
        "verify_url": certificates.verification_path(attempt) if has_certificate else "",
        "pass_percent": quiz.pass_percent, "quiz_url": quiz_url(quiz)})


@require_GET
def certificate(request, year: int, slug: str, attempt_id: int):
    if public_person(request.user) is None:
        return _sign_in(request, request.path)
    attempt = _own_attempt(request, year, slug, attempt_id)
    if certificates.refusal(attempt):
        raise Http404
    response = HttpResponse(certificates.pdf(attempt, request), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="sciweek-quiz-certificate-{attempt.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def certificate_verify(request, token: str):
    """Anyone holding the QR's address may check a certificate: valid or not, the quiz, the
    masked name, the score and the date. Nothing else about the person."""
    attempt = certificates.verify(token) if len(token) <= 200 else None
    valid = attempt is not None
    context = {"valid": valid}
    if valid:
        context.update({"attempt": attempt, "quiz": attempt.quiz,
                        "name": leaderboard.mask_name(attempt.registration.display_name if attempt.registration else ""),
                        "finished": format_day_time(attempt.finished_at, year=True)})
    return render(request, "quiz/public/certificate.html", context, status=200 if valid else 404)


def _school_key(key: str) -> tuple[str, str] | None:
    """A school board's key (leaderboard.scopes_of): "<city or province code>|<school name>"."""
    code, sep, school = key.partition("|")
    if not sep or not school or len(school) > 64 or (code and not (code.isdigit() and len(code) == 6)):
        return None
    return code, school


def _division_name(code: str) -> str:
    division = Division.objects.filter(code=code).first() if code else None
    return division.full_name() if division else ""


@require_safe
def leaderboard_page(request, year: int, slug: str):
    quiz = _quiz(year, slug)
    person = public_person(request.user)
    scope = request.GET.get("scope", "all")
    if scope not in SCOPES:
        scope = "all"
    registration = Registration.objects.filter(quiz=quiz, person=person).first() if person else None
    key = request.GET.get("key", "").strip()[:80]
    if scope in ("province", "city") and not (key.isdigit() and len(key) == 6):
        key = ""
    if scope == "school" and not _school_key(key):
        key = ""
    if not key:
        key = _scope_key(scope, registration)
    rows, mine, place = [], None, ""
    if scope == "all" or key:
        rows = _board_rows(leaderboard.top(quiz, scope, key, BOARD_SIZE), person)
        if scope in ("province", "city"):
            place = _division_name(key)
        elif scope == "school":
            code, school = _school_key(key)
            place = " ".join(part for part in (_division_name(code), school) if part)
        if person is not None:
            standing = Standing.objects.filter(quiz=quiz, person=person).first()
            if standing is not None and not standing.disqualified and _scope_key(scope, registration) == key:
                found = (leaderboard.rank_of(quiz, person) or {}).get(scope)
                if found and found[0]:
                    mine = {"rank": found[0], "total": found[1], "score": standing.score,
                            "time": duration(standing.time_used_ms)}
    tabs = [{"scope": s, "label": SCOPE_LABELS[s], "current": s == scope,
             "url": board_url(quiz, s, _scope_key(s, registration) if s != scope else key)} for s in SCOPES]
    choices = []
    if scope == "province":
        choices = [(d.code, d.name) for d in provinces()]
    elif scope == "city":
        codes = set(Standing.objects.filter(quiz=quiz, disqualified=False).exclude(city_code="")
                    .values_list("city_code", flat=True).distinct()[:400])
        choices = [(d.code, d.full_name()) for d in Division.objects.filter(code__in=codes).select_related(
            "parent").order_by("code")]
    return render(request, "quiz/public/leaderboard.html", {
        "quiz": quiz, "scope": scope, "key": key, "rows": rows, "mine": mine, "tabs": tabs, "place": place,
        "choices": choices, "person": person, "size": BOARD_SIZE,
        "scope_label": SCOPE_LABELS[scope]})


@require_GET
def mine(request):
    """My quiz attempts, in every quiz (newest first)."""
    person = public_person(request.user)
    if person is None:
        return _sign_in(request, request.path)
    attempts = list(Attempt.objects.filter(person=person).select_related("quiz__campaign")
                    .order_by("-started_at", "-id")[:100])
    return render(request, "quiz/public/mine.html", {"attempts": attempts})
