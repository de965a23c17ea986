"""Every write to news items and to the news clock (NewsDue).

- ``submit`` files an item (with its pictures and video, checked by the media intake): it
  publishes at once, or waits for the receiving level when the campaign asks for review
  (``approve`` publishes it, ``return_for_revision`` sends it back with a reason, the filer
  fixes it and ``resubmit``s). ``withdraw`` takes it back at any time. Each status change is a
  conditional UPDATE on the status the actor saw; the loser gets NewsConflict.
- Lateness is measured at the item's first submission against its activity's due time.
- The clock: one NewsDue row per approved activity (``sync_news_due``, run when a filing
  changes: receivers.filing_changed; ``rebuild_news_dues`` for a whole campaign). Its news
  facts (first_news_at, on_time, with_images) are rewritten in the same transaction as every
  submit, return and withdraw, under a lock on the row, so two items filed at once leave the
  facts a recount gives.
- Reminders: ``send_news_reminders`` (before the clock runs out, once per activity) and
  ``remind_missing_news`` (the reporting dashboard's button).
"""
import math
from dataclasses import replace
from datetime import datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sciweek.accounts import policy
from sciweek.accounts.audit import record
from sciweek.accounts.models import Membership, Role, User
from sciweek.activities.models import Activity, Session
from sciweek.campaigns.models import RegionalPlan
from sciweek.campaigns.selectors import news_within_days_for
from sciweek.media import services as media_services
from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import within

from . import tally
from .models import MAX_IMAGES, NewsDue, NewsImage, NewsItem

S = NewsItem.Status
IMAGE_PURPOSE = "news.image"
VIDEO_PURPOSE = "news.video"
REMIND_AHEAD = timedelta(hours=24)
# Who hears about an activity's news (reminders, a returned item): the organization's own
# publicity officers, liaisons and admins.
NEWS_ROLES = (Role.PUBLICITY, Role.LIAISON, Role.ADMIN)


class NewsConflict(ValidationError):
    """The item moved meanwhile (someone else acted first)."""

    def __init__(self, message=None):
        super().__init__(message or _("这条动态信息刚刚已被其他人处理，请刷新页面查看最新状态。"), code="conflict")


# --- the clock ----------------------------------------------------------------------------------

def end_of_day(day) -> datetime:
    """23:59:59 of `day` in the site's zone (Asia/Shanghai)."""
    return datetime.combine(day, time(23, 59, 59), timezone.get_default_timezone())


def clock_start(activity: Activity) -> datetime | None:
    """When the news clock of `activity` starts: the end of its last session (cancelled ones
    left out), else the end of its last day (ends_on, else starts_on). None without dates."""
    last = Session.objects.filter(activity=activity, cancelled_at__isnull=True).aggregate(last=Max("ends_at"))["last"]
    return clock_start_from(activity, last)


def clock_start_from(activity: Activity, last_session_end: datetime | None) -> datetime | None:
    """clock_start, given the end of the activity's last session (None: it has none)."""
    if last_session_end is not None:
        return last_session_end
    day = activity.ends_on or activity.starts_on
    return end_of_day(day) if day else None


def late_seconds(at: datetime | None, due: datetime | None) -> int | None:
    """Whole seconds `at` lies past `due` (a started second counts), 0 on time (`at` == `due`
    included), None when either is unknown."""
    if at is None or due is None:
        return None
    late = (at - due).total_seconds()
    return math.ceil(late) if late > 0 else 0


def _news_facts(items) -> dict[int, tuple[datetime | None, bool]]:
    """activity id -> (first news submitted, whether a counting item has a picture), over the
    items that count (submitted or published). Rows written without the services (the demo)
    have no submitted_at: their publication time stands in."""
    rows = (items.filter(status__in=S.COUNTS, activity__isnull=False).values("activity_id")
            .annotate(first=Min(Coalesce("submitted_at", "published_at")), pictures=Count("images"))
            .order_by())
    return {r["activity_id"]: (r["first"], r["pictures"] > 0) for r in rows}


def _due_fields(activity: Activity, start: datetime, days: int, first, with_images: bool) -> dict:
    due = start + timedelta(days=days)
    return {"campaign_id": activity.campaign_id, "organization_id": activity.organization_id,
            "org_path": activity.organization.path, "clock_starts_at": start, "within_days": days, "due_at": due,
            "first_news_at": first, "on_time": first is not None and first <= due, "with_images": with_images}


