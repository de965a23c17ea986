"""Every write of the summary reports and the rules of their flow up the reporting lines.

A unit submits to its parent (the receiver); someone deciding for the receiving level
(policy.can_receive, "report.review") accepts it or returns it with a reason; a city compiles
its own summary once its units' reports are decided, and submits to its province by the
province's deadline; the province does the same for the national committee. Transitions are
conditional UPDATEs on the status with a trail row (ReportEvent) and an audit record.

Deadlines: the one that binds a filer is set by the nearest organization above it
(campaigns.Deadline, kind summary). A first submission on or before the deadline (or the
extension the receiver granted) is on time; for ``campaign.summary_grace_days`` after the
deadline a report may still come in (late); after that it is locked unless the receiver grants
an extension (audit-logged). A returned report may always be sent back."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sciweek.accounts import audit, policy
from sciweek.accounts.models import Membership, User
from sciweek.activities.models import Activity, Session
from sciweek.campaigns.models import Campaign, Deadline
from sciweek.campaigns.selectors import deadline_for
from sciweek.core import richtext
from sciweek.media import services as media_services
from sciweek.media.models import MediaAsset
from sciweek.media.requirements import IMAGE, SUMMARY_VIDEO
from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import ancestor_paths, within

from .models import Figure, MediaCoverage, ReportEvent, ReportFigure, ReportImage, ReportStatus, SummaryReport

MAX_IMAGES = 30
MAX_COVERAGE = 50
MIN_TEXT_CHARS = 50
PLACEHOLDER = "（请填写）"  # in the generated draft where only the filer can write; refused on submit


class ReportError(ValidationError):
    pass


class ReportMoved(ReportError):
    """The report changed (another tab, another person) since the page was read."""


# --- who is expected to report ----------------------------------------------------------------

def _reporting_line(org: Organization) -> list[Organization]:
    """`org` and its ancestors that file a summary: everyone below the root (the national
    committee receives, it does not report)."""
    paths = [p for p in ancestor_paths(org, include_self=True) if len(p) > Organization.steplen]
    return list(Organization.objects.filter(path__in=paths).order_by("depth"))


def ensure_report(campaign: Campaign, organization: Organization, *, expected: bool = True) -> SummaryReport | None:
    """The organization's report row for the campaign (made when missing); None for the root."""
    if organization.depth <= 1:
        return None
    parent = Organization.objects.get(path=organization.path[: -Organization.steplen])
    deadline = deadline_for(campaign, organization, Deadline.Kind.SUMMARY)
    try:
        with transaction.atomic():
            report, made = SummaryReport.objects.get_or_create(
                campaign=campaign, organization=organization,
                defaults={"receiver": parent, "org_path": organization.path, "expected": expected,
                          "due_on": deadline.due_on if deadline else None, "is_demo": campaign.is_demo,
                          "title": default_title(campaign, organization)})
    except IntegrityError:  # made by a concurrent request
        report, made = SummaryReport.objects.get(campaign=campaign, organization=organization), False
    if not made and expected and not report.expected:
        SummaryReport.objects.filter(pk=report.pk).update(expected=True)
        report.expected = True
    return report


def default_title(campaign: Campaign, organization: Organization) -> str:
    return _("%(org)s%(year)s年科技活动周活动总结") % {"org": organization.display_name, "year": campaign.year}


def participating_organizations(campaign: Campaign) -> set[int]:
    """Organizations with an approved filing this campaign."""
    return set(Activity.objects.filter(campaign=campaign, status__in=Activity.Status.COUNTED)
               .values_list("organization_id", flat=True).distinct())


def _summary_deadlines(campaign: Campaign) -> dict[str, date]:
    """The campaign's summary deadlines by the path of the organization that set them."""
    return dict(Deadline.objects.filter(campaign=campaign, kind=Deadline.Kind.SUMMARY)
                .values_list("organization__path", "due_on"))


