from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from sciweek.core.sms import send_sms

from .models import Reservation

MESSAGES = {
    "promoted": _("【科技活动周】您候补的“%(title)s”（%(when)s）已有空位，预约成功。核验码 %(code)s。"),
    "moved_to_waiting": _("【科技活动周】“%(title)s”（%(when)s）名额调整，您的预约已转为候补，有空位时自动恢复并通知您。"),
    "session_cancelled": _("【科技活动周】很抱歉，“%(title)s”（%(when)s）场次已取消，您的预约已自动取消。"),
    "reminder": _("【科技活动周】提醒：您预约的“%(title)s”将于 %(when)s 开始，入场请出示核验码 %(code)s。"),
}


def _text(kind, reservation):
    session = reservation.session
    return MESSAGES[kind] % {"title": session.activity.title[:30],
                             "when": timezone.localtime(session.starts_at).strftime("%m-%d %H:%M"),
                             "code": reservation.code}


@task()
def notify_people(reservation_ids: list[int], kind: str) -> int:
    sent = 0
    for reservation in Reservation.objects.filter(pk__in=reservation_ids).select_related(
            "session__activity", "person__public_profile"):
        profile = getattr(reservation.person, "public_profile", None)
        if profile is not None:
            send_sms(profile.phone, _text(kind, reservation))
            sent += 1
    return sent


@task()
def send_reminders() -> int:
    """Remind everyone booked for a session starting in the next 24 hours (once each)."""
    now = timezone.now()
    due = Reservation.objects.filter(status=Reservation.Status.CONFIRMED, reminded_at__isnull=True,
                                     session__starts_at__gt=now, session__starts_at__lte=now + timedelta(hours=24),
                                     session__cancelled_at__isnull=True)
    sent = 0
    for reservation in due.select_related("session__activity", "person__public_profile")[:5000]:
        if Reservation.objects.filter(pk=reservation.pk, reminded_at__isnull=True).update(reminded_at=now):
            profile = getattr(reservation.person, "public_profile", None)
            if profile is not None:
                send_sms(profile.phone, _text("reminder", reservation))
                sent += 1
    return sent
