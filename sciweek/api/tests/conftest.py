import json

import pytest
from django.core.cache import cache

from sciweek.accounts.models import User
from sciweek.api.models import ApiToken

# What the demo puts in every filing's private fields (see sciweek.demo.loader).
DEMO_PHONE = "13800000000"
PRIVATE_KEYS = {
    "contact_name", "contact_phone", "contact_email", "lead_name", "budget", "safety_max_attendance",
    "safety_measures", "safety_responsible", "review_level", "final_level", "revises", "is_late", "submitted_at",
    "waiting_since", "approved_at", "version", "created_by", "expected_participants", "actual_participants",
    "publicity_plan", "supervising_department", "masked_phone", "transitions", "attachments", "organization_id",
}


@pytest.fixture(autouse=True)
def _fresh_rate_limit_counters():
    """Rate-limit counters live in the cache; without this, requests of earlier tests in the
    same minute would count against later ones."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def issue_token(demo):
    def issue(username="sjz-filer", **kwargs) -> tuple[ApiToken, str]:
        return ApiToken.issue(User.objects.get(username=username), **kwargs)

    return issue


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def walk_keys(value):
    """Every key at any depth of a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from walk_keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_keys(item)


def assert_public_only(response):
    text = response.content.decode()
    assert DEMO_PHONE not in text
    assert "演示联系人" not in text and "演示负责人" not in text
    leaked = PRIVATE_KEYS & set(walk_keys(json.loads(text)))
    assert not leaked, leaked
