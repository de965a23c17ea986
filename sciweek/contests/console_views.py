"""The contests' console pages: the organizer's (contests, their setup, judges, quotas,
entries, rounds, results, public notice, objections, votes), the units' (entering works and
withdrawing them) and the judges' (their rounds, the score sheet, the chief judge's reopen).

Views stay thin: accounts.policy decides for the organizer's and the units' pages (404 outside
the user's subtrees, 403 inside without the role); a judge's rights come from a seat on a
panel (services.judge_assignment / is_chief), and anything a judge may not open is a 404, so
entries cannot be probed. Writes go through contests.services; the contest's own settings,
categories, tiers, rounds, rubric and panels have no service yet and are saved here, after
the policy, in one transaction each (see `_save_*`).
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count, ProtectedError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sciweek.accounts import audit, policy
from sciweek.accounts.decorators import console_view
from sciweek.accounts.models import User
from sciweek.campaigns.selectors import current_campaign_of
from sciweek.core.confirm import confirm_page, confirmed
from sciweek.core.http import flash_errors
from sciweek.media import services as media_services
from sciweek.organizations.models import Organization

from . import selectors, services
from .forms import (
    CategoryFormSet,
    ContestForm,
    CriterionFormSet,
    EntryFilterForm,
    EntryForm,
    JudgeForm,
    ObjectionForm,
    PanelForm,
    QuotaForm,
    ReasonForm,
    RoundForm,
    ScoreForm,
    TierFormSet,
    VoidVotesForm,
    category_rows,
    criterion_rows,
    tier_rows,
)
from .models import (
    Assignment,
    Category,
    Contest,
    Criterion,
    Entry,
    Objection,
    Panel,
    PanelJudge,
    Quota,
    Round,
    Score,
)

PER_PAGE = 50
MAX_ORG_CHOICES = 500  # a select of reporting units; a province's tree has a few hundred


# --- helpers -------------------------------------------------------------------------------

def _roots(user, action):
    if user.is_superuser and not policy.grants(user):
        return Organization.objects.filter(depth=1).order_by("path")
    return Organization.objects.filter(path__in=policy.scope_paths(user, action)).order_by("path")


def _holds(user, *actions) -> bool:
    return user.is_superuser or any(policy.scope_paths(user, action) for action in actions)


def _contest(request, contest_id, action="contest.manage") -> Contest:
    contest = get_object_or_404(Contest.objects.select_related("organization", "campaign"), pk=contest_id)
    policy.require(request.user, action, contest)
    return contest


def _round(request, round_id, action="contest.manage") -> Round:
    rnd = get_object_or_404(Round.objects.select_related("contest", "contest__organization", "contest__campaign"),
                            pk=round_id)
    policy.require(request.user, action, rnd.contest)
    return rnd



def _detail(contest, anchor="") -> str:
    return reverse("contests:contest_detail", args=[contest.pk]) + (f"#{anchor}" if anchor else "")


def _refused_form(request):
    messages.error(request, _("有几处需要修改，请看标红的说明。已填写的内容不会丢失。"))


def contest_actions(contest: Contest, rounds: list[Round]) -> dict:
    """What the organizer may do to the contest now: the buttons the detail page shows."""
    last = rounds[-1] if rounds else None
    publication = getattr(contest, "publication", None) if contest.status in (
        Contest.Status.PUBLICITY, Contest.Status.FINAL) else None
    return {
        "publish": last is not None and last.status == Round.Status.CLOSED and contest.status == Contest.Status.JUDGING,
        "finalize": contest.status == Contest.Status.PUBLICITY,
        "publication": publication,
        "rounds": {r.pk: {"open": r.status == Round.Status.PENDING,
                          "assign": r.status != Round.Status.CLOSED,
                          "close": r.status == Round.Status.SCORING} for r in rounds},
        "editable": contest.status in (Contest.Status.DRAFT, Contest.Status.OPEN),
    }


# --- the organizer: contests ---------------------------------------------------------------

@console_view
@require_GET
def console_list(request):
    """The contests run in the user's subtrees (all campaigns), with status and counts."""
    user = request.user
    if not _holds(user, "contest.manage", "contest.results"):
        if _holds(user, "contest.enter"):
            return redirect("contests:unit_entries")
        raise PermissionDenied
    page = Paginator(selectors.console_contests(user), PER_PAGE).get_page(request.GET.get("page"))
    rows = [(c, policy.can(user, "contest.manage", c)) for c in page]
    return render(request, "contests/console/contest_list.html", {
        "page": page, "rows": rows,
        "can_create": current_campaign_of(request) is not None and _roots(user, "contest.manage").exists(),
        "can_enter": _holds(user, "contest.enter"),
    })


