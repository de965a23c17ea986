"""Console pages of the evaluations, under console/evaluation/: the list (and a new evaluation
from the default scheme), the scorecard (organizations × indicators, one peer group at a time),
the evidence behind a cell, the scheme (weights, directions, targets, bands), the weight
simulator (ranks under other weights, nothing saved unless asked), the reviewers' scoring
sheet, freeze / publish (confirmed), next year's support marks.

Every page asks the policy on the evaluation's evaluating level (404 outside the user's
subtrees, 403 inside without the role); reads go through selectors, writes through services."""
from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sciweek.accounts import policy
from sciweek.accounts.decorators import console_view
from sciweek.campaigns.selectors import current_campaign_of
from sciweek.core.confirm import confirm_page, confirmed
from sciweek.core.http import flash_errors
from sciweek.organizations.models import Organization

from . import selectors, services
from .forms import EvaluationForm, IndicatorForm, NewIndicatorForm, PeerGroupForm, ScoreForm, SupportForm
from .indicators import source_choices
from .models import Evaluation, Indicator
from .schemes import build_default


def available_actions(user, evaluation: Evaluation) -> set[str]:
    """What the user may do to this evaluation now (the buttons)."""
    actions = set()
    manage = policy.can(user, "evaluation.manage", evaluation)
    if evaluation.is_editable:
        if manage:
            actions |= {"edit", "freeze"}
            if evaluation.status == Evaluation.Status.DRAFT:
                actions.add("open_scoring")
        if policy.can(user, "evaluation.score", evaluation):
            actions.add("score")
    if manage and evaluation.status == Evaluation.Status.FROZEN:
        actions.add("publish")
    if manage and evaluation.status == Evaluation.Status.PUBLISHED:
        actions.add("support")
    return actions


def _evaluation(request, pk: int, action: str = "evaluation.view") -> Evaluation:
    evaluation = selectors.evaluation_detail(pk)
    if evaluation is None:
        raise Http404
    policy.require(request.user, "evaluation.view", evaluation)  # 404 outside the user's subtrees
    if action != "evaluation.view":
        policy.require(request.user, action, evaluation)
    return evaluation



def _back(evaluation, group: str = "") -> str:
    url = reverse("evaluation:scorecard", args=[evaluation.pk])
    return f"{url}?group={group}" if group else url


def _group(request, evaluation) -> tuple[str, list]:
    groups = selectors.peer_groups(evaluation)
    wanted = request.GET.get("group") or request.POST.get("group") or ""
    keys = [key for key, _label in groups]
    if wanted not in keys:
        wanted = keys[0] if keys else ""
    return wanted, groups


def _manageable_levels(user) -> list[Organization]:
    if user.is_superuser and not policy.grants(user):
        return list(Organization.objects.filter(depth=1).order_by("path"))
    return list(Organization.objects.filter(path__in=policy.scope_paths(user, "evaluation.manage")).order_by("path"))


@console_view
@require_http_methods(["GET", "POST"])
def evaluation_list(request):
    qs = selectors.visible_evaluations(request.user)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    levels = _manageable_levels(request.user)
    campaign = current_campaign_of(request)
    form = None
    if levels and campaign is not None:
        form = EvaluationForm(request.POST or None, initial={"evaluated_on": campaign.ends_on})
        if request.method == "POST" and form.is_valid():
            level = next((o for o in levels if str(o.pk) == request.POST.get("level")), levels[0])
            try:
                evaluation = services.create_evaluation(request.user, campaign, level, form.cleaned_data["name"],
                                                        form.cleaned_data["evaluated_on"])
                build_default(request.user, evaluation)
            except ValidationError as error:
                flash_errors(request, error)
            else:
                messages.success(request, _("已按默认方案新建评估，请调整权重和对象分组。"))
                return redirect(reverse("evaluation:scheme", args=[evaluation.pk]))
    elif request.method == "POST":
        raise Http404
    if not request.user.is_superuser and not policy.scope_paths(request.user, "evaluation.view"):
        raise PermissionDenied
    return render(request, "evaluation/console/list.html", {
        "page": page, "evaluations": page.object_list, "form": form, "levels": levels, "campaign": campaign})


