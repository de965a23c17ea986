"""The quiz's console pages (organizers): quizzes of the current campaign, the question bank,
the question editor, the review queue, the quiz editor with its draw rules and pool, the
Excel template and import.

Views stay thin: accounts.policy decides (404 outside the user's subtrees, 403 inside without
the role), quiz.services writes (and checks the policy again for its actor), the reads below
are bounded (pagination, select_related/prefetch_related, one grouped query per count).
"""
from datetime import datetime, time

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sciweek.accounts import policy
from sciweek.accounts.decorators import console_view
from sciweek.campaigns.models import ContentArea
from sciweek.campaigns.selectors import current_campaign_of
from sciweek.core.confirm import confirm_page, confirmed
from sciweek.core.http import flash_errors
from sciweek.organizations.models import Organization
from sciweek.spreadsheets import writer
from sciweek.spreadsheets.excel import SpreadsheetError

from . import bank, excel, services
from .forms import (
    MAX_OPTIONS,
    NEW_QUESTION_ROWS,
    TF_FALSE,
    TF_TRUE,
    ImportForm,
    OptionFormSet,
    PoolFilterForm,
    QuestionForm,
    QuizForm,
    ReviewNoteForm,
    RuleFormSet,
    chosen_options,
    chosen_rules,
    option_rows_from,
    problems_by_part,
    rule_rows_from,
    rule_totals,
)
from .models import (
    Attempt,
    Audience,
    Difficulty,
    DrawRule,
    Question,
    QuestionKind,
    Quiz,
    QuizQuestion,
    Standing,
)

PER_PAGE = 50
PAGE_SIZES = (20, 50, 100, 200)
MAX_BULK = 500
MAX_POOL_ADD = 5000
MAX_ISSUES_SHOWN = 500
BANK_FILTERS = ("status", "kind", "difficulty", "topic", "q", "per")
QUEUE_FILTERS = ("kind", "difficulty", "topic", "q", "per")
Status = Question.Status


# --- helpers -------------------------------------------------------------------------------

def _roots(user, action):
    """The organizations a user acts for with this action (the tops of their subtrees)."""
    if user.is_superuser and not policy.grants(user):
        return Organization.objects.filter(depth=1).order_by("path")
    return Organization.objects.filter(path__in=policy.scope_paths(user, action)).order_by("path")


def _require_any(user, *actions) -> None:
    """403 for a console user who holds none of these actions anywhere."""
    if not _holds(user, *actions):
        raise PermissionDenied


def _scope(user, *actions) -> Q:
    """Questions (or quizzes) whose organization lies where the user holds any of these actions."""
    if user.is_superuser:
        return Q()
    condition = Q(pk__in=[])
    for action in actions:
        condition |= policy.scope_filter(user, action, "organization__path")
    return condition


def _per_page(request) -> int:
    try:
        wanted = int(request.GET.get("per", PER_PAGE))
    except (TypeError, ValueError):
        return PER_PAGE
    return wanted if wanted in PAGE_SIZES else PER_PAGE


def _params(source, names) -> dict[str, str]:
    return {name: (source.get(name) or "")[:64] for name in names}


def _back(name: str, source, names) -> str:
    """The list page again, with the filters it had (from the POSTed `back` query string)."""
    kept = {k: v for k, v in _params(QueryDict(source.get("back", "")), names).items() if v}
    page = QueryDict(source.get("back", "")).get("page", "")
    if page.isdigit():
        kept["page"] = page
    return reverse(name) + ("?" + urlencode(kept) if kept else "")


def _ids(values, limit=MAX_BULK) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()][:limit]


def _filter_questions(qs, params):
    if params.get("status") in Status.values:
        qs = qs.filter(status=params["status"])
    if params.get("kind") in QuestionKind.values:
        qs = qs.filter(kind=params["kind"])
    if params.get("difficulty", "").isdigit() and int(params["difficulty"]) in Difficulty.values:
        qs = qs.filter(difficulty=int(params["difficulty"]))
    if params.get("topic"):
        qs = qs.filter(topic=params["topic"])
    if params.get("q", "").strip():
        qs = qs.filter(stem__icontains=params["q"].strip())
    return qs