def _binding(deadlines: dict[str, date], path: str) -> date | None:
    """The deadline set by the nearest organization above `path` (deadline_for, in memory)."""
    for end in range(len(path) - Organization.steplen, 0, -Organization.steplen):
        if path[:end] in deadlines:
            return deadlines[path[:end]]
    return None


def sync_expected_reports(campaign: Campaign) -> dict:
    """Make the rows of everyone expected to report (participants and the levels above them),
    mark rows no longer expected, refresh the deadlines of reports not yet submitted. For
    back-fill (imports, the demo, the national data) and a nightly check; filings approved one
    by one keep the rows current as they happen (receivers.filing_changed). Set-based: a
    handful of statements and bulk inserts, whatever the size of the tree."""
    step = Organization.steplen
    paths = set(Organization.objects.filter(pk__in=participating_organizations(campaign))
                .values_list("path", flat=True))
    wanted_paths = {path[:end] for path in paths for end in range(2 * step, len(path) + 1, step)}
    parent_paths = {path[:-step] for path in wanted_paths}
    ids = dict(Organization.objects.filter(path__in=wanted_paths | parent_paths).values_list("path", "id"))
    names = dict(Organization.objects.filter(path__in=wanted_paths).values_list("path", "short_name"))
    full = dict(Organization.objects.filter(path__in=wanted_paths).values_list("path", "name"))
    deadlines = _summary_deadlines(campaign)
    have = set(SummaryReport.objects.filter(campaign=campaign).values_list("org_path", flat=True))
    rows = []
    for path in sorted(wanted_paths - have):
        if path not in ids or path[:-step] not in ids:
            continue
        title = _("%(org)s%(year)s年科技活动周活动总结") % {"org": names.get(path) or full[path], "year": campaign.year}
        rows.append(SummaryReport(campaign=campaign, organization_id=ids[path], receiver_id=ids[path[:-step]],
                                  org_path=path, due_on=_binding(deadlines, path), is_demo=campaign.is_demo,
                                  title=title))
    SummaryReport.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    # Expected or not, as the filings now say (a draft no longer backed by an approved filing
    # stops counting; what was typed stays). Compared in memory: the lists may be long.
    flips = {True: [], False: []}
    for pk, path, expected, status in SummaryReport.objects.filter(campaign=campaign).values_list(
            "pk", "org_path", "expected", "status"):
        should = path in wanted_paths or status != ReportStatus.DRAFT
        if should != expected:
            flips[should].append(pk)
    for value, pks in flips.items():
        for start in range(0, len(pks), 2000):
            SummaryReport.objects.filter(pk__in=pks[start:start + 2000]).update(expected=value)
    dropped = len(flips[False])
    refreshed = 0
    for pk, path, due_on in SummaryReport.objects.filter(campaign=campaign, status=ReportStatus.DRAFT).values_list(
            "pk", "org_path", "due_on"):
        binding = _binding(deadlines, path)
        if binding != due_on:
            SummaryReport.objects.filter(pk=pk).update(due_on=binding)
            refreshed += 1
    return {"made": len(rows), "no_longer_expected": dropped, "deadlines_refreshed": refreshed}


def activity_approved(activity: Activity) -> None:
    """A filing was approved: its organization and the levels above it report this campaign."""
    for organization in _reporting_line(activity.organization):
        ensure_report(activity.campaign, organization)


# --- figures from the data ----------------------------------------------------------------------

def computed_figures(campaign: Campaign, organization: Organization, now=None) -> dict[str, int | None]:
    """What the platform knows of the organization's subtree this campaign: approved activities
    that have begun, their sessions that have begun, places booked and let in (seats), and the
    participations the filers entered. Online views: not counted by the platform (None)."""
    now = now or timezone.now()
    held = Activity.objects.filter(within(organization.path, "organization__path"), campaign=campaign,
                                   status__in=Activity.Status.COUNTED, starts_on__lte=timezone.localdate(now))
    from sciweek.reservations.models import Reservation

    sessions = Session.objects.filter(activity__in=held, starts_at__lte=now)
    bookings = Reservation.objects.filter(session__in=sessions, status=Reservation.Status.CONFIRMED)
    return {
        Figure.ACTIVITIES: held.count(),
        Figure.SESSIONS: sessions.count(),
        Figure.BOOKINGS: bookings.aggregate(n=Sum("seats"))["n"] or 0,
        Figure.CHECK_INS: bookings.filter(checked_in_at__isnull=False).aggregate(n=Sum("seats"))["n"] or 0,
        Figure.PARTICIPANTS: held.aggregate(n=Sum("actual_participants"))["n"],
        Figure.ONLINE_VIEWS: None,
    }