@console_view
@require_GET
def scorecard(request, pk):
    evaluation = _evaluation(request, pk)
    group, groups = _group(request, evaluation)
    card = selectors.scorecard(evaluation, group or None)
    own = {row.subject.pk for _peer, rows in card.groups for row in rows
           if services.belongs_to(request.user, row.subject.organization)}
    return render(request, "evaluation/console/scorecard.html", {
        "evaluation": evaluation, "card": card, "group": group, "groups": groups, "own_subject_ids": own,
        "actions": available_actions(request.user, evaluation), "previous": selectors.previous_evaluation(evaluation)})


@console_view
@require_GET
def evidence(request, pk, subject_id, indicator_id):
    evaluation = _evaluation(request, pk)
    subject = selectors.subject_detail(evaluation, subject_id)
    indicator = Indicator.objects.filter(evaluation=evaluation, pk=indicator_id).select_related("pillar").first()
    if subject is None or indicator is None:
        raise Http404
    cell, last = selectors.cell(evaluation, subject, indicator)
    return render(request, "evaluation/console/evidence.html", {
        "evaluation": evaluation, "subject": subject, "indicator": indicator, "cell": cell, "last": last,
        "evidence": selectors.evidence(evaluation, subject, indicator)})


@console_view
@require_http_methods(["GET", "POST"])
def scheme(request, pk):
    evaluation = _evaluation(request, pk)
    editable = "edit" in available_actions(request.user, evaluation)
    sch = selectors.scheme(evaluation)
    forms = _indicator_rows(sch, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        policy.require(request.user, "evaluation.manage", evaluation)
        if request.POST.get("sync") == "1":
            try:
                count = services.sync_subjects(request.user, evaluation)
            except ValidationError as error:
                flash_errors(request, error)
            else:
                messages.success(request, _("已按分组规则更新评估对象（共 %(n)s 个）。") % {"n": count})
            return redirect(reverse("evaluation:scheme", args=[evaluation.pk]))
        if all(form.is_valid() for _i, form in forms):
            try:
                changed = services.update_indicators(request.user, evaluation,
                                                     {i.pk: form.cleaned_data for i, form in forms})
            except ValidationError as error:
                flash_errors(request, error)
            else:
                messages.success(request, _("方案已保存。") if changed else _("方案没有变化。"))
                return redirect(reverse("evaluation:scheme", args=[evaluation.pk]))
        status = 400
    return _scheme_page(request, evaluation, sch, forms, editable, status=status)


def _indicator_rows(sch, data=None) -> list:
    """One weight/direction/method form per indicator, bound to ``data`` when posted."""
    return [(i, IndicatorForm(data, prefix=f"i{i.pk}", initial={
        "weight": i.weight, "direction": i.direction, "method": i.method, "target": i.target,
        "band_high": i.band_high, "band_low": i.band_low})) for i in sch.indicators]


def _scheme_page(request, evaluation, sch, forms, editable, *, indicator_form=None, group_form=None, status=200):
    counts = {}
    for subject in sch.subjects:
        counts[subject.peer_group_id] = counts.get(subject.peer_group_id, 0) + 1
    if indicator_form is None and editable:
        indicator_form = NewIndicatorForm(pillars=list(evaluation.pillars.order_by("position", "id")),
                                          sources=source_choices())
    return render(request, "evaluation/console/scheme.html", {
        "evaluation": evaluation, "scheme": sch, "forms": forms, "editable": editable,
        "total_weight": sum((i.weight for i in sch.indicators), Decimal(0)),
        "groups": [(g, counts.get(g.id, 0)) for g in sch.groups],
        "indicator_form": indicator_form,
        "group_form": group_form or PeerGroupForm(),
        "actions": available_actions(request.user, evaluation)}, status=status)


@console_view
@require_POST
def scheme_change(request, pk):
    """Add or remove an indicator or a peer group (the evaluating level's admins, before
    freezing). Removing asks first: scores and subjects go with it."""
    evaluation = _evaluation(request, pk)
    policy.require(request.user, "evaluation.manage", evaluation)
    back = reverse("evaluation:scheme", args=[evaluation.pk])
    action = request.POST.get("action", "")
    pillars = list(evaluation.pillars.order_by("position", "id"))
    try:
        if action == "add_indicator":
            form = NewIndicatorForm(request.POST, pillars=pillars, sources=source_choices())
            if not form.is_valid():
                return _invalid_scheme_change(request, evaluation, indicator_form=form)
            data = form.cleaned_data
            pillar = next(p for p in pillars if p.pk == data["pillar"])
            indicator = services.new_indicator(request.user, evaluation, pillar, source=data["source"],
                                               name=data["name"], weight=data["weight"],
                                               direction=data["direction"] or None)
            messages.success(request, _("已添加指标“%(name)s”。") % {"name": indicator.name})
        elif action == "add_group":
            form = PeerGroupForm(request.POST)
            if not form.is_valid():
                return _invalid_scheme_change(request, evaluation, group_form=form)
            data = form.cleaned_data
            services.new_peer_group(request.user, evaluation, data["label"], data["kinds"],
                                    int(data["relative_depth"]) if data["relative_depth"] else None)
            messages.success(request, _("已添加分组“%(name)s”，评估对象已按分组规则更新。") % {"name": data["label"]})
        elif action == "remove_indicator":
            indicator = evaluation.indicators.filter(pk=_int(request.POST.get("indicator"))).first()
            if indicator is None:
                raise Http404
            if not confirmed(request):
                return confirm_page(request, title=_("删除指标"), back=back, button=_("删除指标"),
                                    question=_("从方案中删除指标“%(name)s”？") % {"name": indicator.name},
                                    note=_("评审已给出的这项打分和说明会一并删除。"),
                                    hidden={"action": action, "indicator": indicator.pk})
            services.remove_indicator(request.user, evaluation, indicator)
            messages.success(request, _("已删除指标“%(name)s”。") % {"name": indicator.name})
        elif action == "remove_group":
            group = evaluation.peer_groups.filter(pk=_int(request.POST.get("group"))).first()
            if group is None:
                raise Http404
            if not confirmed(request):
                return confirm_page(request, title=_("删除分组"), back=back, button=_("删除分组"),
                                    question=_("删除分组“%(name)s”？") % {"name": group.label},
                                    note=_("组内对象若没有其他分组接收，将退出本次评估，评审打分一并删除。"),
                                    hidden={"action": action, "group": group.pk})
            count = services.remove_peer_group(request.user, evaluation, group)
            messages.success(request, _("已删除分组“%(name)s”，评估对象现有 %(n)s 个。") % {"name": group.label, "n": count})
        else:
            messages.error(request, _("没有这一操作。"))
    except ValidationError as error:
        flash_errors(request, error)
    return redirect(back)


def _int(raw) -> int:
    return int(raw) if str(raw or "").isdigit() else 0


def _invalid_scheme_change(request, evaluation, **forms):
    sch = selectors.scheme(evaluation)
    editable = "edit" in available_actions(request.user, evaluation)
    return _scheme_page(request, evaluation, sch, _indicator_rows(sch), editable, status=400, **forms)


def _proposed_weights(request, indicators) -> tuple[dict, list[str]]:
    weights, errors = {}, []
    for indicator in indicators:
        raw = request.POST.get(f"w{indicator.pk}", request.GET.get(f"w{indicator.pk}"))
        if raw is None or raw == "":
            continue
        try:
            weights[indicator.pk] = services.parse_weight(raw)
        except ValidationError as error:
            errors.append(f"{indicator.name}：{error.messages[0]}")
    return weights, errors


@console_view
@require_http_methods(["GET", "POST"])
def simulate(request, pk):
    """Ranks under proposed weights beside the saved ones; "save" stores them (managers, while
    the evaluation is editable). htmx swaps only the result table."""
    evaluation = _evaluation(request, pk)
    group, groups = _group(request, evaluation)
    sch = selectors.scheme(evaluation, group or None)
    weights, errors = _proposed_weights(request, sch.indicators)
    may_save = "edit" in available_actions(request.user, evaluation)
    if request.method == "POST" and request.POST.get("save") == "1" and not errors:
        policy.require(request.user, "evaluation.manage", evaluation)
        try:
            services.save_weights(request.user, evaluation, weights)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("新权重已保存。"))
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = _back(evaluation, group)
                return response
            return redirect(_back(evaluation, group))
    rows = selectors.simulate(evaluation, {} if errors else weights, group or None)
    context = {"evaluation": evaluation, "group": group, "groups": groups, "indicators": sch.indicators,
               "weights": {i.pk: weights.get(i.pk, i.weight) for i in sch.indicators}, "rows": rows,
               "errors": errors, "may_save": may_save,
               "proposed_total": sum((weights.get(i.pk, i.weight) for i in sch.indicators), Decimal(0))}
    for indicator in sch.indicators:
        indicator.proposed = context["weights"][indicator.pk]
    if request.htmx:
        return render(request, "evaluation/console/_simulation.html", context)
    return render(request, "evaluation/console/simulate.html", context)


