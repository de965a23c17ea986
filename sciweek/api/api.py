"""The versioned JSON API for WeChat mini-programs and apps (django-ninja, OpenAPI at /api/openapi.json)."""
from datetime import date

from django.http import Http404
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError, ValidationError

from sciweek.campaigns.selectors import current_campaign

api = NinjaAPI(
    title="SciWeek API",
    version="1",
    description="科技活动周平台开放接口。Errors always have the shape {\"error\": {\"code\", \"message\", \"details\"}}.",
    urls_namespace="api",
)


class ErrorBody(Schema):
    code: str
    message: str
    details: list | dict | None = None


class Error(Schema):
    error: ErrorBody


@api.exception_handler(ValidationError)
def validation_error(request, exc):
    return api.create_response(
        request, {"error": {"code": "invalid", "message": "请求参数不正确。", "details": exc.errors}}, status=422
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"error": {"code": "not_found", "message": "未找到。", "details": None}},
                               status=404)


@api.exception_handler(HttpError)
def http_error(request, exc):
    return api.create_response(
        request, {"error": {"code": "error", "message": str(exc), "details": None}}, status=exc.status_code
    )


class CampaignOut(Schema):
    year: int
    name: str
    theme: str
    starts_on: date
    ends_on: date
    online_only: bool


@api.get("/v1/campaigns/current", response={200: CampaignOut, 404: Error}, tags=["campaigns"])
def campaign_current(request):
    """The campaign the platform currently shows."""
    campaign = current_campaign()
    if campaign is None:
        raise Http404
    return campaign
