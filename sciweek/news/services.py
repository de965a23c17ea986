from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from sciweek.accounts import policy
from sciweek.accounts.audit import record

from .models import NewsItem


def report_deadline(activity):
    """News of an activity is due within campaign.news_within_days after it ends."""
    end = activity.ends_on or activity.starts_on
    return end + timedelta(days=activity.campaign.news_within_days) if end else None


def took_place_at(activity):
    """When the activity began: its first session's start, else the start of its first day
    (Asia/Shanghai, the site's zone). None when it has no date yet."""
    from datetime import datetime, time

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


def publish(*, actor, organization, campaign, title: str, body: str, activity=None) -> NewsItem:
    policy.require(actor, "news.publish", organization)
    if activity is not None and not activity.organization.is_within(organization) \
            and not organization.is_within(activity.organization):
        raise ValidationError(_("只能报送本单位或下级单位活动的动态。"))
    if activity is not None and (error := not_yet_held_error(activity)):
        raise ValidationError({"activity": [error]})
    if not title.strip() or not body.strip():
        raise ValidationError(_("请填写标题和正文。"))
    deadline = report_deadline(activity) if activity is not None else None
    item = NewsItem.objects.create(
        campaign=campaign, organization=organization, activity=activity, title=title.strip()[:120], body=body.strip(),
        created_by=actor, is_late=bool(deadline and timezone.localdate() > deadline),
    )
    return item


def withdraw(item: NewsItem, *, actor) -> None:
    policy.require(actor, "news.publish", item)
    NewsItem.objects.filter(pk=item.pk).update(status=NewsItem.Status.WITHDRAWN)
    record("news.withdrawn", actor=actor, organization=item.organization, summary=item.title)