def _campaign_topics(request) -> list[str]:
    """The current campaign's content areas (national ones first), as topic suggestions."""
    campaign = current_campaign_of(request)
    if campaign is None:
        return []
    names = ContentArea.objects.filter(campaign=campaign).order_by("plan_id", "position", "id").values_list(
        "name", flat=True)
    return list(dict.fromkeys(names))[:100]


def _question(request, question_id, action) -> Question:
    question = get_object_or_404(Question.objects.select_related("organization"), pk=question_id)
    policy.require(request.user, action, question)
    return question


def _quiz(request, quiz_id, action="quiz.manage") -> Quiz:
    quiz = get_object_or_404(Quiz.objects.select_related("organization", "campaign"), pk=quiz_id)
    policy.require(request.user, action, quiz)
    return quiz


def _holds(user, *actions) -> bool:
    return user.is_superuser or any(policy.scope_paths(user, action) for action in actions)


def _render(request, template, context, status=200):
    """render(), with the links between the quiz pages this user may open."""
    user = request.user
    links = [("quiz:console_list", _("答题活动"), "quizzes", ("quiz.manage", "quiz.results")),
             ("quiz:bank", _("题库"), "bank", ("quiz.question.write", "quiz.question.review")),
             ("quiz:review_queue", _("题目审核"), "review", ("quiz.question.review",))]
    context = {**context, "quiz_links": [(name, label, key) for name, label, key, actions in links
                                         if _holds(user, *actions)]}
    return render(request, template, context, status=status)



# --- quizzes -------------------------------------------------------------------------------

