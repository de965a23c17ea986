"""Request size limits and security headers on representative pages (RELIABILITY B1, B12)."""
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_oversized_body_is_refused_before_reading(client, demo, settings):
    settings.MAX_REQUEST_BYTES = 1024
    response = client.generic("POST", "/console/filings/new/", b"x" * 2048, content_type="application/octet-stream")
    assert response.status_code == 413 and "太大" in response.content.decode()
    api = client.generic("POST", "/api/v1/auth/code", b"x" * 2048, content_type="application/json")
    assert api.status_code == 413 and api.json()["error"]["code"] == "too_large"


@pytest.mark.parametrize("path", ["/", "/2020/activities/", "/accounts/login/", "/signin/", "/2020/map/"])
def test_security_headers(client, demo, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp.split(
        "script-src")[1].split(";")[0]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_session_cookie_flags(client, demo):
    from sciweek.demo.demo_data import DEMO_PASSWORD

    response = client.post(reverse("accounts:login"), {"username": "sjz-filer", "password": DEMO_PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