def refresh_figures(report: SummaryReport, now=None) -> None:
    """The computed column again from the data; the filer's corrections stay."""
    values = computed_figures(report.campaign, report.organization, now)
    existing = {f.key: f for f in report.figures.all()}
    for key, value in values.items():
        if key in existing:
            if existing[key].computed != value:
                ReportFigure.objects.filter(pk=existing[key].pk).update(computed=value)
        else:
            ReportFigure.objects.create(report=report, key=key, computed=value)


def draft_text(report: SummaryReport) -> str:
    """A first draft from what the platform knows: the figures sentence, the key activities
    and, for a level that compiles, the reports its units sent."""
    from django.utils.html import escape

    figures = {f.key: f.value for f in report.figures.all()}
    campaign, organization = report.campaign, report.organization
    numerals = iter(_("一 二 三 四 五 六").split())

    def heading(text):
        return f"<h2>{escape(next(numerals))}、{escape(text)}</h2>"

    parts = [heading(_("总体情况"))]
    sentence = _("%(year)s年科技活动周期间，%(org)s共举办科普活动%(n)s项、%(s)s场次，线上线下预约%(b)s人次，"
                 "入场核验%(c)s人次。") % {
        "year": campaign.year, "org": organization.display_name, "n": figures.get(Figure.ACTIVITIES) or 0,
        "s": figures.get(Figure.SESSIONS) or 0, "b": figures.get(Figure.BOOKINGS) or 0,
        "c": figures.get(Figure.CHECK_INS) or 0}
    parts.append(f"<p>{escape(sentence)}</p>")
    key = list(Activity.objects.filter(within(organization.path, "organization__path"), campaign=campaign,
                                       status__in=Activity.Status.COUNTED, is_key=True)
               .select_related("organization").order_by("starts_on", "id")[:20])
    if key:
        parts.append(heading(_("重点活动")) + "<ul>")
        parts += [f"<li>{escape(a.title)}（{escape(a.organization.display_name)}）</li>" for a in key]
        parts.append("</ul>")
    units = list(included_reports(report).select_related("organization"))
    if units:
        parts.append(heading(_("各单位总结")) + "<ul>")
        parts += [f"<li>{escape(u.organization.display_name)}：{escape(u.title)}</li>" for u in units]
        parts.append("</ul>")
    parts.append(heading(_("主要经验和下一步打算")) + f"<p>{escape(PLACEHOLDER)}</p>")
    return richtext.sanitize("".join(parts))


def included_reports(report: SummaryReport):
    """The accepted reports of those who report to this organization: the material it compiles."""
    return SummaryReport.objects.filter(campaign_id=report.campaign_id, receiver_id=report.organization_id,
                                        status=ReportStatus.ACCEPTED, expected=True).order_by("org_path")


def start(campaign: Campaign, organization: Organization, *, actor) -> SummaryReport:
    """The filer opens its summary: the row (made when missing), the figures from the data and,
    the first time, a draft written from them."""
    policy.require(actor, "report.file", organization)
    report = ensure_report(campaign, organization)
    if report is None:
        raise ReportError(_("全国组委会接收各地报送的总结，本身不需要报送。"))
    if report.status in ReportStatus.EDITABLE:
        refresh_figures(report)
        if not report.body:
            SummaryReport.objects.filter(pk=report.pk, body="").update(body=draft_text(report), version=F("version") + 1)
    return SummaryReport.objects.select_related("organization", "receiver", "campaign", "video").get(pk=report.pk)


