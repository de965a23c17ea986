"""No IDOR: for every console URL, a city's staff can neither see nor change another city's data.

The matrix below must name every console route that takes an object ID; a new route that is
missing from it fails `test_every_object_route_is_in_the_matrix`.
"""
from datetime import timedelta

import pytest
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone

from sciweek.accounts.models import AuditEvent, Invitation, Membership, User
from sciweek.accounts.services import create_invitation
from sciweek.activities.models import Activity, Attachment, Session
from sciweek.news.models import NewsItem
from sciweek.organizations.models import Organization

pytestmark = pytest.mark.django_db

ATTACKERS = ["sjz-admin", "sjz-reviewer", "sjz-filer", "unit-admin", "unit-filer"]


@pytest.fixture
def baoding_objects(demo, org):
    """Objects that belong to 保定 (a sibling city of 石家庄)."""
    baoding = org("保定市")
    baoding_admin = User.objects.create_user("bd-admin", password="x", full_name="保定管理员")
    membership = Membership.objects.create(user=baoding_admin, organization=baoding, role="admin")
    invitation, _ = create_invitation(actor=baoding_admin, organization=baoding, role="filer", email="a@b.cn")
    filing = Activity.objects.filter(organization__name="保定市科学技术局", status="approved").first()
    draft = Activity.objects.create(campaign=demo, organization=org("保定市科学技术局"), title="保定草稿")
    attachment = Attachment.objects.create(activity=filing, kind="document", file="filings/x.pdf",
                                           original_name="保定.pdf", size=10)
    session = Session.objects.create(activity=filing, starts_at=timezone.now() + timedelta(days=3),
                                     ends_at=timezone.now() + timedelta(days=3, hours=2), capacity=10)
    news = NewsItem.objects.create(campaign=demo, organization=org("保定市科学技术局"), activity=filing,
                                   title="保定动态", body="保定")
    return {"org": baoding, "membership": membership, "invitation": invitation, "admin": baoding_admin,
            "filing": filing, "draft": draft, "attachment": attachment, "session": session, "news": news}


# route name (with its app's namespace) -> (kwargs for 保定's object, methods to try)
MATRIX = {
    "organizations:organization_detail": (lambda o: {"org_id": o["org"].pk}, ["get"]),
    "organizations:organization_add": (lambda o: {"org_id": o["org"].pk}, ["get", "post"]),
    "organizations:organization_edit": (lambda o: {"org_id": o["org"].pk}, ["get", "post"]),
    "accounts:invitation_create": (lambda o: {"org_id": o["org"].pk}, ["post"]),
    "accounts:invitation_revoke": (lambda o: {"invitation_id": o["invitation"].pk}, ["get", "post"]),
    "accounts:membership_revoke": (lambda o: {"membership_id": o["membership"].pk}, ["get", "post"]),
    "accounts:membership_change_role": (lambda o: {"membership_id": o["membership"].pk}, ["get", "post"]),
    "campaigns:regional_plan_edit": (lambda o: {"org_id": o["org"].pk}, ["get", "post"]),
    "activities:filing_detail": (lambda o: {"activity_id": o["filing"].pk}, ["get"]),
    "activities:filing_edit": (lambda o: {"activity_id": o["draft"].pk}, ["get", "post"]),
    "activities:filing_autosave": (lambda o: {"activity_id": o["draft"].pk}, ["post"]),
    "activities:filing_action": (lambda o: {"activity_id": o["filing"].pk}, ["post"]),
    "activities:attachment_upload": (lambda o: {"activity_id": o["draft"].pk}, ["post"]),
    "activities:attachment_download": (lambda o: {"attachment_id": o["attachment"].pk}, ["get"]),
    "reservations:session_detail": (lambda o: {"session_id": o["session"].pk}, ["get"]),
    "reservations:session_capacity": (lambda o: {"session_id": o["session"].pk}, ["post"]),
    "reservations:session_close": (lambda o: {"session_id": o["session"].pk}, ["post"]),
    "reservations:session_export": (lambda o: {"session_id": o["session"].pk}, ["get"]),
    "reservations:check_in": (lambda o: {"session_id": o["session"].pk}, ["get", "post"]),
    "statistics:export": (lambda o: {"organization_id": o["org"].pk}, ["get"]),
    "statistics:publish": (lambda o: {"organization_id": o["org"].pk}, ["post"]),
    "statistics:status": (lambda o: {"organization_id": o["org"].pk}, ["get"]),
}
# Apps whose console routes have a matrix of their own (with the objects they need).
# quiz: quiz/tests/test_console_isolation.py (console_views) and test_stats_isolation.py (stats_views),
# each asserting its module's routes are all in its matrix.
OWN_MATRIX = {"spreadsheets", "quiz", "contests", "news", "reports", "evaluation", "commendations"}  # each has its own matrix (e.g. contests/tests/test_console_isolation.py)


