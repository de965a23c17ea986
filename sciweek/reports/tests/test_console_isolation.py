"""No IDOR on the summary reports' console routes: for every route that takes an object id,
staff of another branch (a sibling province's reviewer, a sibling city's reviewer, a unit of
the other city) get 404 for a unit's report, by GET and POST, and nothing changes. The matrix
must name every such route of the app (a new one fails until it is added here)."""
import pytest
from django.urls import URLPattern, get_resolver, reverse

from sciweek.reports import services
from sciweek.reports.models import MediaCoverage, ReportImage, ReportStatus, SummaryReport

from .conftest import BODY, at, jpeg

pytestmark = pytest.mark.django_db

MATRIX = {
    "reports:start": (lambda o: {"organization_id": o["org"].pk}, ["post"]),
    "reports:report": (lambda o: {"report_id": o["report"].pk}, ["get"]),
    "reports:save_text": (lambda o: {"report_id": o["report"].pk}, ["post"]),
    "reports:add_images": (lambda o: {"report_id": o["report"].pk}, ["post"]),
    "reports:edit_image": (lambda o: {"report_id": o["report"].pk, "image_id": o["image"].pk}, ["post"]),
    "reports:video": (lambda o: {"report_id": o["report"].pk}, ["post"]),
    "reports:add_coverage": (lambda o: {"report_id": o["report"].pk}, ["post"]),
    "reports:remove_coverage": (lambda o: {"report_id": o["report"].pk, "coverage_id": o["coverage"].pk}, ["post"]),
    "reports:submit": (lambda o: {"report_id": o["report"].pk}, ["post"]),
    "reports:decide": (lambda o: {"report_id": o["report"].pk}, ["post"]),
    "reports:extend": (lambda o: {"report_id": o["report"].pk}, ["post"]),
    "reports:archive": (lambda o: {"report_id": o["report"].pk}, ["get"]),
}
ATTACKERS = ["q_reviewer", "c2_reviewer", "u3_filer"]


def routes_with_ids():
    found = set()

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLPattern):
                if namespace == "reports" and p.pattern.converters:
                    found.add(f"reports:{p.name}")
            else:
                walk(p.url_patterns, p.namespace or namespace)

    walk(get_resolver().url_patterns, "")
    return found


def test_every_object_route_is_in_the_matrix():
    assert routes_with_ids() == set(MATRIX)


@pytest.fixture
def target(tree):
    report = services.start(tree["campaign"], tree["u1"], actor=tree["u1_filer"])
    report = services.save_text(report, actor=tree["u1_filer"], title="甲一市科技馆的总结", body=BODY)
    services.add_images(report, [jpeg()], actor=tree["u1_filer"])
    coverage = services.add_coverage(report, actor=tree["u1_filer"], outlet="报", title="报道",
                                     published_on=at(8, 25).date())
    return {"report": report, "org": tree["u1"], "image": ReportImage.objects.get(report=report),
            "coverage": coverage}


@pytest.mark.parametrize("attacker", ATTACKERS)
@pytest.mark.parametrize("route", sorted(MATRIX))
def test_another_branch_finds_nothing(client, tree, target, route, attacker):
    client.force_login(tree[attacker], backend="django.contrib.auth.backends.ModelBackend")
    kwargs, methods = MATRIX[route]
    url = reverse(route, kwargs=kwargs(target))
    payload = {"title": "入侵", "body": "<p>入侵</p>", "version": "1", "decision": "accept", "reason": "入侵",
               "remove": "1", "caption": "入侵", "outlet": "入侵", "coverage-outlet": "入侵", "coverage-title": "入侵",
               "coverage-published_on": "2097-08-25", "extension-until": "2097-12-31", "extension-reason": "入侵"}
    for method in methods:
        response = client.post(url, payload) if method == "post" else client.get(url)
        assert response.status_code == 404, (route, attacker, method, response.status_code)
    report = SummaryReport.objects.get(pk=target["report"].pk)
    assert (report.title, report.status, report.extended_until) == ("甲一市科技馆的总结", ReportStatus.DRAFT, None)
    assert ReportImage.objects.filter(report=report, caption="").count() == 1
    assert MediaCoverage.objects.filter(report=report).count() == 1