# --- editing ------------------------------------------------------------------------------------

def _editable(report: SummaryReport, actor) -> None:
    policy.require(actor, "report.file", report.organization)
    if report.status not in ReportStatus.EDITABLE:
        raise ReportError(_("总结已报送，接收单位退回后才能修改。"))


def _touch(report: SummaryReport, **changes) -> None:
    """Write changes and bump the version, unless the report left the editable states meanwhile."""
    moved = SummaryReport.objects.filter(pk=report.pk, status__in=ReportStatus.EDITABLE).update(
        version=F("version") + 1, **changes)
    if not moved:
        raise ReportMoved(_("总结已被报送或退回，请刷新页面后再操作。"))
    _recompute_complete(report.pk)


def save_text(report: SummaryReport, *, actor, title: str, body: str, version: int | None = None,
              corrections: dict[str, tuple[int | None, str]] | None = None) -> SummaryReport:
    """Save the title, text and figure corrections of a draft. `version` is the one the form was
    read at: an edit made meanwhile elsewhere is not silently overwritten."""
    _editable(report, actor)
    title = (title or "").strip()[:120] or default_title(report.campaign, report.organization)
    clean = richtext.sanitize(body)
    errors = []
    corrections = corrections or {}
    for key, (value, reason) in corrections.items():
        if key not in Figure.values:
            continue
        if value is not None and not (reason or "").strip():
            errors.append(_("更正“%(figure)s”时请写明理由。") % {"figure": Figure(key).label})
    if errors:
        raise ReportError(errors)
    with transaction.atomic():
        lookup = Q(pk=report.pk, status__in=ReportStatus.EDITABLE)
        if version is not None:
            lookup &= Q(version=version)
        if not SummaryReport.objects.filter(lookup).update(title=title, body=clean, version=F("version") + 1):
            raise ReportMoved(_("这份总结在您打开之后已被修改或报送。您填写的内容在下面，请刷新页面核对后再保存。"))
        for key, (value, reason) in corrections.items():
            if key in Figure.values:
                ReportFigure.objects.update_or_create(
                    report=report, key=key,
                    defaults={"reported": value, "reason": (reason or "").strip()[:200] if value is not None else ""})
    _recompute_complete(report.pk)
    return SummaryReport.objects.get(pk=report.pk)


def add_images(report: SummaryReport, uploads, *, actor) -> tuple[int, list[str]]:
    """Check and keep each uploaded image (media intake: real image, EXIF stripped, thumbnail);
    the ones refused come back as messages, the others are kept."""
    from sciweek.media import services as media

    _editable(report, actor)
    have = report.images.count()
    added, errors = 0, []
    for upload in uploads:
        if have + added >= MAX_IMAGES:
            errors.append(_("每份总结最多 %(n)s 张图片，“%(name)s”没有加入。") % {"n": MAX_IMAGES, "name": upload.name})
            continue
        try:
            asset = media.intake_upload(upload, requirements=IMAGE, actor=actor, purpose="reports.summary_image")
        except ValidationError as error:
            errors.append(f"{upload.name}：" + "；".join(error.messages))
            continue
        ReportImage.objects.create(report=report, asset=asset, position=have + added)
        added += 1
    if added:
        _touch(report)
    return added, errors


def set_caption(report: SummaryReport, image_id: int, caption: str, *, actor) -> None:
    _editable(report, actor)
    ReportImage.objects.filter(report=report, pk=image_id).update(caption=(caption or "").strip()[:120])
    _touch(report)


def remove_image(report: SummaryReport, image_id: int, *, actor) -> None:
    _editable(report, actor)
    ReportImage.objects.filter(report=report, pk=image_id).delete()
    _touch(report)


def video_requirements(campaign: Campaign):
    return replace(SUMMARY_VIDEO, max_seconds=campaign.summary_video_max_seconds)


