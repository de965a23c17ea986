"""The upload widget in Chromium: a small video goes up in several chunks, one chunk's first
try fails on the network and is retried, an upload whose network stays down resumes from the
server's offset, and the asset id lands in the form's hidden input."""
import hashlib

import pytest

from sciweek.browser import PHONE, screenshot
from sciweek.media.models import MediaAsset
from sciweek.media.registry import register_purpose, unregister_purpose

from .conftest import TEST_VIDEO

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.urls("sciweek.media.tests.widget_urls")]


@pytest.fixture
def open_purpose():
    register_purpose("media.test", TEST_VIDEO, may_upload=lambda request: True)
    yield
    unregister_purpose("media.test")


def test_widget_uploads_in_chunks_and_retries(live_server, page_factory, open_purpose, samples, settings):
    settings.MEDIA_CHUNK_BYTES = 1024
    page = page_factory(PHONE)
    failed = []

    def flaky(route):
        if "offset=1024" in route.request.url and not failed:
            failed.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/chunk?offset=*", flaky)
    page.goto(f"{live_server.url}/media-widget-test/")
    page.get_by_label("选择文件").set_input_files(str(samples["small"]))
    page.locator("[data-media-upload][data-state=done]").wait_for(timeout=20000)
    asset = MediaAsset.objects.get(pk=int(page.locator("input[name=video]").input_value()))
    assert asset.size == samples["small"].stat().st_size and asset.original_name == "small.mp4"
    assert failed, "the flaky chunk was never sent"
    assert page.locator("[data-media-status]").text_content() == "文件已通过检查。"
    assert page.locator("progress").get_attribute("value") == "100"
    assert not page.get_by_role("button", name="继续上传").is_visible()
    screenshot(page, "media-upload-widget-done")


def test_widget_shows_the_servers_refusal(live_server, page_factory, open_purpose, samples):
    page = page_factory(PHONE)
    page.goto(f"{live_server.url}/media-widget-test/")
    page.get_by_label("选择文件").set_input_files(str(samples["180.5"]))
    status = page.locator("[data-media-status]")
    status.filter(has_text="超过上限").wait_for(timeout=20000)
    assert status.text_content() == "视频时长 3:00.5 超过上限 3:00。"
    assert page.locator("input[name=video]").input_value() == ""
    assert not MediaAsset.objects.exists()


def test_widget_resumes_after_the_network_stays_down(live_server, page_factory, open_purpose, samples, settings):
    settings.MEDIA_CHUNK_BYTES = 1024
    page = page_factory(PHONE)
    page.route("**/chunk?offset=2048", lambda route: route.abort("internetdisconnected"))
    page.goto(f"{live_server.url}/media-widget-test/")
    page.get_by_label("选择文件").set_input_files(str(samples["small"]))
    page.locator("[data-media-upload][data-state=failed]").wait_for(timeout=20000)  # three tries, 1 s + 2 s apart
    assert "继续上传" in page.locator("[data-media-status]").text_content()
    page.unroute("**/chunk?offset=2048")
    page.get_by_role("button", name="继续上传").click()
    page.locator("[data-media-upload][data-state=done]").wait_for(timeout=20000)
    asset = MediaAsset.objects.get(pk=int(page.locator("input[name=video]").input_value()))
    assert asset.sha256 == hashlib.sha256(samples["small"].read_bytes()).hexdigest()
