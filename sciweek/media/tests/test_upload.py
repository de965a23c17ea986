"""The chunked upload endpoints: start, chunks (a retried chunk is written once, a gap is
refused with the offset to continue from), status for resume, finish; sizes refused before
any body is read."""
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from sciweek.accounts.models import User
from sciweek.media.models import MediaAsset, UploadSession
from sciweek.media.services import size_message

from .conftest import TEST_VIDEO, stored_files

pytestmark = pytest.mark.django_db

CHUNK = 512


@pytest.fixture
def uploader(client, test_purpose, settings):
    settings.MEDIA_CHUNK_BYTES = CHUNK
    user = User.objects.create_user(username="media-uploader", password="not-used-here-9!")
    client.force_login(user)
    return client


def start(client, data, **extra):
    return client.post(reverse("media:upload_start"), {"purpose": "media.test", "filename": "clip.mp4",
                                                       "size": len(data)}, content_type="application/json", **extra)


def put(client, urls, offset, data, **extra):
    return client.generic("PUT", f"{urls['chunk']}?offset={offset}", data,
                          content_type="application/octet-stream", **extra)


def test_chunked_upload_with_retry_resume_and_finish(uploader, samples, settings):
    data = samples["small"].read_bytes()
    assert len(data) > 3 * CHUNK
    response = start(uploader, data)
    assert response.status_code == 201
    session = response.json()
    urls = session["urls"]
    assert session["chunk_bytes"] == CHUNK and session["received"] == 0

    assert put(uploader, urls, 0, data[:CHUNK]).json()["received"] == CHUNK
    # The answer was lost, the widget sends the same chunk again: written once.
    again = put(uploader, urls, 0, data[:CHUNK])
    assert again.status_code == 200 and again.json()["received"] == CHUNK
    record = UploadSession.objects.get(token=session["token"])
    assert Path(record.temp_path).read_bytes() == data[:CHUNK]
    # A chunk past the received bytes would leave a gap.
    gap = put(uploader, urls, 2 * CHUNK, data[2 * CHUNK:3 * CHUNK])
    assert gap.status_code == 409
    assert gap.json()["error"]["details"]["received"] == CHUNK
    # Finishing early is refused with where to continue.
    early = uploader.post(urls["finish"])
    assert early.status_code == 409 and early.json()["error"]["details"]["received"] == CHUNK

    # Resume: ask the server, continue from its offset (a chunk overlapping what it has is fine).
    status = uploader.get(urls["status"]).json()
    assert (status["received"], status["size"], status["status"]) == (CHUNK, len(data), "open")
    offset = status["received"] - 100
    while offset < len(data):
        response = put(uploader, urls, offset, data[offset:offset + CHUNK])
        assert response.status_code == 200, response.content
        offset = response.json()["received"]

    finished = uploader.post(urls["finish"])
    assert finished.status_code == 200, finished.content
    body = finished.json()
    asset = MediaAsset.objects.get(pk=body["asset"])
    assert Path(asset.file.path).read_bytes() == data
    assert asset.original_name == "clip.mp4" and asset.uploaded_by.username == "media-uploader"
    assert asset.purpose == "media.test" and body["poster"].startswith(f"/media/{asset.pk}/poster?s=")
    # Finishing again (the answer was lost) gives the same asset; the temp file is gone.
    assert uploader.post(urls["finish"]).json()["asset"] == asset.pk
    assert len(stored_files(settings)) == 2
    # The upload is over: no more chunks.
    assert put(uploader, urls, 0, data[:CHUNK]).status_code == 410


def test_refused_file_at_finish_leaves_nothing(uploader, samples, settings):
    data = samples["180.5"].read_bytes()
    urls = start(uploader, data).json()["urls"]
    for offset in range(0, len(data), CHUNK):
        assert put(uploader, urls, offset, data[offset:offset + CHUNK]).status_code == 200
    response = uploader.post(urls["finish"])
    assert response.status_code == 422
    assert response.json()["error"]["details"]["messages"] == ["视频时长 3:00.5 超过上限 3:00。"]
    assert stored_files(settings) == []
    assert uploader.get(urls["status"]).json()["status"] == "failed"


