"""Bearer tokens: issued once by a command, stored hashed, checked on every request."""
import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sciweek.accounts.models import User
from sciweek.activities.models import Activity
from sciweek.api.models import ApiToken, hash_key

from .conftest import assert_error, bearer

pytestmark = pytest.mark.django_db


def create_token(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_command_prints_the_token_once_and_stores_only_its_hash(demo):
    key, message = create_token("sjz-filer", "--name", "小程序测试")
    assert key.startswith("sw_") and len(key) > 40
    token = ApiToken.objects.get()
    assert token.key_hash == hash_key(key) and key not in token.key_hash
    assert token.prefix == key[:11] and token.prefix in message
    assert key not in message  # stderr explains, stdout alone carries the key
    assert "只显示这一次" in message
    assert token.name == "小程序测试" and token.user.username == "sjz-filer"
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)
    assert not ApiToken.objects.filter(key_hash=key).exists()


def test_command_options_and_errors(demo):
    create_token("sjz-filer", "--days", "0")
    assert ApiToken.objects.get().expires_at is None
    with pytest.raises(CommandError):
        create_token("nobody-here")
    User.objects.filter(username="sjz-reviewer").update(is_active=False)
    with pytest.raises(CommandError):
        create_token("sjz-reviewer")


def test_me_with_a_valid_token(client, demo):
    key, _ = create_token("sjz-filer")
    response = client.get("/api/v1/me", **bearer(key))
    assert response.status_code == 200
    data = response.json()
    user = User.objects.get(username="sjz-filer")
    assert (data["username"], data["display_name"]) == ("sjz-filer", user.display_name)
    assert data["token"]["prefix"] == key[:11]
    assert ApiToken.objects.get().last_used_at is not None


def test_last_used_is_written_at_most_every_few_minutes(client, issue_token, django_assert_num_queries):
    token, key = issue_token()
    client.get("/api/v1/me", **bearer(key))
    with django_assert_num_queries(1):  # the lookup only, no write
        assert client.get("/api/v1/me", **bearer(key)).status_code == 200


def test_missing_token(client, demo):
    response = client.get("/api/v1/me")
    assert_error(response, 401, "unauthorized")
    assert response["WWW-Authenticate"] == 'Bearer realm="sciweek"'


@pytest.mark.parametrize("header", [
    "Bearer sw_wrong-token",
    "Bearer ",
    "Token sw_something",
    "Basic c2p6LWZpbGVyOnNlY3JldA==",
    "Bearer " + "x" * 500,
])
def test_wrong_tokens(client, demo, header):
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
    error = assert_error(response, 401, "unauthorized")
    assert "invalid_token" in response["WWW-Authenticate"]
    assert error["message"] == "访问令牌无效、已过期或已撤销。"


def test_revoked_token(client, issue_token):
    token, key = issue_token()
    assert client.get("/api/v1/me", **bearer(key)).status_code == 200
    token.revoke()
    assert_error(client.get("/api/v1/me", **bearer(key)), 401, "unauthorized")


def test_expired_token(client, issue_token):
    token, key = issue_token(days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(client.get("/api/v1/me", **bearer(key)), 401, "unauthorized")


def test_token_of_a_deactivated_user(client, issue_token):
    token, key = issue_token()
    User.objects.filter(pk=token.user_id).update(is_active=False)
    assert_error(client.get("/api/v1/me", **bearer(key)), 401, "unauthorized")


def test_public_reads_refuse_a_bad_token_instead_of_ignoring_it(client, demo):
    assert client.get("/api/v1/campaigns").status_code == 200
    assert_error(client.get("/api/v1/campaigns", **bearer("sw_expired-or-wrong")), 401, "unauthorized")


def test_a_token_does_not_widen_what_is_visible(client, issue_token, demo):
    """The filer's own draft stays invisible through the API, token or not."""
    _, key = issue_token("sjz-filer")
    draft = Activity.objects.filter(campaign=demo, status="draft").first()
    assert_error(client.get(f"/api/v1/activities/{draft.pk}", **bearer(key)), 404, "not_found")
    url = "/api/v1/campaigns/2020/activities?division=130100&page_size=50"
    assert client.get(url, **bearer(key)).json() == client.get(url).json()


def test_admin_revokes_tokens_and_cannot_mint_them(client, issue_token, rf):
    from django.contrib import admin

    token, key = issue_token()
    model_admin = admin.site._registry[ApiToken]
    assert model_admin.has_add_permission(rf.get("/")) is False  # keys are shown once, by the command
    model_admin.revoke(rf.get("/"), ApiToken.objects.filter(pk=token.pk))
    assert ApiToken.objects.get(pk=token.pk).is_revoked
    assert_error(client.get("/api/v1/me", **bearer(key)), 401, "unauthorized")
