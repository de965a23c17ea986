import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_shows_the_2020_theme(client, demo):
    page = client.get("/").content.decode()
    assert "科技战疫 创新强国" in page and "2020年全国科技活动周" in page
    assert "科学之夜活动" in page
    assert "演示数据" in page


def test_hebei_region_page_shows_the_plan_counts_and_lists(client, demo, org):
    page = client.get(reverse("portal:region", args=[2020, org("河北省").pk])).content.decode()
    assert "科学防控 科普行动 科技扶贫 科创惠民" in page
    for n in ("629", "110", "474", "45"):
        assert f">{n}<" in page
    assert "2020年全省科技活动周启动仪式" in page and "辛集市2020年科技活动周专题科普活动" in page


def test_pages_carry_security_headers(client, demo):
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_no_asset_from_a_cdn(client, demo):
    page = client.get("/").content.decode()
    assert "//cdn" not in page and "unpkg" not in page and "jsdelivr" not in page
