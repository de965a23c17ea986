"""Reservation endpoints of the API (the reservations app's router, mounted on v1)."""
import pytest

from sciweek.api.models import ApiToken
from sciweek.core.sms import LocmemSmsBackend
from sciweek.reservations import services
from sciweek.reservations.models import Reservation
from sciweek.reservations.tests.helpers import open_session, person

pytestmark = pytest.mark.django_db


def bearer(user):
    _token, key = ApiToken.issue(user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_phone_sign_in_gives_a_token(client, demo):
    LocmemSmsBackend.outbox.clear()
    assert client.post("/api/v1/auth/code", {"phone": "13600001111"}, content_type="application/json").json() == {
        "sent": True}
    again = client.post("/api/v1/auth/code", {"phone": "13600001111"}, content_type="application/json")
    assert again.status_code == 429 and again.json()["error"]["code"] == "rate_limited"
    code = LocmemSmsBackend.outbox[-1][1].split("验证码是 ")[1][:6]
    no_consent = client.post("/api/v1/auth/token", {"phone": "13600001111", "code": code},
                             content_type="application/json")
    assert no_consent.status_code == 422 and "隐私政策" in no_consent.json()["error"]["message"]
    response = client.post("/api/v1/auth/token", {"phone": "13600001111", "code": code, "consent": True},
                           content_type="application/json")
    token = response.json()["token"]
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 200


def test_reserve_with_idempotency_key(client, demo):
    session = open_session(capacity=1)
    someone = person(501)
    headers = {**bearer(someone), "HTTP_IDEMPOTENCY_KEY": "retry-1"}
    first = client.post(f"/api/v1/sessions/{session.pk}/reservations", {"seats": 1}, content_type="application/json",
                        **headers)
    assert first.status_code == 201 and first.json()["status"] == "confirmed" and first.json()["ticket"]
    retry = client.post(f"/api/v1/sessions/{session.pk}/reservations", {"seats": 1}, content_type="application/json",
                        **headers)
    assert retry.status_code == 201 and retry.json()["code"] == first.json()["code"]
    other = client.post(f"/api/v1/sessions/{session.pk}/reservations", {}, content_type="application/json",
                        **bearer(person(502)))
    assert other.json()["status"] == "waiting" and other.json()["waiting_position"] == 1 and other.json()["ticket"] is None


def test_refusals_in_the_error_shape(client, demo):
    session = open_session(capacity=5)
    someone = person(511)
    auth = bearer(someone)
    client.post(f"/api/v1/sessions/{session.pk}/reservations", {}, content_type="application/json", **auth)
    twice = client.post(f"/api/v1/sessions/{session.pk}/reservations", {}, content_type="application/json", **auth)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_reserved"
    anonymous = client.post(f"/api/v1/sessions/{session.pk}/reservations", {}, content_type="application/json")
    assert anonymous.status_code == 401
    from sciweek.accounts.models import User

    staff = client.post(f"/api/v1/sessions/{session.pk}/reservations", {}, content_type="application/json",
                        **bearer(User.objects.get(username="unit-filer")))
    assert staff.status_code == 403
    missing = client.post("/api/v1/sessions/999999/reservations", {}, content_type="application/json", **auth)
    assert missing.status_code == 404
    bad = client.post(f"/api/v1/sessions/{session.pk}/reservations", {"seats": 0}, content_type="application/json",
                      **bearer(person(512)))
    assert bad.status_code == 422


def test_list_ticket_and_cancel(client, demo):
    session = open_session(capacity=5)
    someone = person(521)
    reservation = services.reserve(session, someone)
    auth = bearer(someone)
    listed = client.get("/api/v1/me/reservations", **auth).json()
    assert [r["code"] for r in listed] == [reservation.code]
    ticket = client.get(f"/api/v1/me/reservations/{reservation.code}", **auth).json()
    assert services.find_by_scan(ticket["ticket"]).pk == reservation.pk
    cancelled = client.post(f"/api/v1/me/reservations/{reservation.code}/cancel", **auth)
    assert cancelled.json()["status"] == "cancelled"
    assert Reservation.objects.get(pk=reservation.pk).status == "cancelled"


def test_other_peoples_tickets_are_not_found(client, demo):
    session = open_session(capacity=5)
    reservation = services.reserve(session, person(531))
    intruder = bearer(person(532))
    assert client.get(f"/api/v1/me/reservations/{reservation.code}", **intruder).status_code == 404
    assert client.post(f"/api/v1/me/reservations/{reservation.code}/cancel", **intruder).status_code == 404
    assert Reservation.objects.get(pk=reservation.pk).status == "confirmed"
