"""The activities app's console pages: filing, review, attachments, notifications. Views
stay thin: policy decides, activities.services writes, activities.selectors reads, the
buttons come from workflow.available_actions."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sciweek.accounts import policy
from sciweek.accounts.decorators import console_view
from sciweek.campaigns.selectors import current_campaign
from sciweek.core.confirm import confirm_page, confirmed
from sciweek.organizations.models import Organization

from . import hosts as host_names
from . import rules, selectors, services, workflow
from .forms import CommentForm, FilingForm, check_sessions, content_areas_for, kept_sessions, session_formset
from .models import Activity, ActivityHost, Attachment, Notification, Transition
from .uploads import UploadRejected


def _filing(request, activity_id, action="activity.view"):
    activity = get_object_or_404(
        selectors.with_hosts(Activity.objects.select_related(
            "campaign", "review_level", "final_level", "division", "flagship", "revises")),
        pk=activity_id,
    )
    policy.require(request.user, action, activity)
    return activity


@console_view
def filing_list(request):
    campaign = current_campaign()
    base = selectors.visible_filings(request.user, campaign)
    params = {k: request.GET.get(k, "") for k in ("status", "kind", "level", "q")}
    qs = selectors.filter_filings(
        base, status=params["status"] if params["status"] in Activity.Status.values else "",
        kind=params["kind"] if params["kind"] in Activity.Kind.values else "",
        level=params["level"] if params["level"] in Activity.Level.values else "",
        text=params["q"][:64], late=request.GET.get("late") == "1",
    )
    page = Paginator(qs.select_related("organization", "review_level").order_by("-updated_at", "-id"), 50
                     ).get_page(request.GET.get("page"))
    filing_orgs = Organization.objects.filter(path__in=policy.scope_paths(request.user, "activity.file")).order_by("path")
    return render(request, "activities/console/filing_list.html", {
        "page": page, "params": params, "counts": selectors.counts_by_status(base),
        "statuses": Activity.Status.choices, "kinds": Activity.Kind.choices, "levels": Activity.Level.choices,
        "filing_orgs": filing_orgs, "campaign": campaign,
    })


@console_view
@require_POST
def filing_new(request):
    campaign = current_campaign()
    if campaign is None:
        messages.error(request, _("尚未发布科技活动周，暂不能备案。"))
        return redirect("activities:filing_list")
    org = get_object_or_404(Organization, pk=request.POST.get("organization") or 0)
    policy.require(request.user, "activity.file", org)
    kind = request.POST.get("kind") if request.POST.get("kind") in Activity.Kind.values else Activity.Kind.PROJECT
    title = _("未命名开放活动") if kind == Activity.Kind.OPEN_DAY else _("未命名活动")
    # The filing unit usually hosts what it files; the filer can change the list.
    activity = services.create_filing(actor=request.user, organization=org, campaign=campaign, kind=kind,
                                      title=title, hosts=[org])
    return redirect("activities:filing_edit", activity_id=activity.pk)


def _save_form(request, activity, form, formset):
    """Write what the form holds through the service (partial drafts allowed)."""
    data = {k: v for k, v in form.cleaned_data.items() if k not in ("host_names", "organizer_names", "content_areas")}
    filer = activity.organization
    host_orgs, other_hosts = host_names.resolve(host_names.split_names(form.cleaned_data.get("host_names", "")), filer)
    data["other_hosts"] = "、".join(other_hosts)
    organizers = None
    if "organizer_names" in form.cleaned_data:
        organizers, other_organizers = host_names.resolve(
            host_names.split_names(form.cleaned_data.get("organizer_names", "")), filer)
        data["other_organizers"] = "、".join(other_organizers)
    sessions = None
    if formset is not None:
        sessions = [{k: f.cleaned_data[k] for k in ("starts_at", "ends_at", "capacity")} for f in kept_sessions(formset)]
    return services.update_filing(activity, actor=request.user, fields=data, hosts=host_orgs, organizers=organizers,
                                  content_areas=form.cleaned_data.get("content_areas"), sessions=sessions)


def _initial_names(activity):
    links = list(activity.host_links.select_related("organization"))
    return {
        "host_names": host_names.join_names([lk.organization for lk in links if lk.role == ActivityHost.Role.HOST],
                                            activity.other_hosts),
        "organizer_names": host_names.join_names(
            [lk.organization for lk in links if lk.role == ActivityHost.Role.ORGANIZER], activity.other_organizers),
    }


@console_view
@require_http_methods(["GET", "POST"])
def filing_edit(request, activity_id):
    activity = _filing(request, activity_id, "activity.file")
    if not activity.is_editable:
        messages.warning(request, _("这份备案当前不能修改。"))
        return redirect("activities:filing_detail", activity_id=activity.pk)
    areas = content_areas_for(activity)
    if request.method == "POST":
        form = FilingForm(request.POST, activity=activity, content_areas=areas)
        formset = session_formset(activity, request.POST)
        # Both checked (all messages at once); the session rules need both valid.
        valid = form.is_valid() & formset.is_valid()
        if valid and check_sessions(form, formset):
            try:
                activity = _save_form(request, activity, form, formset)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if "submit" in request.POST:
                    return _do_submit(request, activity)
                messages.success(request, _("已保存草稿。"))
                return redirect("activities:filing_edit", activity_id=activity.pk)
        else:
            messages.error(request, _("有几处需要修改，请看标红的说明。已填写的内容不会丢失。"))
    else:
        form = FilingForm(activity=activity, content_areas=areas, initial=_initial_names(activity))
        formset = session_formset(activity)
    return render(request, "activities/console/filing_edit.html", {
        "activity": activity, "form": form, "formset": formset,
        # Of what is saved: a refused form has put its unsaved values on `activity`.
        "check": services.submission_check(Activity.objects.select_related("campaign", "organization").get(
            pk=activity.pk)),
        "cap": rules.attendance_cap(activity),
    })


@console_view
@require_POST
def filing_autosave(request, activity_id):
    """htmx autosave: keeps every field that is valid on its own; reports the others."""
    activity = _filing(request, activity_id, "activity.file")
    if not activity.is_editable:
        return render(request, "activities/console/_autosave_status.html", {"error": _("这份备案当前不能修改。")})
    form = FilingForm(request.POST, activity=activity, content_areas=content_areas_for(activity))
    form.is_valid()
    valid = {name: value for name, value in form.cleaned_data.items() if name not in form.errors}
    form.cleaned_data = valid
    if "title" not in valid:
        form.cleaned_data["title"] = activity.title
    formset = session_formset(activity, request.POST)
    sessions_ok = formset.is_valid() and check_sessions(form, formset)
    try:
        _save_form(request, activity, form, formset if sessions_ok else None)
    except ValidationError as error:
        return render(request, "activities/console/_autosave_status.html", {"error": " ".join(error.messages)})
    activity.refresh_from_db()
    return render(request, "activities/console/_autosave_status.html", {
        "saved_at": timezone.localtime(), "errors": form.errors,
        "check": services.submission_check(activity), "cap": rules.attendance_cap(activity)})


def _do_submit(request, activity):
    try:
        record = services.submit(activity, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("activities:filing_edit", activity_id=activity.pk)
    except services.TransitionConflict as conflict:
        messages.error(request, str(conflict))
        return redirect("activities:filing_detail", activity_id=activity.pk)
    activity.refresh_from_db()
    note = _("已提交，等待 %(level)s 审核。") % {"level": record.level.name}
    if activity.is_late:
        note += _("（已过备案截止日期，标记为逾期备案）")
    messages.success(request, note)
    return redirect("activities:filing_detail", activity_id=activity.pk)


@console_view
def filing_detail(request, activity_id):
    activity = _filing(request, activity_id)
    user = request.user
    can_file = policy.can(user, "activity.file", activity)
    check = services.submission_check(activity) if activity.is_editable and can_file else None
    actions = workflow.available_actions(activity, user, check)
    context = {
        "activity": activity,
        "review_actions": [a for a in actions if a.group == "review"],
        "file_actions": [a for a in actions if a.group == "file"],
        "timeline": selectors.timeline(activity),
        "sessions": activity.sessions.all(),
        "areas": activity.content_areas.all(),
        "attachments": activity.attachments.all(),
        "check": check,
        "changes": services.changes_since_last_submission(activity) if activity.status == Activity.Status.SUBMITTED else [],
        "can_file": can_file,
        "open_change": activity.change_requests.filter(status__in=Activity.Status.OPEN).first(),
        "comment_form": CommentForm(),
        "show_contact": policy.may_see_contact(user, activity),
    }
    return render(request, "activities/console/filing_detail.html", context)


# What each workflow action runs (workflow.available_actions decides whether it is offered).
RUN = {
    "submit": lambda a, u, c: services.submit(a, actor=u),
    "withdraw": lambda a, u, c: services.withdraw(a, actor=u, comment=c),
    "reopen": lambda a, u, c: services.reopen(a, actor=u),
    "cancel": lambda a, u, c: services.cancel(a, actor=u, reason=c),
    "approve": lambda a, u, c: services.approve(a, actor=u, comment=c),
    "return": lambda a, u, c: services.return_for_revision(a, actor=u, comment=c),
    "reject": lambda a, u, c: services.reject(a, actor=u, comment=c),
}
DONE = {
    "submit": _("已提交。"), "withdraw": _("已撤回。"), "reopen": _("已恢复为草稿，可以继续编辑。"),
    "cancel": _("活动已取消，公众页面会显示“已取消”。"), "approve": _("已审核通过。"),
    "return": _("已退回修改。"), "reject": _("已标记为不予通过。"),
}


@console_view
@require_POST
def filing_action(request, activity_id):
    activity = _filing(request, activity_id)
    action = request.POST.get("action", "")
    comment = request.POST.get("comment", "")[:2000]
    if action not in workflow.ACTIONS:
        raise Http404
    if action not in {a.name for a in workflow.available_actions(activity, request.user)}:
        # Not offered to this user in the filing's current state (it may have just changed).
        messages.error(request, _("当前不能进行这项操作，请查看备案的最新状态。"))
        return redirect("activities:filing_detail", activity_id=activity.pk)
    if action == "propose_change":
        try:
            change = services.propose_change(activity, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("activities:filing_detail", activity_id=activity.pk)
        messages.info(request, _("已创建变更稿。变更审核通过前，公众看到的仍是原来的版本。"))
        return redirect("activities:filing_edit", activity_id=change.pk)
    if action == "cancel" and not confirmed(request):
        return confirm_page(
            request, title=_("取消活动"), back=reverse("activities:filing_detail", args=[activity.pk]),
            question=_("确定要取消“%(title)s”吗？") % {"title": activity.title},
            note=_("取消后不能恢复：公众页面会显示“已取消”，已预约的人需要另行通知。"),
            button=_("确定取消活动"), hidden={"action": action, "comment": comment})
    try:
        record = RUN[action](activity, request.user, comment)
    except services.TransitionConflict as conflict:
        messages.error(request, str(conflict))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if getattr(record, "action", None) == Transition.Action.FORWARD:
            activity.refresh_from_db(fields=["review_level"])
            messages.success(request, _("已转报%(level)s审核。") % {"level": activity.review_level.name})
        else:
            messages.success(request, DONE[action])
    if workflow.ACTIONS[action].group == "review" and request.POST.get("next") == "inbox":
        return redirect("activities:review_inbox")
    return redirect("activities:filing_detail", activity_id=activity.pk)


@console_view
def review_inbox(request):
    campaign = current_campaign()
    inbox = selectors.review_inbox(request.user, campaign)
    params = {k: request.GET.get(k, "") for k in ("kind", "level", "q")}
    filtered = selectors.filter_filings(
        inbox, kind=params["kind"] if params["kind"] in Activity.Kind.values else "",
        level=params["level"] if params["level"] in Activity.Level.values else "",
        text=params["q"][:64], late=request.GET.get("late") == "1",
    )
    page = Paginator(filtered, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    following = workflow.next_levels(page)  # where approving sends each filing listed
    rows = [(a, max(0, (now - a.waiting_since).days) if a.waiting_since else 0, following[a.pk]) for a in page]
    scope_counts = selectors.counts_by_status(selectors.visible_filings(request.user, campaign))
    return render(request, "activities/console/review_inbox.html", {
        "page": page, "rows": rows, "params": params, "waiting": inbox.count(),
        "bulk_actions": workflow.bulk_actions(request.user, [level for _a, _d, level in rows]),
        "late_count": inbox.filter(is_late=True).count(), "scope_counts": scope_counts,
        "statuses": Activity.Status.choices, "kinds": Activity.Kind.choices, "levels": Activity.Level.choices,
    })


@console_view
@require_POST
def review_bulk(request):
    ids = [int(x) for x in request.POST.getlist("activity") if x.isdigit()][:500]
    decision = request.POST.get("decision", "")
    if decision not in {a.name for a in workflow.bulk_actions(request.user)}:
        messages.error(request, _("未知的审核操作。"))
        return redirect("activities:review_inbox")
    try:
        result = services.bulk_review(ids, actor=request.user, decision=decision,
                                      comment=request.POST.get("comment", "")[:2000])
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("activities:review_inbox")
    if decision == "approve":
        forwarded = result.get("forwarded", [])
        messages.success(request, _("已通过 %(n)s 份备案，其中 %(m)s 份已转报上级审核。") % {
            "n": len(result["done"]), "m": len(forwarded)} if forwarded else
            _("已通过 %(n)s 份备案。") % {"n": len(result["done"])})
    else:
        messages.success(request, _("已退回 %(n)s 份备案。") % {"n": len(result["done"])})
    if result["skipped"]:
        messages.warning(request, _("%(n)s 份未处理：已被其他人处理或不在您的审核范围内。") % {"n": len(result["skipped"])})
    return redirect("activities:review_inbox")


@console_view
@require_POST
def attachment_upload(request, activity_id):
    activity = _filing(request, activity_id, "activity.file")
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择要上传的文件。"))
    else:
        try:
            services.add_attachment(activity, upload, actor=request.user)
        except UploadRejected as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("已上传 %(name)s。") % {"name": upload.name[:80]})
    return redirect("activities:filing_detail", activity_id=activity.pk)


@console_view
def attachment_download(request, attachment_id):
    attachment = get_object_or_404(Attachment.objects.select_related("activity__organization"), pk=attachment_id)
    policy.require(request.user, "activity.view", attachment)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)


@console_view
def notifications(request):
    if request.method == "POST":
        services.mark_notifications_read(request.user)
        return redirect("activities:notifications")
    notes = Notification.objects.filter(user=request.user).select_related("activity")[:100]
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True).count()
    return render(request, "activities/console/notifications.html", {"notes": notes, "unread": unread})

