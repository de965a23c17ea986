"""No IDOR in the contests' console: staff of a city below the organizer, of a unit, or of
another province can neither see nor change a contest run by 河北省 (404 on every route that
takes an id, whatever the method); a judge's pages do not exist for anyone without the seat.

The matrix must name every route of console_views that takes an object id (the same way as
quiz/tests/test_console_isolation.py); console/tests/test_isolation.py should list "contests"
in OWN_MATRIX."""
import pytest
from django.urls import URLPattern, get_resolver, reverse

from sciweek.accounts.models import User
from sciweek.contests import services
from sciweek.contests.models import Assignment, Contest, Entry, Objection, PanelJudge, Round, Score
from sciweek.quiz.tests.test_console_helpers import other_province_admin

from .conftest import enter, judge_user, unit

pytestmark = pytest.mark.django_db

BELOW = ["sjz-admin", "sjz-filer", "unit-admin", "unit-filer"]  # inside Hebei's tree, below the organizer
OUTSIDE = ["other-province-admin", "outsider-judge"]
PAYLOAD = {"confirmed": "1", "reason": "入侵", "title": "入侵", "slug": "x", "kind": "speaking", "name": "入侵",
           "action": "submit", "organization": "1", "places": "0", "by": "ip", "value": "1.2.3.4",
           "judges_per_entry": "1", "publicity_days": "1", "categories-TOTAL_FORMS": "0",
           "categories-INITIAL_FORMS": "0", "tiers-TOTAL_FORMS": "0", "tiers-INITIAL_FORMS": "0"}


def contest_routes(o):
    return {"contest_id": o["contest"].pk}


def round_routes(o):
    return {"round_id": o["round"].pk}


# route -> (kwargs, methods, who must get a 404)
MATRIX = {
    "contests:contest_detail": (contest_routes, ["get"], BELOW + OUTSIDE),
    "contests:contest_edit": (contest_routes, ["get", "post"], BELOW + OUTSIDE),
    "contests:round_new": (contest_routes, ["get", "post"], BELOW + OUTSIDE),
    "contests:quota_set": (contest_routes, ["post"], BELOW + OUTSIDE),
    "contests:entry_list": (contest_routes, ["get"], BELOW + OUTSIDE),
    "contests:contest_publish": (contest_routes, ["get", "post"], BELOW + OUTSIDE),
    "contests:contest_finalize": (contest_routes, ["get", "post"], BELOW + OUTSIDE),
    "contests:objection_list": (contest_routes, ["get"], BELOW + OUTSIDE),
    "contests:votes_void": (contest_routes, ["post"], BELOW + OUTSIDE),
    # Units below the organizer may enter its contest: only those outside its tree get a 404.
    "contests:entry_submit": (contest_routes, ["get", "post"], OUTSIDE),
    "contests:round_edit": (round_routes, ["get", "post"], BELOW + OUTSIDE),
    "contests:round_open": (round_routes, ["post"], BELOW + OUTSIDE),
    "contests:round_close": (round_routes, ["get", "post"], BELOW + OUTSIDE),
    "contests:round_assign": (round_routes, ["post"], BELOW + OUTSIDE),
    "contests:round_progress": (round_routes, ["get"], BELOW + OUTSIDE),
    "contests:round_results": (round_routes, ["get"], BELOW + OUTSIDE),
    "contests:results_export": (round_routes, ["get"], BELOW + OUTSIDE),
    "contests:panel_add": (round_routes, ["post"], BELOW + OUTSIDE),
    "contests:judge_add": (lambda o: {"panel_id": o["panel"].pk}, ["post"], BELOW + OUTSIDE),
    "contests:judge_remove": (lambda o: {"seat_id": o["seat"].pk}, ["post"], BELOW + OUTSIDE),
    "contests:entry_disqualify": (lambda o: {"entry_id": o["entry"].pk}, ["get", "post"], BELOW + OUTSIDE),
    "contests:entry_withdraw": (lambda o: {"entry_id": o["entry"].pk}, ["get", "post"], BELOW + OUTSIDE),
    "contests:entry_video": (lambda o: {"entry_id": o["entry"].pk}, ["get", "post"], BELOW + OUTSIDE),
    "contests:objection_handle": (lambda o: {"objection_id": o["objection"].pk}, ["post"], BELOW + OUTSIDE),
    "contests:judge_round": (round_routes, ["get"], BELOW + OUTSIDE),
    "contests:chief_scores": (round_routes, ["get"], BELOW + OUTSIDE + ["plain-judge"]),
    "contests:chief_reopen": (lambda o: {"score_id": o["score"].pk}, ["post"], BELOW + OUTSIDE + ["plain-judge"]),
    "contests:judge_score": (lambda o: {"assignment_id": o["assignment"].pk}, ["get", "post"],
                             BELOW + OUTSIDE + ["plain-judge"]),
    "contests:judge_conflict": (lambda o: {"assignment_id": o["assignment"].pk}, ["post"],
                                BELOW + OUTSIDE + ["plain-judge"]),
}


