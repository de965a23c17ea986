"""No IDOR in the news console: staff of another city (石家庄's, for a 保定 item) get a 404 on
every route that takes an item id, whatever the method, and nothing changes.

The matrix must name every news console route that takes an id; console/tests/test_isolation.py
should list "news" in OWN_MATRIX (as it does for contests)."""
import pytest
from django.urls import URLPattern, get_resolver, reverse

from sciweek.news.models import NewsItem

pytestmark = pytest.mark.django_db

ATTACKERS = ["sjz-admin", "sjz-reviewer", "sjz-publicity", "unit-admin", "unit-publicity"]
PAYLOAD = {"decision": "publish", "reason": "入侵", "confirmed": "1", "title": "入侵", "body": "入侵",
           "organization": "1", "action": "submit"}
MATRIX = {
    "news:console_detail": ["get"],
    "news:review": ["post"],
    "news:edit": ["get", "post"],
    "news:withdraw": ["post"],
}


def news_object_routes() -> set[str]:
    found = set()

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLPattern):
                full = prefix + str(p.pattern)
                if full.startswith("console/") and p.pattern.converters and namespace == "news":
                    found.add(f"news:{p.name}")
            else:
                walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)

    walk(get_resolver().url_patterns, "", "")
    return found


def test_every_object_route_is_in_the_matrix():
    assert news_object_routes() == set(MATRIX)


@pytest.fixture
def baoding_items(demo, org):
    demo.news_review_required = True
    demo.save(update_fields=["news_review_required"])
    bureau = org("保定市科学技术局")
    return {status: NewsItem.objects.create(campaign=demo, organization=bureau, title=f"保定{status}", body="保定",
                                            status=status, return_reason="请改")
            for status in ("submitted", "returned", "published")}


@pytest.mark.parametrize("attacker", ATTACKERS)
@pytest.mark.parametrize("route", sorted(MATRIX))
def test_other_citys_items_are_not_found(route, attacker, baoding_items, staff_client):
    client = staff_client(attacker)
    for status, item in baoding_items.items():
        url = reverse(route, kwargs={"news_id": item.pk})
        for method in MATRIX[route]:
            response = client.post(url, PAYLOAD) if method == "post" else client.get(url)
            assert response.status_code == 404, (route, attacker, status, method, response.status_code)
    assert sorted(NewsItem.objects.filter(pk__in=[i.pk for i in baoding_items.values()])
                  .values_list("status", "title")) == sorted((s, f"保定{s}") for s in baoding_items)


def test_the_receiving_level_sees_but_a_sibling_city_does_not(baoding_items, staff_client, org):
    from sciweek.accounts.models import Membership, User

    reviewer = User.objects.create_user("bd-city-reviewer", password="x")
    Membership.objects.create(user=reviewer, organization=org("保定市"), role="reviewer")
    client = staff_client("bd-city-reviewer")
    item = baoding_items["submitted"]
    assert client.get(reverse("news:console_detail", args=[item.pk])).status_code == 200
    assert client.post(reverse("news:review", args=[item.pk]), {"decision": "publish"}).status_code == 302
    assert NewsItem.objects.get(pk=item.pk).status == "published"
