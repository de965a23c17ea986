"""The person's own pages: phone sign-in (the page and the API use the same services),
sign-out, my data."""
import pytest
from django.urls import reverse

from sciweek.core.sms import LocmemSmsBackend
from sciweek.participants.models import Profile

pytestmark = pytest.mark.django_db


def test_phone_sign_in_flow(client, demo):
    LocmemSmsBackend.outbox.clear()
    page = client.post(reverse("participants:sign_in"), {"phone": "13700001234"}).content.decode()
    assert "137****1234" in page
    code = LocmemSmsBackend.outbox[-1][1].split("验证码是 ")[1][:6]
    refused = client.post(reverse("participants:sign_in"), {"phone": "13700001234", "code": code})
    assert "同意隐私政策" in refused.content.decode()
    response = client.post(reverse("participants:sign_in"),
                           {"phone": "13700001234", "code": code, "consent": "on", "next": "/my/reservations/"})
    assert response.status_code == 302 and response["Location"] == "/my/reservations/"
    assert client.get(reverse("reservations:mine")).status_code == 200
    bad = client.post(reverse("participants:sign_in"), {"phone": "abc"}).content.decode()
    assert "11 位手机号码" in bad
    assert reverse("participants:sign_in") == "/signin/" and reverse("participants:my_data") == "/my/data/"


def test_sign_in_without_next_lands_on_the_persons_first_page(client, demo):
    LocmemSmsBackend.outbox.clear()
    client.post(reverse("participants:sign_in"), {"phone": "13700001235"})
    code = LocmemSmsBackend.outbox[-1][1].split("验证码是 ")[1][:6]
    response = client.post(reverse("participants:sign_in"), {"phone": "13700001235", "code": code, "consent": "on"})
    assert response["Location"] == reverse("reservations:mine")  # registered by reservations
    assert client.post(reverse("participants:sign_out"))["Location"] == reverse("portal:home")
    assert client.get(reverse("participants:my_data"))["Location"].startswith("/signin/?next=/my/data/")


def test_my_data_export_and_delete(client, demo):
    from sciweek.reservations.tests.helpers import person

    someone = person(341)
    client.force_login(someone, backend="django.contrib.auth.backends.ModelBackend")
    assert "139****0341" in client.get(reverse("participants:my_data")).content.decode()
    data = client.get(reverse("participants:my_data"), {"format": "json"}).json()
    assert data["phone"] == "13900000341" and data["reservations"] == []
    client.post(reverse("participants:my_data"), {"action": "delete", "confirm": "1"})
    someone.refresh_from_db()
    assert not someone.is_active and not Profile.objects.filter(user=someone).exists()
