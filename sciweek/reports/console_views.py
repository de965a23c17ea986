"""Console pages of the summary reports: the filer's list and report page (text, figures,
images, video, media coverage, submit), the receiving level's inbox and decisions (accept,
return with a reason, extension), the bundle download, and the reporting dashboard with
drill-down down the tree. Every page asks the policy; every write goes through services."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sciweek.accounts import audit, policy
from sciweek.accounts.decorators import console_view
from sciweek.campaigns.selectors import (
    published_campaigns,
    requested_campaign,
)
from sciweek.core.http import flash_errors
from sciweek.media import services as media
from sciweek.media.models import MediaAsset
from sciweek.news import services as news_services
from sciweek.organizations.maps import map_for
from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import ancestors

from . import archive as archives
from . import selectors, services
from .forms import CoverageForm, ExtensionForm, FigureForm, ImagesForm, ReturnForm, TextForm
from .models import Figure, ReportStatus, SummaryReport


def _report(request, report_id: int, action: str = "report.view") -> SummaryReport:
    report = selectors.report_detail(report_id)
    if report is None:
        raise Http404
    policy.require(request.user, action, report)
    return report



def _back(report) -> str:
    return reverse("reports:report", args=[report.pk])


@console_view
@require_GET
def my_reports(request):
    """The summaries the user files: one per organization where they hold a filing role."""
    campaign = requested_campaign(request)
    paths = policy.scope_paths(request.user, "report.file")
    organizations = [o for o in Organization.objects.filter(path__in=paths).order_by("path") if o.depth > 1]
    reports = {r.organization_id: r for r in SummaryReport.objects.filter(
        campaign=campaign, organization__in=organizations).select_related("receiver")}
    rows = [{"organization": o, "report": reports.get(o.pk)} for o in organizations]
    waiting = selectors.inbox(request.user, campaign).count() if policy.scope_paths(request.user, "report.review") \
        or request.user.is_superuser else 0
    return render(request, "reports/console/my_reports.html", {
        "campaign": campaign, "rows": rows, "waiting": waiting, "campaigns": published_campaigns()})


@console_view
@require_POST
def start(request, organization_id):
    campaign = requested_campaign(request)
    organization = get_object_or_404(Organization, pk=organization_id)
    try:
        report = services.start(campaign, organization, actor=request.user)
    except ValidationError as error:
        flash_errors(request, error)
        return redirect(f"{reverse('reports:my_reports')}?year={campaign.year}")
    return redirect(_back(report))


def _page(request, report, *, text_form=None, status=200, coverage_form=None, return_form=None,
          extension_form=None, figure_forms=None):
    user = request.user
    can_edit = policy.can(user, "report.file", report.organization) and report.status in ReportStatus.EDITABLE
    can_decide = policy.can_receive(user, "report.review", report.receiver)
    figures = sorted(report.figures.all(), key=lambda f: Figure.values.index(f.key) if f.key in Figure.values else 99)
    if figure_forms is None:
        figure_forms = [FigureForm(prefix=f"figure-{f.key}", figure=f,
                                   initial={"reported": f.reported, "reason": f.reason}) for f in figures]
    images = [{"image": i, "thumb": media.signed_url(i.asset, part="poster" if i.asset.poster else "file"),
               "full": media.signed_url(i.asset)} for i in report.images.all()]
    received = list(selectors.received_by(report)) if report.organization.depth > 1 or user.is_superuser else []
    return render(request, "reports/console/report.html", {
        "report": report, "campaign": report.campaign, "can_edit": can_edit, "can_decide": can_decide,
        "text_form": text_form or TextForm(initial={"title": report.title, "body": report.body,
                                                    "version": report.version}),
        "figure_rows": list(zip(figures, figure_forms, strict=False)), "images": images,
        "images_form": ImagesForm(), "coverage_form": coverage_form or CoverageForm(prefix="coverage"),
        "return_form": return_form or ReturnForm(prefix="return"),
        "extension_form": extension_form or ExtensionForm(prefix="extension"),
        "video_url": media.signed_url(report.video, ttl=4 * 3600) if report.video_id else "",
        "missing": services.missing_for_completeness(report), "can_submit_missing":
            services.missing_for_submission(report),
        "received": received, "events": report.events.select_related("actor"),
        "lock_date": services.lock_date(report), "video_limit": report.campaign.summary_video_max_seconds,
        "chain": list(ancestors(report.organization)),
        "may_reopen": report.status == ReportStatus.ACCEPTED and not SummaryReport.objects.filter(
            campaign_id=report.campaign_id, organization_id=report.receiver_id, status__in=ReportStatus.IN).exists(),
    }, status=status)


@console_view
@require_GET
def report_page(request, report_id):
    report = _report(request, report_id)
    if report.status in ReportStatus.EDITABLE and not report.body and policy.can(
            request.user, "report.file", report.organization):
        # First opened by its filer: the figures and the draft written from the data.
        report = services.start(report.campaign, report.organization, actor=request.user)
        report = selectors.report_detail(report.pk)
    return _page(request, report)


@console_view
@require_POST
def save_text(request, report_id):
    report = _report(request, report_id)
    form = TextForm(request.POST)
    figures = list(report.figures.all())
    figure_forms = [FigureForm(request.POST, prefix=f"figure-{f.key}", figure=f) for f in figures]
    if not form.is_valid() or not all(f.is_valid() for f in figure_forms):
        return _page(request, report, text_form=form, figure_forms=figure_forms, status=400)
    corrections = {f.figure.key: (f.cleaned_data["reported"], f.cleaned_data["reason"]) for f in figure_forms}
    try:
        services.save_text(report, actor=request.user, title=form.cleaned_data["title"],
                           body=form.cleaned_data["body"], version=form.cleaned_data["version"],
                           corrections=corrections)
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _page(request, report, text_form=form, figure_forms=figure_forms, status=409)
    messages.success(request, _("已保存。"))
    return redirect(_back(report))


@console_view
@require_POST
def add_images(request, report_id):
    report = _report(request, report_id)
    uploads = request.FILES.getlist("images")
    if not uploads:
        messages.error(request, _("请选择要上传的图片。"))
        return redirect(f"{_back(report)}#images")
    try:
        added, errors = services.add_images(report, uploads, actor=request.user)
    except ValidationError as error:
        flash_errors(request, error)
        return redirect(f"{_back(report)}#images")
    if added:
        messages.success(request, _("已加入 %(n)s 张图片。") % {"n": added})
    for message in errors:
        messages.error(request, message)
    return redirect(f"{_back(report)}#images")


@console_view
@require_POST
def edit_image(request, report_id, image_id):
    report = _report(request, report_id)
    try:
        if request.POST.get("remove"):
            services.remove_image(report, image_id, actor=request.user)
            messages.success(request, _("图片已删除。"))
        else:
            services.set_caption(report, image_id, request.POST.get("caption", ""), actor=request.user)
            messages.success(request, _("图片说明已保存。"))
    except ValidationError as error:
        flash_errors(request, error)
    return redirect(f"{_back(report)}#images")


@console_view
@require_POST
def video(request, report_id):
    report = _report(request, report_id)
    try:
        if request.POST.get("remove"):
            services.remove_video(report, actor=request.user)
            messages.success(request, _("总结视频已删除。"))
        else:
            raw = request.POST.get("video", "")
            asset = MediaAsset.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
            if asset is None:
                raise ValidationError(_("请先选择视频文件，等它上传并通过检查后再保存。"))
            services.attach_video(report, asset, actor=request.user)
            messages.success(request, _("总结视频已保存。"))
    except ValidationError as error:
        flash_errors(request, error)
    return redirect(f"{_back(report)}#video")


@console_view
@require_POST
def add_coverage(request, report_id):
    report = _report(request, report_id)
    form = CoverageForm(request.POST, prefix="coverage")
    if form.is_valid():
        try:
            services.add_coverage(report, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("媒体报道已加入。"))
            return redirect(f"{_back(report)}#coverage")
    return _page(request, report, coverage_form=form, status=400)


@console_view
@require_POST
def remove_coverage(request, report_id, coverage_id):
    report = _report(request, report_id)
    try:
        services.remove_coverage(report, coverage_id, actor=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    return redirect(f"{_back(report)}#coverage")


@console_view
@require_POST
def submit(request, report_id):
    report = _report(request, report_id)
    try:
        report = services.submit(report, actor=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, (_("已报送%(receiver)s。") if report.on_time is not False else
                                   _("已报送%(receiver)s（逾期报送）。")) % {"receiver": report.receiver.display_name})
    return redirect(_back(report))


@console_view
@require_POST
def decide(request, report_id):
    report = _report(request, report_id)
    decision = request.POST.get("decision")
    try:
        if decision == "accept":
            services.accept(report, actor=request.user)
            messages.success(request, _("已接收%(org)s的活动总结。") % {"org": report.organization.display_name})
        elif decision == "return":
            form = ReturnForm(request.POST, prefix="return")
            if not form.is_valid():
                return _page(request, report, return_form=form, status=400)
            services.return_report(report, actor=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("已退回，%(org)s会收到通知。") % {"org": report.organization.display_name})
        else:
            raise ValidationError(_("请选择接收或退回。"))
    except ValidationError as error:
        flash_errors(request, error)
    nxt = request.POST.get("next")
    return redirect(reverse("reports:inbox") + f"?year={report.campaign.year}" if nxt == "inbox" else _back(report))


@console_view
@require_POST
def extend(request, report_id):
    report = _report(request, report_id)
    form = ExtensionForm(request.POST, prefix="extension")
    if not form.is_valid():
        return _page(request, report, extension_form=form, status=400)
    try:
        services.grant_extension(report, actor=request.user, until=form.cleaned_data["until"],
                                 reason=form.cleaned_data["reason"])
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _page(request, report, extension_form=form, status=400)
    messages.success(request, _("已批准延期至 %(day)s。") % {"day": form.cleaned_data["until"]})
    return redirect(_back(report))


@console_view
@require_GET
def archive(request, report_id):
    report = _report(request, report_id)
    spool = archives.bundle(report)
    audit.record("reports.archive_downloaded", actor=request.user, organization=report.organization,
                 summary=report.title, ip=audit.client_ip(request))
    response = FileResponse(spool, as_attachment=True, filename=f"{report.title}.zip", content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    return response


@console_view
@require_GET
def inbox(request):
    campaign = requested_campaign(request)
    status = request.GET.get("status", ReportStatus.SUBMITTED)
    if status not in ReportStatus.values:
        status = ReportStatus.SUBMITTED
    page = Paginator(selectors.inbox(request.user, campaign, status=status), 50).get_page(request.GET.get("page"))
    return render(request, "reports/console/inbox.html", {
        "campaign": campaign, "page": page, "status": status, "statuses": ReportStatus.choices})


def _level(request, campaign) -> Organization:
    """The organization whose dashboard is shown: ?org= within the user's scope, else the
    user's topmost organization."""
    raw = request.GET.get("org", "")
    if raw.isdigit():
        level = get_object_or_404(Organization, pk=int(raw))
        policy.require(request.user, "report.view", level)
        return level
    homes = [o for o in policy.home_organizations(request.user)
             if policy.can(request.user, "report.view", o)]
    if not homes:
        raise Http404
    return homes[0]


