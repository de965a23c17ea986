"""Every write to a filing and every step of its review.

Every function that takes an `actor` asks accounts.policy itself (a view's check is not
enough: the importer, the API and tasks call here too). Field values are judged by
activities.rules before they get here (the form's clean, the importer's row check) and
again at submission.

State changes are conditional updates on (status, version): two reviewers acting at once on
one filing yield exactly one transition; the loser gets TransitionConflict. Each transition
is recorded with who, when, from, to, level and comment, notifies the people concerned, and
is announced as `sciweek.core.signals.filing_changed` once committed.
"""
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from sciweek.accounts import policy
from sciweek.accounts.models import Membership, Role
from sciweek.campaigns.models import Deadline
from sciweek.campaigns.selectors import deadlines_for
from sciweek.core.signals import filing_changed
from sciweek.organizations.models import Organization

from . import notifications, rules, search, workflow
from .models import Activity, ActivityHost, Notification, Session, Transition
from .uploads import store_attachment

S = Activity.Status
A = Transition.Action

# Fields copied by a change request and compared to show reviewers what changed.
SNAPSHOT_FIELDS = [
    "title", "kind", "level", "format", "other_hosts", "other_organizers", "supervising_department",
    "live_stream_url", "online_exhibition_url", "video_url", "wechat_account", "mini_program_path",
    "division_id", "address", "latitude", "longitude", "venue_capacity", "starts_on", "ends_on", "audience",
    "expected_participants", "budget", "description", "format_description", "publicity_plan", "facilities",
    "open_hours", "booking_method", "lead_name", "contact_name", "contact_phone", "contact_email",
    "safety_max_attendance", "safety_measures", "safety_responsible", "flagship_id", "is_key", "key_position",
]


class TransitionConflict(Exception):
    """The filing changed under the user (someone else acted first)."""

    def __init__(self, message=None):
        super().__init__(message or _("这份备案刚刚已被其他人处理，请刷新页面查看最新状态。"))


# --- filing -------------------------------------------------------------------------

def create_filing(*, actor, organization, campaign, kind=Activity.Kind.PROJECT, hosts=(), **fields) -> Activity:
    policy.require(actor, "activity.file", organization)
    with transaction.atomic():
        activity = Activity.objects.create(
            campaign=campaign, organization=organization, kind=kind, created_by=actor,
            level=fields.pop("level", Activity.Level.UNIT), **fields,
        )
        if hosts:
            _set_hosts(activity, ActivityHost.Role.HOST, hosts)
    return activity


BULK_BATCH_SIZE = 1000


@dataclass
class NewFiling:
    """One draft for create_filings: its filing organization, its own fields (already judged
    by activities.rules), hosts and organizers (organization ids, in order), content areas
    and sessions (start, end, places or None)."""

    organization_id: int
    fields: dict
    hosts: list[int] = field(default_factory=list)
    organizers: list[int] = field(default_factory=list)
    content_areas: list[int] = field(default_factory=list)
    sessions: list[tuple[datetime, datetime, int | None]] = field(default_factory=list)