def console_object_routes():
    """Every named route under /console/ that takes an object ID, whichever app owns it."""
    found = set()

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLPattern):
                full = prefix + str(p.pattern)
                if full.startswith("console/") and p.pattern.converters and p.name and namespace not in OWN_MATRIX:
                    found.add(f"{namespace}:{p.name}" if namespace else p.name)
            else:
                ns = p.namespace or namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)

    walk(get_resolver().url_patterns, "", "")
    return found


def test_every_object_route_is_in_the_matrix():
    assert console_object_routes() == set(MATRIX)


@pytest.mark.parametrize("attacker", ATTACKERS)
@pytest.mark.parametrize("route", sorted(MATRIX))
def test_other_citys_objects_are_not_found(route, attacker, baoding_objects, staff_client):
    client = staff_client(attacker)
    kwargs, methods = MATRIX[route]
    url = reverse(route, kwargs=kwargs(baoding_objects))
    payload = {"name": "入侵", "kind": "school", "role": "admin", "theme": "x", "title": "入侵", "action": "cancel",
               "comment": "入侵", "capacity": "1", "cancel": "1", "reason": "入侵", "code": "XXXX",
               "confirmed": "1"}
    for method in methods:
        response = getattr(client, method)(url, payload) if method == "post" else client.get(url)
        assert response.status_code == 404, (route, attacker, method, response.status_code)
    # nothing changed
    assert Membership.objects.filter(pk=baoding_objects["membership"].pk).exists()
    invitation = Invitation.objects.get(pk=baoding_objects["invitation"].pk)
    assert invitation.revoked_at is None
    assert baoding_objects["org"].name == "保定市"
    assert not Organization.objects.get_children(baoding_objects["org"]).filter(name="入侵").exists()
    assert Activity.objects.get(pk=baoding_objects["filing"].pk).status == "approved"
    assert Activity.objects.get(pk=baoding_objects["draft"].pk).title == "保定草稿"
    assert not Activity.objects.filter(title="入侵").exists()
    session = Session.objects.get(pk=baoding_objects["session"].pk)
    assert (session.capacity, session.is_closed, session.cancelled_at) == (10, False, None)
    assert NewsItem.objects.get(pk=baoding_objects["news"].pk).status == NewsItem.Status.PUBLISHED


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_anonymous_is_sent_to_login(route, baoding_objects, client):
    kwargs, methods = MATRIX[route]
    url = reverse(route, kwargs=kwargs(baoding_objects))
    for method in methods:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_wrong_role_in_own_tree_is_forbidden(staff_client, org):
    client = staff_client("sjz-filer")
    sjz = org("石家庄市")
    assert client.get(reverse("organizations:organization_edit", args=[sjz.pk])).status_code == 403
    assert client.post(reverse("accounts:invitation_create", args=[sjz.pk]), {"role": "admin"}).status_code == 403


def test_lists_show_only_own_subtree(baoding_objects, staff_client):
    client = staff_client("sjz-admin")
    page = client.get(reverse("organizations:organization_list"), {"q": "保定"}).content.decode()
    assert "保定市" not in page
    page = client.get(reverse("organizations:organization_list"), {"q": "莲池"}).content.decode()
    assert "莲池区" not in page
    assert AuditEvent.objects.filter(organization=baoding_objects["org"]).exists()
    audit = client.get(reverse("accounts:audit_log")).content.decode()
    assert "a@b.cn" not in audit
    home = client.get(reverse("console:home")).content.decode()
    assert "保定" not in home


def test_unit_cannot_see_its_parent_city(staff_client, org):
    client = staff_client("unit-admin")
    assert client.get(reverse("organizations:organization_detail", args=[org("石家庄市").pk])).status_code == 404
    own = org("石家庄市科技信息研究所")
    assert client.get(reverse("organizations:organization_detail", args=[own.pk])).status_code == 200