@console_view
@require_GET
def contest_detail(request, contest_id):
    contest = _contest(request, contest_id)
    rounds = selectors.rounds_of(contest)
    counts = dict(Entry.objects.filter(contest=contest).order_by().values_list("status").annotate(n=Count("pk")))
    quotas = list(Quota.objects.filter(contest=contest).select_related("organization"))
    recommended = dict(Entry.objects.filter(contest=contest, recommended_by__isnull=False)
                       .exclude(status=Entry.Status.WITHDRAWN).order_by().values_list("recommended_by")
                       .annotate(n=Count("pk")))
    panels = selectors.panels_of(contest)
    progress = {r.pk: selectors.round_progress(r) for r in rounds if r.status != Round.Status.PENDING}
    return render(request, "contests/console/contest_detail.html", {
        "contest": contest, "rounds": rounds, "categories": list(contest.categories.all()),
        "tiers": list(contest.prize_tiers.all()), "counts": counts, "entries_total": sum(counts.values()),
        "statuses": Entry.Status.choices, "quotas": [(q, recommended.get(q.organization_id, 0)) for q in quotas],
        "quota_form": QuotaForm(organizations=_quota_organizations(contest), auto_id="quota-%s"),
        "panel_groups": [(r, [p for p in panels if p.round_id == r.pk]) for r in rounds],
        "progress": progress, "actions": contest_actions(contest, rounds),
        "open_objections": Objection.objects.filter(contest=contest, status=Objection.Status.OPEN).count(),
        "void_form": VoidVotesForm(auto_id="void-%s"),
        "flagged_votes": contest.votes.filter(flagged=True, voided_at__isnull=True).count()
        if contest.vote_enabled else 0,
        "flagged_sources": selectors.flagged_sources(contest) if contest.vote_enabled else [],
    })


def _quota_organizations(contest: Contest):
    """Who may be given a quota: the organizations reporting directly to the organizer."""
    return Organization.objects.get_children(contest.organization).order_by("path")[:MAX_ORG_CHOICES]


def _setup_page(request, *, contest, form, categories, tiers, status=200):
    return render(request, "contests/console/contest_edit.html", {
        "contest": contest if contest.pk else None, "form": form, "categories": categories, "tiers": tiers,
        "row_tables": [(_("组别"), categories), (_("奖项"), tiers)], "campaign": contest.campaign,
        # Here, not in the template: a template's _("…") literal with % is looked up as %% and never matches.
        "tiers_help": _("按排名先后评定：填名额（如 3 名）或比例（如前 10%），都不填表示其余全部。每个组别分别评定。")},
        status=status)


def _rows(formset, fields: tuple[str, ...]) -> list[dict]:
    """A formset's rows as services.save_contest / save_round take them: kept rows in order,
    removed ones (ticked 删除 or emptied) as deletions of their id."""
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if form.kept():
            rows.append({"id": data.get("id"), **{f: data.get(f) for f in fields}})
        elif data.get("id") and (data.get("DELETE") or form.is_blank()):
            rows.append({"id": data.get("id"), "delete": True})
    return rows


def _edit_contest(request, contest: Contest, organizations):
    if request.method == "POST":
        form = ContestForm(request.POST, instance=contest, organizations=organizations)
        categories = CategoryFormSet(request.POST, prefix="categories")
        tiers = TierFormSet(request.POST, prefix="tiers")
        if form.is_valid() & categories.is_valid() & tiers.is_valid():
            if contest.pk is None:
                contest.organization = get_object_or_404(Organization, pk=form.cleaned_data["organization_choice"])
                policy.require(request.user, "contest.manage", contest.organization)
            try:
                contest = services.save_contest(
                    form.save(commit=False), actor=request.user, categories=_rows(categories, ("name",)),
                    tiers=_rows(tiers, ("name", "count", "share_percent")))
            except ProtectedError:
                form.add_error(None, _("已有作品的组别、已颁发的奖项不能删除。"))
            except IntegrityError:
                form.add_error(None, _("组别或奖项名称重复，或网址名已被使用，请修改。"))
            else:
                messages.success(request, _("已保存。"))
                return redirect("contests:contest_detail", contest_id=contest.pk)
            if contest.pk is None or not Contest.objects.filter(pk=contest.pk).exists():
                contest.pk = None
        _refused_form(request)
        return _setup_page(request, contest=contest, form=form, categories=categories, tiers=tiers, status=400)
    form = ContestForm(instance=contest, organizations=organizations)
    return _setup_page(request, contest=contest, form=form,
                       categories=CategoryFormSet(initial=category_rows(contest), prefix="categories"),
                       tiers=TierFormSet(initial=tier_rows(contest), prefix="tiers"))