@console_view
@require_http_methods(["GET", "POST"])
def score_subject(request, pk, subject_id):
    evaluation = _evaluation(request, pk, "evaluation.score")
    subject = selectors.subject_detail(evaluation, subject_id)
    if subject is None:
        raise Http404
    if services.belongs_to(request.user, subject.organization):
        policy.refused(request.user, "evaluation.score", evaluation, 403)
        messages.error(request, _("不能给本单位评分。"))
        return redirect(_back(evaluation, subject.peer_group.key))
    sheet = selectors.scoring_sheet(evaluation, subject)
    forms = [(i, s, ScoreForm(request.POST if request.method == "POST" else None, prefix=f"s{i.pk}",
                              initial={"score": s.score, "comment": s.comment} if s else None)) for i, s in sheet]
    status = 200
    if request.method == "POST":
        if not evaluation.is_editable:
            messages.error(request, _("评估已定格，方案和评分不能再修改。"))
            return redirect(_back(evaluation, subject.peer_group.key))
        filled = [(i, form) for i, _s, form in forms if form.has_changed() or form.data.get(f"s{i.pk}-score")]
        if all(form.is_valid() for _i, form in filled):
            try:
                for indicator, form in filled:
                    services.score(request.user, evaluation, subject, indicator, form.cleaned_data["score"],
                                   form.cleaned_data["comment"])
            except ValidationError as error:
                flash_errors(request, error)
            else:
                messages.success(request, _("评分已保存。"))
                return redirect(_back(evaluation, subject.peer_group.key))
        status = 400
    return render(request, "evaluation/console/score.html", {
        "evaluation": evaluation, "subject": subject, "forms": forms}, status=status)