def attach_video(report: SummaryReport, asset: MediaAsset, *, actor) -> None:
    """The summary's video: uploaded through the media intake for this purpose by the same
    person, its real stream within the campaign's limit (checked again here: the limit is the
    campaign's, the purpose's is the national 3 minutes)."""
    _editable(report, actor)
    if asset.purpose != "reports.summary_video" or asset.uploaded_by_id != actor.pk:
        raise ReportError(_("请先上传总结视频。"))
    problems = media_services.recheck(asset, video_requirements(report.campaign))
    if problems:
        raise ReportError(problems)
    _touch(report, video=asset)


def remove_video(report: SummaryReport, *, actor) -> None:
    _editable(report, actor)
    _touch(report, video=None)


def add_coverage(report: SummaryReport, *, actor, outlet: str, title: str, published_on: date, url: str = "") -> MediaCoverage:
    _editable(report, actor)
    if report.coverage.count() >= MAX_COVERAGE:
        raise ReportError(_("媒体报道最多填写 %(n)s 条。") % {"n": MAX_COVERAGE})
    if not (outlet or "").strip() or not (title or "").strip() or published_on is None:
        raise ReportError(_("请填写媒体、报道标题和日期。"))
    item = MediaCoverage(report=report, outlet=outlet.strip()[:64], title=title.strip()[:200],
                         published_on=published_on, url=(url or "").strip()[:500])
    item.full_clean(exclude=["report"])
    item.save()
    _touch(report)
    return item


def remove_coverage(report: SummaryReport, coverage_id: int, *, actor) -> None:
    _editable(report, actor)
    MediaCoverage.objects.filter(report=report, pk=coverage_id).delete()
    _touch(report)


# --- evidence -----------------------------------------------------------------------------------

def missing_for_submission(report: SummaryReport) -> list[str]:
    """What a summary must have before it can be submitted: its text and the campaign's
    minimum of images. Empty when nothing is missing."""
    missing = []
    text = richtext.to_text(report.body)
    if len(text.strip()) < MIN_TEXT_CHARS or PLACEHOLDER in text:
        missing.append(_("总结正文至少 %(n)s 个字，并把草稿中“（请填写）”处补充完整。") % {"n": MIN_TEXT_CHARS})
    have = report.images.count()
    need = report.campaign.summary_min_images
    if have < need:
        missing.append(_("至少上传 %(need)s 张活动图片（现有 %(have)s 张）。") % {"need": need, "have": have})
    return missing


def missing_for_completeness(report: SummaryReport) -> list[str]:
    """What a complete summary has beyond that: a video whose real stream passed the checks."""
    missing = missing_for_submission(report)
    if report.video_id is None:
        missing.append(_("上传总结视频（不超过 %(n)s 秒）。") % {"n": report.campaign.summary_video_max_seconds})
    return missing


def _recompute_complete(report_id: int) -> None:
    report = SummaryReport.objects.select_related("campaign").get(pk=report_id)
    complete = not missing_for_completeness(report)
    if complete != report.complete:
        SummaryReport.objects.filter(pk=report_id).update(complete=complete)


# --- the flow -----------------------------------------------------------------------------------

def lock_date(report: SummaryReport) -> date | None:
    """The last day a report may come in without (a further) extension; None: never locked."""
    if report.due_on is None:
        return None
    grace = report.due_on + timedelta(days=report.campaign.summary_grace_days)
    return max(grace, report.extended_until) if report.extended_until else grace


def waiting_below(report: SummaryReport) -> int:
    """Reports sent to this organization that it has not decided yet."""
    return SummaryReport.objects.filter(campaign_id=report.campaign_id, receiver_id=report.organization_id,
                                        status=ReportStatus.SUBMITTED).count()


def _members(organization: Organization, action: str):
    roles = policy.roles_for(action)
    ids = Membership.objects.filter(organization=organization, role__in=roles).values_list("user_id", flat=True)
    return User.objects.filter(pk__in=ids, is_active=True)


def _notify(users, message: str) -> None:
    from sciweek.activities.notifications import notify

    users = list(users)
    if users:
        transaction.on_commit(lambda: notify(users, None, message))