@console_view
@require_http_methods(["GET", "POST"])
def contest_new(request):
    campaign = current_campaign_of(request)
    if campaign is None:
        messages.error(request, _("尚未发布科技活动周，暂不能创建大赛。"))
        return redirect("contests:console_list")
    organizations = list(_roots(request.user, "contest.manage"))
    if not organizations:
        raise PermissionDenied
    return _edit_contest(request, Contest(campaign=campaign), organizations)


@console_view
@require_http_methods(["GET", "POST"])
def contest_edit(request, contest_id):
    return _edit_contest(request, _contest(request, contest_id), ())


# --- rounds and their rubric ------------------------------------------------------------------

def _edit_round(request, rnd: Round):
    contest = rnd.contest
    locked = rnd.pk is not None and rnd.status != Round.Status.PENDING
    if request.method == "POST":
        form = RoundForm(request.POST, instance=rnd)
        criteria = CriterionFormSet(request.POST, prefix="criteria")
        if form.is_valid() & (locked or criteria.is_valid()):
            rnd = services.save_round(
                form.save(commit=False), actor=request.user,
                criteria=None if locked else [
                    {**row, "description": row.get("description") or "", "min_points": row.get("min_points") or 0}
                    for row in _rows(criteria, ("name", "description", "weight", "min_points", "max_points"))])
            messages.success(request, _("已保存。"))
            return redirect(_detail(contest, f"round-{rnd.pk}"))
        _refused_form(request)
        status = 400
    else:
        form = RoundForm(instance=rnd)
        criteria = CriterionFormSet(initial=criterion_rows(rnd), prefix="criteria")
        status = 200
    weights = sum((c.weight for c in rnd.criteria.all()), start=0) if rnd.pk else None
    return render(request, "contests/console/round_edit.html", {
        "contest": contest, "round": rnd if rnd.pk else None, "form": form, "criteria": criteria,
        "locked": locked, "weights": weights}, status=status)


@console_view
@require_http_methods(["GET", "POST"])
def round_new(request, contest_id):
    contest = _contest(request, contest_id)
    return _edit_round(request, Round(contest=contest, kind=Round.Kind.FINAL))


@console_view
@require_http_methods(["GET", "POST"])
def round_edit(request, round_id):
    return _edit_round(request, _round(request, round_id))


@console_view
@require_POST
def round_open(request, round_id):
    rnd = _round(request, round_id)
    try:
        services.open_round(rnd, actor=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("“%(round)s”已开始评分，评委可以打分了。") % {"round": rnd.name})
    return redirect(_detail(rnd.contest, f"round-{rnd.pk}"))


@console_view
@require_http_methods(["GET", "POST"])
def round_close(request, round_id):
    rnd = _round(request, round_id)
    back = _detail(rnd.contest, f"round-{rnd.pk}")
    if not confirmed(request):
        return confirm_page(request, title=_("结束评分"), back=back, button=_("确定结束"),
                            question=_("确定结束“%(round)s”的评分吗？") % {"round": rnd.name},
                            note=_("结束后评委不能再打分，评审组长也不能再退回评分。"))
    try:
        services.close_round(rnd, actor=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("“%(round)s”的评分已结束，成绩已计算。") % {"round": rnd.name})
    return redirect(back)


@console_view
@require_POST
def round_assign(request, round_id):
    """Assign the round's entries to its judges; shows what was made and who is short of k."""
    rnd = _round(request, round_id)
    try:
        report = services.assign(rnd, actor=request.user)
    except ValidationError as error:
        flash_errors(request, error)
        return redirect(_detail(rnd.contest, f"round-{rnd.pk}"))
    return render(request, "contests/console/assign_report.html", {
        "contest": rnd.contest, "round": rnd, "report": report, "k": rnd.contest.judges_per_entry,
        "anonymous": False})


@console_view
@require_GET
def round_progress(request, round_id):
    """Per judge, n of m submitted: for the organizer and the round's chief judge."""
    rnd = get_object_or_404(Round.objects.select_related("contest", "contest__organization"), pk=round_id)
    if not services.is_chief(request.user, rnd):
        policy.require(request.user, "contest.manage", rnd.contest)
    return render(request, "contests/console/round_progress.html", {
        "contest": rnd.contest, "round": rnd, "progress": selectors.round_progress(rnd),
        "is_manager": policy.can(request.user, "contest.manage", rnd.contest)})


# --- panels, judges, quotas -----------------------------------------------------------------

