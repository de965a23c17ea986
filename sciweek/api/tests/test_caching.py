"""ETag (weak, hash of the body), Cache-Control, 304 on If-None-Match."""
import re

import pytest
from django.utils import timezone

from sciweek.activities.models import Activity

from .conftest import assert_error, bearer

pytestmark = pytest.mark.django_db

URL = "/api/v1/campaigns/2020/activities?division=130000"


def test_public_reads_are_cacheable_with_a_weak_etag(client, demo):
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=60"
    assert re.fullmatch(r'W/"[0-9a-f]{32}"', response["ETag"])
    assert "Accept-Language" in response["Vary"]
    assert client.get(URL)["ETag"] == response["ETag"]  # stable for the same body


@pytest.mark.parametrize("header", [
    "{etag}",
    "{strong}",  # weak comparison: the same tag without W/
    'W/"00000000000000000000000000000000", {etag}',
    "*",
])
def test_matching_if_none_match_gives_304(client, demo, header):
    etag = client.get(URL)["ETag"]
    response = client.get(URL, HTTP_IF_NONE_MATCH=header.format(etag=etag, strong=etag[2:]))
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"] == "public, max-age=60"


def test_a_stale_etag_gets_the_new_body(client, demo):
    etag = client.get(URL)["ETag"]
    first = client.get(URL).json()["items"][0]
    # As every service write does, the change moves updated_at (and so the data version the
    # list's cache is keyed by).
    Activity.objects.filter(pk=first["id"]).update(title="更新后的活动名称", updated_at=timezone.now())
    response = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert response.json()["items"][0]["title"] == "更新后的活动名称"


def test_every_public_operation_sends_validators(client, demo):
    activity = Activity.objects.filter(campaign=demo, kind="open_day", status="approved").first()
    for url in ["/api/v1/campaigns", "/api/v1/campaigns/current", "/api/v1/campaigns/2020",
                "/api/v1/campaigns/2020/regions", "/api/v1/campaigns/2020/regions/130000",
                f"/api/v1/activities/{activity.pk}", f"/api/v1/activities/{activity.pk}/sessions"]:
        response = client.get(url)
        assert response["Cache-Control"] == "public, max-age=60", url
        assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304, url


def test_errors_and_private_responses_are_not_cached(client, issue_token):
    response = client.get("/api/v1/campaigns/1999")
    assert_error(response, 404, "not_found")
    assert response["Cache-Control"] == "no-store" and "ETag" not in response
    _, key = issue_token()
    me = client.get("/api/v1/me", **bearer(key))
    assert me.status_code == 200
    assert me["Cache-Control"] == "private, no-store" and "ETag" not in me