def _event(report: SummaryReport, action: str, actor, reason: str = "", now=None) -> None:
    ReportEvent.objects.create(report=report, action=action, actor=actor if getattr(actor, "pk", None) else None,
                               reason=reason, at=now or timezone.now())


def submit(report: SummaryReport, *, actor, now=None) -> SummaryReport:
    now = now or timezone.now()
    _editable(report, actor)
    report = SummaryReport.objects.select_related("campaign", "organization", "receiver").get(pk=report.pk)
    if report.status not in ReportStatus.EDITABLE:
        raise ReportMoved(_("总结已报送，请刷新页面。"))
    missing = missing_for_submission(report)
    if missing:
        raise ReportError(missing)
    waiting = waiting_below(report)
    if waiting:
        raise ReportError(_("还有 %(n)s 份下级单位的总结等待您接收或退回；处理完后再汇总报送。") % {"n": waiting})
    today = timezone.localdate(now)
    first = report.first_submitted_at is None
    locked_after = lock_date(report)
    if first and locked_after is not None and today > locked_after:
        raise ReportError(_("报送已于 %(day)s 截止（截止日期 %(due)s）。如需补报，请联系%(receiver)s批准延期。") % {
            "day": locked_after, "due": report.due_on, "receiver": report.receiver.display_name})
    changes = {"status": ReportStatus.SUBMITTED, "submitted_at": now, "version": F("version") + 1}
    if first:
        due = report.effective_due_on
        changes.update(first_submitted_at=now, on_time=due is None or today <= due)
    with transaction.atomic():
        if not SummaryReport.objects.filter(pk=report.pk, status__in=ReportStatus.EDITABLE).update(**changes):
            raise ReportMoved(_("总结已报送，请刷新页面。"))
        _event(report, ReportEvent.Action.SUBMITTED, actor, now=now)
        audit.record("reports.submitted", actor=actor, organization=report.organization, summary=report.title)
        _notify(_members(report.receiver, "report.review"),
                _("%(org)s报送了活动总结，请接收或退回。") % {"org": report.organization.display_name})
    return SummaryReport.objects.get(pk=report.pk)


def _decide(report: SummaryReport, actor, *, from_statuses, to_status, action, reason="", now=None, extra=None):
    """The receiving level's transition with its trail row; the caller records the audit event
    in the same transaction (an atomic block around this call)."""
    now = now or timezone.now()
    policy.require_receive(actor, "report.review", report.receiver, report)
    changes = {"status": to_status, "decided_at": now, "decided_by": actor, "version": F("version") + 1,
               **(extra or {})}
    with transaction.atomic():
        if not SummaryReport.objects.filter(pk=report.pk, status__in=from_statuses).update(**changes):
            raise ReportMoved(_("这份总结的状态已经变化，请刷新页面。"))
        _event(report, action, actor, reason, now)
    return SummaryReport.objects.get(pk=report.pk)


def accept(report: SummaryReport, *, actor, now=None) -> SummaryReport:
    with transaction.atomic():
        report = _decide(report, actor, from_statuses=[ReportStatus.SUBMITTED], to_status=ReportStatus.ACCEPTED,
                         action=ReportEvent.Action.ACCEPTED, now=now, extra={"return_reason": ""})
        audit.record("reports.accepted", actor=actor, organization=report.organization, summary=report.title)
    _notify(_members(report.organization, "report.file"),
            _("%(receiver)s已接收您的活动总结。") % {"receiver": report.receiver.display_name})
    return report


