"""Every evaluation console route that takes an object id, tried by staff of a branch the
evaluation does not belong to (石家庄 and its unit are *evaluated* by Hebei): 404 for each,
GET and POST (405 where the method is not allowed at all). The matrix must name every such route (a new route fails the first test)."""
import pytest
from django.urls import get_resolver, reverse

from sciweek.evaluation.models import Indicator

ATTACKERS = ["sjz-admin", "sjz-reviewer", "sjz-filer", "unit-admin", "unit-filer"]
MATRIX = {
    "scorecard": ("ev",), "scheme": ("ev",), "scheme_change": ("ev",), "simulate": ("ev",), "evidence": ("ev", "subject", "indicator"),
    "score": ("ev", "subject"), "support": ("ev", "subject"), "transition": ("ev", "action"),
}


def routes():
    resolver = get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if getattr(pattern, "namespace", None) == "evaluation":
            names |= {p.name for p in pattern.url_patterns if p.pattern.converters}
    return names


def test_the_matrix_names_every_route():
    assert routes() == set(MATRIX)


@pytest.mark.parametrize("route", sorted(MATRIX))
@pytest.mark.parametrize("attacker", ATTACKERS)
def test_another_branch_gets_404(route, attacker, hebei_evaluation, staff_client):
    ev = hebei_evaluation
    subject = ev.subjects.get(organization__name="石家庄市")  # their own organization, even
    values = {"ev": ev.pk, "subject": subject.pk, "indicator": Indicator.objects.filter(evaluation=ev).first().pk,
              "action": "publish"}
    url = reverse(f"evaluation:{route}", args=[values[k] for k in MATRIX[route]])
    client = staff_client(attacker)
    assert client.get(url).status_code in (404, 405), url
    assert client.post(url, {"confirmed": "1", "support": "on", "save": "1"}).status_code in (404, 405), url
