from django.core.mail import send_mass_mail
from django.utils.translation import gettext as _
from django_tasks import task

from sciweek.core.sms import send_sms

from . import notifications
from .models import Notification


@task()
def deliver_notifications(notification_ids: list[int], sms_phone: str = "", site_url: str = "") -> int:
    """E-mail each notification to its recipient (with the filing's link on `site_url`);
    optionally text the filing's contact."""
    notes = Notification.objects.filter(pk__in=notification_ids).select_related("user")
    messages = [(_("[科技活动周] %(m)s") % {"m": n.message[:60]}, notifications.email_body(n, site_url), None,
                 [n.user.email])
                for n in notes if n.user.email]
    sent = send_mass_mail(messages, fail_silently=False) if messages else 0
    if sms_phone and notes:
        send_sms(sms_phone, notes[0].message[:120])
    return sent


@task()
def remind_filing_deadlines() -> int:
    """Tell filers with unsubmitted filings that the filing deadline nears (daily)."""
    return notifications.remind_filing_deadlines()


@task()
def notify_onsite_paused(campaign_id: int, organization_id: int | None = None, site_url: str = "") -> int:
    """Tell the organizers of the approved on-site sessions of a campaign or region that went
    online-only (console notification and e-mail)."""
    return notifications.onsite_paused(campaign_id, organization_id, site_url)