def _counts_for_clock(activity: Activity) -> bool:
    return activity.status == Activity.Status.APPROVED and activity.revises_id is None


def sync_news_due(activity: Activity) -> NewsDue | None:
    """Make the clock row of `activity` match the filing now: created or moved for an approved
    activity (sessions, dates, the N days that bind its organization), deleted for any other
    state (withdrawn, cancelled, a change copy). The activity's items are re-measured against
    a moved due time (still from their first submission)."""
    with transaction.atomic():
        fresh = Activity.objects.select_related("campaign", "organization").filter(pk=activity.pk).first()
        if fresh is None or not _counts_for_clock(fresh):
            NewsDue.objects.filter(activity_id=activity.pk).delete()
            return None
        start = clock_start(fresh)
        if start is None:
            NewsDue.objects.filter(activity_id=fresh.pk).delete()
            return None
        days = news_within_days_for(fresh.campaign, fresh.organization)
        existing = NewsDue.objects.select_for_update().filter(activity_id=fresh.pk).first()
        first, with_images = _news_facts(NewsItem.objects.filter(activity_id=fresh.pk)).get(fresh.pk, (None, False))
        fields = _due_fields(fresh, start, days, first, with_images)
        if existing is None:
            try:
                with transaction.atomic():
                    row = NewsDue.objects.create(activity=fresh, **fields)
                    tally.apply(new=[fields])
            except IntegrityError:  # made meanwhile by another sync: update that one
                existing = NewsDue.objects.select_for_update().get(activity_id=fresh.pk)
        if existing is not None:
            if existing.due_at != fields["due_at"]:
                fields["reminded_at"] = None  # the clock moved: the reminder is owed again
            NewsDue.objects.filter(pk=existing.pk).update(**fields)
            tally.apply(old=[existing], new=[fields])
            row = NewsDue.objects.get(pk=existing.pk)
        _measure_items(NewsItem.objects.filter(activity_id=fresh.pk), {fresh.pk: row.due_at})
    return row


def _measure_items(items, due_by_activity: dict[int, datetime]) -> int:
    """Write due_at/late_seconds/is_late of items (from their first submission) where they
    differ from what the clock says now. Returns how many changed."""
    changed = []
    for item in items.filter(activity_id__in=list(due_by_activity)).only(
            "pk", "activity_id", "submitted_at", "due_at", "late_seconds", "is_late"):
        due = due_by_activity[item.activity_id]
        late = late_seconds(item.submitted_at, due)
        if item.submitted_at is None:
            continue  # never submitted through the services (the demo): nothing to measure
        if (item.due_at, item.late_seconds, item.is_late) != (due, late, bool(late)):
            item.due_at, item.late_seconds, item.is_late = due, late, bool(late)
            changed.append(item)
    NewsItem.objects.bulk_update(changed, ["due_at", "late_seconds", "is_late"], batch_size=500)
    return len(changed)


def _days_from(plans: dict[str, int], campaign, path: str) -> int:
    """The days of the nearest plan on the reporting line of `path` (itself included)."""
    for end in range(len(path), 0, -Organization.steplen):
        if path[:end] in plans:
            return plans[path[:end]]
    return campaign.news_within_days


