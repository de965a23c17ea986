"""Who hears about a filing's transitions: console notifications, e-mail and SMS in the
background (tasks), never blocking the reviewer's click.

Tasks import this module; this module finds its task by name when it enqueues (no import
cycle between the two)."""
from datetime import timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from sciweek.accounts.models import Membership, Role, User
from sciweek.campaigns.models import Deadline
from sciweek.core import http
from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import within

from .models import Activity, Notification, Transition

DELIVER_TASK = "sciweek.activities.tasks.deliver_notifications"


def reviewers_at(level: Organization):
    lead = Organization.objects.filter(within(level.path), depth=level.depth + 1,
                                       committee_role=Organization.CommitteeRole.LEAD)
    return User.objects.filter(
        Q(memberships__organization=level) | Q(memberships__organization__in=lead),
        memberships__role=Role.REVIEWER, is_active=True,
    ).distinct()


def filers_for(activity: Activity):
    ids = set(Membership.objects.filter(organization_id=activity.organization_id,
                                        role__in=[Role.FILER, Role.ADMIN]).values_list("user_id", flat=True))
    if activity.created_by_id:
        ids.add(activity.created_by_id)
    return User.objects.filter(pk__in=ids, is_active=True)


def notify(users, activity: Activity | None, message: str, *, sms_phone: str = "") -> None:
    users = list(users)
    created = Notification.objects.bulk_create([Notification(user=u, activity=activity, message=message[:255])
                                                for u in users])
    if created:
        # The worker has no request: the site's address (setting, else this request's) goes along.
        import_string(DELIVER_TASK).enqueue([n.pk for n in created if n.pk], sms_phone, http.site_url())


def filing_link(notification: Notification, site_url: str = "") -> str:
    """The link to the notification's filing (absolute when `site_url` is given), or ""."""
    if notification.activity_id is None:
        return ""
    return site_url.rstrip("/") + reverse("activities:filing_detail", args=[notification.activity_id])


def email_body(notification: Notification, site_url: str = "") -> str:
    """The e-mail text of a notification: its message and, for a filing, the absolute link."""
    link = filing_link(notification, site_url or http.site_url())
    if not link:
        return notification.message
    return notification.message + "\n\n" + _("查看备案：%(link)s") % {"link": link} + "\n"


def filing_waiting(activity: Activity, level: Organization) -> None:
    notify(reviewers_at(level), activity,
           _("待审核：%(title)s（%(org)s）") % {"title": activity.title, "org": activity.organization.name})


def filing_decided(activity: Activity, record: Transition) -> None:
    message = _("%(action)s：%(title)s") % {"action": record.get_action_display(), "title": activity.title}
    if record.comment:
        message += _("。意见：%(comment)s") % {"comment": record.comment}
    sms = activity.contact_phone if record.action == Transition.Action.RETURN else ""
    notify(filers_for(activity), activity, message, sms_phone=sms)


def remind_filing_deadlines(days_ahead=(3, 1), today=None) -> int:
    """Tell filers who still have drafts or returned filings that the filing deadline nears.
    Idempotent per day: a reminder already sent today is not repeated."""
    today = today or timezone.localdate()
    sent = 0
    for deadline in Deadline.objects.filter(kind=Deadline.Kind.FILING,
                                            due_on__in=[today + timedelta(days=d) for d in days_ahead]
                                            ).select_related("organization", "campaign"):
        pending = Activity.objects.filter(
            within(deadline.organization.path, "organization__path"),
            campaign=deadline.campaign, status__in=Activity.Status.EDITABLE,
        ).values_list("organization_id", flat=True).distinct()
        message = _("备案截止提醒：%(campaign)s 重点项目备案将于 %(date)s 截止，您还有未提交的备案。") % {
            "campaign": deadline.campaign.name, "date": deadline.due_on}
        users = User.objects.filter(memberships__organization_id__in=list(pending),
                                    memberships__role=Role.FILER, is_active=True).distinct()
        already = set(Notification.objects.filter(message=message, created_at__date=today).values_list("user_id", flat=True))
        fresh = [u for u in users if u.pk not in already]
        notify(fresh, None, message)
        sent += len(fresh)
    return sent


def onsite_paused(campaign_id: int, organization_id: int | None = None, site_url: str = "") -> int:
    """A campaign (organization None) or a region went online-only: the filers of its approved
    activities with on-site sessions still to come hear that those sessions take no more
    bookings. One notification per filer and activity; returns how many were sent."""
    from sciweek.campaigns.models import Campaign

    from .models import Session

    campaign = Campaign.objects.get(pk=campaign_id)
    region = Organization.objects.get(pk=organization_id) if organization_id else None
    activities = Activity.objects.filter(
        campaign=campaign, status=Activity.Status.APPROVED, revises__isnull=True,
        format__in=[Activity.Format.ONSITE, Activity.Format.HYBRID],
        pk__in=Session.objects.filter(cancelled_at__isnull=True, ends_at__gt=timezone.now()).values("activity_id"),
    ).order_by("pk")
    if region is not None:
        activities = activities.filter(within(region.path, "organization__path"))
    activities = list(activities.only("pk", "title", "organization_id", "created_by_id"))
    if not activities:
        return 0
    members: dict[int, set[int]] = {}
    for org_id, user_id in Membership.objects.filter(
            organization_id__in={a.organization_id for a in activities}, role__in=[Role.FILER, Role.ADMIN],
            user__is_active=True).values_list("organization_id", "user_id"):
        members.setdefault(org_id, set()).add(user_id)
    creators = set(User.objects.filter(pk__in={a.created_by_id for a in activities if a.created_by_id},
                                       is_active=True).values_list("pk", flat=True))
    where = region.name if region is not None else campaign.name
    notes = []
    for activity in activities:
        users = members.get(activity.organization_id, set()) | ({activity.created_by_id} & creators)
        message = _("%(where)s已改为线上举办：线下活动“%(title)s”的场次暂停接受新的预约，已有预约不会自动取消，"
                    "请尽快告知已预约的公众，或改为线上形式。") % {"where": where, "title": activity.title}
        notes += [Notification(user_id=user_id, activity=activity, message=message[:255]) for user_id in sorted(users)]
    created = Notification.objects.bulk_create(notes)
    if created:
        import_string(DELIVER_TASK).enqueue([n.pk for n in created if n.pk], "", site_url)
    return len(created)
