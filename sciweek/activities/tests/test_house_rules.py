"""The activities slice's house rules: services check the policy themselves, the pages offer
exactly what workflow.available_actions returns, every transition is announced once committed,
and tasks and services do not import each other."""
import ast
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from freezegun import freeze_time

from sciweek.accounts import policy
from sciweek.accounts.models import User
from sciweek.activities import services, workflow
from sciweek.activities.models import Activity, Notification
from sciweek.core.signals import filing_changed

from .factories import complete_filing

pytestmark = pytest.mark.django_db
S = Activity.Status


def user(name):
    return User.objects.get(username=name)


@pytest.fixture(autouse=True)
def _within_filing_period():
    with freeze_time("2020-07-20 10:00:00", tick=True):
        yield


@pytest.fixture
def announced():
    heard = []

    def receiver(sender, **kwargs):
        heard.append((kwargs["transition"].action, kwargs["from_status"], kwargs["to_status"],
                      kwargs["activity"].pk, kwargs["actor"].username))

    filing_changed.connect(receiver, dispatch_uid="test-house-rules")
    yield heard
    filing_changed.disconnect(dispatch_uid="test-house-rules")


# --- filing_changed ---------------------------------------------------------------------

def test_every_transition_is_announced_after_commit(demo, announced, django_capture_on_commit_callbacks):
    activity = complete_filing(demo)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        services.submit(activity, actor=user("unit-filer"))
    assert announced == [] and len(pending) >= 1  # nothing is heard before the commit
    for callback in pending:
        callback()
    assert announced == [("submit", S.DRAFT, S.SUBMITTED, activity.pk, "unit-filer")]

    with django_capture_on_commit_callbacks(execute=True):
        services.approve(Activity.objects.get(pk=activity.pk), actor=user("sjz-reviewer"))
    with django_capture_on_commit_callbacks(execute=True):
        change = services.propose_change(Activity.objects.get(pk=activity.pk), actor=user("unit-filer"))
    services.update_filing(change, actor=user("unit-filer"), fields={"title": "改名后的讲座"})
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(change, actor=user("unit-filer"))
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(Activity.objects.get(pk=change.pk), actor=user("sjz-reviewer"))
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(Activity.objects.get(pk=activity.pk), actor=user("unit-filer"), reason="因故取消")
    assert [a[:3] for a in announced[1:]] == [
        ("approve", S.SUBMITTED, S.APPROVED),
        ("submit", S.DRAFT, S.SUBMITTED),
        ("approve", S.SUBMITTED, S.SUPERSEDED),  # the change copy is merged…
        ("apply_change", S.APPROVED, S.APPROVED),  # …and the public version changes
        ("cancel", S.APPROVED, S.CANCELLED),
    ]


def test_a_lost_race_announces_nothing(demo, announced, django_capture_on_commit_callbacks):
    activity = complete_filing(demo)
    services.submit(activity, actor=user("unit-filer"))
    stale = Activity.objects.get(pk=activity.pk)
    services.approve(Activity.objects.get(pk=activity.pk), actor=user("sjz-reviewer"))
    with django_capture_on_commit_callbacks(execute=True) as pending, pytest.raises(services.TransitionConflict):
        services.return_for_revision(stale, actor=user("sjz-reviewer"), comment="晚了一步")
    assert pending == []


# --- services check the policy themselves -------------------------------------------------

