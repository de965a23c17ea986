"""Whatever fails underneath, /api/ answers in its one JSON shape, localized (issue 11):
the database gone is a 503 with Retry-After, any other failure a 500, an unknown path a 404
with every method; never Django's HTML."""
import pytest
from django.conf import settings
from django.test import Client

from sciweek.core import errors
from sciweek.core.tests.db_faults import database_down, with_errors_middleware
from sciweek.reservations.tests.helpers import person

from .conftest import assert_error, bearer

pytestmark = pytest.mark.django_db

BUSY = {"zh-hans": "系统繁忙，请稍后重试。", "en": "The system is busy. Please try again later."}
SERVER_ERROR = {"zh-hans": "服务器内部错误，请稍后再试。", "en": "Internal server error. Please try again later."}
NOT_FOUND = {"zh-hans": "接口不存在，请查看 /api/docs。", "en": "No such endpoint. See /api/docs."}


def language(client, lang, how):
    """Extra request headers (and the cookie) for a request in `lang`."""
    if lang == "en" and how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return {"HTTP_ACCEPT_LANGUAGE": "en"} if lang == "en" and how == "accept-language" else {}


def assert_unavailable(response, lang):
    error = assert_error(response, 503, "unavailable")
    assert error["message"] == BUSY[lang]
    assert error["details"] == {"retry_after": errors.RETRY_AFTER}
    assert response["Retry-After"] == str(errors.RETRY_AFTER)
    assert response["Cache-Control"] == "no-store"


LANGUAGES = [("zh-hans", None), ("en", "cookie"), ("en", "accept-language")]


@pytest.mark.parametrize(("lang", "how"), LANGUAGES)
@pytest.mark.parametrize("url", ["/api/v1/campaigns", "/api/v1/campaigns/2020/activities",
                                 "/api/v1/activities/1"])
def test_public_reads_without_a_database_are_a_503(demo, url, lang, how, caplog):
    client = Client()  # no exception may escape
    extra = language(client, lang, how)
    with database_down():
        response = client.get(url, **extra)
    assert_unavailable(response, lang)
    assert not any(r.exc_info for r in caplog.records)  # one warning line, not a traceback per request


@pytest.mark.parametrize(("lang", "how"), LANGUAGES)
def test_a_token_lookup_without_a_database_is_a_503(demo, lang, how):
    """The bearer token is looked up before the view: that failure is a 503 too, not a 401."""
    from sciweek.api.models import ApiToken

    _token, key = ApiToken.issue(person(7001), name="test")
    client = Client()
    extra = language(client, lang, how)
    with database_down():
        response = client.post("/api/v1/sessions/1/reservations", {}, content_type="application/json",
                               **bearer(key), **extra)
    assert_unavailable(response, lang)


@pytest.mark.parametrize(("lang", "how"), LANGUAGES)
def test_sqlite_locked_or_postgres_gone_outside_the_api_view_is_a_503(demo, settings, lang, how):
    """A middleware that needs the database (here: one that reads the session) fails before
    ninja: handler500 still answers in the API's shape."""
    settings.MIDDLEWARE = [*with_errors_middleware(settings.MIDDLEWARE),
                           "sciweek.api.tests.test_unavailable.SessionReadingMiddleware"]
    client = Client(raise_request_exception=False)
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    extra = language(client, lang, how)
    with database_down("database is locked"):
        response = client.get("/api/v1/campaigns", **extra)
    assert_unavailable(response, lang)


@pytest.mark.parametrize(("lang", "how"), LANGUAGES)
def test_any_other_failure_outside_the_api_view_is_a_json_500(demo, settings, lang, how):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "sciweek.api.tests.test_unavailable.BrokenMiddleware"]
    client = Client(raise_request_exception=False)
    extra = language(client, lang, how)
    response = client.get("/api/v1/campaigns", **extra)
    error = assert_error(response, 500, "server_error")
    assert error["message"] == SERVER_ERROR[lang] and "Retry-After" not in response
    assert "Server Error" not in response.content.decode()


def test_a_query_bug_in_a_view_stays_a_500(demo, monkeypatch):
    """Only a lost connection is a 503: a broken query is a bug, reported as one."""
    from django.db import ProgrammingError

    from sciweek.campaigns import selectors

    def broken():
        raise ProgrammingError("column does not exist")

    monkeypatch.setattr(selectors, "current_campaign", broken)
    assert_error(Client().get("/api/v1/campaigns/current"), 500, "server_error")


class SessionReadingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.session.get("anything")
        return self.get_response(request)


class BrokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise RuntimeError("a bug in a middleware")


METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("url", ["/api/v1/nothing-here", "/api/v2/campaigns", "/api/", "/api/v1/campaigns/2020/x",
                                 "/api/v1/me/reservations/ABC/nothing"])
@pytest.mark.parametrize(("lang", "how"), [("zh-hans", None), ("en", "accept-language")])
def test_unknown_paths_are_a_json_404_with_every_method(demo, method, url, lang, how):
    """CSRF checks on too (as for a browser's POST): the API's catch-all answers, not
    Django's HTML CSRF page."""
    client = Client(enforce_csrf_checks=True)
    extra = language(client, lang, how)
    response = client.generic(method, url, b'{"a": 1}', content_type="application/json", **extra)
    if method == "HEAD":
        assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
        return
    error = assert_error(response, 404, "not_found")
    assert error["message"] == NOT_FOUND[lang]


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS"])
def test_known_paths_with_a_wrong_method_are_a_json_405(demo, method):
    client = Client(enforce_csrf_checks=True)
    response = client.generic(method, "/api/v1/auth/code", b"{}", content_type="application/json")
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "POST"


def test_a_post_to_a_known_path_is_not_stopped_by_csrf(demo):
    response = Client(enforce_csrf_checks=True).post("/api/v1/auth/code", {"phone": "1"},
                                                    content_type="application/json")
    assert_error(response, 422, "invalid")