@console_view
@require_POST
def panel_add(request, round_id):
    rnd = _round(request, round_id)
    form = PanelForm(request.POST, contest=rnd.contest)
    if form.is_valid():
        try:
            services.add_panel(rnd, actor=request.user, name=form.cleaned_data["name"],
                               category=form.cleaned_data["category"])
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("已添加评审组。"))
    else:
        messages.error(request, _("请填写评审组名称。"))
    return redirect(_detail(rnd.contest, "panels"))


@console_view
@require_POST
def judge_add(request, panel_id):
    panel = get_object_or_404(Panel.objects.select_related("round__contest__organization"), pk=panel_id)
    contest = panel.round.contest
    policy.require(request.user, "contest.manage", contest)
    form = JudgeForm(request.POST, prefix=f"p{panel.pk}")
    if not form.is_valid():
        messages.error(request, _("请填写评委的用户名。"))
        return redirect(_detail(contest, "panels"))
    judge = User.objects.filter(username=form.cleaned_data["username"].strip(), is_active=True).first()
    if judge is None:
        messages.error(request, _("没有用户名为“%(name)s”的工作人员。") % {"name": form.cleaned_data["username"]})
        return redirect(_detail(contest, "panels"))
    try:
        services.add_judge(panel, judge, actor=request.user, is_chief=form.cleaned_data["is_chief"])
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已把 %(name)s 加入“%(panel)s”。") % {"name": judge.display_name,
                                                                       "panel": panel.name})
    return redirect(_detail(contest, "panels"))


@console_view
@require_POST
def judge_remove(request, seat_id):
    """Take a judge off a panel: only while they have no score in the round (the scores stay)."""
    seat = get_object_or_404(PanelJudge.objects.select_related("panel__round__contest__organization", "judge"),
                             pk=seat_id)
    contest = seat.panel.round.contest
    policy.require(request.user, "contest.manage", contest)
    try:
        services.remove_judge(seat, actor=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已把 %(name)s 移出评审组。") % {"name": seat.judge.display_name})
    return redirect(_detail(contest, "panels"))


@console_view
@require_POST
def quota_set(request, contest_id):
    contest = _contest(request, contest_id)
    form = QuotaForm(request.POST, organizations=_quota_organizations(contest))
    if not form.is_valid():
        messages.error(request, _("请选择推荐单位并填写名额（0 或正整数）。"))
        return redirect(_detail(contest, "quotas"))
    organization = get_object_or_404(Organization, pk=form.cleaned_data["organization"])
    services.set_quota(contest, organization, form.cleaned_data["places"], actor=request.user)
    messages.success(request, _("已把 %(org)s 的推荐名额设为 %(n)s。") % {"org": organization.name,
                                                                   "n": form.cleaned_data["places"]})
    return redirect(_detail(contest, "quotas"))


# --- entries ---------------------------------------------------------------------------------

@console_view
@require_GET
def entry_list(request, contest_id):
    contest = _contest(request, contest_id)
    form = EntryFilterForm(request.GET or None, contest=contest)
    qs = selectors.entries_of(contest)
    if form.is_valid():
        if form.cleaned_data.get("category"):
            qs = qs.filter(category_id=form.cleaned_data["category"])
        if form.cleaned_data.get("status"):
            qs = qs.filter(status=form.cleaned_data["status"])
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "contests/console/entry_list.html", {
        "contest": contest, "page": page, "filter": form, "query": query.urlencode()})


@console_view
@require_http_methods(["GET", "POST"])
def entry_disqualify(request, entry_id):
    entry = get_object_or_404(Entry.objects.select_related("contest", "contest__organization", "category"),
                              pk=entry_id)
    contest = entry.contest
    policy.require(request.user, "contest.manage", contest)
    back = reverse("contests:entry_list", args=[contest.pk])
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        if not confirmed(request):
            return confirm_page(
                request, title=_("取消作品资格"), back=back, button=_("确定取消资格"), hidden={"reason": reason},
                question=_("确定取消作品 %(code)s“%(title)s”的参赛资格吗？") % {"code": entry.code, "title": entry.title},
                note=_("取消后作品退出排名，成绩重新计算，不能恢复。理由：%(reason)s") % {"reason": reason})
        try:
            services.disqualify_entry(entry, actor=request.user, reason=reason)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("已取消该作品的参赛资格。"))
            return redirect(back)
    return render(request, "contests/console/entry_disqualify.html", {
        "contest": contest, "entry": entry, "form": form}, status=400 if form.errors else 200)


# --- results, public notice, objections, votes ----------------------------------------------