def rebuild_news_dues(campaign) -> dict:
    """Back-fill: the clock rows of every approved activity of `campaign` as sync_news_due
    would write them, in a handful of queries per campaign (plus one per organization for its
    N days). Returns {"created", "updated", "deleted", "items"}."""
    activities = list(Activity.objects.filter(campaign=campaign, status=Activity.Status.APPROVED,
                                              revises__isnull=True).select_related("organization"))
    last_ends = dict(Session.objects.filter(activity__campaign=campaign, activity__status=Activity.Status.APPROVED,
                                            cancelled_at__isnull=True)
                     .values("activity_id").annotate(last=Max("ends_at")).values_list("activity_id", "last")
                     .order_by())
    facts = _news_facts(NewsItem.objects.filter(campaign=campaign))
    # news_within_days_for, in memory: the few plans that set the days, by their organization's path.
    plans = dict(RegionalPlan.objects.filter(campaign=campaign, news_within_days__isnull=False)
                 .values_list("organization__path", "news_within_days"))
    days_of: dict[int, int] = {}
    wanted = {}
    for activity in activities:
        activity.campaign = campaign
        start = clock_start_from(activity, last_ends.get(activity.pk))
        if start is None:
            continue
        if activity.organization_id not in days_of:
            days_of[activity.organization_id] = _days_from(plans, campaign, activity.organization.path)
        first, with_images = facts.get(activity.pk, (None, False))
        wanted[activity.pk] = _due_fields(activity, start, days_of[activity.organization_id], first, with_images)
    with transaction.atomic():
        existing = {row.activity_id: row for row in NewsDue.objects.filter(campaign=campaign)}
        stale = [row.pk for activity_id, row in existing.items() if activity_id not in wanted]
        NewsDue.objects.filter(pk__in=stale).delete()
        created, updated = [], []
        names = ["campaign_id", "organization_id", "org_path", "clock_starts_at", "within_days", "due_at",
                 "first_news_at", "on_time", "with_images", "reminded_at"]
        for activity_id, fields in wanted.items():
            row = existing.get(activity_id)
            if row is None:
                created.append(NewsDue(activity_id=activity_id, **fields))
                continue
            if row.due_at != fields["due_at"]:
                fields = {**fields, "reminded_at": None}
            if any(getattr(row, name) != value for name, value in fields.items()):
                for name, value in fields.items():
                    setattr(row, name, value)
                updated.append(row)
        NewsDue.objects.bulk_create(created, batch_size=500)
        NewsDue.objects.bulk_update(updated, names, batch_size=500)
        tally.rebuild(campaign.pk)
        items = _measure_items(NewsItem.objects.filter(campaign=campaign),
                               {activity_id: fields["due_at"] for activity_id, fields in wanted.items()})
    return {"created": len(created), "updated": len(updated), "deleted": len(stale), "items": items}


def _locked_due(activity_id: int | None) -> NewsDue | None:
    """The clock row of an activity, locked for this transaction (made first when the activity
    is approved and has none yet: rows written before the clock existed, the demo)."""
    if activity_id is None:
        return None
    row = NewsDue.objects.select_for_update().filter(activity_id=activity_id).first()
    if row is None:
        sync_news_due(Activity(pk=activity_id))
        row = NewsDue.objects.select_for_update().filter(activity_id=activity_id).first()
    return row


def _refresh_facts(row: NewsDue | None) -> None:
    """Rewrite the clock row's news facts from the items that count (caller holds its lock)."""
    if row is None:
        return
    first, with_images = _news_facts(NewsItem.objects.filter(activity_id=row.activity_id)).get(
        row.activity_id, (None, False))
    facts = {"first_news_at": first, "with_images": with_images, "on_time": first is not None and first <= row.due_at}
    NewsDue.objects.filter(pk=row.pk).update(**facts)
    tally.apply(old=[row], new=[tally.ClockFacts.of(row)._replace(**facts)])


# --- what may be filed --------------------------------------------------------------------------

def took_place_at(activity):
    """When the activity began: its first session's start, else the start of its first day
    (Asia/Shanghai, the site's zone). None when it has no date yet."""
    first = activity.sessions.order_by("starts_at").values_list("starts_at", flat=True).first()
    if first is not None:
        return first
    if activity.starts_on:
        return datetime.combine(activity.starts_on, time.min, timezone.get_default_timezone())
    return None


def not_yet_held_error(activity, now=None) -> str | None:
    """News reports what happened: none for an activity before it began."""
    began = took_place_at(activity)
    if began is None or began <= (now or timezone.now()):
        return None
    return _("“%(title)s”将于 %(when)s 开始，活动开始后才能报送它的动态信息。") % {
        "title": activity.title, "when": timezone.localtime(began, timezone.get_default_timezone()).strftime(
            "%Y-%m-%d %H:%M")}


def _check_activity(organization, campaign, activity, now) -> None:
    if activity is None:
        return
    if activity.campaign_id != campaign.pk:
        raise ValidationError({"activity": [_("这项活动不属于本届活动周。")]})
    if activity.status not in Activity.Status.PUBLIC or activity.revises_id is not None:
        raise ValidationError({"activity": [_("只能报送已通过备案的活动的动态信息。")]})
    if not activity.organization.is_within(organization) and not organization.is_within(activity.organization):
        raise ValidationError({"activity": [_("只能报送本单位或下级单位活动的动态。")]})
    if error := not_yet_held_error(activity, now):
        raise ValidationError({"activity": [error]})


