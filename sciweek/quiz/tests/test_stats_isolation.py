"""No IDOR in the quiz statistics: staff of a sibling city, of a unit or of another province
neither see nor change a quiz's statistics, exports or reviews outside their subtrees (404 on
every route of stats_views that takes an id, whatever the method). The same entries belong in
console/tests/test_isolation.py (see the report of the statistics part of issue 12)."""
import pytest
from django.urls import URLPattern, get_resolver, reverse

from sciweek.accounts.models import AuditEvent, Membership, User
from sciweek.organizations.models import Organization
from sciweek.quiz.models import Attempt

from .test_stats_data import build

pytestmark = pytest.mark.django_db

ATTACKERS = ["sjz-admin", "sjz-reviewer", "sjz-statistician", "sjz-publicity", "unit-admin", "other-province-statistician"]

# route name -> (kwargs for 保定's objects, methods to try)
MATRIX = {
    "quiz:stats": (lambda o: {"quiz_id": o["quiz"].pk}, ["get"]),
    "quiz:stats_figures": (lambda o: {"quiz_id": o["quiz"].pk}, ["get"]),
    "quiz:stats_review": (lambda o: {"quiz_id": o["quiz"].pk, "attempt_id": o["attempt"].pk}, ["get", "post"]),
    "quiz:export_results": (lambda o: {"quiz_id": o["quiz"].pk}, ["get"]),
    "quiz:export_prizes": (lambda o: {"quiz_id": o["quiz"].pk}, ["get"]),
}


def stats_object_routes() -> set[str]:
    namespace = get_resolver().namespace_dict["quiz"][1]
    return {f"quiz:{p.name}" for p in namespace.url_patterns
            if isinstance(p, URLPattern) and p.pattern.converters and str(p.pattern).startswith("console/")
            and getattr(p.callback, "__module__", "") == "sciweek.quiz.stats_views"}


def test_every_object_route_is_in_the_matrix():
    assert stats_object_routes() == set(MATRIX)


@pytest.fixture
def baoding(demo):
    data = build(demo, slug="bd-stats", organization="保定市")
    attempt = Attempt.objects.get(quiz=data.quiz, person=data.people["p7"])  # flagged
    shanxi = Organization.objects.get(name="山西省")
    other = User.objects.create_user("other-province-statistician", password="x", full_name="山西统计员")
    Membership.objects.create(user=other, organization=shanxi, role="statistician")  # the right role, elsewhere
    return {"quiz": data.quiz, "attempt": attempt}


@pytest.mark.parametrize("attacker", ATTACKERS)
def test_outsiders_get_404_everywhere(baoding, client, attacker):
    from sciweek.conftest import sign_in

    sign_in(client, attacker)
    exported = AuditEvent.objects.filter(action="quiz.results_exported").count()
    for name, (kwargs, methods) in MATRIX.items():
        url = reverse(name, kwargs=kwargs(baoding))
        for method in methods:
            data = {f"a{baoding['attempt'].pk}-note": "入侵", f"a{baoding['attempt'].pk}-decision": "disqualify",
                    "confirmed": "1"} if method == "post" else {}
            response = getattr(client, method)(url, data, HTTP_HX_REQUEST="true")
            assert response.status_code == 404, f"{attacker} {method.upper()} {name}: {response.status_code}"
    attempt = Attempt.objects.get(pk=baoding["attempt"].pk)
    assert attempt.review == "flagged"
    assert AuditEvent.objects.filter(action="quiz.results_exported").count() == exported


def test_the_city_itself_sees_them(baoding, staff_client):
    client = staff_client("hebei-statistician")
    for name, (kwargs, _methods) in MATRIX.items():
        if name != "quiz:stats_review":
            assert client.get(reverse(name, kwargs=kwargs(baoding)), HTTP_HX_REQUEST="true").status_code == 200