def _results_context(rnd: Round) -> dict:
    rows = list(selectors.results_of(rnd))
    groups: list[tuple] = []
    for row in rows:
        if not groups or groups[-1][0] != row.entry.category:
            groups.append((row.entry.category, []))
        groups[-1][1].append(row)
    return {"round": rnd, "contest": rnd.contest, "groups": groups, "count": len(rows),
            "has_votes": any(r.vote_score is not None for r in rows),
            "has_tiers": any(r.prize_tier_id for r in rows)}


@console_view
@require_GET
def round_results(request, round_id):
    rnd = _round(request, round_id, "contest.results")
    context = _results_context(rnd)
    context["is_manager"] = policy.can(request.user, "contest.manage", rnd.contest)
    context["rounds"] = selectors.rounds_of(rnd.contest)
    return render(request, "contests/console/results.html", context)


OFFICIAL_COLUMNS = ["序号", "作品编号", "作品名称", "第一作者", "团队成员", "报送单位", "推荐单位", "组别",
                    "得分", "名次", "奖项"]


@console_view
@require_GET
def results_export(request, round_id):
    """The official list (获奖名单, or every ranked entry with ?which=all) as the notices print it."""
    from openpyxl import Workbook

    from sciweek.spreadsheets.writer import BORDER, HEADER_FILL, HEADER_FONT, TITLE_FONT, cell, response

    rnd = _round(request, round_id, "contest.results")
    contest = rnd.contest
    everything = request.GET.get("which") == "all"
    rows = selectors.results_of(rnd).filter(entry__status__in=Entry.Status.IN_CONTEST).select_related(
        "entry__recommended_by")
    if not everything:
        rows = rows.filter(prize_tier__isnull=False).order_by(
            "prize_tier__position", "entry__category__position", "entry__category_id", "rank", "entry__number")
    name = f"{contest.title}{rnd.name}{'成绩名单' if everything else '获奖名单'}"
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(rnd.name or "名单")[:31])
    sheet.append([cell(sheet, name, font=TITLE_FONT)])
    sheet.append([cell(sheet, title, font=HEADER_FONT, fill=HEADER_FILL, border=BORDER) for title in OFFICIAL_COLUMNS])
    for n, r in enumerate(rows, start=1):
        e = r.entry
        rank = "" if r.rank is None else (f"{r.rank}（并列）" if r.tied else r.rank)
        sheet.append([cell(sheet, value, border=BORDER) for value in (
            n, e.code, e.title, e.first_author, e.team_members, e.organization.name,
            e.recommended_by.name if e.recommended_by else "", e.category.name,
            float(r.score) if r.score is not None else "", rank, r.prize_tier.name if r.prize_tier else "")])
    workbook.properties.title = name
    workbook.properties.creator = "SciWeek"
    # The lists carry authors' names (students' too): who took one is on record.
    audit.record("contests.results_exported", actor=request.user, organization=contest.organization,
                 summary=name, ip=audit.client_ip(request))
    return response(workbook, f"{name}.xlsx")


@console_view
@require_http_methods(["GET", "POST"])
def contest_publish(request, contest_id):
    contest = _contest(request, contest_id)
    back = _detail(contest, "publicity")
    if not confirmed(request):
        return confirm_page(request, title=_("公示结果"), back=back, button=_("确定公示"), danger=False,
                            question=_("确定公示“%(title)s”的评审结果吗？") % {"title": contest.title},
                            note=_("公示期 %(n)s 天，公众可以实名提出异议；公示期满、异议处理完后才能公布最终结果。")
                            % {"n": contest.publicity_days})
    try:
        services.publish_results(contest, actor=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("结果已公示。"))
    return redirect(back)


@console_view
@require_http_methods(["GET", "POST"])
def contest_finalize(request, contest_id):
    contest = _contest(request, contest_id)
    back = _detail(contest, "publicity")
    if not confirmed(request):
        return confirm_page(request, title=_("公布最终结果"), back=back, button=_("确定公布"),
                            question=_("确定公布“%(title)s”的最终结果吗？") % {"title": contest.title},
                            note=_("公布后颁发奖项和证书，结果不能再修改。"))
    try:
        awards = services.finalize(contest, actor=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("最终结果已公布，共 %(n)s 个奖项。") % {"n": len(awards)})
    return redirect(back)


@console_view
@require_GET
def objection_list(request, contest_id):
    contest = _contest(request, contest_id)
    page = Paginator(selectors.objections_of(contest), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "contests/console/objections.html", {
        "contest": contest, "page": page,
        "forms": {o.pk: ObjectionForm(prefix=f"o{o.pk}") for o in page if o.status == Objection.Status.OPEN}})


