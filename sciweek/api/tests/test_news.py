import pytest

pytestmark = pytest.mark.django_db


def test_news_feed(client, demo):
    data = client.get("/api/v1/campaigns/2020/news", {"page_size": 5}).json()
    assert data["count"] >= 10 and len(data["items"]) == 5
    assert data["items"][0]["title"].endswith("顺利举行")
    assert (data["page"], data["previous"], data["next"]) == (1, None, 2)  # the one page shape (api/pagination.py)
    last = client.get("/api/v1/campaigns/2020/news", {"page_size": 5, "page": data["pages"]}).json()
    assert last["next"] is None and last["previous"] == data["pages"] - 1 and last["items"]
    assert client.get("/api/v1/campaigns/1999/news").status_code == 404
    assert client.get("/api/v1/campaigns/2020/news", {"page": "x"}).status_code == 422
