"""Links that leave the browser point at the running site (issue 9): invitation e-mails and
review-notification e-mails use SCIWEEK_SITE_URL when it is set, else the address of the
request that caused them (whatever its port), never a hard-coded :8000; review
notifications carry a link to the filing (absolute in e-mails, relative in the console)."""
import pytest
from django.core import mail
from django.urls import reverse
from freezegun import freeze_time

from sciweek.accounts.models import User
from sciweek.accounts.services import create_invitation
from sciweek.activities import notifications
from sciweek.activities import services as activity_services
from sciweek.activities.models import Activity, Notification
from sciweek.activities.tests.factories import complete_filing

pytestmark = pytest.mark.django_db


def invite(client, org, **server):
    return client.post(reverse("accounts:invitation_create", args=[org.pk]),
                       {"role": "filer", "email": "new-filer@example.cn"}, **server)


def test_invitation_link_follows_the_port_the_site_runs_on(staff_client, org, settings):
    settings.SITE_URL = ""
    client = staff_client("sjz-admin")
    page = invite(client, org("长安区"), HTTP_HOST="127.0.0.1:8123").content.decode()
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "http://127.0.0.1:8123/accounts/invitation/" in body and ":8000" not in body
    assert "http://127.0.0.1:8123/accounts/invitation/" in page  # the link shown once on the page too


def test_invitation_link_follows_the_setting(staff_client, org, settings):
    settings.SITE_URL = "https://kejizhou.example.cn/"
    client = staff_client("sjz-admin")
    page = invite(client, org("长安区"), HTTP_HOST="127.0.0.1:8123").content.decode()
    assert "https://kejizhou.example.cn/accounts/invitation/" in mail.outbox[0].body
    assert "https://kejizhou.example.cn/accounts/invitation/" in page and "127.0.0.1:8123" not in page


def test_invitation_link_from_a_script_uses_the_given_address(demo, org, settings):
    settings.SITE_URL = ""
    create_invitation(actor=User.objects.get(username="sjz-admin"), organization=org("长安区"), role="filer",
                      email="x@example.cn", site_url="http://sciweek.local:9000")
    assert "http://sciweek.local:9000/accounts/invitation/" in mail.outbox[0].body


@pytest.fixture
def submitted_filing(demo):
    User.objects.filter(username="sjz-reviewer").update(email="reviewer@example.cn")
    with freeze_time("2020-07-20 10:00:00", tick=True):
        activity = complete_filing(demo)
        yield activity


def test_review_notification_email_links_to_the_filing(submitted_filing, settings):
    settings.SITE_URL = "https://kejizhou.example.cn"
    activity_services.submit(submitted_filing, actor=User.objects.get(username="unit-filer"))
    link = f"https://kejizhou.example.cn{reverse('activities:filing_detail', args=[submitted_filing.pk])}"
    waiting = [m for m in mail.outbox if "reviewer@example.cn" in m.to]
    assert waiting and link in waiting[0].body


def test_review_notification_from_a_click_links_to_the_clicking_site(submitted_filing, staff_client, settings):
    """The reviewer's click (a request on port 8123) sends the filer's e-mail with that port."""
    settings.SITE_URL = ""
    User.objects.filter(username="unit-filer").update(email="filer@example.cn")
    activity_services.submit(submitted_filing, actor=User.objects.get(username="unit-filer"))
    mail.outbox.clear()
    client = staff_client("sjz-reviewer")
    response = client.post(reverse("activities:filing_action", args=[submitted_filing.pk]),
                           {"action": "return", "comment": "请补充安全预案"}, HTTP_HOST="127.0.0.1:8123")
    assert response.status_code in (200, 302)
    assert Activity.objects.get(pk=submitted_filing.pk).status == Activity.Status.RETURNED
    to_filer = [m for m in mail.outbox if "filer@example.cn" in m.to]
    link = f"http://127.0.0.1:8123{reverse('activities:filing_detail', args=[submitted_filing.pk])}"
    assert to_filer and link in to_filer[0].body and ":8000" not in to_filer[0].body


def test_console_notification_links_to_the_filing(submitted_filing, staff_client):
    activity_services.submit(submitted_filing, actor=User.objects.get(username="unit-filer"))
    note = Notification.objects.filter(user__username="sjz-reviewer", activity=submitted_filing).first()
    assert notifications.filing_link(note) == reverse("activities:filing_detail", args=[submitted_filing.pk])
    page = staff_client("sjz-reviewer").get(reverse("activities:notifications")).content.decode()
    assert f'href="{reverse("activities:filing_detail", args=[submitted_filing.pk])}"' in page


def test_a_notification_without_a_filing_has_no_link(demo):
    note = Notification(user=User.objects.get(username="unit-filer"), activity=None, message="备案截止提醒")
    assert notifications.email_body(note, "https://kejizhou.example.cn") == "备案截止提醒"


def test_calendar_file_links_to_the_running_site(client, demo, settings):
    """The .ics file's link used the same :8000 default; it follows the request too."""
    settings.SITE_URL = ""
    activity = Activity.objects.filter(campaign=demo, status=Activity.Status.APPROVED).first()
    response = client.get(reverse("activities:activity_ics", args=[demo.year, activity.pk]),
                          HTTP_HOST="127.0.0.1:8123")
    assert response.status_code == 200
    body = response.content.decode().replace("\r\n ", "")
    assert f"URL:http://127.0.0.1:8123/{demo.year}/activities/{activity.pk}/" in body and ":8000" not in body