@console_view
@require_POST
def objection_handle(request, objection_id):
    objection = get_object_or_404(Objection.objects.select_related("contest", "contest__organization", "entry"),
                                  pk=objection_id)
    contest = objection.contest
    policy.require(request.user, "contest.manage", contest)
    form = ObjectionForm(request.POST, prefix=f"o{objection.pk}")
    if form.is_valid():
        try:
            services.handle_objection(objection, actor=request.user, upheld=form.cleaned_data["decision"] == "upheld",
                                      response=form.cleaned_data["response"])
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("异议已处理。"))
            return redirect("contests:objection_list", contest_id=contest.pk)
    page = Paginator(selectors.objections_of(contest), PER_PAGE).get_page(1)
    forms = {o.pk: ObjectionForm(prefix=f"o{o.pk}") for o in page if o.status == Objection.Status.OPEN}
    forms[objection.pk] = form
    return render(request, "contests/console/objections.html", {"contest": contest, "page": page, "forms": forms},
                  status=400)


@console_view
@require_POST
def votes_void(request, contest_id):
    contest = _contest(request, contest_id)
    back = _detail(contest, "votes")
    form = VoidVotesForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(back)
    data = form.cleaned_data
    value = data["value"].strip()
    if not confirmed(request):
        return confirm_page(request, title=_("作废网络投票"), back=back, button=_("确定作废"),
                            hidden={"by": data["by"], "value": value, "reason": data["reason"]},
                            question=_("确定作废来自 %(value)s 的全部有效投票吗？") % {"value": value},
                            note=_("作废的投票保留在记录中，成绩重新计算。理由：%(reason)s") % {"reason": data["reason"]})
    target = {"ip": value} if data["by"] == "ip" else {"device": value}
    try:
        n = services.void_votes(contest, actor=request.user, reason=data["reason"], **target)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已作废 %(n)s 票。") % {"n": n})
    return redirect(back)


# --- units: entering works --------------------------------------------------------------------

@console_view
@require_GET
def unit_entries(request):
    """The open contests the user's units may enter, and the entries they have sent."""
    user = request.user
    if not _holds(user, "contest.enter"):
        raise PermissionDenied
    page = Paginator(selectors.unit_entries(user), PER_PAGE).get_page(request.GET.get("page"))
    rows = [(e, e.status in (Entry.Status.SUBMITTED, Entry.Status.OVER_QUOTA)
             and e.contest.status == Contest.Status.OPEN) for e in page]
    return render(request, "contests/console/unit_entries.html", {
        "contests": list(selectors.enterable_contests(user)[:50]), "page": page, "rows": rows})


def _enter_organizations(user):
    if user.is_superuser and not policy.grants(user):
        return Organization.objects.all().order_by("path")[:MAX_ORG_CHOICES]
    return policy.scoped(Organization.objects.filter(is_active=True), user, "contest.enter").order_by(
        "path")[:MAX_ORG_CHOICES]


@console_view
@require_http_methods(["GET", "POST"])
def entry_submit(request, contest_id):
    user = request.user
    contest = get_object_or_404(selectors.enterable_contests(user), pk=contest_id)
    organizations = list(_enter_organizations(user))
    recommenders = list(_roots(user, "contest.recommend"))
    if not organizations:
        raise PermissionDenied
    form = EntryForm(request.POST or None, contest=contest, organizations=organizations, recommenders=recommenders)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organization = get_object_or_404(Organization, pk=data["organization"])
        recommended_by = get_object_or_404(Organization, pk=data["recommended_by"]) if data.get(
            "recommended_by") else None
        category = get_object_or_404(Category, pk=data["category"], contest=contest)
        try:
            entry = services.submit_entry(
                contest, actor=user, organization=organization, category=category, title=data["title"],
                first_author=data["first_author"], team_members=data["team_members"], summary=data["summary"],
                attested=data["attested"], aired_url=data["aired_url"], recommended_by=recommended_by,
                recommendation_rank=data.get("recommendation_rank") if recommended_by else None)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if entry.status == Entry.Status.OVER_QUOTA:
                messages.warning(request, _("作品 %(code)s 已报送，但超出本单位的推荐名额，按推荐排序暂不参评。")
                                 % {"code": entry.code})
            else:
                messages.success(request, _("作品已报送，编号 %(code)s。") % {"code": entry.code})
            return redirect("contests:unit_entries")
    if form.errors:
        _refused_form(request)
    return render(request, "contests/console/entry_submit.html", {"contest": contest, "form": form},
                  status=400 if form.errors else 200)


