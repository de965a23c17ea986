"""Console pages for Excel: templates, upload → preview → confirm → progress, exports.

Thin: accounts.policy decides (404 outside the user's tree, 403 inside without the role),
services change jobs, selectors read, writer builds workbooks.
"""
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from sciweek.accounts import policy
from sciweek.accounts.decorators import console_view
from sciweek.activities import selectors as activity_selectors
from sciweek.activities.models import Activity
from sciweek.campaigns.selectors import current_campaign
from sciweek.organizations.models import Organization

from . import selectors, services, writer
from .columns import FORM_TITLES, OPEN_DAY, PROJECT
from .excel import SpreadsheetError
from .exporters import exporters
from .forms import UploadForm
from .models import ImportJob

ISSUES_PER_PAGE = 200
MAX_EXPORT_ROWS = 50_000
STALE_AFTER = timedelta(minutes=10)


def _organization(request, org_id, action) -> Organization:
    org = get_object_or_404(Organization, pk=org_id)
    policy.require(request.user, action, org)
    return org


def _job(request, job_id) -> ImportJob:
    job = get_object_or_404(ImportJob.objects.select_related("organization", "campaign", "created_by"), pk=job_id)
    policy.require(request.user, "activity.file", job)
    return job


def _roots(user, action):
    if user.is_superuser and not policy.grants(user):
        return Organization.objects.filter(depth=1).order_by("path")
    return Organization.objects.filter(path__in=policy.scope_paths(user, action)).order_by("path")


def _index_context(request, form=None):
    user = request.user
    filing_orgs = list(_roots(user, "activity.file"))
    initial = {"organization": filing_orgs[0].pk} if filing_orgs else {}
    registered = exporters()
    roots = {org.pk: org for action in {e.action for e in registered} for org in _roots(user, action)}
    offers = [(org, [e for e in registered if e.offered_for(user, org)])
              for org in sorted(roots.values(), key=lambda o: o.path)]
    return {
        "campaign": current_campaign(),
        "filing_orgs": filing_orgs,
        "export_offers": [(org, offered) for org, offered in offers if offered],
        "form": form or UploadForm(organizations=filing_orgs, initial=initial),
        "jobs": selectors.jobs_for(user)[:20],
        "kinds": [(PROJECT, FORM_TITLES[PROJECT]), (OPEN_DAY, FORM_TITLES[OPEN_DAY])],
        "statuses": Activity.Status.choices, "levels": Activity.Level.choices,
        "activity_kinds": Activity.Kind.choices,
    }


@console_view
@require_GET
def index(request):
    return render(request, "spreadsheets/index.html", _index_context(request))


@console_view
@require_POST
def upload(request):
    user = request.user
    form = UploadForm(request.POST, request.FILES, organizations=_roots(user, "activity.file"))
    if form.is_valid():
        org = _organization(request, form.cleaned_data["organization"], "activity.file")
        try:
            job = services.start_import(user=user, organization=org, upload=form.cleaned_data["file"])
        except SpreadsheetError as problem:
            form.add_error("file", problem.message)
        else:
            return redirect("spreadsheets:job_detail", job_id=job.pk)
    return render(request, "spreadsheets/index.html", _index_context(request, form), status=400)


def _stale(job: ImportJob) -> bool:
    return job.is_running and timezone.now() - job.updated_at > STALE_AFTER


@console_view
@require_GET
def job_detail(request, job_id):
    job = _job(request, job_id)
    errors = Paginator(job.errors, ISSUES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "spreadsheets/job_detail.html", {
        "job": job, "errors": errors, "warnings": job.warnings[:ISSUES_PER_PAGE],
        "more_warnings": max(0, len(job.warnings) - ISSUES_PER_PAGE),
        "columns": (job.error_summary or {}).get("columns", {}),
        "omitted": (job.error_summary or {}).get("omitted", 0),
        "stale": _stale(job), "S": ImportJob.Status,
    })


@console_view
@require_GET
def job_progress(request, job_id):
    """The htmx-polled progress partial; when the work is done the page reloads to show the result."""
    job = _job(request, job_id)
    if not request.htmx:
        return redirect("spreadsheets:job_detail", job_id=job.pk)
    if not job.is_running:
        return HttpResponseClientRefresh()
    return render(request, "spreadsheets/_progress.html", {"job": job, "stale": _stale(job)})


