"""Every `next` stays on this site (issue 9): after the two-factor code, at staff sign-in, at
the public phone sign-in, on the way back to an invitation and at the language switch. One
helper decides (core.http.safe_next); each entry point is tried with hostile values."""
import html
import re
from urllib.parse import urlencode

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django_otp.oath import totp
from freezegun import freeze_time

from sciweek.core.http import is_safe_next, safe_next
from sciweek.core.sms import LocmemSmsBackend
from sciweek.demo.demo_data import DEMO_PASSWORD
from sciweek.demo.loader import demo_totp_key

pytestmark = pytest.mark.django_db


HOSTILE = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "http://testserver@evil.example/",
    " //evil.example/",
    "/\t/evil.example",
    "ftp://testserver/",
]


def off_site(location: str) -> bool:
    return "evil.example" in location or location.startswith(("//", "\\", "javascript:", "ftp:", "http", " "))


@pytest.mark.parametrize("target", HOSTILE)
def test_the_helper_refuses_hostile_targets(target):
    request = RequestFactory().get("/", {"next": target})
    assert not is_safe_next(target, request)
    assert safe_next(request, "console:home") == reverse("console:home")


@pytest.mark.parametrize("target", ["/console/", "/2020/activities/?region=130100", "http://testserver/console/"])
def test_the_helper_keeps_local_targets(target):
    request = RequestFactory().get("/", {"next": target})
    assert safe_next(request, "portal:home") == target


def test_https_site_refuses_a_plain_http_target():
    request = RequestFactory().get("/", {"next": "http://testserver/console/"}, secure=True)
    assert safe_next(request, "/") == "/"


def post_login(client, username, **extra):
    return client.post(reverse("accounts:login") + extra.pop("query", ""),
                       {"username": username, "password": DEMO_PASSWORD, **extra})


def pass_totp(client, username, query=""):
    code = f"{totp(demo_totp_key(username)):06d}"
    return client.post(reverse("accounts:two_factor") + query, {"token": code})


@pytest.mark.parametrize("target", HOSTILE)
def test_two_factor_code_never_sends_off_site(client, demo, target):
    """The reported defect: /accounts/two-factor/?next=https://evil.example/ after the code."""
    with freeze_time("2026-03-01 09:00:00"):
        post_login(client, "hebei-admin")
        query = "?" + urlencode({"next": target})
        assert client.get(reverse("accounts:two_factor") + query).status_code == 200
        response = pass_totp(client, "hebei-admin", query)
        assert response.status_code == 302
        assert response["Location"] == reverse("console:home"), response["Location"]
        # Already verified: the same address must not bounce off-site either.
        again = client.get(reverse("accounts:two_factor"), {"next": target})
        assert again.status_code == 302 and again["Location"] == reverse("console:home")


def test_two_factor_returns_to_the_page_that_asked_for_it(client, demo):
    with freeze_time("2026-03-01 09:00:00"):
        post_login(client, "hebei-admin")
        asked = client.get(reverse("accounts:audit_log"))
        assert asked.status_code == 302
        assert asked["Location"] == reverse("accounts:two_factor") + "?next=%2Fconsole%2Faudit%2F"
        response = pass_totp(client, "hebei-admin", "?next=%2Fconsole%2Faudit%2F")
        assert response.status_code == 302 and response["Location"] == reverse("accounts:audit_log")
        assert client.get(reverse("accounts:audit_log")).status_code == 200


@pytest.mark.parametrize("target", HOSTILE)
def test_staff_sign_in_never_sends_off_site(client, demo, target):
    response = post_login(client, "sjz-filer", next=target)
    assert response.status_code == 302 and response["Location"] == reverse("console:home")
    # The hidden field of the sign-in form does not carry it on either.
    client.logout()
    page = client.get(reverse("accounts:login"), {"next": target}).content.decode()
    assert '<input type="hidden" name="next" value="">' in page


def test_staff_sign_in_keeps_a_local_next(client, demo):
    response = post_login(client, "sjz-filer", next="/console/filings/")
    assert response.status_code == 302 and response["Location"] == "/console/filings/"


@pytest.mark.parametrize("target", HOSTILE)
def test_public_phone_sign_in_never_sends_off_site(client, demo, target):
    LocmemSmsBackend.outbox.clear()
    phone = "13700009876"
    first = client.post(reverse("participants:sign_in") + "?next=" + target.replace(" ", "%20"), {"phone": phone})
    code_form = first.content.decode().split('class="stack"', 1)[1]  # not the header's display switch
    carried = re.search(r'name="next" value="([^"]*)"', code_form).group(1)  # the code form's
    assert not off_site(html.unescape(carried)), carried
    code = LocmemSmsBackend.outbox[-1][1].split("验证码是 ")[1][:6]
    response = client.post(reverse("participants:sign_in"),
                           {"phone": phone, "code": code, "consent": "on", "next": target})
    assert response.status_code == 302 and not off_site(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", HOSTILE)
def test_sign_in_from_an_invitation_never_sends_off_site(client, demo, org, target):
    """The invitation page sends an existing user to sign in and come back; a forged `next`
    on that way must not leave the site."""
    from sciweek.accounts.models import User
    from sciweek.accounts.services import create_invitation

    _invitation, token = create_invitation(actor=User.objects.get(username="sjz-admin"),
                                           organization=org("长安区"), role="reviewer")
    back = reverse("accounts:accept_invitation", args=[token])
    page = client.get(back).content.decode()
    assert f"?next={back}" in page.replace("%2F", "/")
    assert post_login(client, "unit-liaison", next=back)["Location"] == back
    client.logout()
    assert post_login(client, "unit-liaison", next=target)["Location"] == reverse("console:home")


@pytest.mark.parametrize("target", HOSTILE)
def test_language_switch_never_sends_off_site(client, demo, target):
    response = client.post(reverse("set_language"), {"language": "en", "next": target})
    assert response.status_code in (200, 204, 302)
    if response.status_code == 302:
        assert not off_site(response["Location"]), response["Location"]
    kept = client.post(reverse("set_language"), {"language": "en", "next": "/2020/activities/"})
    assert kept.status_code == 302 and kept["Location"] == "/2020/activities/"