@console_view
@require_http_methods(["GET", "POST"])
def entry_video(request, entry_id):
    """Upload (or replace) an entry's video: chunked through the media intake, which checks the
    real streams; the form then attaches the checked file to the entry."""
    entry = get_object_or_404(Entry.objects.select_related("contest", "organization", "video"), pk=entry_id)
    policy.require(request.user, "contest.enter", entry)
    if request.method == "POST":
        from sciweek.media.models import MediaAsset

        asset = MediaAsset.objects.filter(pk=request.POST.get("video") or 0).first() if str(
            request.POST.get("video", "")).isdigit() else None
        try:
            if asset is None:
                raise ValidationError(_("请先选择视频文件，等它上传并通过检查后再保存。"))
            services.attach_video(entry, asset, actor=request.user)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("作品 %(code)s 的视频已保存。") % {"code": entry.code})
            return redirect("contests:unit_entries")
    return render(request, "contests/console/entry_video.html", {"entry": entry, "video_url": _video_url(entry)})


@console_view
@require_http_methods(["GET", "POST"])
def entry_withdraw(request, entry_id):
    entry = get_object_or_404(Entry.objects.select_related("contest", "organization", "recommended_by"), pk=entry_id)
    policy.require(request.user, "contest.enter", entry)
    back = reverse("contests:unit_entries")
    if not confirmed(request):
        return confirm_page(request, title=_("撤回作品"), back=back, button=_("确定撤回"),
                            question=_("确定撤回作品 %(code)s“%(title)s”吗？") % {"code": entry.code,
                                                                            "title": entry.title},
                            note=_("撤回后作品不再参评，不能恢复；如需参赛须重新报送。"))
    try:
        services.withdraw_entry(entry, actor=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("作品已撤回。"))
    return redirect(back)


# --- judges -------------------------------------------------------------------------------------

def _seated_round(request, round_id) -> Round:
    """A round the user judges in (a seat on one of its panels); else it does not exist."""
    rnd = get_object_or_404(Round.objects.select_related("contest", "contest__campaign"), pk=round_id)
    if not PanelJudge.objects.filter(panel__round=rnd, judge=request.user).exists():
        raise Http404
    return rnd


@console_view
@require_GET
def judge_home(request):
    """我的评审: the rounds the judge sits in, each with their progress."""
    return render(request, "contests/console/judge_home.html", {"rounds": selectors.judge_rounds(request.user)})


def score_state(assignment: Assignment) -> str:
    """未评 / 草稿 / 已提交, as the judge's list shows it."""
    if not _has_score(assignment):
        return "none"
    return "submitted" if assignment.score.status == Score.Status.SUBMITTED else "draft"


def _has_score(assignment) -> bool:
    try:
        return assignment.score is not None
    except Score.DoesNotExist:
        return False


@console_view
@require_GET
def judge_round(request, round_id):
    rnd = _seated_round(request, round_id)
    rows = [(a, score_state(a)) for a in selectors.judge_assignments(request.user, rnd)]
    done = sum(1 for _a, state in rows if state == "submitted")
    return render(request, "contests/console/judge_round.html", {
        "round": rnd, "contest": rnd.contest, "rows": rows, "done": done,
        "anonymous": rnd.contest.anonymous_judging, "is_chief": services.is_chief(request.user, rnd)})


def _assignment(request, assignment_id) -> Assignment:
    try:
        return services.judge_assignment(assignment_id, request.user)
    except PermissionDenied:
        raise Http404 from None  # another judge's, or conflicted: as if it did not exist


def _video_url(entry) -> str:
    """A judge's (or the unit's) address for the entry's video, public or not: signed, 4 hours."""
    return media_services.signed_url(entry.video, ttl=4 * 3600) if entry.video_id else ""


def _score_page(request, assignment, form, *, status=200):
    rnd, entry = assignment.round, assignment.entry
    score = assignment.score if _has_score(assignment) else None
    return render(request, "contests/console/judge_score.html", {
        "assignment": assignment, "round": rnd, "contest": rnd.contest, "entry": entry, "form": form,
        "score": score, "locked": score is not None and score.status == Score.Status.SUBMITTED,
        "scoring": rnd.status == Round.Status.SCORING, "anonymous": rnd.contest.anonymous_judging,
        "video_url": _video_url(entry), "conflict_form": ReasonForm(auto_id="conflict-%s"),
        "next": selectors.next_to_score(request.user, rnd, after=assignment)}, status=status)


