"""Playback: range requests (206, suffix, 416, full 200) and signed, time-limited addresses
for private assets."""
from pathlib import Path

import pytest
from freezegun import freeze_time

from sciweek.media.requirements import IMAGE, SUMMARY_VIDEO
from sciweek.media.services import intake, public_url, signed_url
from sciweek.media.views import parse_range

from .conftest import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def video(sample):
    return intake(sample("small"), original_name="a.mp4", requirements=SUMMARY_VIDEO)


def body(response):
    # The test client closes a streamed response (and its file) once it is read to the end.
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_range_requests(client, video):
    video.is_public = True
    video.save()
    data = Path(video.file.path).read_bytes()
    size = len(data)
    url = public_url(video)

    full = client.get(url)
    assert full.status_code == 200 and body(full) == data
    assert (full["Content-Type"], full["Content-Length"], full["Accept-Ranges"]) == ("video/mp4", str(size), "bytes")
    assert full["X-Content-Type-Options"] == "nosniff"

    part = client.get(url, HTTP_RANGE="bytes=0-99")
    assert part.status_code == 206 and body(part) == data[:100]
    assert part["Content-Range"] == f"bytes 0-99/{size}" and part["Content-Length"] == "100"
    assert part["Content-Type"] == "video/mp4"

    middle = client.get(url, HTTP_RANGE=f"bytes=100-{size + 500}")
    assert middle.status_code == 206 and body(middle) == data[100:]
    assert middle["Content-Range"] == f"bytes 100-{size - 1}/{size}"

    suffix = client.get(url, HTTP_RANGE="bytes=-50")
    assert suffix.status_code == 206 and body(suffix) == data[-50:]
    assert suffix["Content-Range"] == f"bytes {size - 50}-{size - 1}/{size}"

    beyond = client.get(url, HTTP_RANGE=f"bytes={size}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{size}"

    stale = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"another-version"')
    assert stale.status_code == 200 and body(stale) == data

    poster = client.get(public_url(video, part="poster"))
    assert poster.status_code == 200 and poster["Content-Type"] == "image/jpeg"
    assert body(poster)[:3] == b"\xff\xd8\xff"


def test_parse_range():
    assert parse_range("bytes=0-0", 10) == (0, 0)
    assert parse_range("bytes=5-", 10) == (5, 9)
    assert parse_range("bytes=-20", 10) == (0, 9)
    assert parse_range("bytes=-0", 10) == "unsatisfiable"
    assert parse_range("bytes=0-1,4-5", 10) is None  # several ranges: the whole file
    assert parse_range("bytes=5-2", 10) is None
    assert parse_range("items=0-1", 10) is None


def test_private_asset_needs_a_valid_signature(client, video, sample):
    assert client.get(public_url(video)).status_code == 404
    assert client.get(public_url(video) + "?s=forged").status_code == 404
    other = intake(sample("micro"), original_name="b.mp4", requirements=SUMMARY_VIDEO.__class__(
        **{**SUMMARY_VIDEO.__dict__, "max_seconds": None}))
    borrowed = signed_url(other).split("?", 1)[1]
    assert client.get(f"{public_url(video)}?{borrowed}").status_code == 404  # another asset's signature

    with freeze_time("2030-01-01 12:00:00"):
        url = signed_url(video, ttl=60)
        ok = client.get(url, HTTP_RANGE="bytes=0-9")
        assert ok.status_code == 206 and len(body(ok)) == 10
        assert "private" in ok["Cache-Control"]
        poster = client.get(signed_url(video, part="poster"))
        assert poster.status_code == 200
        body(poster)
    with freeze_time("2030-01-01 12:01:01"):
        expired = client.get(url)
        assert expired.status_code == 403 and "已过期" in expired.content.decode()


def test_non_local_storage_redirects_to_its_own_address(settings, write_file, client):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.InMemoryStorage", "OPTIONS": {"base_url": "https://cdn.example/m/"}}}
    asset = intake(write_file("a.png", image_bytes("PNG")), original_name="a.png", requirements=IMAGE)
    response = client.get(signed_url(asset))
    assert response.status_code == 302 and response["Location"].startswith("https://cdn.example/m/media/")
