"""The one error shape of the API: ``{"error": {"code", "message", "details"}}``.

Every error the API answers with (bad parameters, not found, auth, rate limit, wrong method,
even an unexpected failure) goes through `error_response`, so clients parse one shape."""
from typing import Literal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from sciweek.core.errors import json_error

ErrorCode = Literal[
    "invalid", "not_found", "unauthorized", "forbidden", "rate_limited", "method_not_allowed", "bad_request",
    "too_large", "server_error", "unavailable",
    # reservations
    "already_reserved", "not_bookable", "full", "refused", "busy",
    # quiz
    "quiz_not_open", "attempt_limit", "registration_required", "attempt_closed", "too_late", "already_answered",
    "quiz_misconfigured",
]


class ErrorBody(Schema):
    code: ErrorCode = Field(
        description="机器可读的错误代码 / machine-readable code: invalid (422 参数不正确), not_found (404), "
                    "unauthorized (401 令牌缺失或无效), rate_limited (429 请求过于频繁), "
                    "method_not_allowed (405), bad_request (400 请求体不是有效的 JSON 等 / malformed body), "
                    "too_large (413 请求体过大), server_error (500), unavailable (503 数据库暂时不可用，按 "
                    "Retry-After 重试 / database unavailable, retry after Retry-After seconds); 预约 / reservations: "
                    "already_reserved (409 已预约), not_bookable (409 不可预约), refused (409), "
                    "forbidden (403 非公众账号), busy (503 繁忙请重试); 答题 / quiz: quiz_not_open (409 未开始或已结束), "
                    "attempt_limit (409 计分次数已用完), registration_required (409 需先登记地区/学校), "
                    "attempt_closed (409 已交卷), too_late (409 超时已自动交卷), already_answered (409 已作答), "
                    "quiz_misconfigured (409 题库不足)"
    )
    message: str = Field(description="给用户看的说明（中文，按 Accept-Language 翻译）/ human-readable message")
    details: list | dict | None = Field(
        None,
        description="补充信息：参数错误时为出错字段列表（loc, msg, type）；限流时为 limit、window、retry_after / "
                    "extra data: the invalid fields for 422, the limit for 429",
    )


class Error(Schema):
    error: ErrorBody


class ApiError(Exception):
    """Raise from an endpoint to answer with a documented error."""

    def __init__(self, status: int, code: str, message: str, details=None, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


def not_found(message: str | None = None) -> ApiError:
    return ApiError(404, "not_found", message or _("未找到。"))


def error_response(status: int, code: str, message: str, details=None, headers: dict | None = None) -> HttpResponse:
    # The shape lives in core, which also answers for /api/ when a failure happens outside
    # the API (a middleware, the database gone).
    return json_error(status, code, message, details, headers)


def unauthorized(message: str | None = None, *, invalid_token: bool = False) -> HttpResponse:
    # RFC 6750: tell the client which scheme to use, and whether the token it sent was bad.
    challenge = 'Bearer realm="sciweek"' + (', error="invalid_token"' if invalid_token else "")
    return error_response(401, "unauthorized", message or _("需要有效的访问令牌。"),
                          headers={"WWW-Authenticate": challenge})


# Error responses to declare on operations, so they appear in the OpenAPI schema.
COMMON_ERRORS = {401: Error, 429: Error}
NOT_FOUND = {404: Error}
INVALID = {422: Error}