def create_filings(filings: list[NewFiling], *, actor, campaign, kind) -> list[int]:
    """Create many drafts with their hosts, content areas and sessions, all or nothing (the
    Excel import: 10,000 rows in a few bulk inserts). Returns the new ids in order."""
    for f in filings:  # only what a filer may fill in; the workflow fields are the service's
        unknown = set(f.fields) - set(SNAPSHOT_FIELDS)
        if unknown:
            raise ValueError(f"not a filer's field: {sorted(unknown)}")
    org_ids = {f.organization_id for f in filings}
    organizations = Organization.objects.filter(pk__in=org_ids, is_active=True).only("path", "is_active")
    found = {org.pk: org for org in organizations}
    for org_id in org_ids:  # every filing organization, once: grants are read once per actor
        if org_id not in found:
            raise Http404
        policy.require(actor, "activity.file", found[org_id])
    with transaction.atomic():
        activities = [Activity(campaign=campaign, kind=kind, organization_id=f.organization_id, created_by=actor,
                               status=Activity.Status.DRAFT, **f.fields) for f in filings]
        Activity.objects.bulk_create(activities, batch_size=BULK_BATCH_SIZE)
        through = Activity.content_areas.through
        links, areas, sessions = [], [], []
        for activity, f in zip(activities, filings, strict=True):
            links += [ActivityHost(activity_id=activity.pk, organization_id=o, role=ActivityHost.Role.HOST, position=i)
                      for i, o in enumerate(f.hosts)]
            links += [ActivityHost(activity_id=activity.pk, organization_id=o, role=ActivityHost.Role.ORGANIZER,
                                   position=i) for i, o in enumerate(f.organizers)]
            areas += [through(activity_id=activity.pk, contentarea_id=a) for a in f.content_areas]
            sessions += [Session(activity_id=activity.pk, starts_at=s, ends_at=e, capacity=c) for s, e, c in f.sessions]
        ActivityHost.objects.bulk_create(links, batch_size=BULK_BATCH_SIZE)
        through.objects.bulk_create(areas, batch_size=BULK_BATCH_SIZE)
        Session.objects.bulk_create(sessions, batch_size=BULK_BATCH_SIZE)
    return [a.pk for a in activities]


def update_filing(activity: Activity, *, actor, fields: dict, hosts=None, organizers=None,
                  content_areas=None, sessions=None) -> Activity:
    """Save a draft (or a returned filing). Partial data is fine: drafts autosave."""
    policy.require(actor, "activity.file", activity)
    if not activity.is_editable:
        raise ValidationError(_("只有草稿或退回修改的备案可以修改。已通过的活动请发起变更。"))
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        if not locked.is_editable:
            raise TransitionConflict()
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
        if hosts is not None:
            _set_hosts(locked, ActivityHost.Role.HOST, hosts)
        if organizers is not None:
            _set_hosts(locked, ActivityHost.Role.ORGANIZER, organizers)
        if content_areas is not None:
            locked.content_areas.set(content_areas)
        if sessions is not None:
            replace_sessions(locked, sessions)
    return locked


def _set_hosts(activity, role, organizations):
    ActivityHost.objects.filter(activity=activity, role=role).delete()
    ActivityHost.objects.bulk_create(
        [ActivityHost(activity=activity, organization=o, role=role, position=i) for i, o in enumerate(organizations)]
    )


def replace_sessions(activity: Activity, sessions: list[dict]):
    """Set the sessions of a filing that is not yet public (no reservations can exist)."""
    if Session.objects.filter(activity=activity, seats_taken__gt=0).exists():
        raise ValidationError(_("已有预约的场次不能在这里修改。"))
    Session.objects.filter(activity=activity).delete()
    Session.objects.bulk_create([Session(activity=activity, **s) for s in sessions])