def _clean_text(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = [_("请填写标题。")]
    if not body:
        errors["body"] = [_("请填写正文。")]
    if errors:
        raise ValidationError(errors)
    return title[:120], body[:5000]


# --- pictures and video -------------------------------------------------------------------------

def may_upload_media(request) -> bool:
    """Who may upload a news item's pictures and video: staff who publish news somewhere. The
    item they go to is checked when they are attached (submit, resubmit)."""
    user = request.user
    return bool(user.is_authenticated and (user.is_superuser or policy.scope_paths(user, "news.publish")))


def intake_images(files, *, actor, already: int = 0) -> tuple[list, list[str]]:
    """Run the media intake on pictures sent with the news form, each on its own: the ones
    that pass become MediaAssets (purpose news.image, uploaded by `actor`), each refusal is one
    localized message naming the file. Past MAX_IMAGES (counting `already` kept ones) the
    rest are refused unread. Returns (assets, messages)."""
    from sciweek.media import services as media_services
    from sciweek.media.requirements import IMAGE

    files = [f for f in files if f is not None]
    if files and not (actor.is_superuser or policy.scope_paths(actor, "news.publish")):
        raise PermissionDenied
    assets, messages = [], []
    for upload in files:
        name = media_services.sanitize_name(upload.name)
        if already + len(assets) >= MAX_IMAGES:
            messages.append(_("“%(name)s”没有上传：每条动态信息最多 %(n)s 张图片。") % {"name": name, "n": MAX_IMAGES})
            continue
        try:
            assets.append(media_services.intake_upload(upload, requirements=IMAGE, actor=actor,
                                                       purpose=IMAGE_PURPOSE))
        except ValidationError as error:
            messages.append(_("“%(name)s”没有上传：%(reason)s") % {"name": name, "reason": " ".join(error.messages)})
    return assets, messages


def video_requirements(campaign):
    """A news item's video: the summary video's rule, at most the campaign's seconds."""
    from sciweek.media.requirements import SUMMARY_VIDEO

    return replace(SUMMARY_VIDEO, max_seconds=campaign.summary_video_max_seconds)


def _checked_images(images, *, actor, item: NewsItem | None) -> list[tuple]:
    """[(asset, caption)] as given, or ValidationError: each a picture uploaded here by the
    actor (or already on this item), on no other item, at most MAX_IMAGES."""
    pairs, seen = [], set()
    for asset, caption in images:
        if asset.pk in seen:
            continue
        seen.add(asset.pk)
        own = item is not None and NewsImage.objects.filter(item=item, asset=asset).exists()
        if not own:
            if asset.purpose != IMAGE_PURPOSE or asset.kind != "image" or asset.uploaded_by_id != actor.pk:
                raise ValidationError({"images": [_("请在本页上传动态信息的图片。")]})
            if NewsImage.objects.filter(asset=asset).exists():
                raise ValidationError({"images": [_("这张图片已用于另一条动态信息，请重新上传。")]})
        pairs.append((asset, (caption or "").strip()[:120]))
    if len(pairs) > MAX_IMAGES:
        raise ValidationError({"images": [_("每条动态信息最多 %(n)s 张图片。") % {"n": MAX_IMAGES}]})
    return pairs


def _checked_video(video, *, actor, campaign, item: NewsItem | None):
    if video is None:
        return None

    if not (item is not None and item.video_id == video.pk):
        if video.purpose != VIDEO_PURPOSE or video.kind != "video" or video.uploaded_by_id != actor.pk:
            raise ValidationError({"video": [_("请在本页上传动态信息的视频。")]})
    problems = media_services.recheck(video, video_requirements(campaign))
    if problems:
        raise ValidationError({"video": problems})
    return video


def _set_images(item: NewsItem, pairs) -> None:
    NewsImage.objects.filter(item=item).exclude(asset_id__in=[a.pk for a, _c in pairs]).delete()
    have = {image.asset_id: image for image in NewsImage.objects.filter(item=item)}
    for position, (asset, caption) in enumerate(pairs):
        image = have.get(asset.pk)
        if image is None:
            try:
                with transaction.atomic():
                    NewsImage.objects.create(item=item, asset=asset, caption=caption, position=position)
            except IntegrityError as error:  # the same picture attached elsewhere at this moment
                raise ValidationError({"images": [_("这张图片已用于另一条动态信息，请重新上传。")]}) from error
        elif (image.caption, image.position) != (caption, position):
            NewsImage.objects.filter(pk=image.pk).update(caption=caption, position=position)


def _media_public(item_id: int, public: bool) -> None:
    """An item's pictures and video play without a signature exactly while it is published."""
    from sciweek.media.models import MediaAsset

    ids = list(NewsImage.objects.filter(item_id=item_id).values_list("asset_id", flat=True))
    video_id = NewsItem.objects.filter(pk=item_id).values_list("video_id", flat=True).first()
    if video_id:
        ids.append(video_id)
    if ids:
        MediaAsset.objects.filter(pk__in=ids).update(is_public=public)


# --- who hears --------------------------------------------------------------------------------

def receiver_of(item_or_organization) -> Organization | None:
    """The receiving level: the filing organization's parent (None at the top)."""
    organization = policy.organization_of(item_or_organization)
    if len(organization.path) <= Organization.steplen:
        return None
    return Organization.objects.filter(path=organization.path[:-Organization.steplen]).first()


def receivers_at(level: Organization):
    """Who decides news for `level`: its own news.review roles, and those of its lead
    department (the city's 科技局 acts for the city), as policy.receiving_level_ids says."""
    lead = Organization.objects.filter(within(level.path), depth=level.depth + 1,
                                       committee_role=Organization.CommitteeRole.LEAD)
    return User.objects.filter(Q(memberships__organization=level) | Q(memberships__organization__in=lead),
                               memberships__role__in=list(policy.roles_for("news.review")),
                               is_active=True).distinct()


def _members(organization_ids) -> dict[int, set[int]]:
    members: dict[int, set[int]] = {}
    for org_id, user_id in Membership.objects.filter(
            organization_id__in=list(organization_ids), role__in=NEWS_ROLES, user__is_active=True).values_list(
            "organization_id", "user_id"):
        members.setdefault(org_id, set()).add(user_id)
    return members


def _notify(user_ids, activity, message: str) -> None:
    from sciweek.activities.notifications import notify

    users = User.objects.filter(pk__in=set(user_ids), is_active=True)
    transaction.on_commit(lambda: notify(users, activity, message))


# --- filing, review, withdrawal -----------------------------------------------------------------

def needs_review(campaign, organization) -> bool:
    """Does an item of `organization` wait for its receiving level before it is public?"""
    return bool(campaign.news_review_required) and len(organization.path) > Organization.steplen


def submit(*, actor, organization, campaign, title: str, body: str, activity=None, images=(), video=None,
           now=None) -> NewsItem:
    """File a news item for `organization` (news.publish there): published at once, or waiting
    for the receiving level when the campaign asks for review. Lateness is fixed now, at the
    first submission. `images`: [(MediaAsset, caption)], uploaded through intake_images;
    `video`: a MediaAsset uploaded with the chunked widget (purpose news.video)."""
    policy.require(actor, "news.publish", organization)
    now = now or timezone.now()
    _check_activity(organization, campaign, activity, now)
    title, body = _clean_text(title, body)
    pairs = _checked_images(images, actor=actor, item=None)
    video = _checked_video(video, actor=actor, campaign=campaign, item=None)
    review = needs_review(campaign, organization)
    with transaction.atomic():
        due = _locked_due(activity.pk if activity is not None else None)
        due_at = due.due_at if due is not None else None
        late = late_seconds(now, due_at)
        item = NewsItem.objects.create(
            campaign=campaign, organization=organization, activity=activity, title=title, body=body, video=video,
            status=S.SUBMITTED if review else S.PUBLISHED, submitted_at=now, due_at=due_at, late_seconds=late,
            is_late=bool(late), waiting_since=now if review else None, published_at=None if review else now,
            created_by=actor)
        _set_images(item, pairs)
        if not review:
            _media_public(item.pk, True)
        _refresh_facts(due)
        if review:
            receiver = receiver_of(organization)
            _notify(receivers_at(receiver).values_list("pk", flat=True), activity,
                    _("待审核动态信息：%(title)s（%(org)s）") % {"title": title, "org": organization.name})
    return item


def resubmit(item: NewsItem, *, actor, title: str, body: str, activity=None, images=(), video=None,
             now=None) -> NewsItem:
    """A returned item, fixed by the filer's side, goes back to the receiving level (or is
    published, should the campaign no longer ask for review). Its lateness stays that of its
    first submission."""
    policy.require(actor, "news.publish", item)
    if item.status not in S.EDITABLE:
        raise NewsConflict(_("只有退回修改的动态信息可以修改后重新报送。"))
    now = now or timezone.now()
    campaign, organization = item.campaign, item.organization
    _check_activity(organization, campaign, activity, now)
    title, body = _clean_text(title, body)
    pairs = _checked_images(images, actor=actor, item=item)
    video = _checked_video(video, actor=actor, campaign=campaign, item=item)
    review = needs_review(campaign, organization)
    old_activity_id, new_activity_id = item.activity_id, activity.pk if activity is not None else None
    with transaction.atomic():
        # Lock the clock rows in one order (by activity id): two resubmits never deadlock.
        locked = {a: _locked_due(a) for a in sorted({old_activity_id, new_activity_id} - {None})}
        due = locked.get(new_activity_id)
        due_at = due.due_at if due is not None else None
        late = late_seconds(item.submitted_at or now, due_at)
        moved = NewsItem.objects.filter(pk=item.pk, status=S.RETURNED).update(
            title=title, body=body, activity=activity, video=video, due_at=due_at, late_seconds=late,
            is_late=bool(late), submitted_at=item.submitted_at or now,
            status=S.SUBMITTED if review else S.PUBLISHED, waiting_since=now if review else None,
            published_at=None if review else now)
        if not moved:
            raise NewsConflict()
        item.refresh_from_db()
        _set_images(item, pairs)
        if not review:
            _media_public(item.pk, True)
        for row in locked.values():
            _refresh_facts(row)
        record("news.resubmitted", actor=actor, organization=organization, summary=title)
        if review:
            _notify(receivers_at(receiver_of(organization)).values_list("pk", flat=True), activity,
                    _("待审核动态信息（已修改）：%(title)s（%(org)s）") % {"title": title, "org": organization.name})
    return item


def may_decide(user, item: NewsItem) -> bool:
    """May `user` publish or return this item now (it waits, and they decide for its receiving
    level, and it is not their own)?"""
    if item.status != S.SUBMITTED:
        return False
    receiver = receiver_of(item)
    if receiver is None or not policy.can_receive(user, "news.review", receiver):
        return False
    return user.is_superuser or item.created_by_id != user.pk


def _require_decide(actor, item: NewsItem) -> None:
    receiver = receiver_of(item)
    if receiver is None:
        policy.require(actor, "news.review", item)  # a top-level item never waits: refused below
        raise NewsConflict(_("这条动态信息无须审核。"))
    policy.require_receive(actor, "news.review", receiver, item)
    if not actor.is_superuser and item.created_by_id == actor.pk:
        raise ValidationError(_("不能审核自己报送的动态信息，请由接收单位的其他人员审核。"))


def approve(item: NewsItem, *, actor, now=None) -> NewsItem:
    """The receiving level publishes a waiting item."""
    _require_decide(actor, item)
    now = now or timezone.now()
    with transaction.atomic():
        moved = NewsItem.objects.filter(pk=item.pk, status=S.SUBMITTED).update(
            status=S.PUBLISHED, published_at=now, decided_by=actor, decided_at=now, waiting_since=None)
        if not moved:
            raise NewsConflict()
        _media_public(item.pk, True)
        record("news.published", actor=actor, organization=item.organization, summary=item.title)
        if item.created_by_id:
            _notify([item.created_by_id], item.activity,
                    _("动态信息已审核发布：%(title)s") % {"title": item.title})
    item.refresh_from_db()
    return item


def return_for_revision(item: NewsItem, *, actor, reason: str, now=None) -> NewsItem:
    """The receiving level sends a waiting item back with a reason; the filer fixes and
    resubmits it. Until then it does not count as reported."""
    _require_decide(actor, item)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("退回时必须填写原因，告诉报送单位要改什么。")]})
    now = now or timezone.now()
    with transaction.atomic():
        due = _locked_due(item.activity_id)
        moved = NewsItem.objects.filter(pk=item.pk, status=S.SUBMITTED).update(
            status=S.RETURNED, return_reason=reason[:2000], decided_by=actor, decided_at=now, waiting_since=None)
        if not moved:
            raise NewsConflict()
        _refresh_facts(due)
        record("news.returned", actor=actor, organization=item.organization, summary=item.title,
               detail={"reason": reason[:500]})
        people = _members([item.organization_id]).get(item.organization_id, set())
        if item.created_by_id:
            people.add(item.created_by_id)
        _notify(people, item.activity, _("动态信息被退回修改：%(title)s。原因：%(reason)s") % {
            "title": item.title, "reason": reason})
    item.refresh_from_db()
    return item