@console_view
@require_GET
def console_list(request):
    """The quizzes of the current campaign in the user's subtrees, with their status and counts."""
    user = request.user
    _require_any(user, "quiz.manage", "quiz.results")
    campaign = current_campaign_of(request)
    quizzes = Quiz.objects.none()
    if campaign is not None:
        def count(model, **where):
            return Coalesce(Subquery(model.objects.filter(quiz=OuterRef("pk"), **where).order_by().values("quiz")
                                     .annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0)

        rules = DrawRule.objects.filter(quiz=OuterRef("pk")).order_by().values("quiz")
        quizzes = (Quiz.objects.filter(campaign=campaign).filter(_scope(user, "quiz.manage", "quiz.results"))
                   .select_related("organization")
                   .annotate(pool_size=count(QuizQuestion), takers=count(Standing),
                             scored_attempts=count(Attempt, is_practice=False),
                             per_attempt=Coalesce(Subquery(rules.annotate(n=Sum("count")).values("n"),
                                                           output_field=IntegerField()), 0),
                             full_marks=Coalesce(Subquery(rules.annotate(n=Sum(F("count") * F("points"))).values("n"),
                                                          output_field=IntegerField()), 0))
                   .order_by("-opens_at", "id"))
    page = Paginator(quizzes, PER_PAGE).get_page(request.GET.get("page"))
    rows = [(quiz, policy.can(user, "quiz.manage", quiz), policy.can(user, "quiz.results", quiz)) for quiz in page]
    return _render(request, "quiz/console/quiz_list.html", {
        "campaign": campaign, "page": page, "rows": rows,
        "can_create": campaign is not None and _roots(user, "quiz.manage").exists(),
    })


def _quiz_defaults(campaign) -> dict:
    tz = timezone.get_current_timezone()
    return {
        "opens_at": datetime.combine(campaign.starts_on, time(8, 0), tzinfo=tz),
        "closes_at": datetime.combine(campaign.ends_on, time(22, 0), tzinfo=tz),
        "seconds_per_question": 30,
    }


DEFAULT_RULES = [  # the usual mix: 7 true/false + 7 single + 6 multiple choice, 5 points each
    {"kind": QuestionKind.TRUE_FALSE, "difficulty": "", "count": 7, "points": 5},
    {"kind": QuestionKind.SINGLE, "difficulty": "", "count": 7, "points": 5},
    {"kind": QuestionKind.MULTIPLE, "difficulty": "", "count": 6, "points": 5},
]


def _typed(data, form_class) -> dict:
    """What was POSTed for a form, as `initial` (to show it again without judging it)."""
    initial = {}
    for name, field in form_class.base_fields.items():
        if getattr(field.widget, "allow_multiple_selected", False):
            initial[name] = data.getlist(name)
        elif isinstance(field.widget, forms.CheckboxInput):
            initial[name] = bool(data.get(name))
        elif name in data:
            initial[name] = data.get(name)
    return initial


def _rule_rows(quiz: Quiz | None) -> list[dict]:
    if quiz is None or quiz.pk is None:
        return [dict(r) for r in DEFAULT_RULES]
    return [{"kind": r.kind, "difficulty": r.difficulty or "", "count": r.count, "points": r.points}
            for r in quiz.draw_rules.all()]


def _pool_context(request, quiz: Quiz) -> dict:
    """What the quiz editor shows of the pool: counts by kind × difficulty (in the pool, and
    approved questions that could still be added), each rule against what it needs, the
    problems that stop publishing, and a page of the pool."""
    in_pool = bank.pool_counts(quiz)
    addable = {(row["kind"], row["difficulty"]): row["n"] for row in
               Question.objects.filter(status=Status.APPROVED).filter(bank.usable_by(quiz.organization))
               .exclude(in_quizzes__quiz=quiz).order_by().values("kind", "difficulty").annotate(n=Count("pk"))}
    difficulties = list(Difficulty.choices)
    matrix = []
    for kind, label in QuestionKind.choices:
        cells = [(in_pool.get((kind, d), 0), addable.get((kind, d), 0)) for d, _l in difficulties]
        matrix.append((label, cells, sum(c[0] for c in cells), sum(c[1] for c in cells)))
    totals = [(sum(in_pool.get((k, d), 0) for k in QuestionKind.values),
               sum(addable.get((k, d), 0) for k in QuestionKind.values)) for d, _l in difficulties]
    needs = []
    for rule in quiz.draw_rules.all():
        have = sum(n for (kind, difficulty), n in in_pool.items()
                   if kind == rule.kind and (rule.difficulty is None or difficulty == rule.difficulty))
        needs.append({"label": services.rule_label(rule), "need": rule.count, "have": have,
                      "points": rule.points, "ok": have >= rule.count, "short": max(0, rule.count - have)})
    pool = (QuizQuestion.objects.filter(quiz=quiz).select_related("question")
            .order_by("question__kind", "question__difficulty", "question_id"))
    pool_page = Paginator(pool, PER_PAGE).get_page(request.GET.get("pool_page"))
    topics = list(Question.objects.filter(status=Status.APPROVED).filter(bank.usable_by(quiz.organization))
                  .exclude(topic="").order_by("topic").values_list("topic", flat=True).distinct()[:200])
    return {
        "matrix": matrix, "matrix_totals": totals, "difficulties": difficulties, "needs": needs,
        "pool_size": pool_page.paginator.count, "pool_page": pool_page,
        "pool_approved": sum(in_pool.values()), "problems": services.rule_problems(quiz),
        "pool_filter": PoolFilterForm(auto_id="p-%s"), "pool_topics": topics,
    }


def _quiz_page(request, *, quiz, form, formset, rule_rows, status=200):
    saved = Quiz.objects.select_related("organization", "campaign").get(pk=quiz.pk) if quiz.pk else None
    questions, score = rule_totals(rule_rows)
    context = {"quiz": saved, "form": form, "formset": formset, "rule_questions": questions, "rule_score": score,
               "campaign": quiz.campaign,
               "can_see_results": saved is not None and policy.can(request.user, "quiz.results", saved)}
    if saved is not None:
        context.update(_pool_context(request, saved))
    return _render(request, "quiz/console/quiz_edit.html", context, status=status)


def _edit_quiz(request, quiz: Quiz, organizations):
    """The quiz form's GET and POST (new when quiz.pk is None)."""
    if request.method == "POST" and ("add_rule" in request.POST):
        rows = rule_rows_from(request.POST)
        rows.append({"kind": QuestionKind.SINGLE, "difficulty": "", "count": "", "points": 5})
        form = QuizForm(instance=quiz, organizations=organizations, initial=_typed(request.POST, QuizForm))
        return _quiz_page(request, quiz=quiz, form=form, formset=RuleFormSet(initial=rows, prefix="rules"),
                          rule_rows=rows)
    if request.method == "POST":
        form = QuizForm(request.POST, instance=quiz, organizations=organizations)
        formset = RuleFormSet(request.POST, prefix="rules")
        valid = form.is_valid() & formset.is_valid()
        if valid:
            rules = chosen_rules(formset)
            if quiz.pk is None:
                quiz.organization = get_object_or_404(Organization, pk=form.cleaned_data["organization_choice"])
            try:
                quiz = services.save_quiz(form.instance, actor=request.user, rules=rules)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("已保存。") + (_("下一步：把已审核通过的题目加入题目池。")
                                                       if not quiz.pool.exists() else ""))
                return redirect("quiz:quiz_edit", quiz_id=quiz.pk)
        messages.error(request, _("有几处需要修改，请看标红的说明。已填写的内容不会丢失。"))
        if quiz.pk is None:
            quiz.organization_id = None
        return _quiz_page(request, quiz=quiz, form=form, formset=formset, rule_rows=rule_rows_from(request.POST),
                          status=400)
    rows = _rule_rows(quiz)
    initial = _quiz_defaults(quiz.campaign) if quiz.pk is None else None
    form = QuizForm(instance=quiz, organizations=organizations, initial=initial)
    return _quiz_page(request, quiz=quiz, form=form, formset=RuleFormSet(initial=rows, prefix="rules"),
                      rule_rows=rows)


