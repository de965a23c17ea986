"""The database goes away (issue 11): pages answer with the site's own 503 page in the
reader's language, with Retry-After; never Django's bare English "Server Error (500)", even
when the failure is outside a view or an error page itself would need the database."""
import sqlite3

import psycopg
import pytest
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection
from django.template import loader
from django.test import Client
from django.utils import translation

from sciweek.conftest import sign_in
from sciweek.core import errors

from .db_faults import database_down, with_errors_middleware


@pytest.fixture
def errors_middleware(settings):
    settings.MIDDLEWARE = with_errors_middleware(settings.MIDDLEWARE)


def assert_503_page(response, lang):
    assert response.status_code == 503
    assert response["Retry-After"] == str(errors.RETRY_AFTER)
    assert response["Content-Type"].startswith("text/html")
    assert "no-store" in response["Cache-Control"]
    assert "Content-Security-Policy" in response  # the site's headers still apply
    page = response.content.decode()
    assert "Server Error" not in page and "Traceback" not in page
    assert 'href="/"' in page
    if lang == "en":
        assert '<html lang="en"' in page and "Error code" in page and "Back to home page" in page
        assert "返回首页" not in page
    else:
        assert '<html lang="zh-CN"' in page and "服务暂时不可用" in page and "返回首页" in page and "503" in page
    return page


def get(client, url, lang, how="cookie"):
    if lang == "en" and how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    extra = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"} if lang == "en" and how == "accept-language" else {}
    return client.get(url, **extra)


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "how"), [("zh-hans", None), ("en", "cookie"), ("en", "accept-language")])
def test_a_page_whose_view_loses_the_database_is_our_503(demo, errors_middleware, lang, how, caplog):
    client = Client()  # raises if anything slipped past as an exception
    with database_down():
        response = get(client, "/", lang, how)
    assert_503_page(response, lang)
    assert any("Database unavailable" in r.getMessage() and r.exc_info is None for r in caplog.records)


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_failure_outside_the_view_is_our_503_too(demo, lang):
    """A signed-in visitor: the session is read in a middleware, before any view. The
    handler500 path (no DatabaseUnavailableMiddleware needed) answers."""
    client = Client(raise_request_exception=False)
    sign_in(client, "sjz-filer")
    with database_down():
        response = get(client, "/console/", lang)
    assert_503_page(response, lang)


@pytest.mark.django_db
def test_sqlite_locked_is_a_503(demo, errors_middleware):
    client = Client()
    with database_down("database is locked" if connection.vendor == "sqlite" else None):
        assert_503_page(client.get("/"), "zh-hans")


@pytest.mark.django_db
def test_the_404_page_renders_while_the_database_is_down(client, demo):
    """The base template's context processor asks for the current campaign: it must not turn
    a 404 into a failure of its own."""
    with database_down():
        response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and "查找活动" not in page  # no campaign, so no catalog link


@pytest.mark.django_db
@pytest.mark.parametrize("lang,heading", [("zh-hans", "服务器出错了"), ("en", "Something went wrong on the server")])
def test_a_bug_outside_a_view_is_our_500_page(demo, settings, lang, heading):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "sciweek.core.tests.test_error_pages_db_down.BrokenMiddleware"]
    response = get(Client(raise_request_exception=False), "/", lang)
    assert response.status_code == 500 and "Retry-After" not in response
    page = response.content.decode()
    assert heading in page and "Server Error (500)" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("lang,heading", [("zh-hans", "服务器出错了"), ("en", "Something went wrong on the server")])
def test_even_a_broken_error_template_is_not_djangos_fallback(demo, settings, monkeypatch, lang, heading):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "sciweek.core.tests.test_error_pages_db_down.BrokenMiddleware"]
    real = loader.get_template

    def broken(name, *args, **kwargs):
        if name in ("500.html", "503.html"):
            raise RuntimeError("template storage gone")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(loader, "get_template", broken)
    response = get(Client(raise_request_exception=False), "/", lang)
    assert response.status_code == 500
    page = response.content.decode()
    assert heading in page and "Server Error (500)" not in page and 'href="/"' in page


class BrokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise RuntimeError("a bug in a middleware")


def test_the_503_page_renders_without_database_or_request():
    """No db mark: any query would fail the test."""
    for lang, heading in (("zh-hans", "服务暂时不可用"), ("en", "Error code")):
        with translation.override(lang):
            page = loader.get_template("503.html").render()
        assert heading in page and 'href="/"' in page and "{%" not in page


def django_error(cls, cause):
    """A Django database error as Django raises it: the driver's error is its cause."""
    try:
        try:
            raise cause
        except Exception as driver:
            raise cls(str(driver)) from driver
    except cls as error:
        return error


@pytest.mark.parametrize(("error", "unavailable"), [
    (django_error(OperationalError, sqlite3.OperationalError("database is locked")), True),
    (django_error(OperationalError, sqlite3.OperationalError("unable to open database file")), True),
    (django_error(OperationalError, sqlite3.OperationalError("disk I/O error")), True),
    (django_error(OperationalError, sqlite3.OperationalError("no such table: campaigns_campaign")), False),
    (django_error(OperationalError, psycopg.OperationalError("server closed the connection unexpectedly")), True),
    (django_error(OperationalError, psycopg.errors.AdminShutdown("terminating connection due to administrator "
                                                                 "command")), True),
    (django_error(InterfaceError, psycopg.InterfaceError("connection already closed")), True),
    (django_error(IntegrityError, psycopg.errors.UniqueViolation("duplicate key")), False),
    (RuntimeError("a bug"), False),
    (None, False),
])
def test_what_counts_as_the_database_being_unavailable(error, unavailable):
    assert errors.is_database_unavailable(error) is unavailable