def withdraw(item: NewsItem, *, actor, now=None) -> NewsItem:
    """The filer's side takes an item back, whatever its state (not twice): it leaves the
    public pages and no longer counts as reported. Audit-logged."""
    policy.require(actor, "news.publish", item)
    if item.status == S.WITHDRAWN:
        raise NewsConflict(_("这条动态信息已经撤下。"))
    now = now or timezone.now()
    with transaction.atomic():
        due = _locked_due(item.activity_id)
        moved = NewsItem.objects.filter(pk=item.pk, status=item.status).update(
            status=S.WITHDRAWN, withdrawn_at=now, waiting_since=None)
        if not moved:
            raise NewsConflict()
        _media_public(item.pk, False)
        _refresh_facts(due)
        record("news.withdrawn", actor=actor, organization=item.organization, summary=item.title,
               detail={"from": item.status})
    item.refresh_from_db()
    return item


# --- reminders ----------------------------------------------------------------------------------

def _due_for_reminder(now) -> list[NewsDue]:
    return list(NewsDue.objects.filter(first_news_at__isnull=True, reminded_at__isnull=True, due_at__gt=now,
                                       due_at__lte=now + REMIND_AHEAD)
                .select_related("activity").order_by("due_at", "pk")[:5000])


def _claim_reminder(row: NewsDue, now) -> bool:
    """The one step that makes reminding safe: only the run that moves reminded_at from NULL
    reminds (of two sweeps at once, one wins)."""
    return NewsDue.objects.filter(pk=row.pk, reminded_at__isnull=True, first_news_at__isnull=True).update(
        reminded_at=now) == 1