@console_view
@require_http_methods(["GET", "POST"])
def judge_score(request, assignment_id):
    """The score sheet: 保存 keeps a draft, 提交 (after a confirm step) locks it; then 下一件."""
    assignment = _assignment(request, assignment_id)
    rnd = assignment.round
    criteria = list(Criterion.objects.filter(round=rnd).order_by("position", "id"))
    if request.method == "GET":
        score = assignment.score if _has_score(assignment) else None
        initial = {f"c{k}": v for k, v in (score.points if score else {}).items()}
        return _score_page(request, assignment, ScoreForm(initial=initial, criteria=criteria))
    form = ScoreForm(request.POST, criteria=criteria)
    submit = request.POST.get("action") == "submit"
    try:
        # A submit is first kept as a draft: the marks are not lost if the judge goes back.
        score = services.save_score(assignment, judge=request.user, points=form.points(),
                                    submit=submit and confirmed(request))
    except ValidationError as error:
        form.add_error(None, error)
        return _score_page(request, assignment, form, status=400)
    if submit and not confirmed(request):
        hidden = {f"c{c.pk}": request.POST.get(f"c{c.pk}", "") for c in criteria}
        hidden["action"] = "submit"
        return confirm_page(request, title=_("提交评分"), danger=False, hidden=hidden,
                            back=reverse("contests:judge_score", args=[assignment.pk]), button=_("确定提交"),
                            question=_("提交作品 %(code)s 的评分？总分 %(total)s。") % {
                                "code": assignment.entry.code, "total": score.total},
                            note=_("已保存为草稿。提交后评分锁定，不能再修改；如需修改须由评审组长退回。"))
    if not submit:
        messages.success(request, _("已保存草稿（总分 %(total)s），提交前还可以修改。") % {"total": score.total})
        return redirect("contests:judge_score", assignment_id=assignment.pk)
    messages.success(request, _("作品 %(code)s 的评分已提交（总分 %(total)s）。") % {
        "code": assignment.entry.code, "total": score.total})
    following = selectors.next_to_score(request.user, rnd, after=assignment)
    if following is not None:
        return redirect("contests:judge_score", assignment_id=following.pk)
    messages.info(request, _("这一轮分配给您的作品都已评完。"))
    return redirect("contests:judge_round", round_id=rnd.pk)


@console_view
@require_POST
def judge_conflict(request, assignment_id):
    assignment = _assignment(request, assignment_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请简要说明回避原因。"))
        return redirect("contests:judge_score", assignment_id=assignment.pk)
    services.declare_conflict(assignment.entry, judge=request.user, reason=form.cleaned_data["reason"])
    messages.success(request, _("已申报回避，这件作品不再分配给您。"))
    return redirect("contests:judge_round", round_id=assignment.round_id)


def _chief_round(request, round_id) -> Round:
    rnd = get_object_or_404(Round.objects.select_related("contest", "contest__organization"), pk=round_id)
    if not services.is_chief(request.user, rnd):
        raise Http404
    return rnd


@console_view
@require_GET
def chief_scores(request, round_id):
    """The chief judge's view of the round: every score, and reopen for a submitted one."""
    rnd = _chief_round(request, round_id)
    page = Paginator(selectors.round_scores(rnd, hide_for=request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "contests/console/chief_scores.html", {
        "round": rnd, "contest": rnd.contest, "page": page, "anonymous": rnd.contest.anonymous_judging,
        "progress": selectors.round_progress(rnd), "scoring": rnd.status == Round.Status.SCORING})


@console_view
@require_POST
def chief_reopen(request, score_id):
    score = get_object_or_404(Score.objects.select_related("assignment", "assignment__round__contest__organization",
                                                           "assignment__entry", "assignment__judge"), pk=score_id)
    rnd = score.assignment.round
    if not services.is_chief(request.user, rnd) or selectors.round_scores(rnd, hide_for=request.user).filter(
            pk=score.pk).count() == 0:
        raise Http404
    back = reverse("contests:chief_scores", args=[rnd.pk])
    form = ReasonForm(request.POST, prefix=f"s{score.pk}")
    if not form.is_valid():
        messages.error(request, _("请填写退回评分的理由。"))
        return redirect(back)
    reason = form.cleaned_data["reason"]
    if not confirmed(request):
        return confirm_page(request, title=_("退回评分"), back=back, button=_("确定退回"),
                            hidden={f"s{score.pk}-reason": reason},
                            question=_("确定退回 %(judge)s 对作品 %(code)s 的评分吗？") % {
                                "judge": score.assignment.judge.display_name, "code": score.assignment.entry.code},
                            note=_("退回后评委可以修改并重新提交；退回理由记入操作日志：%(reason)s") % {"reason": reason})
    try:
        services.reopen_score(score, actor=request.user, reason=reason)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已退回评分，评委重新提交前，这份评分不计入成绩。"))
    return redirect(back)