def test_services_refuse_actors_outside_their_scope(demo, org):
    activity = complete_filing(demo)
    outsider = User.objects.create_user("bd-filer", password="x")
    outsider.memberships.create(organization=org("保定市"), role="filer")
    liaison = user("sjz-liaison")
    pdf = SimpleUploadedFile("方案.pdf", b"%PDF-1.4\n", content_type="application/pdf")
    with pytest.raises(Http404):
        services.add_attachment(activity, pdf, actor=outsider)
    with pytest.raises(PermissionDenied):
        services.add_attachment(activity, pdf, actor=liaison)
    with pytest.raises(Http404):
        services.create_filings([services.NewFiling(organization_id=activity.organization_id, fields={"title": "x"})],
                                actor=outsider, campaign=demo, kind="project")
    with pytest.raises(PermissionDenied):  # inside the tree, without the filing role
        services.create_filings([services.NewFiling(organization_id=activity.organization_id, fields={"title": "x"})],
                                actor=liaison, campaign=demo, kind="project")
    assert not Activity.objects.filter(title="x").exists()
    services.submit(activity, actor=user("unit-filer"))
    with pytest.raises(Http404):  # another city's reviewer: the filing does not exist for them
        outsider.memberships.create(organization=org("保定市"), role="reviewer")
        policy.forget(outsider)
        services.reject(activity, actor=outsider, comment="无权")
    assert Activity.objects.get(pk=activity.pk).status == S.SUBMITTED


def test_bulk_create_writes_drafts_with_everything_in_one_go(demo, org, django_assert_max_num_queries):
    filer = user("sjz-filer")
    policy.grants(filer)
    city, bureau = org("石家庄市"), org("石家庄市科学技术局")
    area = demo.content_areas.first()
    filings = [services.NewFiling(organization_id=city.pk, fields={"title": f"批量 {i}"}, hosts=[city.pk, bureau.pk],
                                  content_areas=[area.pk]) for i in range(50)]
    with django_assert_max_num_queries(8):
        ids = services.create_filings(filings, actor=filer, campaign=demo, kind="project")
    created = Activity.objects.filter(pk__in=ids)
    assert created.count() == 50 and set(created.values_list("status", flat=True)) == {S.DRAFT}
    assert set(created.values_list("created_by__username", flat=True)) == {"sjz-filer"}
    assert list(created.get(pk=ids[0]).host_links.values_list("organization", flat=True)) == [city.pk, bureau.pk]


def test_marking_notifications_read_is_a_service(demo, staff_client):
    activity = complete_filing(demo)
    services.submit(activity, actor=user("unit-filer"))
    reviewer = user("sjz-reviewer")
    assert Notification.objects.filter(user=reviewer, read_at__isnull=True).exists()
    client = staff_client("sjz-reviewer")
    assert client.post(reverse("activities:notifications")).status_code == 302
    assert not Notification.objects.filter(user=reviewer, read_at__isnull=True).exists()


# --- who sees a filer's phone -------------------------------------------------------------

def test_one_policy_decides_who_sees_contacts(demo, org):
    activity = complete_filing(demo)
    assert policy.may_see_contact(user("unit-filer"), activity)
    assert policy.may_see_contact(user("sjz-reviewer"), activity)
    assert not policy.may_see_contact(user("sjz-liaison"), activity)
    assert not policy.may_see_contact(user("sjz-statistician"), activity)
    # the subtree form (exports): everything within, or within the user's whole export scope
    assert policy.may_see_contacts_within(user("sjz-reviewer"), org("石家庄市"))
    assert policy.may_see_contacts_within(user("sjz-reviewer"))
    assert not policy.may_see_contacts_within(user("sjz-statistician"))
    assert not policy.may_see_contacts_within(user("unit-filer"), org("石家庄市"))


# --- the state machine decides the buttons -----------------------------------------------------

def names(activity, username):
    return [a.name for a in workflow.available_actions(Activity.objects.get(pk=activity.pk), user(username))]


def test_available_actions_follow_state_and_role(demo):
    activity = complete_filing(demo)
    assert names(activity, "unit-filer") == ["submit"]
    assert names(activity, "sjz-reviewer") == []
    services.submit(activity, actor=user("unit-filer"))
    assert names(activity, "unit-filer") == ["withdraw"]
    assert names(activity, "sjz-reviewer") == ["approve", "return", "reject"]
    assert names(activity, "hebei-reviewer") == []  # not at the province's level yet
    assert names(activity, "sjz-liaison") == []
    services.return_for_revision(Activity.objects.get(pk=activity.pk), actor=user("sjz-reviewer"), comment="补充")
    assert names(activity, "unit-filer") == ["submit", "withdraw"]
    services.submit(Activity.objects.get(pk=activity.pk), actor=user("unit-filer"))
    services.approve(Activity.objects.get(pk=activity.pk), actor=user("sjz-reviewer"))
    assert names(activity, "unit-filer") == ["propose_change", "cancel"]
    assert workflow.bulk_actions(user("sjz-reviewer")) == [workflow.APPROVE, workflow.RETURN]
    assert workflow.bulk_actions(user("unit-filer")) == []


