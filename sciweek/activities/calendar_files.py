"""Add-to-calendar (.ics) for an activity: one event per session, or an all-day event."""
from datetime import timedelta

from django.urls import reverse
from django.utils.timezone import localtime
from icalendar import Calendar, Event

from sciweek.activities.models import Activity
from sciweek.core.http import absolute_url


def activity_calendar(activity: Activity) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//SciWeek//科技活动周//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", activity.title)
    url = absolute_url(reverse("activities:activity", args=[activity.campaign.year, activity.pk]))
    place = " ".join(p for p in [activity.division.full_name() if activity.division_id else "", activity.address] if p)
    sessions = list(activity.sessions.all())
    spans = [(localtime(s.starts_at), localtime(s.ends_at), f"s{s.pk}") for s in sessions] or [
        (activity.starts_on, (activity.ends_on or activity.starts_on) + timedelta(days=1), "day")]
    for start, end, key in spans:
        event = Event()
        event.add("uid", f"activity-{activity.pk}-{key}@sciweek")
        event.add("summary", activity.title)
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("url", url)
        if place:
            event.add("location", place)
        description = activity.description[:500]
        if activity.live_stream_url:
            description += f"\n直播：{activity.live_stream_url}"
        event.add("description", description)
        if activity.status == Activity.Status.CANCELLED:
            event.add("status", "CANCELLED")
        calendar.add_component(event)
    return calendar.to_ical()