@console_view
@require_http_methods(["GET", "POST"])
def quiz_new(request):
    campaign = current_campaign_of(request)
    if campaign is None:
        messages.error(request, _("尚未发布科技活动周，暂不能创建答题活动。"))
        return redirect("quiz:console_list")
    organizations = list(_roots(request.user, "quiz.manage"))
    if not organizations:
        raise PermissionDenied
    if request.method == "POST":
        chosen = request.POST.get("organization_choice", "")
        if chosen.isdigit():  # the form keeps to these choices; the service asks the policy again
            policy.require(request.user, "quiz.manage", get_object_or_404(Organization, pk=chosen))
    return _edit_quiz(request, Quiz(campaign=campaign), organizations)


@console_view
@require_http_methods(["GET", "POST"])
def quiz_edit(request, quiz_id):
    quiz = _quiz(request, quiz_id)
    return _edit_quiz(request, quiz, ())


@console_view
@require_POST
def pool_add(request, quiz_id):
    """Add every approved question the quiz may use that matches the filter, in one action."""
    quiz = _quiz(request, quiz_id)
    form = PoolFilterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("筛选条件不正确。"))
        return redirect(reverse("quiz:quiz_edit", args=[quiz.pk]) + "#pool")
    wanted = Question.objects.filter(status=Status.APPROVED).filter(bank.usable_by(quiz.organization)).exclude(
        in_quizzes__quiz=quiz)
    data = form.cleaned_data
    if data.get("topic"):
        wanted = wanted.filter(topic=data["topic"].strip())
    if data.get("kind"):
        wanted = wanted.filter(kind=data["kind"])
    if data.get("difficulty"):
        wanted = wanted.filter(difficulty=data["difficulty"])
    ids = list(wanted.order_by("id").values_list("pk", flat=True)[:MAX_POOL_ADD])
    added = services.set_pool(quiz, [Question(pk=pk) for pk in ids], actor=request.user) if ids else 0
    if added:
        messages.success(request, _("已把 %(n)s 道题加入题目池。") % {"n": added})
    else:
        messages.warning(request, _("没有符合条件、尚未加入题目池的已审核题目。"))
    return redirect(reverse("quiz:quiz_edit", args=[quiz.pk]) + "#pool")