@console_view
@require_POST
def job_confirm(request, job_id):
    job = _job(request, job_id)
    try:
        services.confirm(job, user=request.user)
    except ValidationError as problem:
        messages.error(request, " ".join(problem.messages))
    return redirect("spreadsheets:job_detail", job_id=job.pk)


@console_view
@require_POST
def job_discard(request, job_id):
    job = _job(request, job_id)
    try:
        services.discard(job, user=request.user)
    except ValidationError as problem:
        messages.error(request, " ".join(problem.messages))
    else:
        messages.success(request, _("已放弃这次导入，没有保存任何备案。"))
    return redirect("spreadsheets:index")


@console_view
@require_GET
def job_invalid_rows(request, job_id):
    """The rows with errors as a corrected template: same columns, an error column, bad cells marked."""
    job = _job(request, job_id)
    if job.status not in (ImportJob.Status.PREVIEW, ImportJob.Status.DONE) or not job.invalid_rows:
        raise Http404
    rows, issues = services.invalid_rows(job)
    workbook = writer.template_workbook(
        job.kind, selectors.template_options(job.campaign, job.organization), campaign=job.campaign,
        organization=job.organization, rows=[(n, raw, issues.get(n, [])) for n, raw in rows])
    name = _("%(form)s-有误的行-%(id)s.xlsx") % {"form": FORM_TITLES[job.kind], "id": job.pk}
    return writer.response(workbook, name)


@console_view
@require_GET
def template(request, org_id, kind):
    if kind not in (PROJECT, OPEN_DAY):
        raise Http404
    org = _organization(request, org_id, "activity.file")
    campaign = current_campaign()
    if campaign is None:
        raise Http404
    workbook = writer.template_workbook(kind, selectors.template_options(campaign, org), campaign=campaign,
                                        organization=org)
    return writer.response(workbook, f"{campaign.year}-{FORM_TITLES[kind]}-{org.display_name}.xlsx")


@console_view
@require_GET
def export_filings(request, org_id=None):
    """The filings the user may export, filtered like the filing list, in the official column order."""
    user = request.user
    org = _organization(request, org_id, "activity.export") if org_id is not None else None
    if org is None and not (user.is_superuser or policy.scope_paths(user, "activity.export")):
        raise Http404
    campaign = current_campaign()
    if campaign is None:
        raise Http404
    params = {k: request.GET.get(k, "") for k in ("status", "kind", "level", "q")}
    qs = activity_selectors.filter_filings(
        selectors.exportable_filings(user, campaign, org),
        status=params["status"] if params["status"] in Activity.Status.values else "",
        kind=params["kind"] if params["kind"] in Activity.Kind.values else "",
        level=params["level"] if params["level"] in Activity.Level.values else "",
        text=params["q"][:64], late=request.GET.get("late") == "1",
    )
    if qs.count() > MAX_EXPORT_ROWS:
        messages.error(request, _("符合条件的备案超过 %(n)s 条，请先筛选（例如按状态或类别）再导出。") % {"n": MAX_EXPORT_ROWS})
        return redirect("spreadsheets:index")
    ordered = selectors.for_export(qs).order_by("organization__path", "starts_on", "id")
    by_kind = {kind: ordered.filter(kind=kind).iterator(chunk_size=2000) for kind in (PROJECT, OPEN_DAY)}
    workbook = writer.filings_workbook(by_kind, reveal_phones=policy.may_see_contacts_within(user, org))
    name = (org.display_name if org else _("我的范围")) + f"-{campaign.year}-" + _("备案导出") + ".xlsx"
    return writer.response(workbook, name)


@console_view
@require_GET
def export_plan_lists(request, org_id):
    """What a region sends up: counts, provincial major and city key activities with hosts, open institutions."""
    org = _organization(request, org_id, "activity.export")
    campaign = current_campaign()
    if campaign is None:
        raise Http404
    city = list(selectors.city_key(campaign, org))
    workbook = writer.plan_lists_workbook(
        campaign=campaign, region=org, counts=activity_selectors.plan_counts(campaign, org),
        provincial=selectors.provincial_major(campaign, org), city=city,
        city_regions=selectors.region_names(org, city), institutions=selectors.open_institutions(campaign, org),
    )
    return writer.response(workbook, f"{org.display_name}-{campaign.year}-" + _("重点活动清单") + ".xlsx")
