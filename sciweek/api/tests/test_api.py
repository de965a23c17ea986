import pytest

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_served(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "SciWeek API"
    assert "/api/v1/campaigns/current" in schema["paths"]


def test_current_campaign(client, demo):
    data = client.get("/api/v1/campaigns/current").json()
    assert data == {"year": 2020, "name": "2020年全国科技活动周", "theme": "科技战疫 创新强国",
                    "starts_on": "2020-08-23", "ends_on": "2020-08-29", "online_only": False}


def test_not_found_has_the_documented_shape(client, db):
    from sciweek.campaigns.models import Campaign

    Campaign.objects.update(is_published=False)
    response = client.get("/api/v1/campaigns/current")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
