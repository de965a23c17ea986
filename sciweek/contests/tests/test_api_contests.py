"""The contests through the API (tag contests): the list, a contest, its entries (paged) and an
entry, the results (404 before the notice; no judge's own marks), the prize list (404 before
final), the vote with a public person's token (caps per entry and per category per day in the
one error shape; voided votes not counted); the OpenAPI document carries the tag."""
import pytest
from django.utils import timezone

from sciweek.accounts.models import User
from sciweek.api.models import ApiToken
from sciweek.api.tests.conftest import assert_error
from sciweek.contests import certificates, services
from sciweek.contests.models import Contest, Vote

from .conftest import enter, unit
from .test_public_pages import final, judging, publicity

pytestmark = pytest.mark.django_db

BASE = "/api/v1/campaigns/2020/contests"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()


def get(client, path, **headers):
    return client.get(f"{BASE}{path}", **headers)


def bearer(user) -> dict:
    _token, key = ApiToken.issue(user, name="contest test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def person(db):
    from sciweek.participants.models import Profile

    user = User.objects.create(username="p_api_voter")
    Profile.objects.create(user=user, phone="13900004321", consent_at=timezone.now())
    return user


def test_list_detail_entries_and_an_entry(kit, client):
    for title in ("甲", "乙", "丙"):
        enter(kit, title, unit("保定市"))
    enter(kit, "丁", unit("保定市"), category=kit.categories[1])
    listing = get(client, "")
    assert listing.status_code == 200 and listing["Cache-Control"] == "public, max-age=60"
    mine = [c for c in listing.json()["items"] if c["slug"] == "test-speaking"]
    assert mine and mine[0]["status"] == "open" and mine[0]["url"] == "/2020/contests/test-speaking/"
    detail = get(client, "/test-speaking").json()
    assert [c["name"] for c in detail["categories"]] == ["科普工作者组", "学生组"]
    assert [(c["name"], c["weight"]) for c in detail["rounds"][0]["criteria"]] == [
        ("讲解内容", 50.0), ("表达能力", 40.0), ("现场效果", 10.0)]
    assert [t["name"] for t in detail["prize_tiers"]] == ["一等奖", "二等奖", "三等奖"]
    assert detail["entry_count"] == 4 and detail["results_url"] is None
    page = get(client, "/test-speaking/entries?page_size=2").json()
    assert (page["count"], page["pages"], page["next"]) == (4, 2, 2)
    assert [e["title"] for e in page["items"]] == ["甲", "乙"] and page["items"][0]["code"] == "001"
    students = get(client, f"/test-speaking/entries?category={kit.categories[1].pk}").json()
    assert [e["title"] for e in students["items"]] == ["丁"]
    entry = get(client, "/test-speaking/entries/1").json()
    assert entry["title"] == "甲" and entry["organization"] == "保定市" and entry["votes"] is None
    assert entry["video_url"] is None
    assert_error(get(client, "/test-speaking/entries/99"), 404, "not_found")
    assert_error(get(client, "/nope"), 404, "not_found")
    assert_error(get(client, "/test-speaking/entries?page_size=500"), 422, "invalid")
    assert_error(client.get("/api/v1/campaigns/1999/contests"), 404, "not_found")


def test_draft_contests_are_not_found(kit, client):
    Contest.objects.filter(pk=kit.contest.pk).update(status=Contest.Status.DRAFT)
    assert all(c["slug"] != "test-speaking" for c in get(client, "").json()["items"])
    assert_error(get(client, "/test-speaking"), 404, "not_found")
    assert_error(get(client, "/test-speaking/entries"), 404, "not_found")


def test_results_404_before_the_notice_then_the_published_ranking(kit, client):
    judging(kit, "甲", "乙")
    assert_error(get(client, "/test-speaking/results"), 404, "not_found")
    assert_error(get(client, "/test-speaking/awards"), 404, "not_found")


def test_published_results_show_aggregates_only(kit, client):
    a, b, c, d = publicity(kit)
    body = get(client, "/test-speaking/results").json()
    assert body["status"] == "publicity" and body["round"] == "决赛" and body["finalized_at"] is None
    rows = [(r["rank"], r["entry_title"], r["score"], r["prize"]) for r in body["results"]]
    assert rows == [(1, "星空讲解", 90.0, "一等奖"), (2, "水的旅行", 85.0, "二等奖"),
                    (3, "桥梁的秘密", 75.0, "三等奖"), (4, "身边的物理", 70.0, "三等奖")]
    text = str(body)
    assert "judge" not in text and "conflict" not in text and "points" not in text
    assert get(client, "/test-speaking").json()["results_url"] == "/2020/contests/test-speaking/results/"
    assert_error(get(client, "/test-speaking/awards"), 404, "not_found")


def test_awards_once_final_with_certificates(kit, client):
    final(kit)
    awards = get(client, "/test-speaking/awards").json()
    assert [(a["tier"], a["entry_title"]) for a in awards] == [
        ("一等奖", "星空讲解"), ("二等奖", "水的旅行"), ("三等奖", "桥梁的秘密"), ("三等奖", "身边的物理")]
    first = awards[0]
    assert first["verification_url"].startswith("/contests/certificates/")
    assert client.get(first["certificate_url"]).content.startswith(b"%PDF-")
    assert get(client, "/test-speaking/results").json()["status"] == "final"
    assert get(client, "/test-speaking/entries/1").json()["prize"] == "一等奖"
    assert certificates.verify(first["verification_url"].split("/")[-2]) is not None


def _voting(kit, per_entry=2, per_category=3):
    Contest.objects.filter(pk=kit.contest.pk).update(vote_enabled=True, votes_per_entry_per_day=per_entry,
                                                     votes_per_category_per_day=per_category)
    kit.contest.refresh_from_db()


def test_vote_with_a_public_persons_token_and_its_caps(kit, client, person):
    _voting(kit)
    a = enter(kit, "甲", unit("保定市"))
    b = enter(kit, "乙", unit("保定市"))
    auth = bearer(person)
    path = f"{BASE}/test-speaking/entries/{a.number}/vote"
    first = client.post(path, HTTP_X_DEVICE_ID="phone-app-1234567890", **auth)
    assert first.status_code == 200 and first.json() == {"entry_number": a.number, "votes": 1, "flagged": False}
    assert Vote.objects.get(entry=a).device  # the device id's hash
    assert client.post(path, **auth).json()["votes"] == 2
    refused = client.post(path, **auth)
    assert_error(refused, 409, "refused")
    assert "这件作品投了 2 票" in refused.json()["error"]["message"]
    other = f"{BASE}/test-speaking/entries/{b.number}/vote"
    assert client.post(other, **auth).status_code == 200
    assert_error(client.post(other, **auth), 409, "refused")  # the category's 3 for today are used
    vote = Vote.objects.filter(entry=a).first()
    services.void_votes(kit.contest, actor=kit.admin, reason="刷票", vote_ids=[vote.pk])
    assert get(client, f"/test-speaking/entries/{a.number}").json()["votes"] == 1  # the voided one not counted


def test_vote_needs_a_public_persons_token_and_an_open_vote(kit, client, person):
    a = enter(kit, "甲", unit("保定市"))
    path = f"{BASE}/test-speaking/entries/{a.number}/vote"
    assert_error(client.post(path), 401, "unauthorized")
    assert_error(client.post(path, **bearer(person)), 409, "refused")  # no public vote in this contest
    _voting(kit)
    assert_error(client.post(path, **bearer(User.objects.get(username="hebei-admin"))), 403, "forbidden")
    assert_error(client.post(f"{BASE}/test-speaking/entries/99/vote", **bearer(person)), 404, "not_found")
    assert not Vote.objects.filter(contest=kit.contest).exists()


def test_the_openapi_document_has_the_contests_tag_and_operations(client):
    schema = client.get("/api/openapi.json").json()
    assert any(t["name"] == "contests" for t in schema["tags"])
    ours = {(method, path) for path, item in schema["paths"].items() for method, op in item.items()
            if "contests" in op.get("tags", [])}
    assert ours == {
        ("get", "/api/v1/campaigns/{year}/contests"), ("get", "/api/v1/campaigns/{year}/contests/{slug}"),
        ("get", "/api/v1/campaigns/{year}/contests/{slug}/entries"),
        ("get", "/api/v1/campaigns/{year}/contests/{slug}/entries/{number}"),
        ("get", "/api/v1/campaigns/{year}/contests/{slug}/results"),
        ("get", "/api/v1/campaigns/{year}/contests/{slug}/awards"),
        ("post", "/api/v1/campaigns/{year}/contests/{slug}/entries/{number}/vote")}
    names = [n for n in schema["components"]["schemas"] if n.startswith("Contest")]
    assert "ContestDetailOut" in names and "ContestEntryPage" in names