def test_declared_size_above_the_limit_is_413_in_both_languages(uploader):
    big = TEST_VIDEO.max_bytes + 1
    for language, header in (("zh-hans", "zh-CN,zh;q=0.9"), ("en", "en")):
        response = uploader.post(reverse("media:upload_start"),
                                 {"purpose": "media.test", "filename": "big.mp4", "size": big},
                                 content_type="application/json", HTTP_ACCEPT_LANGUAGE=header)
        assert response.status_code == 413
        with translation.override(language):
            expected = size_message(big, TEST_VIDEO.max_bytes)
        assert response.json()["error"]["message"] == expected
        assert response.json()["error"]["details"]["limit"] == TEST_VIDEO.max_bytes
    assert expected.startswith("文件大小 5.0\xa0MB") or "5.0" in expected
    assert not UploadSession.objects.exists()


def test_chunk_larger_than_allowed_is_refused_unread(uploader, samples):
    data = samples["small"].read_bytes()
    urls = start(uploader, data).json()["urls"]
    response = put(uploader, urls, 0, data[:CHUNK + 1])
    assert response.status_code == 413 and response.json()["error"]["code"] == "chunk_too_large"
    # Above MAX_REQUEST_BYTES the core middleware answers before any view: the site's 413 page.
    huge = put(uploader, urls, 0, b"x", CONTENT_LENGTH=str(30 * 1024 * 1024))
    assert huge.status_code == 413 and "上传的内容太大" in huge.content.decode()
    assert UploadSession.objects.get().received_bytes == 0


def test_who_may_upload(client, test_purpose, samples):
    data = samples["small"].read_bytes()
    assert start(client, data).status_code == 403  # the purpose wants a signed-in person
    unknown = client.post(reverse("media:upload_start"), {"purpose": "nope", "size": 10},
                          content_type="application/json")
    assert unknown.status_code == 404
    empty = User.objects.create_user(username="someone", password="not-used-here-9!")
    client.force_login(empty)
    assert start(client, b"").status_code == 422


def test_another_account_cannot_continue_an_upload(uploader, samples):
    data = samples["small"].read_bytes()
    urls = start(uploader, data).json()["urls"]
    other = Client()
    other.force_login(User.objects.create_user(username="other-one", password="not-used-here-9!"))
    assert other.get(urls["status"]).status_code == 404
    assert put(other, urls, 0, data[:CHUNK]).status_code == 404
    assert other.post(urls["finish"]).status_code == 404


def test_upload_endpoints_need_the_csrf_token(test_purpose, samples):
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.create_user(username="csrf-user", password="not-used-here-9!"))
    data = samples["small"].read_bytes()
    assert start(client, data).status_code == 403
    client.get(reverse("portal:home"))  # sets the CSRF cookie, as the page with the widget does
    token = client.cookies["csrftoken"].value
    assert start(client, data, HTTP_X_CSRFTOKEN=token).status_code == 201


def test_open_uploads_per_person_are_limited(uploader):
    for _ in range(5):
        assert start(uploader, b"x" * 100).status_code == 201
    response = start(uploader, b"x" * 100)
    assert response.status_code == 422 and "未完成的上传" in response.json()["error"]["message"]


def test_expired_uploads_are_purged(uploader, samples, settings):
    from datetime import timedelta

    from django.utils import timezone

    from sciweek.media.services import purge_expired_uploads

    data = samples["small"].read_bytes()
    urls = start(uploader, data).json()["urls"]
    assert put(uploader, urls, 0, data[:CHUNK]).status_code == 200
    assert len(stored_files(settings)) == 1
    UploadSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert put(uploader, urls, CHUNK, data[CHUNK:2 * CHUNK]).status_code == 410
    assert purge_expired_uploads() == 1
    assert stored_files(settings) == [] and not UploadSession.objects.exists()
