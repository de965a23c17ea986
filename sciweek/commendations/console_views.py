"""Console pages of the commendations under console/commendations/: the year's lists and the
evaluations a list may be made from, a list's page (texts, quotas, candidates with reasons,
the flow's buttons, objections, exports, certificates). Every page asks the policy (404 in
another branch, 403 without the role), reads through selectors and writes through services."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from sciweek.accounts import audit, policy
from sciweek.accounts.decorators import console_view
from sciweek.campaigns.selectors import (
    published_campaigns,
    requested_campaign,
)
from sciweek.core.confirm import confirm_page, confirmed
from sciweek.core.http import flash_errors
from sciweek.organizations.models import Organization

from . import certificates, exports, selectors, services
from .models import Commendation, CommendationStatus, Kind

MAX_UNIT_CHOICES = 1500


# --- forms ---------------------------------------------------------------------------------------

class TextsForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("名单标题"), max_length=120)
    decision_text = forms.CharField(label=gettext_lazy("表彰决定"), max_length=2000,
                                    widget=forms.Textarea(attrs={"rows": 5}),
                                    help_text=gettext_lazy("导出的正式文件以这段文字开头（为表彰……）。"))


class CategoryForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类别"), choices=Kind.choices)
    peer_group = forms.ChoiceField(label=gettext_lazy("比较组"), required=False,
                                   help_text=gettext_lazy("优秀组织单位按哪个比较组的排名产生；个人不分组。"))
    quota = forms.IntegerField(label=gettext_lazy("名额"), min_value=1, max_value=services.MAX_CANDIDATES_PER_CATEGORY)

    EACH = "__each__"

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["peer_group"].choices = [("", _("全部评估对象")), (self.EACH, _("每个比较组各设名额")),
                                             *groups]


class CategoryEditForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=60)
    quota = forms.IntegerField(label=gettext_lazy("名额"), min_value=1, max_value=services.MAX_CANDIDATES_PER_CATEGORY)
    over_quota_reason = forms.CharField(label=gettext_lazy("超出名额的理由"), max_length=200, required=False,
                                        help_text=gettext_lazy("名额线上并列或增补后超出名额时填写。"))


class UnitForm(forms.Form):
    organization = forms.TypedChoiceField(label=gettext_lazy("单位"), coerce=int)
    reason = forms.CharField(label=gettext_lazy("增补理由"), max_length=200)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [("", _("请选择单位")), *choices]


class IndividualForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=40,
                           help_text=gettext_lazy("只填姓名、单位和职务，不填电话、身份证号等个人信息。"))
    organization = forms.TypedChoiceField(label=gettext_lazy("所在单位"), coerce=int)
    role = forms.CharField(label=gettext_lazy("职务或职称"), max_length=60, required=False)
    reason = forms.CharField(label=gettext_lazy("推荐理由"), max_length=200, required=False)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [("", _("请选择单位")), *choices]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class NoticeForm(forms.Form):
    days = forms.IntegerField(label=gettext_lazy("公示天数"), min_value=1, max_value=services.MAX_NOTICE_DAYS,
                              initial=7)
    contact = forms.CharField(label=gettext_lazy("受理异议的部门和联系方式"), max_length=200,
                              help_text=gettext_lazy("公示页面显示，例如“省科技厅政策法规处，电话 0311-……”（填办公电话，不填个人手机）。"))


class ObjectionRecordForm(forms.Form):
    candidate = forms.TypedChoiceField(label=gettext_lazy("针对的候选"), coerce=int, required=False, empty_value=None)
    name = forms.CharField(label=gettext_lazy("提出人"), max_length=40, required=False)
    contact = forms.CharField(label=gettext_lazy("联系方式"), max_length=60, required=False)
    text = forms.CharField(label=gettext_lazy("异议内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidate"].choices = [("", _("整份名单")), *choices]


class HandleForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("处理结果"), widget=forms.RadioSelect,
                                choices=[("dismissed", gettext_lazy("异议不成立")),
                                         ("upheld", gettext_lazy("异议成立")),
                                         ("upheld_remove", gettext_lazy("异议成立，从名单中删除该候选"))])
    response = forms.CharField(label=gettext_lazy("处理意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


# --- helpers -------------------------------------------------------------------------------------


def _commendation(request, commendation_id: int, action: str = "commendation.view") -> Commendation:
    commendation = selectors.detail(commendation_id)
    if commendation is None:
        raise Http404
    policy.require(request.user, action, commendation)
    return commendation



def _back(commendation, anchor: str = "") -> str:
    return reverse("commendations:detail", args=[commendation.pk]) + (f"#{anchor}" if anchor else "")


def _unit_choices(commendation: Commendation) -> list[tuple[int, str]]:
    """The units a level may add: the evaluation's subjects first, then the rest of its tree
    (bounded)."""
    from sciweek.evaluation import selectors as evaluation_selectors

    seen, choices = set(), []
    for standing in evaluation_selectors.standings(commendation.evaluation):
        if standing.organization_id not in seen:
            seen.add(standing.organization_id)
            choices.append((standing.organization_id, standing.organization_name))
    level = commendation.organization
    for pk, name in (Organization.objects.filter(path__startswith=level.path, depth__gt=level.depth,
                                                 depth__lte=level.depth + 2, is_active=True)
                     .order_by("path").values_list("pk", "name")[:MAX_UNIT_CHOICES]):
        if pk not in seen:
            seen.add(pk)
            choices.append((pk, name))
    return choices


def _person_units(commendation: Commendation) -> list[tuple[int, str]]:
    level = commendation.organization
    return list(Organization.objects.filter(path__startswith=level.path, depth__lte=level.depth + 2, is_active=True)
                .order_by("path").values_list("pk", "name")[:MAX_UNIT_CHOICES])


def _organization(commendation: Commendation, pk) -> Organization:
    organization = Organization.objects.filter(pk=pk, path__startswith=commendation.organization.path).first()
    if organization is None:
        raise ValidationError(_("只能表彰本级所辖的单位和人员。"))
    return organization


# --- pages ---------------------------------------------------------------------------------------

@console_view
@require_GET
def index(request):
    if not policy.scope_paths(request.user, "commendation.view") and not request.user.is_superuser:
        raise PermissionDenied
    campaign = requested_campaign(request)
    lists = list(selectors.visible(request.user, campaign))
    evaluations = list(selectors.commendable_evaluations(request.user, campaign))
    return render(request, "commendations/console/index.html", {
        "campaign": campaign, "campaigns": published_campaigns(), "lists": lists, "evaluations": evaluations})


@console_view
@require_POST
def create(request, evaluation_id):
    from sciweek.evaluation.models import Evaluation

    evaluation = Evaluation.objects.select_related("organization", "campaign").filter(pk=evaluation_id).first()
    if evaluation is None:
        raise Http404
    policy.require(request.user, "commendation.manage", evaluation)
    try:
        commendation = services.create(request.user, evaluation)
    except ValidationError as error:
        flash_errors(request, error)
        return redirect(f"{reverse('commendations:index')}?year={evaluation.campaign.year}")
    messages.success(request, _("已创建表彰名单草稿。请设置类别和名额，再按评估排名生成候选。"))
    return redirect(_back(commendation))


def _page(request, commendation, *, status=200, **forms_given):
    user = request.user
    actions = selectors.available_actions(user, commendation)
    groups = selectors.categories(commendation, with_removed=True)
    peer_groups = []
    if "edit" in actions:
        peer_groups = services._peer_groups(commendation.evaluation)
    table = exports.rows(commendation)
    active = [(c.pk, f"{c.display_name}（{g.category.name}）") for g in groups for c in g.candidates]
    context = {
        "commendation": commendation, "campaign": commendation.campaign, "actions": actions, "groups": groups,
        "table": table, "columns": exports.columns(),
        "problems": services.quota_problems(commendation) if "propose" in actions else [],
        "events": commendation.events.select_related("actor"),
        "objections": list(selectors.objections_of(commendation)),
        "may_see_contacts": policy.can(user, "commendation.manage", commendation),
        "texts_form": forms_given.get("texts_form") or TextsForm(initial={
            "title": commendation.title, "decision_text": commendation.decision_text}),
        "category_form": forms_given.get("category_form") or CategoryForm(prefix="category", groups=peer_groups),
        "notice_form": forms_given.get("notice_form") or NoticeForm(prefix="notice"),
        "reason_form": ReasonForm(prefix="return"),
        "objection_form": forms_given.get("objection_form") or ObjectionRecordForm(prefix="objection",
                                                                                   choices=active),
        "final": commendation.status == CommendationStatus.FINAL,
    }
    if "edit" in actions:
        units = _unit_choices(commendation)
        people = _person_units(commendation)
        for group in groups:
            group.edit_form = CategoryEditForm(prefix=f"cat{group.category.pk}", initial={
                "name": group.category.name, "quota": group.category.quota,
                "over_quota_reason": group.category.over_quota_reason})
            group.add_form = (UnitForm(prefix=f"add{group.category.pk}", choices=units)
                              if group.category.kind == Kind.UNIT
                              else IndividualForm(prefix=f"add{group.category.pk}", choices=people))
    for objection in context["objections"]:
        objection.handle_form = (HandleForm(prefix=f"obj{objection.pk}")
                                 if objection.status == "open" and "objection" in actions else None)
    return render(request, "commendations/console/detail.html", context, status=status)


@console_view
@require_GET
def detail(request, commendation_id):
    return _page(request, _commendation(request, commendation_id))


@console_view
@require_POST
def texts(request, commendation_id):
    commendation = _commendation(request, commendation_id, "commendation.manage")
    form = TextsForm(request.POST)
    if not form.is_valid():
        return _page(request, commendation, texts_form=form, status=400)
    try:
        services.update_texts(request.user, commendation, **form.cleaned_data)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已保存。"))
    return redirect(_back(commendation, "texts"))


@console_view
@require_POST
def add_category(request, commendation_id):
    commendation = _commendation(request, commendation_id, "commendation.manage")
    groups = services._peer_groups(commendation.evaluation)
    form = CategoryForm(request.POST, prefix="category", groups=groups)
    if not form.is_valid():
        return _page(request, commendation, category_form=form, status=400)
    data = form.cleaned_data
    each = data["peer_group"] == CategoryForm.EACH
    try:
        services.add_category(request.user, commendation, kind=data["kind"], quota=data["quota"],
                              peer_group="" if each or data["kind"] == Kind.INDIVIDUAL else data["peer_group"],
                              per_peer_group=each and data["kind"] == Kind.UNIT)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已设置名额。"))
    return redirect(_back(commendation, "quotas"))


@console_view
@require_POST
def edit_category(request, category_id):
    category = selectors.category(category_id)
    if category is None:
        raise Http404
    policy.require(request.user, "commendation.manage", category)
    commendation = category.commendation
    try:
        if request.POST.get("remove"):
            services.remove_category(request.user, category)
            messages.success(request, _("已删除这个类别及其候选。"))
        else:
            form = CategoryEditForm(request.POST, prefix=f"cat{category.pk}")
            if not form.is_valid():
                raise ValidationError([m for errors in form.errors.values() for m in errors])
            services.update_category(request.user, category, **form.cleaned_data)
            messages.success(request, _("已保存。"))
    except ValidationError as error:
        flash_errors(request, error)
    return redirect(_back(commendation, "quotas"))


@console_view
@require_POST
def draw(request, commendation_id):
    commendation = _commendation(request, commendation_id, "commendation.manage")
    try:
        drawn = services.draw_candidates(request.user, commendation)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已按评估排名生成 %(n)s 名候选。") % {"n": sum(drawn.values())})
    return redirect(_back(commendation, "candidates"))


@console_view
@require_POST
def add_candidate(request, category_id):
    category = selectors.category(category_id)
    if category is None:
        raise Http404
    policy.require(request.user, "commendation.manage", category)
    commendation = selectors.detail(category.commendation_id)
    prefix = f"add{category.pk}"
    try:
        if category.kind == Kind.UNIT:
            form = UnitForm(request.POST, prefix=prefix, choices=_unit_choices(commendation))
            if not form.is_valid():
                raise ValidationError([m for errors in form.errors.values() for m in errors])
            services.add_unit(request.user, category, organization=_organization(
                commendation, form.cleaned_data["organization"]), reason=form.cleaned_data["reason"])
        else:
            form = IndividualForm(request.POST, prefix=prefix, choices=_person_units(commendation))
            if not form.is_valid():
                raise ValidationError([m for errors in form.errors.values() for m in errors])
            data = form.cleaned_data
            services.add_individual(request.user, category, name=data["name"], role=data["role"],
                                    reason=data["reason"],
                                    organization=_organization(commendation, data["organization"]))
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已加入名单。"))
    return redirect(_back(commendation, f"cat-{category.pk}"))


@console_view
@require_POST
def candidate_action(request, candidate_id):
    candidate = selectors.candidate(candidate_id)
    if candidate is None:
        raise Http404
    policy.require(request.user, "commendation.manage", candidate)
    commendation = candidate.commendation
    action = request.POST.get("action", "")
    try:
        if action == "remove":
            services.remove_candidate(request.user, candidate, reason=request.POST.get("reason", ""))
            messages.success(request, _("已从名单中删除，理由已记录。"))
        elif action == "restore":
            services.restore_candidate(request.user, candidate)
            messages.success(request, _("已恢复到名单中。"))
        elif action in ("up", "down"):
            services.move_candidate(request.user, candidate, up=action == "up")
        elif action in ("support", "unsupport"):
            services.set_support(request.user, candidate, support=action == "support")
            messages.success(request, _("已保存下一年度重点项目支持。"))
        else:
            raise ValidationError(_("未知的操作。"))
    except ValidationError as error:
        flash_errors(request, error)
    return redirect(_back(commendation, f"cat-{candidate.category_id}"))


FLOW_CONFIRM = {"finalize", "withdraw"}


@console_view
@require_POST
def act(request, commendation_id):
    """The list's transitions: propose, approve, return (reason), notice (days, contact),
    finalize and withdraw (asked first, core.confirm)."""
    commendation = _commendation(request, commendation_id, "commendation.manage")
    action = request.POST.get("action", "")
    user = request.user
    if action in FLOW_CONFIRM and not confirmed(request):
        if action == "finalize":
            return confirm_page(request, title=_("公布最终名单"), question=_("公布后名单即为最终结果，证书随即生效。确定公布吗？"),
                                button=_("确定公布"), back=_back(commendation), hidden={"action": action},
                                danger=False)
        return confirm_page(request, title=_("撤销表彰名单"),
                            question=_("撤销后名单不再公开，已发的证书失效。确定撤销吗？"), button=_("确定撤销"),
                            back=_back(commendation), hidden={"action": action,
                                                             "reason": request.POST.get("reason", "")},
                            note=_("撤销理由：%(reason)s") % {"reason": request.POST.get("reason", "")})
    try:
        if action == "propose":
            services.propose(user, commendation)
            messages.success(request, _("名单已提交审定。"))
        elif action == "approve":
            services.approve(user, commendation)
            messages.success(request, _("名单已审定。下一步：开始公示。"))
        elif action == "return":
            services.return_to_draft(user, commendation, reason=request.POST.get("return-reason", ""))
            messages.success(request, _("名单已退回修改。"))
        elif action == "notice":
            form = NoticeForm(request.POST, prefix="notice")
            if not form.is_valid():
                return _page(request, commendation, notice_form=form, status=400)
            services.start_notice(user, commendation, days=form.cleaned_data["days"],
                                  contact=form.cleaned_data["contact"])
            messages.success(request, _("名单已开始公示。"))
        elif action == "finalize":
            services.finalize(user, commendation)
            messages.success(request, _("最终名单已公布。"))
        elif action == "withdraw":
            services.withdraw(user, commendation, reason=request.POST.get("reason", ""))
            messages.success(request, _("名单已撤销。"))
        else:
            raise ValidationError(_("未知的操作。"))
    except ValidationError as error:
        flash_errors(request, error)
    return redirect(_back(commendation))


@console_view
@require_POST
def record_objection(request, commendation_id):
    commendation = _commendation(request, commendation_id, "commendation.manage")
    groups = selectors.categories(commendation)
    choices = [(c.pk, c.display_name) for g in groups for c in g.candidates]
    form = ObjectionRecordForm(request.POST, prefix="objection", choices=choices)
    if not form.is_valid():
        return _page(request, commendation, objection_form=form, status=400)
    data = form.cleaned_data
    try:
        services.record_objection(request.user, commendation, text=data["text"], candidate_id=data["candidate"],
                                  name=data["name"], contact=data["contact"])
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("异议已登记。"))
    return redirect(_back(commendation, "objections"))


@console_view
@require_POST
def handle_objection(request, objection_id):
    objection = selectors.objection(objection_id)
    if objection is None:
        raise Http404
    policy.require(request.user, "commendation.manage", objection)
    form = HandleForm(request.POST, prefix=f"obj{objection.pk}")
    try:
        if not form.is_valid():
            raise ValidationError([m for errors in form.errors.values() for m in errors])
        outcome = form.cleaned_data["outcome"]
        services.handle_objection(request.user, objection, upheld=outcome.startswith("upheld"),
                                  response=form.cleaned_data["response"], remove=outcome == "upheld_remove")
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("异议已处理。"))
    return redirect(_back(objection.commendation, "objections"))


# --- files ---------------------------------------------------------------------------------------

def _download(content: bytes, name: str, content_type: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@console_view
@require_GET
def export_xlsx(request, commendation_id):
    commendation = _commendation(request, commendation_id)
    audit.record("commendations.exported", actor=request.user, organization=commendation.organization,
                 summary=commendation.title, detail={"format": "xlsx"})
    return _download(exports.xlsx(commendation), exports.filename(commendation, "xlsx"),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@console_view
@require_GET
def export_docx(request, commendation_id):
    commendation = _commendation(request, commendation_id)
    audit.record("commendations.exported", actor=request.user, organization=commendation.organization,
                 summary=commendation.title, detail={"format": "docx"})
    return _download(exports.docx(commendation), exports.filename(commendation, "docx"),
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@console_view
@require_GET
def certificate(request, candidate_id):
    candidate = selectors.candidate(candidate_id)
    if candidate is None:
        raise Http404
    policy.require(request.user, "commendation.view", candidate)
    try:
        content = certificates.pdf(candidate, request)
    except ValueError as refusal:
        messages.error(request, str(refusal))
        return redirect(_back(candidate.commendation))
    return _download(content, certificates.pdf_filename(candidate), "application/pdf")


@console_view
@require_GET
def certificates_zip(request, commendation_id):
    commendation = _commendation(request, commendation_id)
    if commendation.status != CommendationStatus.FINAL:
        messages.error(request, _("名单公布后才有荣誉证书。"))
        return redirect(_back(commendation))
    audit.record("commendations.certificates_downloaded", actor=request.user, organization=commendation.organization,
                 summary=commendation.title)
    return _download(certificates.zip_all(commendation, request), exports.filename(commendation, "zip"),
                     "application/zip")