@console_view
@require_http_methods(["GET", "POST"])
def transition(request, pk, action):
    evaluation = _evaluation(request, pk, "evaluation.manage")
    labels = {
        "open_scoring": (_("开始评分"), _("开始评分后，评审人员可以为需要评分的指标打分。"), _("开始评分")),
        "freeze": (_("定格评估"), _("定格后，方案、数据和评分都以此刻为准，之后的修改不再影响结果。确定定格吗？"), _("定格")),
        "publish": (_("发布评估结果"), _("发布后，排名在本地区的公开页面上显示。确定发布吗？"), _("发布")),
    }
    if action not in labels:
        raise Http404
    title, question, button = labels[action]
    if action not in available_actions(request.user, evaluation):
        messages.error(request, _("评估当前的状态不允许这一操作。"))
        return redirect(_back(evaluation))
    if not confirmed(request):
        return confirm_page(request, title=title, question=question, button=button, back=_back(evaluation),
                            danger=action != "open_scoring")
    try:
        {"open_scoring": services.open_scoring, "freeze": services.freeze, "publish": services.publish}[action](
            request.user, evaluation)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, {"open_scoring": _("已开始评分。"), "freeze": _("评估已定格。"),
                                   "publish": _("评估结果已发布。")}[action])
    return redirect(_back(evaluation))


@console_view
@require_POST
def support(request, pk, subject_id):
    evaluation = _evaluation(request, pk, "evaluation.manage")
    subject = selectors.subject_detail(evaluation, subject_id)
    if subject is None:
        raise Http404
    form = SupportForm(request.POST)
    if form.is_valid():
        try:
            services.mark_support(request.user, evaluation, subject, form.cleaned_data["support"],
                                  form.cleaned_data["note"])
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("已更新下一年度重点项目支持。"))
    return redirect(_back(evaluation, subject.peer_group.key))