def return_report(report: SummaryReport, *, actor, reason: str, now=None) -> SummaryReport:
    """Back to the filer with what to fix; from submitted, or (reopening) from accepted while
    the receiver has not itself submitted the compilation that includes it."""
    reason = (reason or "").strip()
    if not reason:
        raise ReportError(_("请写明退回理由，方便对方修改。"))
    statuses = [ReportStatus.SUBMITTED]
    if report.status == ReportStatus.ACCEPTED:
        own = SummaryReport.objects.filter(campaign_id=report.campaign_id, organization_id=report.receiver_id).first()
        if own is not None and own.status in ReportStatus.IN:
            raise ReportError(_("本级的汇总总结已经报送，不能再退回其中的单位总结。"))
        statuses = [ReportStatus.ACCEPTED]
    reopening = statuses == [ReportStatus.ACCEPTED]
    with transaction.atomic():
        report = _decide(report, actor, from_statuses=statuses, to_status=ReportStatus.RETURNED,
                         action=ReportEvent.Action.REOPENED if reopening else ReportEvent.Action.RETURNED,
                         reason=reason[:1000], now=now,
                         extra={"return_reason": reason[:1000], "returns": F("returns") + 1})
        detail = {"reason": reason[:500]}
        if reopening:
            audit.record("reports.reopened", actor=actor, organization=report.organization, summary=report.title,
                         detail=detail)
        else:
            audit.record("reports.returned", actor=actor, organization=report.organization, summary=report.title,
                         detail=detail)
    _notify(_members(report.organization, "report.file"),
            _("%(receiver)s退回了您的活动总结：%(reason)s") % {"receiver": report.receiver.display_name,
                                                       "reason": reason[:120]})
    return report


def grant_extension(report: SummaryReport, *, actor, until: date, reason: str, now=None) -> SummaryReport:
    """The receiving level lets a report come in later (and on time) until `until`."""
    now = now or timezone.now()
    policy.require_receive(actor, "report.review", report.receiver, report)
    reason = (reason or "").strip()
    if not reason:
        raise ReportError(_("请写明批准延期的理由。"))
    if until is None or until <= timezone.localdate(now):
        raise ReportError(_("延期日期须晚于今天。"))
    if report.due_on and until <= report.due_on:
        raise ReportError(_("延期日期须晚于原截止日期 %(due)s。") % {"due": report.due_on})
    with transaction.atomic():
        if not SummaryReport.objects.filter(pk=report.pk, status__in=ReportStatus.EDITABLE,
                                            first_submitted_at__isnull=True).update(
                extended_until=until, version=F("version") + 1):
            raise ReportMoved(_("这份总结已经报送过，不需要延期。"))
        _event(report, ReportEvent.Action.EXTENDED, actor, reason, now)
        audit.record("reports.extended", actor=actor, organization=report.organization, summary=report.title,
                     detail={"until": until.isoformat(), "reason": reason[:500], "due_on": str(report.due_on or "")})
    _notify(_members(report.organization, "report.file"),
            _("%(receiver)s批准您的活动总结延期至 %(day)s 报送。") % {"receiver": report.receiver.display_name,
                                                              "day": until})
    return SummaryReport.objects.get(pk=report.pk)


def remind_missing(campaign: Campaign, level: Organization, *, actor, now=None) -> int:
    """One click: everyone expected in `level`'s subtree who has not submitted hears about it
    (their filers), once per day at most. Returns how many organizations were reminded."""
    now = now or timezone.now()
    policy.require(actor, "report.review", level)
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    candidates = list(SummaryReport.objects.filter(within(level.path, "org_path"), campaign=campaign, expected=True,
                                                   status__in=ReportStatus.EDITABLE)
                      .exclude(organization=level)
                      .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=day_start))
                      .select_related("organization")[:5000])
    reminded = 0
    for report in candidates:
        # Conditional: two clicks at once remind once.
        if not SummaryReport.objects.filter(pk=report.pk).filter(
                Q(reminded_at__isnull=True) | Q(reminded_at__lt=day_start)).update(reminded_at=now):
            continue
        reminded += 1
        due = report.effective_due_on
        _notify(_members(report.organization, "report.file"),
                (_("请尽快报送%(year)s年科技活动周活动总结（截止日期 %(due)s）。") % {"year": campaign.year, "due": due})
                if due else _("请尽快报送%(year)s年科技活动周活动总结。") % {"year": campaign.year})
    audit.record("reports.reminded", actor=actor, organization=level, summary=str(campaign.year),
                 detail={"organizations": reminded})
    return reminded