@console_view
@require_POST
def pool_remove(request, quiz_id):
    quiz = _quiz(request, quiz_id)
    ids = _ids(request.POST.getlist("question"), limit=1000)
    if not ids:
        messages.error(request, _("请先勾选要移出题目池的题目。"))
    else:
        removed = services.remove_from_pool(quiz, ids, actor=request.user)
        messages.success(request, _("已从题目池移出 %(n)s 道题。") % {"n": removed})
    return redirect(reverse("quiz:quiz_edit", args=[quiz.pk]) + "#pool")


@console_view
@require_POST
def quiz_publish(request, quiz_id):
    quiz = _quiz(request, quiz_id)
    if quiz.status == Quiz.Status.PUBLISHED:
        messages.info(request, _("这个答题活动已经发布。"))
        return redirect("quiz:quiz_edit", quiz_id=quiz.pk)
    try:
        services.publish_quiz(quiz, actor=request.user)
    except ValidationError as error:
        messages.error(request, _("还不能发布："))
        flash_errors(request, error)
    else:
        messages.success(request, _("已发布。答题者在开始时间后即可参加。"))
    return redirect("quiz:quiz_edit", quiz_id=quiz.pk)


@console_view
@require_http_methods(["GET", "POST"])
def quiz_withdraw(request, quiz_id):
    quiz = _quiz(request, quiz_id)
    back = reverse("quiz:quiz_edit", args=[quiz.pk])
    if quiz.status != Quiz.Status.PUBLISHED:
        messages.info(request, _("这个答题活动没有发布，不用撤下。"))
        return redirect(back)
    if not confirmed(request):
        return confirm_page(
            request, title=_("撤下答题活动"), back=back,
            question=_("确定要撤下“%(title)s”吗？") % {"title": quiz.title},
            note=_("撤下后公众不能再答题；已有的成绩和排行榜保留。可以修改后重新发布。"),
            button=_("确定撤下"))
    services.withdraw_quiz(quiz, actor=request.user)
    messages.success(request, _("已撤下。"))
    return redirect(back)


# --- the question bank ---------------------------------------------------------------------

@console_view
@require_GET
def bank_list(request):
    """The question bank of the user's organizations: filters, a page, bulk submission."""
    user = request.user
    _require_any(user, "quiz.question.write", "quiz.question.review")
    base = Question.objects.filter(_scope(user, "quiz.question.write", "quiz.question.review"))
    params = _params(request.GET, BANK_FILTERS)
    qs = _filter_questions(base, params).select_related("organization").order_by("-updated_at", "-id")
    page = Paginator(qs, _per_page(request)).get_page(request.GET.get("page"))
    counts = dict(base.order_by().values_list("status").annotate(n=Count("pk")))
    rows = []
    for question in page:
        writable = policy.can(user, "quiz.question.write", question)
        rows.append((question, writable, writable and question.status in (Status.DRAFT, Status.RETURNED)))
    return _render(request, "quiz/console/bank.html", {
        "page": page, "rows": rows, "params": params, "counts": counts, "total": sum(counts.values()),
        "statuses": Status.choices, "kinds": QuestionKind.choices, "difficulties": Difficulty.choices,
        "topics": list(base.exclude(topic="").order_by("topic").values_list("topic", flat=True).distinct()[:200]),
        "page_sizes": PAGE_SIZES, "per": _per_page(request),
        "can_write": _holds(user, "quiz.question.write"),
        "any_submittable": any(row[2] for row in rows), "select_all": request.GET.get("all") == "1",
        "back": request.GET.urlencode(),
    })


