from django.core.mail import send_mass_mail
from django.utils.translation import gettext as _
from django_tasks import task

from sciweek.core.sms import send_sms

from . import notifications
from .models import Notification


@task()
def deliver_notifications(notification_ids: list[int], sms_phone: str = "") -> int:
    """E-mail each notification to its recipient; optionally text the filing's contact."""
    notes = Notification.objects.filter(pk__in=notification_ids).select_related("user")
    messages = [(_("[科技活动周] %(m)s") % {"m": n.message[:60]}, n.message, None, [n.user.email])
                for n in notes if n.user.email]
    sent = send_mass_mail(messages, fail_silently=False) if messages else 0
    if sms_phone and notes:
        send_sms(sms_phone, notes[0].message[:120])
    return sent


@task()
def remind_filing_deadlines() -> int:
    """Tell filers with unsubmitted filings that the filing deadline nears (daily)."""
    return notifications.remind_filing_deadlines()
