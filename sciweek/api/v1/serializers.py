"""Model → response dict, field by field. An allowlist on purpose: a field added to Activity
(a phone number, a budget, a reviewer) stays private until someone adds it here."""
from django.utils import timezone

from sciweek.activities.models import Activity, Session
from sciweek.activities.selectors import BOOKABLE_STATES, booking_state
from sciweek.campaigns.models import Campaign, ContentArea, RegionalPlan
from sciweek.organizations.models import Division


def campaign_summary(campaign: Campaign) -> dict:
    return {"year": campaign.year, "name": campaign.name, "theme": campaign.theme, "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on, "online_only": campaign.online_only}


def area(item: ContentArea) -> dict:
    return {"id": item.pk, "name": item.name, "description": item.description}


def regional_plan(plan: RegionalPlan) -> dict:
    return {
        "organization": {"id": plan.organization.pk, "name": plan.organization.name},
        "division_code": plan.organization.division_id,
        "title": plan.title,
        "theme": plan.theme,
        "online_only": plan.online_only,
        "focus_areas": [area(a) for a in plan.focus_areas.all()],
    }


def campaign_detail(campaign: Campaign) -> dict:
    return {
        **campaign_summary(campaign),
        "notice_title": campaign.notice_title,
        "notice_number": campaign.notice_number,
        "notice_date": campaign.notice_date,
        "content_areas": [area(a) for a in campaign.national_areas],
        "regional_plans": [regional_plan(p) for p in campaign.plans],
        "flagships": [{"id": f.pk, "number": f.number, "name": f.name} for f in campaign.flagships.all()],
        "main_venue_events": [
            {"name": e.name, "starts_on": e.starts_on, "place": e.place, "hosts": e.hosts, "description": e.description}
            for e in campaign.main_venue_events.all()
        ],
    }


def division(item: Division | None) -> dict | None:
    return {"code": item.code, "name": item.name} if item is not None else None


def _blank_as_none(value: str) -> str | None:
    return value or None


def online_channels(activity: Activity) -> dict:
    return {
        "live_stream_url": _blank_as_none(activity.live_stream_url),
        "online_exhibition_url": _blank_as_none(activity.online_exhibition_url),
        "video_url": _blank_as_none(activity.video_url),
        "wechat_account": _blank_as_none(activity.wechat_account),
        "mini_program_path": _blank_as_none(activity.mini_program_path),
    }


def activity_summary(activity: Activity) -> dict:
    """Needs division, flagship and host_links loaded (see selectors.with_hosts)."""
    flagship = activity.flagship if activity.flagship_id else None
    return {
        "id": activity.pk,
        "title": activity.title,
        "kind": activity.kind,
        "level": activity.level,
        "format": activity.format,
        "status": activity.status,
        "starts_on": activity.starts_on,
        "ends_on": activity.ends_on,
        "division": division(activity.division) if activity.division_id else None,
        "hosts": activity.hosts_display,
        "flagship": {"number": flagship.number, "name": flagship.name} if flagship else None,
        "online": online_channels(activity),
    }


def key_activity(activity: Activity) -> dict:
    return {"id": activity.pk, "position": activity.key_position, "title": activity.title,
            "hosts": activity.hosts_display, "starts_on": activity.starts_on, "ends_on": activity.ends_on,
            "format": activity.format, "status": activity.status}


def session(item: Session, activity: Activity, now=None) -> dict:
    state = booking_state(item, activity=activity, now=now)
    return {
        "id": item.pk,
        "starts_at": item.starts_at,
        "ends_at": item.ends_at,
        "capacity": item.capacity,
        "seats_left": None if item.capacity is None else max(0, item.capacity - item.seats_taken),
        "bookable": state in BOOKABLE_STATES,
        "booking": state.value,
    }


def _coordinate(value) -> float | None:
    return float(value) if value is not None else None


def activity_detail(activity: Activity) -> dict:
    now = timezone.now()
    return {
        **activity_summary(activity),
        "campaign_year": activity.campaign.year,
        "organizers": activity.organizers_display,
        "cancel_reason": (activity.cancel_reason or None) if activity.status == Activity.Status.CANCELLED else None,
        "address": activity.address,
        "latitude": _coordinate(activity.latitude),
        "longitude": _coordinate(activity.longitude),
        "description": activity.description,
        "format_description": activity.format_description,
        "audience": activity.audience,
        "facilities": activity.facilities,
        "open_hours": activity.open_hours,
        "booking_method": activity.booking_method,
        "content_areas": [{"id": a.pk, "name": a.name, "national": a.plan_id is None}
                          for a in activity.content_areas.all()],
        "sessions": [session(s, activity, now) for s in activity.sessions.all()],
    }
