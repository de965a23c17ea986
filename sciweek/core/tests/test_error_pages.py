"""The error pages are the site's own (issue 9): 404, 403, 405 and 500 in the user's language
(zh-hans first, English by cookie or Accept-Language), with a way back; the API keeps its JSON
errors; 500 renders without the database; a 403 is one log line, not a traceback."""
import logging

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.template import loader
from django.test import Client
from django.urls import path, reverse
from django.utils import translation

import sciweek.urls


def boom(request):
    raise RuntimeError("a bug")


def forbidden(request):
    raise PermissionDenied


# This module doubles as a URLconf for the 500 and plain-403 tests (@pytest.mark.urls).
urlpatterns = [path("test-boom/", boom), path("test-forbidden/", forbidden), *sciweek.urls.urlpatterns]



def get(client, url, lang="zh-hans", how="cookie"):
    if lang == "en" and how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client.get(url)
    if lang == "en":
        return client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    return client.get(url)


@pytest.mark.django_db
def test_404_is_the_sites_page_in_chinese(client, demo):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert '<html lang="zh-CN"' in page and "页面不存在" in page and "Not Found" not in page
    assert f'href="{reverse("portal:home")}">返回首页' in page
    assert "返回工作台" not in page  # a visitor has no console


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["cookie", "accept-language"])
def test_404_in_english(client, demo, how):
    response = get(client, "/no-such-page/", "en", how)
    assert response.status_code == 404
    page = response.content.decode()
    assert '<html lang="en"' in page and "Page not found" in page and "Back to home page" in page
    assert "页面不存在" not in page and "返回首页" not in page


@pytest.mark.django_db
def test_404_for_staff_offers_the_console(staff_client):
    client = staff_client("sjz-filer")
    response = client.get("/console/filings/99999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and f'href="{reverse("console:home")}">返回工作台' in page


@pytest.mark.django_db
@pytest.mark.parametrize("lang,texts", [("zh-hans", ["没有权限", "返回工作台", "返回首页"]),
                                        ("en", ["Not allowed", "Back to the console", "Back to home page"])])
def test_403_is_the_sites_page(staff_client, lang, texts):
    client = staff_client("sjz-filer")
    response = get(client, reverse("accounts:audit_log"), lang)
    assert response.status_code == 403
    page = response.content.decode()
    for text in texts:
        assert text in page, text
    assert "403 Forbidden" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("lang,texts", [("zh-hans", ["无法这样打开此页面", "返回首页"]),
                                        ("en", ["This page cannot be opened this way", "Back to home page"])])
def test_405_is_the_sites_page(client, demo, lang, texts):
    response = get(client, reverse("accounts:logout"), lang)  # sign-out takes a POST only
    assert response.status_code == 405
    assert "POST" in response["Allow"]
    page = response.content.decode()
    for text in texts:
        assert text in page, text


@pytest.mark.django_db
def test_405_from_require_http_methods_keeps_its_allow_header(staff_client, org):
    client = staff_client("sjz-admin")
    response = client.get(reverse("accounts:invitation_create", args=[org("石家庄市").pk]))
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "无法这样打开此页面" in response.content.decode() and "返回工作台" in response.content.decode()


@pytest.mark.django_db
def test_the_api_keeps_its_json_errors(client, demo):
    wrong_method = client.post("/api/v1/campaigns", {})
    assert wrong_method.status_code == 405 and wrong_method.json()["error"]["code"] == "method_not_allowed"
    missing = client.get("/api/v1/no-such-endpoint")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize("lang,texts", [("zh-hans", ["服务器出错了", "返回首页"]),
                                        ("en", ["Something went wrong on the server", "Back to home page"])])
def test_500_is_the_sites_page(demo, lang, texts):
    client = Client(raise_request_exception=False)
    response = get(client, "/test-boom/", lang)
    assert response.status_code == 500
    page = response.content.decode()
    for text in texts:
        assert text in page, text
    assert 'href="/"' in page and 'href="/console/"' in page


def test_500_renders_without_database_or_request():
    """No db mark: any query would fail the test. No request: no context processors."""
    for lang, heading in (("zh-hans", "服务器出错了"), ("en", "Something went wrong on the server")):
        with translation.override(lang):
            page = loader.get_template("500.html").render()
        assert heading in page and 'href="/"' in page and "{%" not in page


def test_csrf_failure_page_is_the_sites_own():
    with translation.override("en"):
        page = loader.get_template("403_csrf.html").render({"reason": "CSRF cookie not set."})
    assert "This page has expired" in page and 'href="/"' in page


@pytest.mark.django_db
def test_csrf_failure_is_the_sites_page(demo):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403 and "页面已过期" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_403_is_one_log_line_without_a_traceback(staff_client, caplog):
    client = staff_client("sjz-filer")
    with caplog.at_level(logging.WARNING):
        assert client.get("/test-forbidden/").status_code == 403
        assert client.get(reverse("accounts:audit_log")).status_code == 403
    forbidden_records = [r for r in caplog.records if "Forbidden" in r.getMessage()]
    assert len(forbidden_records) == 2
    assert all(r.exc_info is None for r in forbidden_records)
    assert "Traceback" not in caplog.text


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_500_keeps_its_traceback(demo, caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR):
        client.get("/test-boom/")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and errors[0].exc_info is not None


@pytest.mark.django_db
def test_413_is_in_the_requests_language(client, demo, settings):
    settings.MAX_REQUEST_BYTES = 1024
    response = client.generic("POST", "/console/filings/new/", b"x" * 2048, content_type="application/octet-stream",
                              HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    page = response.content.decode()
    assert '<html lang="en"' in page and "Back to home page" in page and "返回首页" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("lang,heading", [("zh-hans", "请求无法处理"), ("en", "The request could not be handled")])
def test_400_is_the_sites_page(client, demo, lang, heading):
    extra = {"HTTP_ACCEPT_LANGUAGE": "en"} if lang == "en" else {}
    response = client.get("/", HTTP_HOST="evil.example", **extra)  # not an allowed host
    assert response.status_code == 400
    page = response.content.decode()
    assert heading in page and 'href="/"' in page
