"""No IDOR on the commendations' console routes: for every route that takes an object id, an
admin of another province and an admin of a city below the commending level get 404 for P's
objects, by GET and POST, and nothing changes; a reviewer of P (inside, without the role)
gets 403 on every write. The matrix must name every such route of the app."""
import pytest
from django.urls import URLPattern, get_resolver, reverse

from sciweek.commendations import services
from sciweek.commendations.models import Candidate, Commendation, CommendationCategory, Objection

from .conftest import at, sign_in
from .test_flow import on_notice

pytestmark = pytest.mark.django_db

MATRIX = {
    "commendations:create": (lambda o: {"evaluation_id": o["evaluation"].pk}, ["post"], True),
    "commendations:detail": (lambda o: {"commendation_id": o["commendation"].pk}, ["get"], False),
    "commendations:texts": (lambda o: {"commendation_id": o["commendation"].pk}, ["post"], True),
    "commendations:add_category": (lambda o: {"commendation_id": o["commendation"].pk}, ["post"], True),
    "commendations:draw": (lambda o: {"commendation_id": o["commendation"].pk}, ["post"], True),
    "commendations:act": (lambda o: {"commendation_id": o["commendation"].pk}, ["post"], True),
    "commendations:record_objection": (lambda o: {"commendation_id": o["commendation"].pk}, ["post"], True),
    "commendations:export_xlsx": (lambda o: {"commendation_id": o["commendation"].pk}, ["get"], False),
    "commendations:export_docx": (lambda o: {"commendation_id": o["commendation"].pk}, ["get"], False),
    "commendations:certificates_zip": (lambda o: {"commendation_id": o["commendation"].pk}, ["get"], False),
    "commendations:edit_category": (lambda o: {"category_id": o["category"].pk}, ["post"], True),
    "commendations:add_candidate": (lambda o: {"category_id": o["category"].pk}, ["post"], True),
    "commendations:candidate": (lambda o: {"candidate_id": o["candidate"].pk}, ["post"], True),
    "commendations:certificate": (lambda o: {"candidate_id": o["candidate"].pk}, ["get"], False),
    "commendations:handle_objection": (lambda o: {"objection_id": o["objection"].pk}, ["post"], True),
}
ATTACKERS = ["q_admin", "c1_admin"]
PAYLOAD = {"action": "withdraw", "confirmed": "1", "reason": "入侵", "title": "入侵", "decision_text": "入侵",
           "category-kind": "unit", "category-quota": "9", "remove": "1", "text": "入侵", "objection-text": "入侵",
           "obj-outcome": "dismissed", "obj-response": "入侵"}


def routes_with_ids():
    found = set()

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLPattern):
                if namespace == "commendations" and p.pattern.converters and (prefix + str(p.pattern)).startswith(
                        "console/"):
                    found.add(f"commendations:{p.name}")
            else:
                walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)

    walk(get_resolver().url_patterns, "", "")
    return found


def test_every_object_route_is_in_the_matrix():
    assert routes_with_ids() == set(MATRIX)


@pytest.fixture
def target(tree, drafted):
    cities = CommendationCategory.objects.get(commendation=drafted, peer_group="cities")
    services.update_category(tree["p_admin"], cities, quota=2, over_quota_reason="并列")
    commendation = on_notice(tree, drafted)
    candidate = Candidate.objects.filter(commendation=commendation, removed=False).first()
    objection = services.raise_objection(commendation, text="异议", now=at(10, 13))
    return {"evaluation": tree["evaluation"], "commendation": commendation, "category": cities,
            "candidate": candidate, "objection": objection}


def unchanged(target):
    commendation = Commendation.objects.get(pk=target["commendation"].pk)
    assert commendation.status == "notice" and commendation.title == target["commendation"].title
    assert CommendationCategory.objects.get(pk=target["category"].pk).quota == 2
    assert not Candidate.objects.get(pk=target["candidate"].pk).removed
    assert Objection.objects.get(pk=target["objection"].pk).status == "open"
    assert Commendation.objects.filter(evaluation=target["evaluation"]).count() == 1  # nothing made by the attacker


@pytest.mark.parametrize("attacker", ATTACKERS)
@pytest.mark.parametrize("route", sorted(MATRIX))
def test_another_branch_finds_nothing(client, tree, target, route, attacker):
    sign_in(client, tree[attacker])
    kwargs, methods, _write = MATRIX[route]
    url = reverse(route, kwargs=kwargs(target))
    for method in methods:
        response = client.post(url, PAYLOAD) if method == "post" else client.get(url)
        assert response.status_code == 404, (route, attacker, method, response.status_code)
    unchanged(target)


@pytest.mark.parametrize("route", sorted(r for r, (_k, _m, write) in MATRIX.items() if write))
def test_inside_without_the_role_is_forbidden(client, tree, target, route):
    sign_in(client, tree["p_reviewer"])
    kwargs, methods, _write = MATRIX[route]
    response = client.post(reverse(route, kwargs=kwargs(target)), PAYLOAD)
    assert response.status_code == 403, (route, response.status_code)
    unchanged(target)


def test_filer_cannot_even_read(client, tree, target):
    sign_in(client, tree["p_filer"])
    assert client.get(reverse("commendations:index")).status_code == 403
    assert client.get(reverse("commendations:detail", args=[target["commendation"].pk])).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, target):
    for route, (kwargs, methods, _write) in MATRIX.items():
        url = reverse(route, kwargs=kwargs(target))
        response = client.post(url, PAYLOAD) if "post" in methods else client.get(url)
        assert response.status_code == 302 and "login" in response["Location"] or "sign" in response["Location"], route