@console_view
@require_POST
def bank_submit(request):
    """Submit the ticked drafts (and returned questions) for review: a bounded number of
    statements whatever the count (the questions with what the policy and the rules read, in
    one query and its prefetch; the service checks each and moves them in one UPDATE)."""
    user = request.user
    _require_any(user, "quiz.question.write")
    ids = _ids(request.POST.getlist("question"))
    questions = (Question.objects.filter(pk__in=ids, status__in=[Status.DRAFT, Status.RETURNED])
                 .filter(_scope(user, "quiz.question.write")).select_related("organization")
                 .prefetch_related("options"))
    submitted, failed = services.submit_questions(questions, actor=user) if ids else (0, 0)
    if not ids:
        messages.error(request, _("请先勾选要提交审核的题目。"))
    elif submitted:
        messages.success(request, _("已提交 %(n)s 道题，等待审核。") % {"n": submitted})
    skipped = len(ids) - submitted - failed
    if failed:
        messages.error(request, _("%(n)s 道题不符合要求，没有提交，请打开修改。") % {"n": failed})
    if skipped > 0 and ids:
        messages.warning(request, _("%(n)s 道题未提交：已提交、已通过或不在您的题库中。") % {"n": skipped})
    return redirect(_back("quiz:bank", request.POST, BANK_FILTERS))


def _topic_context(request) -> dict:
    return {"topic_suggestions": _campaign_topics(request)}


def _option_formset(rows) -> OptionFormSet:
    return OptionFormSet(initial=rows[:MAX_OPTIONS], prefix="options")


def _question_page(request, *, question, form, formset, status=200):
    context = {"question": question, "form": form, "formset": formset, "max_options": MAX_OPTIONS,
               "can_add_option": formset.total_form_count() < MAX_OPTIONS, **_topic_context(request)}
    return _render(request, "quiz/console/question_edit.html", context, status=status)


def _initial_of(question: Question) -> tuple[dict, list[dict]]:
    options = list(question.options.all())
    initial = {"kind": question.kind, "stem": question.stem, "explanation": question.explanation,
               "difficulty": question.difficulty, "topic": question.topic, "audiences": question.audiences}
    if question.kind == QuestionKind.TRUE_FALSE:
        first = options[0] if options else None
        initial["tf_answer"] = TF_TRUE if first is None or first.is_correct else TF_FALSE
        return initial, [{"text": "", "correct": False} for _i in range(NEW_QUESTION_ROWS)]
    return initial, [{"text": o.text, "correct": o.is_correct} for o in options]