def snapshot(activity: Activity) -> dict:
    data = {}
    for name in SNAPSHOT_FIELDS:
        value = getattr(activity, name)
        data[name] = None if value is None else str(value)
    links = activity.host_links.select_related("organization").order_by("role", "position")
    data["hosts"] = [link.organization.name for link in links if link.role == ActivityHost.Role.HOST]
    data["organizers"] = [link.organization.name for link in links if link.role == ActivityHost.Role.ORGANIZER]
    data["content_areas"] = sorted(activity.content_areas.values_list("name", flat=True))
    data["sessions"] = [{"starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat(), "capacity": s.capacity}
                        for s in activity.sessions.order_by("starts_at", "id")]
    return data


def changes_since_last_submission(activity: Activity) -> list[dict]:
    """Fields that differ between the two latest submissions (what a reviewer should look at),
    with both values as people read them (readable_values)."""
    submissions = list(
        activity.transitions.filter(action=A.SUBMIT).order_by("-created_at", "-id").values_list("snapshot", flat=True)[:2]
    )
    if len(submissions) < 2 and activity.revises_id:
        original = activity.revises
        submissions = submissions[:1] + [snapshot(original)]
    if len(submissions) < 2:
        return []
    new, old = submissions[0], submissions[1]
    labels = {f.name: f.verbose_name for f in Activity._meta.get_fields() if hasattr(f, "verbose_name")}
    labels.update({"division_id": _("举办地"), "flagship_id": _("所属重大示范活动"), "hosts": _("主办单位"),
                   "organizers": _("承办单位"), "content_areas": _("内容方向"), "sessions": _("场次")})
    keys = [key for key in new if key in old or new.get(key) not in (None, "", [])]
    readable_new, readable_old = readable_values(new, keys), readable_values(old, keys)
    # Compared as read: a value stored as "True" by an older snapshot and True now is no change.
    return [
        {"field": str(labels.get(key, key)), "old": readable_old[key], "new": readable_new[key]}
        for key in keys
        if readable_new[key] != readable_old[key]
    ]


def readable_values(data: dict, keys: list[str]) -> dict[str, str]:
    """Snapshot values as the filing pages show them: lists joined with 、, yes/no, choices by
    their label, dates in the reader's format, places and flagships by name, empty as （空）."""
    from django.utils import formats
    from django.utils.dateparse import parse_date, parse_datetime
    from django.utils.translation import ngettext, pgettext

    from sciweek.campaigns.models import FlagshipActivity
    from sciweek.organizations.models import Division

    separator = pgettext("list separator", "、")
    names = {
        "division_id": dict(Division.objects.filter(code__in=[data.get("division_id")]).values_list("code", "name")),
        "flagship_id": {str(pk): name for pk, name in FlagshipActivity.objects.filter(
            pk__in=[v for v in [data.get("flagship_id")] if v and str(v).isdigit()]).values_list("pk", "name")},
    }

    def session_text(item) -> str:
        if not isinstance(item, dict):  # snapshots taken before sessions were stored as values
            return str(item)
        starts, ends = (timezone.localtime(parse_datetime(item[k])) for k in ("starts_at", "ends_at"))
        places = _("不限名额") if item.get("capacity") is None else ngettext(
            "%(n)s 个名额", "%(n)s 个名额", item["capacity"]) % {"n": item["capacity"]}
        return _("%(day)s %(start)s–%(end)s（%(places)s）") % {
            "day": formats.date_format(starts, "DATE_FORMAT"), "start": f"{starts:%H:%M}", "end": f"{ends:%H:%M}",
            "places": places}

    def readable(key: str, value) -> str:
        if value is None or value == "" or value == []:
            return _("（空）")
        if key == "sessions":
            return separator.join(session_text(item) for item in value)
        if isinstance(value, list):
            return separator.join(str(item) for item in value)
        if key in names:
            return names[key].get(str(value), str(value))
        try:
            field = Activity._meta.get_field(key)
        except FieldDoesNotExist:  # a key of an older snapshot: shown as stored
            return str(value)
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if field.get_internal_type() == "BooleanField":
            return _("是") if value in (True, "True") else _("否")
        if field.get_internal_type() == "DateField":
            day = parse_date(str(value))
            return formats.date_format(day, "DATE_FORMAT") if day else str(value)
        return str(value)

    return {key: readable(key, data.get(key)) for key in keys}


# --- transitions --------------------------------------------------------------------

def _claim(activity, expected_status: str, to_status: str, fields: dict) -> bool:
    """The one step that makes a transition safe: move the filing only while it is still in
    the state (and version) the actor saw. Of two reviewers acting at once, one wins."""
    return Activity.objects.filter(pk=activity.pk, status=expected_status, version=activity.version).update(
        status=to_status, version=F("version") + 1, updated_at=timezone.now(), **fields) == 1


def _transition(activity, *, actor, action, to_status, expected_status, comment="", level=None, extra=None,
                snapshot_data=None):
    """Conditional update on (status, version); records the transition. Caller holds a transaction."""
    if not _claim(activity, expected_status, to_status, extra or {}):
        raise TransitionConflict()
    record = Transition.objects.create(
        activity=activity, action=action, from_status=expected_status, to_status=to_status, level=level,
        actor=actor, actor_name=actor.display_name if actor else "", comment=comment,
        snapshot=snapshot_data or {},
    )
    activity.refresh_from_db()
    _announce(activity, record)
    return record


def _announce(activity: Activity, record: Transition) -> None:
    """filing_changed, once the transaction holding the transition has committed."""
    transaction.on_commit(lambda: filing_changed.send(
        sender=Activity, activity=activity, transition=record, from_status=record.from_status,
        to_status=record.to_status, actor=record.actor))


def filing_deadline(activity: Activity) -> Deadline | None:
    return next((d for d in deadlines_for(activity.campaign, activity.organization) if d.kind == Deadline.Kind.FILING),
                None)


@dataclass(frozen=True)
class SubmissionCheck:
    """What submit() would refuse now, as the filer reads it: what is still missing and every
    rule the saved filing breaks. The filing pages show this; submit() refuses on it."""

    missing: list[str]
    errors: list[str]
    late: bool = False

    @property
    def ready(self) -> bool:
        return not self.missing and not self.errors

    def messages(self) -> list[str]:
        head = [_("还缺少：%(items)s。") % {"items": _("、").join(self.missing)}] if self.missing else []
        return head + self.errors


def submission_check(activity: Activity) -> SubmissionCheck:
    """The one answer to "can this saved filing be submitted now?" (see SubmissionCheck)."""
    errors = rules.filing_errors(activity)
    deadline = filing_deadline(activity)
    late = deadline is not None and timezone.localdate() > deadline.due_on
    if late and not activity.campaign.allow_late_filing:
        errors.append(_("备案已于 %(date)s 截止，本届活动周不接受逾期备案。") % {"date": deadline.due_on})
    return SubmissionCheck(rules.missing_for_submission(activity), errors, late)


def submit(activity: Activity, *, actor) -> Transition:
    policy.require(actor, "activity.file", activity)
    activity.refresh_from_db()  # check and snapshot what is saved, not what the caller holds
    if activity.status not in S.EDITABLE:
        raise ValidationError(_("当前状态不能提交。"))
    check = submission_check(activity)
    if not check.ready:
        raise ValidationError(check.messages())
    late = check.late
    chain = workflow.review_chain(activity.organization, activity.level)
    now = timezone.now()
    with transaction.atomic():
        record = _transition(
            activity, actor=actor, action=A.SUBMIT, to_status=S.SUBMITTED, expected_status=activity.status,
            level=chain[0], snapshot_data=snapshot(activity),
            extra={"review_level": chain[0], "final_level": chain[-1], "submitted_at": now, "waiting_since": now,
                   "is_late": late or activity.is_late},
        )
        notifications.filing_waiting(activity, chain[0])
    return record


def approve(activity: Activity, *, actor, comment="") -> Transition:
    policy.require_review(actor, activity)
    if activity.status != S.SUBMITTED:
        raise TransitionConflict()
    following = workflow.next_level(activity)
    level = activity.review_level
    with transaction.atomic():
        if following is not None:
            record = _transition(
                activity, actor=actor, action=A.FORWARD, to_status=S.SUBMITTED, expected_status=S.SUBMITTED,
                comment=comment, level=level, extra={"review_level": following, "waiting_since": timezone.now()},
            )
            notifications.filing_waiting(activity, following)
            return record
        if activity.revises_id:
            record = _transition(
                activity, actor=actor, action=A.APPROVE, to_status=S.SUPERSEDED, expected_status=S.SUBMITTED,
                comment=comment, level=level, extra={"review_level": None, "approved_at": timezone.now()},
            )
            _apply_change(activity, actor=actor)
        else:
            record = _transition(
                activity, actor=actor, action=A.APPROVE, to_status=S.APPROVED, expected_status=S.SUBMITTED,
                comment=comment, level=level, extra={"review_level": None, "approved_at": timezone.now()},
            )
            search.reindex([activity.pk])
        notifications.filing_decided(activity, record)
    return record


def return_for_revision(activity: Activity, *, actor, comment: str) -> Transition:
    return _decide(activity, actor=actor, comment=comment, action=A.RETURN, to_status=S.RETURNED)


def reject(activity: Activity, *, actor, comment: str) -> Transition:
    return _decide(activity, actor=actor, comment=comment, action=A.REJECT, to_status=S.REJECTED)


def _decide(activity, *, actor, comment, action, to_status):
    policy.require_review(actor, activity)
    if not comment.strip():
        raise ValidationError(_("退回或不予通过时必须填写意见，告诉填报单位要改什么。"))
    if activity.status != S.SUBMITTED:
        raise TransitionConflict()
    with transaction.atomic():
        record = _transition(activity, actor=actor, action=action, to_status=to_status, expected_status=S.SUBMITTED,
                             comment=comment.strip(), level=activity.review_level, extra={"review_level": None})
        notifications.filing_decided(activity, record)
    return record


def withdraw(activity: Activity, *, actor, comment="") -> Transition:
    policy.require(actor, "activity.file", activity)
    if activity.status not in (S.SUBMITTED, S.RETURNED, S.DRAFT):
        raise ValidationError(_("当前状态不能撤回。"))
    with transaction.atomic():
        return _transition(activity, actor=actor, action=A.WITHDRAW, to_status=S.WITHDRAWN,
                           expected_status=activity.status, comment=comment, extra={"review_level": None})


def reopen(activity: Activity, *, actor) -> Transition:
    policy.require(actor, "activity.file", activity)
    if activity.status != S.WITHDRAWN:
        raise ValidationError(_("只有已撤回的备案可以重新编辑。"))
    with transaction.atomic():
        return _transition(activity, actor=actor, action=A.REOPEN, to_status=S.DRAFT, expected_status=S.WITHDRAWN)


def cancel(activity: Activity, *, actor, reason: str) -> Transition:
    """Cancel an approved activity; the public page then says it is cancelled."""
    if not (policy.can(actor, "activity.file", activity) or policy.can(actor, "activity.review", activity)):
        policy.require(actor, "activity.file", activity)
    if activity.status != S.APPROVED:
        raise ValidationError(_("只有已通过的活动可以取消。"))
    if not reason.strip():
        raise ValidationError(_("请填写取消原因，公众页面会显示。"))
    with transaction.atomic():
        record = _transition(activity, actor=actor, action=A.CANCEL, to_status=S.CANCELLED,
                             expected_status=S.APPROVED, comment=reason.strip(),
                             extra={"cancel_reason": reason.strip()[:255]})
        notifications.filing_decided(activity, record)
    return record


def propose_change(activity: Activity, *, actor) -> Activity:
    """Start a change to an approved activity: an editable copy that goes through review
    again while the approved version stays public."""
    policy.require(actor, "activity.file", activity)
    if activity.status != S.APPROVED:
        raise ValidationError(_("只有已通过的活动可以发起变更。"))
    open_change = activity.change_requests.filter(status__in=S.OPEN).first()
    if open_change is not None:
        return open_change
    copy = Activity(
        campaign=activity.campaign, organization=activity.organization, revises=activity, created_by=actor,
        status=S.DRAFT, is_demo=activity.is_demo,
        **{name: getattr(activity, name) for name in SNAPSHOT_FIELDS},
    )
    try:
        with transaction.atomic():
            copy.save()
            ActivityHost.objects.bulk_create([
                ActivityHost(activity=copy, organization_id=link.organization_id, role=link.role, position=link.position)
                for link in activity.host_links.all()
            ])
            copy.content_areas.set(activity.content_areas.all())
            Session.objects.bulk_create([
                Session(activity=copy, starts_at=s.starts_at, ends_at=s.ends_at, capacity=s.capacity)
                for s in activity.sessions.all()
            ])
            Transition.objects.create(activity=activity, action=A.PROPOSE_CHANGE, from_status=S.APPROVED,
                                      to_status=S.APPROVED, actor=actor, actor_name=actor.display_name)
    except IntegrityError:
        return activity.change_requests.get(status__in=S.OPEN)
    return copy


def _apply_change(change: Activity, *, actor):
    """Copy an approved change onto the original. Sessions keep their identity (and any
    reservations): matched by position, extra ones added, surplus empty ones removed."""
    original = Activity.objects.select_for_update().get(pk=change.revises_id)
    for name in SNAPSHOT_FIELDS:
        setattr(original, name, getattr(change, name))
    original.save()
    ActivityHost.objects.filter(activity=original).delete()
    ActivityHost.objects.bulk_create([
        ActivityHost(activity=original, organization_id=link.organization_id, role=link.role, position=link.position)
        for link in change.host_links.all()
    ])
    original.content_areas.set(change.content_areas.all())
    old_sessions = list(original.sessions.order_by("starts_at", "id"))
    new_sessions = list(change.sessions.order_by("starts_at", "id"))
    for old, new in zip(old_sessions, new_sessions, strict=False):
        old.starts_at, old.ends_at = new.starts_at, new.ends_at
        if new.capacity is None or new.capacity >= old.seats_taken:
            old.capacity = new.capacity
        old.save(update_fields=["starts_at", "ends_at", "capacity"])
    for new in new_sessions[len(old_sessions):]:
        Session.objects.create(activity=original, starts_at=new.starts_at, ends_at=new.ends_at, capacity=new.capacity)
    for old in old_sessions[len(new_sessions):]:
        if old.seats_taken == 0:
            old.delete()
    Activity.objects.filter(pk=original.pk).update(version=F("version") + 1)
    record = Transition.objects.create(activity=original, action=A.APPLY_CHANGE, from_status=S.APPROVED,
                                       to_status=S.APPROVED, actor=actor, actor_name=actor.display_name,
                                       snapshot=snapshot(original))
    search.reindex([original.pk])
    # The public version changed (its state did not): receivers that mirror public filings
    # must hear of it as of any transition.
    _announce(original, record)


# --- bulk review ----------------------------------------------------------------------

def bulk_review(activity_ids: list[int], *, actor, decision: str, comment: str = "") -> dict:
    """Approve or return many filings with one comment. Each is its own transaction, so one
    conflict does not undo the others; the result says what happened to each (`forwarded`:
    the approved ones that went on to the next level)."""
    if decision not in ("approve", "return"):
        raise ValidationError(_("未知的审核操作。"))
    if decision == "return" and not comment.strip():
        raise ValidationError(_("批量退回时必须填写意见。"))
    done, skipped, forwarded = [], [], []
    for activity in Activity.objects.filter(pk__in=activity_ids).select_related("organization", "review_level"):
        try:
            if decision == "approve":
                record = approve(activity, actor=actor, comment=comment)
                if record.action == A.FORWARD:
                    forwarded.append(activity.pk)
            else:
                return_for_revision(activity, actor=actor, comment=comment)
            done.append(activity.pk)
        except (TransitionConflict, PermissionDenied, Http404, ValidationError):
            skipped.append(activity.pk)
    return {"done": done, "skipped": skipped, "forwarded": forwarded}


def filers_of(activity: Activity):
    return Membership.objects.filter(organization=activity.organization, role__in=[Role.FILER, Role.ADMIN])


# --- attachments and notifications -------------------------------------------------------

def add_attachment(activity: Activity, upload, *, actor):
    """Attach an image or document to a filing (checked by content; raises UploadRejected)."""
    policy.require(actor, "activity.file", activity)
    # The file is written before its row (a full disk raises StorageFull, and the storage
    # removes the partial file: sciweek.core.uploads); a commit that fails after it would leave
    # the file without a row, so it goes too.
    attachment = None
    try:
        with transaction.atomic():
            attachment = store_attachment(activity, upload, uploaded_by=actor)
    except Exception:
        if attachment is not None:
            attachment.file.delete(save=False)
        raise
    return attachment


def mark_notifications_read(user) -> int:
    """Mark all of the user's unread console notifications read."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