def _chart_data(board, level) -> dict:
    from sciweek.activities.public_views import short_province_name

    rows = [r for r in board["rows"] if not r.is_self]
    data = {"labels": [r.organization.display_name for r in rows],
            "summary": [r.summaries.reporting_rate or 0 for r in rows],
            "on_time": [r.summaries.on_time_rate or 0 for r in rows],
            "news": [r.news.reporting_rate or 0 for r in rows]}
    drawn = map_for(level.depth, level.division_id)
    if drawn:  # the nation's provinces, or a province's cities (features named as divisions)
        def feature(region):
            name = region.division.name
            return short_province_name(name) if level.depth == 1 else name

        data["map_name"] = drawn[0]
        data["map"] = [{"name": feature(r.organization), "full_name": r.organization.name,
                        "value": r.summaries.reporting_rate or 0}
                       for r in rows if r.organization.division_id and r.organization.kind == Organization.Kind.REGION]
    return data


@console_view
@require_GET
def dashboard(request):
    campaign = requested_campaign(request)
    level = _level(request, campaign)
    board = selectors.dashboard(campaign, level)
    missing = Paginator(selectors.missing_summaries(campaign, level), 30).get_page(request.GET.get("page"))
    missing_news = list(selectors.missing_news(campaign, level)[:30])
    trail = [o for o in ancestors(level, include_self=False) if policy.can(request.user, "report.view", o)]
    return render(request, "reports/console/dashboard.html", {
        "campaign": campaign, "level": level, "board": board, "missing": missing, "page": missing,
        "missing_news": missing_news, "trail": trail, "campaigns": published_campaigns(),
        "chart_data": _chart_data(board, level),
        "map_script": (map_for(level.depth, level.division_id) or (None, None))[1],
        "may_remind": policy.can(request.user, "report.review", level)})


@console_view
@require_POST
def remind(request):
    campaign = requested_campaign(request)
    level = _level(request, campaign)
    try:
        n = services.remind_missing(campaign, level, actor=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        news = news_services.remind_missing_news(campaign, level, actor=request.user)
        messages.success(request, _("已提醒 %(n)s 个单位报送活动总结，%(m)s 个单位报送动态信息。") % {"n": n, "m": news})
    return redirect(f"{reverse('reports:dashboard')}?year={campaign.year}&org={level.pk}")