def _edit_question(request, question: Question | None, organizations):
    user = request.user
    if request.method == "GET":
        if question is None:
            form = QuestionForm(organizations=organizations)
            rows = [{"text": "", "correct": False} for _i in range(NEW_QUESTION_ROWS)]
        else:
            initial, rows = _initial_of(question)
            form = QuestionForm(question=question, initial=initial)
        return _question_page(request, question=question, form=form, formset=_option_formset(rows))
    data = request.POST
    if "add_option" in data:
        rows = option_rows_from(data)
        if len(rows) < MAX_OPTIONS:
            rows.append({"text": "", "correct": False})
        form = QuestionForm(question=question, organizations=organizations, initial=_typed(data, QuestionForm))
        return _question_page(request, question=question, form=form, formset=_option_formset(rows))
    form = QuestionForm(data, question=question, organizations=organizations)
    formset = OptionFormSet(data, prefix="options")
    valid = form.is_valid() & formset.is_valid()
    if valid:
        kind, stem = form.cleaned_data["kind"], form.cleaned_data["stem"] or ""
        if kind == QuestionKind.TRUE_FALSE:
            options = services.true_false_options(form.cleaned_data["tf_answer"] == TF_TRUE)
        else:
            options = chosen_options(formset)
        parts = problems_by_part(kind, stem, options)
        for message in parts.get("stem", []):
            form.add_error("stem", message)
        for message in parts.get("options", []) + parts.get("answer", []):
            formset.non_form_errors().append(message)  # shown by the options table and in the summary
        if not parts:
            organization = question.organization if question is not None else get_object_or_404(
                Organization, pk=form.cleaned_data["organization"])
            try:
                saved = services.save_question(
                    actor=user, organization=organization, question=question, kind=kind, stem=stem, options=options,
                    explanation=form.cleaned_data["explanation"], difficulty=form.cleaned_data["difficulty"],
                    topic=form.cleaned_data["topic"], audiences=form.cleaned_data["audiences"],
                    submit="submit" in data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if saved.status == Status.SUBMITTED:
                    messages.success(request, _("已保存并提交审核。"))
                    return redirect("quiz:bank")
                messages.success(request, _("已保存草稿。"))
                return redirect("quiz:question_edit", question_id=saved.pk)
    messages.error(request, _("有几处需要修改，请看标红的说明。已填写的内容不会丢失。"))
    return _question_page(request, question=question, form=form, formset=formset, status=400)


@console_view
@require_http_methods(["GET", "POST"])
def question_new(request):
    organizations = list(_roots(request.user, "quiz.question.write"))
    if not organizations:
        raise PermissionDenied
    if request.method == "POST" and request.POST.get("organization", "").isdigit():
        policy.require(request.user, "quiz.question.write",
                       get_object_or_404(Organization, pk=request.POST["organization"]))
    return _edit_question(request, None, organizations)


@console_view
@require_http_methods(["GET", "POST"])
def question_edit(request, question_id):
    question = _question(request, question_id, "quiz.question.write")
    if question.status == Status.RETIRED:
        messages.warning(request, _("已停用的题目不能修改。"))
        return redirect("quiz:bank")
    return _edit_question(request, question, ())


@console_view
@require_http_methods(["GET", "POST"])
def question_retire(request, question_id):
    question = _question(request, question_id, "quiz.question.write")
    back = reverse("quiz:question_edit", args=[question.pk])
    if question.status == Status.RETIRED:
        return redirect("quiz:bank")
    if not confirmed(request):
        return confirm_page(
            request, title=_("停用题目"), back=back, question=_("确定要停用这道题吗？"),
            note=_("停用后答题活动不再抽到它，已答过的记录保留；停用的题目不能再修改。"), button=_("确定停用"))
    services.retire_question(question, actor=request.user)
    messages.success(request, _("已停用。"))
    return redirect("quiz:bank")


# --- review ----------------------------------------------------------------------------------

def _queue(user):
    return Question.objects.filter(status=Status.SUBMITTED).filter(_scope(user, "quiz.question.review"))


def _review_page(request, *, params, note_error="", row_errors=None, typed=None, selected=(), status=200):
    user = request.user
    base = _queue(user)
    qs = (_filter_questions(base, params).select_related("organization", "created_by")
          .prefetch_related("options").order_by("updated_at", "id"))
    per = int(params["per"]) if params.get("per", "").isdigit() and int(params["per"]) in PAGE_SIZES else PER_PAGE
    page = Paginator(qs, per).get_page(params.get("page"))
    typed = typed or {}
    row_errors = row_errors or {}
    rows = []
    for number, question in enumerate(page, start=page.start_index()):
        prefix = f"q{question.pk}"
        note = ReviewNoteForm(prefix=prefix, initial={"note": typed.get(prefix, "")}, number=number)
        if question.pk in row_errors:
            note = ReviewNoteForm({f"{prefix}-note": typed.get(prefix, "")}, prefix=prefix, number=number)
            note.is_valid()
            note.add_error("note", row_errors[question.pk])
        rows.append((number, question, list(zip("ABCDEFGH", question.options.all(), strict=False)), note))
    bulk = ReviewNoteForm(initial={"note": typed.get("bulk", "")})
    if note_error:
        bulk = ReviewNoteForm({"note": typed.get("bulk", "")})
        bulk.is_valid()
        bulk.add_error("note", note_error)
    everything = request.GET.get("all") == "1"
    return _render(request, "quiz/console/review_queue.html", {
        "page": page, "rows": rows, "params": params, "waiting": base.count(), "bulk": bulk,
        "selected": {q.pk for q in page} if everything else set(selected), "select_all": everything,
        "kinds": QuestionKind.choices, "difficulties": Difficulty.choices, "page_sizes": PAGE_SIZES, "per": per,
        "audience_labels": dict(Audience.choices),
        "topics": list(base.exclude(topic="").order_by("topic").values_list("topic", flat=True).distinct()[:200]),
        "back": urlencode({k: v for k, v in params.items() if v}),
        "error_forms": [f for _n, _q, _o, f in rows if f.errors] + ([bulk] if bulk.errors else []),
    }, status=status)


@console_view
@require_GET
def review_queue(request):
    """Submitted questions in the reviewer's subtrees, with their answer keys."""
    _require_any(request.user, "quiz.question.review")
    params = _params(request.GET, QUEUE_FILTERS)
    params["page"] = request.GET.get("page", "")
    return _review_page(request, params=params)


@console_view
@require_POST
def review_decide(request):
    """Approve or return: the ticked questions (bulk), or one question by its own buttons."""
    user = request.user
    _require_any(user, "quiz.question.review")
    data = request.POST
    back_query = QueryDict(data.get("back", ""))
    back_params = _params(back_query, QUEUE_FILTERS)
    back_params["page"] = back_query.get("page", "")
    typed = {key[:-5]: value[:255] for key, value in data.items() if key.endswith("-note") and key[:-5][1:].isdigit()}
    typed["bulk"] = data.get("note", "")[:255]
    if data.get("approve_one", "").isdigit() or data.get("return_one", "").isdigit():
        one = int(data.get("approve_one") or data.get("return_one"))
        ids, approve = [one], "approve_one" in data
        note = typed.get(f"q{one}", "") or typed["bulk"]
    else:
        ids, approve = _ids(data.getlist("question")), data.get("decision") == "approve"
        note = typed["bulk"]
        if data.get("decision") not in ("approve", "return"):
            raise Http404
    if not ids:
        messages.error(request, _("请先勾选要审核的题目。"))
        return redirect(_back("quiz:review_queue", data, QUEUE_FILTERS))
    questions = list(_queue(user).filter(pk__in=ids).select_related("organization"))
    if not approve and not note.strip():
        message = _("退回时请写明原因。")
        messages.error(request, _("有几处需要修改，请看标红的说明。已填写的内容不会丢失。"))
        single = data.get("return_one", "").isdigit()
        return _review_page(request, params=back_params, typed=typed, selected=ids, status=400,
                            note_error="" if single else message, row_errors={ids[0]: message} if single else None)
    moved = services.review_questions(questions, actor=user, approve=approve, note=note) if questions else 0
    if approve:
        messages.success(request, _("已通过 %(n)s 道题。") % {"n": moved})
    else:
        messages.success(request, _("已退回 %(n)s 道题。") % {"n": moved})
    if len(ids) > moved:
        messages.warning(request, _("%(n)s 道题未处理：已被其他人审核或不在您的审核范围内。") % {"n": len(ids) - moved})
    return redirect(_back("quiz:review_queue", data, QUEUE_FILTERS))


# --- Excel -----------------------------------------------------------------------------------

@console_view
@require_GET
def question_template(request):
    _require_any(request.user, "quiz.question.write")
    workbook = excel.template_workbook(_campaign_topics(request))
    return writer.response(workbook, _("题目导入模板") + ".xlsx")


@console_view
@require_http_methods(["GET", "POST"])
def question_import(request):
    user = request.user
    organizations = list(_roots(user, "quiz.question.write"))
    if not organizations:
        raise PermissionDenied
    result, status = None, 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, organizations=organizations)
        if form.is_valid():
            organization = get_object_or_404(Organization, pk=form.cleaned_data["organization"])
            policy.require(user, "quiz.question.write", organization)
            upload = form.cleaned_data["file"]
            try:
                result = excel.import_questions(upload, actor=user, organization=organization,
                                                submit=form.cleaned_data["submit"], save="check" not in request.POST,
                                                file_name=upload.name or "")
            except SpreadsheetError as problem:
                form.add_error("file", problem.message)
        if form.errors:
            status = 400
    else:
        form = ImportForm(organizations=organizations, initial={"organization": organizations[0].pk})
    return _render(request, "quiz/console/question_import.html", {
        "form": form, "result": result, "status_code": status,
        "issues": result.issues[:MAX_ISSUES_SHOWN] if result else [],
        "omitted": max(0, len(result.issues) - MAX_ISSUES_SHOWN) if result else 0,
        "max_rows": excel.MAX_ROWS,
    }, status=status)