@pytest.fixture
def objects(kit):
    """Hebei's contest with a 保定 entry scored by the chief, a seat, an open objection; a judge of
    another contest (outsider-judge) and a judge of this panel who is not the entry's (plain-judge)."""
    other_province_admin()
    baoding = unit("保定市")
    entries = [enter(kit, f"保定作品{i}", baoding) for i in range(4)]
    services.assign(kit.final, actor=kit.admin)
    services.open_round(kit.final, actor=kit.admin)
    chief = kit.judges[2]
    assignment = Assignment.objects.filter(round=kit.final, judge=chief).select_related("entry").first()
    score = services.save_score(assignment, judge=chief, submit=True,
                                points={str(c.pk): "5" for c in kit.final.criteria.all()})
    plain = next(j for j in kit.judges if j != chief and not Assignment.objects.filter(
        round=kit.final, judge=j, entry=assignment.entry).exists())
    User.objects.filter(pk=plain.pk).update(username="plain-judge")
    judge_user("outsider-judge", unit("河北大学"))  # a judge, but of no panel here
    objection = Objection.objects.create(contest=kit.contest, entry=entries[0], name="张三", phone="13800000000",
                                         text="异议")
    return {"contest": kit.contest, "round": kit.final, "panel": kit.panel,
            "seat": PanelJudge.objects.filter(panel=kit.panel).first(), "entry": entries[0], "objection": objection,
            "assignment": assignment, "score": score}


def console_object_routes() -> set[str]:
    namespace = get_resolver().namespace_dict["contests"][1]
    return {f"contests:{p.name}" for p in namespace.url_patterns
            if isinstance(p, URLPattern) and p.pattern.converters and str(p.pattern).startswith("console/")
            and getattr(p.callback, "__module__", "") == "sciweek.contests.console_views"}


def test_every_object_route_is_in_the_matrix():
    assert console_object_routes() == set(MATRIX)


def sign(client, username):
    from sciweek.conftest import sign_in

    client.logout()
    return sign_in(client, username)


def snapshot(o):
    return (Contest.objects.filter(pk=o["contest"].pk).values_list("status", "title", "version").get(),
            Round.objects.get(pk=o["round"].pk).status, Entry.objects.get(pk=o["entry"].pk).status,
            Objection.objects.get(pk=o["objection"].pk).status, Score.objects.get(pk=o["score"].pk).status,
            Assignment.objects.filter(pk=o["assignment"].pk).exists(), PanelJudge.objects.count())


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_objects_outside_the_users_reach_are_not_found(route, objects, client):
    kwargs, methods, attackers = MATRIX[route]
    url = reverse(route, kwargs=kwargs(objects))
    before = snapshot(objects)
    for username in attackers:
        sign(client, username)
        for method in methods:
            response = client.post(url, PAYLOAD) if method == "post" else client.get(url)
            assert response.status_code == 404, (route, username, method, response.status_code)
    assert snapshot(objects) == before


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_anonymous_is_sent_to_sign_in(route, objects, client):
    kwargs, methods, _who = MATRIX[route]
    url = reverse(route, kwargs=kwargs(objects))
    for method in methods:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_provinces_admin_sees_no_contest_in_the_list(objects, client):
    sign(client, "other-province-admin")
    page = client.get(reverse("contests:console_list")).content.decode()
    assert objects["contest"].title not in page
    sign(client, "hebei-admin")
    assert objects["contest"].title in client.get(reverse("contests:console_list")).content.decode()


def test_wrong_role_inside_the_tree_is_forbidden(objects, client):
    sign(client, "hebei-filer")
    assert client.get(reverse("contests:contest_detail", args=[objects["contest"].pk])).status_code == 403
    assert client.post(reverse("contests:round_open", args=[objects["round"].pk])).status_code == 403