def test_detail_page_renders_exactly_the_available_actions(demo, staff_client):
    activity = complete_filing(demo)
    services.submit(activity, actor=user("unit-filer"))
    page = staff_client("sjz-reviewer").get(reverse("activities:filing_detail", args=[activity.pk])).content.decode()
    for action in ("approve", "return", "reject"):
        assert f'name="action" value="{action}"' in page
    assert 'value="withdraw"' not in page and 'value="submit"' not in page
    page = staff_client("unit-filer").get(reverse("activities:filing_detail", args=[activity.pk])).content.decode()
    assert 'name="action" value="withdraw"' in page and 'value="approve"' not in page
    services.approve(Activity.objects.get(pk=activity.pk), actor=user("sjz-reviewer"))
    page = staff_client("unit-filer").get(reverse("activities:filing_detail", args=[activity.pk])).content.decode()
    assert 'value="propose_change"' in page and 'value="cancel"' in page and "取消原因（将向公众显示）" in page
    assert 'value="withdraw"' not in page and 'value="submit"' not in page


def test_the_action_view_accepts_only_what_is_offered(demo, staff_client):
    activity = complete_filing(demo)
    client = staff_client("unit-filer")
    url = reverse("activities:filing_action", args=[activity.pk])
    # the service would withdraw a draft; the page never offers it, so the view refuses it
    response = client.post(url, {"action": "withdraw"}, follow=True)
    assert "当前不能进行这项操作" in response.content.decode()
    assert Activity.objects.get(pk=activity.pk).status == S.DRAFT
    assert client.post(url, {"action": "delete_everything"}).status_code == 404
    client.post(url, {"action": "submit"})
    assert Activity.objects.get(pk=activity.pk).status == S.SUBMITTED


def test_bulk_review_accepts_only_the_inbox_decisions(demo, staff_client):
    activity = complete_filing(demo)
    services.submit(activity, actor=user("unit-filer"))
    client = staff_client("sjz-reviewer")
    page = client.get(reverse("activities:review_inbox")).content.decode()
    assert 'name="decision" value="approve"' in page and 'name="decision" value="return"' in page
    response = client.post(reverse("activities:review_bulk"), {"activity": [activity.pk], "decision": "reject",
                                                               "comment": "不予通过"}, follow=True)
    assert "未知的审核操作" in response.content.decode()
    assert Activity.objects.get(pk=activity.pk).status == S.SUBMITTED


# --- no import cycles between services and tasks -----------------------------------------------

@pytest.mark.parametrize("app", ["activities", "spreadsheets"])
def test_services_and_notifications_do_not_import_tasks(app):
    """Tasks import services; services find their tasks by name when they enqueue."""
    root = Path(__file__).resolve().parents[2] / app
    for module in ("services.py", "notifications.py", "importer.py"):
        path = root / module
        if not path.exists():
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                imported = (node.module or "") + "".join(f".{a.name}" for a in node.names)
                assert "tasks" not in imported.split("."), (path.name, imported)


def test_cancelling_an_activity_asks_first(staff_client, demo):
    from django.urls import reverse

    activity = Activity.objects.filter(organization__name="石家庄市科技信息研究所", status=S.APPROVED,
                                       campaign=demo).first()
    client = staff_client("unit-filer")
    url = reverse("activities:filing_action", args=[activity.pk])
    question = client.post(url, {"action": "cancel", "comment": "场馆维修"}).content.decode()
    assert "确定要取消" in question and 'value="场馆维修"' in question
    assert Activity.objects.get(pk=activity.pk).status == S.APPROVED
    client.post(url, {"action": "cancel", "comment": "场馆维修", "confirmed": "1"})
    assert Activity.objects.get(pk=activity.pk).status == S.CANCELLED
