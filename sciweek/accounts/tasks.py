"""Background work for accounts, run by the task worker (database queue by default)."""
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from sciweek.core import http

from .models import Invitation


@task()
def send_invitation_email(invitation_id: int, token: str, site_url: str = "") -> None:
    # The token travels in the task's arguments because only its hash is stored on the
    # invitation; the worker prunes finished task rows. `site_url` is the address of the
    # request that made the invitation (the worker has no request of its own).
    invitation = Invitation.objects.select_related("organization", "created_by").get(pk=invitation_id)
    if not invitation.email:
        return
    link = (site_url.rstrip("/") or http.site_url()) + reverse("accounts:accept_invitation", args=[token])
    context = {"invitation": invitation, "link": link}
    send_mail(
        subject=render_to_string("accounts/email/invitation_subject.txt", context).strip(),
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