def send_news_reminders(now=None) -> int:
    """Every activity whose news falls due within REMIND_AHEAD and has none yet: its
    organization's publicity officers, liaisons and admins hear once (reminded_at is claimed
    by a conditional UPDATE, so two runs at once remind once). Returns how many activities."""
    now = now or timezone.now()
    reminded = 0
    for row in _due_for_reminder(now):
        with transaction.atomic():
            if not _claim_reminder(row, now):
                continue
            reminded += 1
            people = _members([row.organization_id]).get(row.organization_id, set())
            due = timezone.localtime(row.due_at, timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M")
            _notify(people, row.activity, _("动态信息报送提醒：“%(title)s”的动态信息及影像须在 %(due)s 前报送。") % {
                "title": row.activity.title, "due": due})
    return reminded


def remind_missing_news(campaign, organization_subtree: Organization, *, actor, now=None) -> int:
    """The reporting dashboard's "remind everyone missing": every organization in the subtree
    with an activity whose clock has started and that has no news yet hears once (at most once
    a day per activity: nudged_at, claimed by a conditional UPDATE). Audit-logged. Returns how
    many organizations were reminded."""
    policy.require(actor, "news.review", organization_subtree)
    now = now or timezone.now()
    day_start = timezone.localtime(now, timezone.get_default_timezone()).replace(hour=0, minute=0, second=0,
                                                                                 microsecond=0)
    fresh = Q(nudged_at__isnull=True) | Q(nudged_at__lt=day_start)
    candidates = list(NewsDue.objects.filter(within(organization_subtree.path, "org_path"), fresh,
                                             campaign=campaign, clock_starts_at__lte=now,
                                             first_news_at__isnull=True)
                      .values_list("pk", "organization_id").order_by("org_path", "pk")[:20000])
    missing: dict[int, int] = {}
    with transaction.atomic():
        for pk, organization_id in candidates:
            if NewsDue.objects.filter(fresh, pk=pk, first_news_at__isnull=True).update(nudged_at=now):
                missing[organization_id] = missing.get(organization_id, 0) + 1
        members = _members(missing)
        for organization_id, count in missing.items():
            _notify(members.get(organization_id, set()), None, ngettext(
                "%(year)s年科技活动周：您单位有 %(n)s 项活动尚未报送动态信息及影像，请尽快报送。",
                "%(year)s年科技活动周：您单位有 %(n)s 项活动尚未报送动态信息及影像，请尽快报送。", count) % {
                "year": campaign.year, "n": count})
        record("news.reminded", actor=actor, organization=organization_subtree, summary=str(campaign.year),
               detail={"organizations": len(missing), "activities": sum(missing.values())})
    return len(missing)
