"""The 大字 / 高对比度 switch: remembered per browser in cookies, read on the server so the
first paint is right, bad values ignored, and it never sends the reader off the site."""
import pytest
from django.urls import reverse

from sciweek.core.display import CONTRAST_COOKIE, TEXT_COOKIE

pytestmark = pytest.mark.django_db

SWITCH = reverse("core:display_preferences")


def test_every_page_offers_the_switch_with_its_state(client, demo):
    page = client.get("/").content.decode()
    assert 'action="/display/"' in page
    assert 'value="standard" aria-pressed="true">标准字号' in page
    assert 'value="largest" aria-pressed="false">特大字' in page
    assert "<html lang=\"zh-CN\">" in page  # no class when nothing is chosen


def test_choosing_largest_text_is_remembered_and_rendered_on_the_next_page(client, demo):
    response = client.post(SWITCH, {"text": "largest", "next": "/2020/activities/"})
    assert response.status_code == 302 and response["Location"] == "/2020/activities/"
    cookie = response.cookies[TEXT_COOKIE]
    assert cookie.value == "largest" and cookie["max-age"] == 365 * 24 * 3600 and cookie["samesite"] == "Lax"
    page = client.get("/2020/activities/").content.decode()
    assert 'class="text-largest"' in page and 'value="largest" aria-pressed="true"' in page


def test_high_contrast_toggles_and_keeps_the_text_size(client, demo):
    client.post(SWITCH, {"text": "large"})
    client.post(SWITCH, {"contrast": "toggle"})
    assert 'class="text-large contrast-high"' in client.get("/").content.decode()
    client.post(SWITCH, {"contrast": "toggle"})
    assert client.cookies[CONTRAST_COOKIE].value == "standard"
    assert 'class="text-large"' in client.get("/").content.decode()


@pytest.mark.parametrize("value", ["huge", "", "largest; Path=/x", "<script>"])
def test_unknown_values_change_nothing(client, demo, value):
    response = client.post(SWITCH, {"text": value})
    assert response.status_code == 302 and TEXT_COOKIE not in response.cookies
    client.cookies[TEXT_COOKIE] = value  # a cookie tampered with by hand is ignored too
    assert "<html lang=\"zh-CN\">" in client.get("/").content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_the_switch_never_sends_the_reader_off_site(client, demo, target):
    response = client.post(SWITCH, {"text": "large", "next": target})
    assert response["Location"] == "/"


def test_the_switch_is_a_post(client, demo):
    assert client.get(SWITCH).status_code == 405


def test_console_pages_follow_the_choice_too(staff_client):
    client = staff_client("unit-filer")
    client.post(SWITCH, {"text": "large", "contrast": "high"})
    assert 'class="text-large contrast-high"' in client.get("/console/").content.decode()
