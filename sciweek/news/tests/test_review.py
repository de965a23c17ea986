"""Review by the receiving level (campaign.news_review_required): submitted → returned with a
reason → fixed and resubmitted → published; only someone deciding for the filing
organization's parent decides (a sibling branch gets 404, the unit itself 403, nobody their
own item); without the setting an item publishes at once; withdrawal at any time."""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from freezegun import freeze_time

from sciweek.accounts.models import AuditEvent, Membership, User
from sciweek.news import services
from sciweek.news.models import NewsDue, NewsItem

from .conftest import jpeg, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def review_on(demo):
    demo.news_review_required = True
    demo.save(update_fields=["news_review_required"])
    return demo


@pytest.fixture
def held(approved):
    """An approved activity whose last session has ended; `now` lies a day after it."""
    activity = approved()
    due = NewsDue.objects.get(activity=activity)
    return activity, due.clock_starts_at + timedelta(days=1)


def submit(activity, unit, now, *, actor="unit-publicity", title="现场报道", images=()):
    with freeze_time(now):
        return services.submit(actor=user(actor), organization=unit, campaign=activity.campaign, title=title,
                               body="科普讲座现场。", activity=activity, images=images)


def make_user(username, organization, role):
    person = User.objects.create_user(username, password="x")
    Membership.objects.create(user=person, organization=organization, role=role)
    return person


def test_returned_with_a_reason_then_resubmitted_then_published(review_on, held, unit, staff_client):
    activity, now = held
    item = submit(activity, unit, now)
    assert item.status == "submitted" and item.published_at is None and item.submitted_at == now
    due = NewsDue.objects.get(activity=activity)
    assert due.first_news_at == now  # lateness and the clock count the first submission
    public = staff_client("unit-publicity")
    assert public.get(reverse("news:detail", args=[2020, item.pk])).status_code == 404

    with pytest.raises(ValidationError):
        services.return_for_revision(item, actor=user("sjz-reviewer"), reason="  ")
    with freeze_time(now + timedelta(hours=1)):
        services.return_for_revision(item, actor=user("sjz-reviewer"), reason="请补充活动现场图片。")
    item.refresh_from_db()
    assert (item.status, item.return_reason) == ("returned", "请补充活动现场图片。")
    due.refresh_from_db()
    assert due.first_news_at is None  # a returned item does not count until it comes back

    # The filer's list says why it came back; the edit page keeps what was there.
    page = public.get(reverse("news:console")).content.decode()
    assert "请补充活动现场图片。" in page and "退回修改" in page
    edit = public.get(reverse("news:edit", args=[item.pk]))
    assert edit.status_code == 200 and edit.context["form"]["title"].value() == "现场报道"
    later = now + timedelta(days=5)  # long past the due time: lateness stays the first submission's
    with freeze_time(later):
        response = public.post(reverse("news:edit", args=[item.pk]), {
            "organization": unit.pk, "activity": activity.pk, "title": "现场报道（补图）", "body": "补充了图片。",
            "images": [jpeg()], "action": "submit"})
    assert response.status_code == 302, response.content.decode()[:2000]
    item.refresh_from_db()
    assert (item.status, item.title, item.submitted_at, item.waiting_since) == (
        "submitted", "现场报道（补图）", now, later)
    assert item.late_seconds == 0 and item.images.count() == 1
    due.refresh_from_db()
    assert due.first_news_at == now and due.on_time and due.with_images
    assert not item.images.get().asset.is_public  # not public while waiting

    queue = staff_client("sjz-reviewer").get(reverse("news:review_queue"))
    assert item.title in queue.content.decode()
    assert staff_client("sjz-reviewer").post(reverse("news:review", args=[item.pk]),
                                             {"decision": "publish"}).status_code == 302
    item.refresh_from_db()
    assert item.status == "published" and item.published_at is not None and item.decided_by.username == "sjz-reviewer"
    assert item.images.get().asset.is_public
    assert client_sees(staff_client, item)
    assert set(AuditEvent.objects.filter(summary__startswith="现场报道").values_list("action", flat=True)) >= {
        "news.returned", "news.resubmitted", "news.published"}


def client_sees(staff_client, item) -> bool:
    from django.test import Client

    page = Client().get(reverse("news:detail", args=[2020, item.pk]))
    return page.status_code == 200 and item.title in page.content.decode()


def test_a_reviewer_of_a_sibling_branch_gets_404(review_on, held, unit, org, client):
    activity, now = held
    item = submit(activity, unit, now)
    outsider = make_user("bd-news-reviewer", org("保定市"), "reviewer")
    with pytest.raises(Http404):
        services.approve(item, actor=outsider)
    from sciweek.conftest import sign_in

    sign_in(client, "bd-news-reviewer")
    assert client.get(reverse("news:console_detail", args=[item.pk])).status_code == 404
    assert client.post(reverse("news:review", args=[item.pk]), {"decision": "publish"}).status_code == 404
    assert item.title not in client.get(reverse("news:review_queue")).content.decode()
    assert NewsItem.objects.get(pk=item.pk).status == "submitted"


def test_a_unit_cannot_approve_its_own_item(review_on, held, unit, staff_client):
    activity, now = held
    item = submit(activity, unit, now)
    with pytest.raises(PermissionDenied):
        services.approve(item, actor=user("unit-admin"))  # news.review at the unit, but the unit is not its receiver
    assert staff_client("unit-admin").post(reverse("news:review", args=[item.pk]),
                                           {"decision": "publish"}).status_code == 403
    # Nor may the receiving level's person who filed it on the unit's behalf.
    own = submit(activity, unit, now, actor="sjz-publicity", title="代报")
    with pytest.raises(ValidationError) as refused:
        services.approve(own, actor=user("sjz-publicity"))
    assert "不能审核自己报送的动态信息" in " ".join(refused.value.messages)
    assert NewsItem.objects.get(pk=item.pk).status == "submitted"


def test_the_lead_department_decides_for_its_level(review_on, held, unit, org):
    activity, now = held
    item = submit(activity, unit, now)
    bureau = make_user("sjz-bureau-news", org("石家庄市科学技术局"), "reviewer")
    assert services.may_decide(bureau, item)
    services.approve(item, actor=bureau)
    assert NewsItem.objects.get(pk=item.pk).status == "published"


def test_a_city_item_goes_to_the_province(review_on, held, org):
    activity, now = held
    item = submit(activity, org("石家庄市"), now, actor="sjz-publicity", title="市级动态")
    assert not services.may_decide(user("sjz-reviewer"), item)
    with pytest.raises(PermissionDenied):
        services.approve(item, actor=user("sjz-reviewer"))
    services.approve(item, actor=user("hebei-reviewer"))
    assert NewsItem.objects.get(pk=item.pk).status == "published"


def test_without_the_setting_an_item_publishes_at_once(demo, held, unit):
    activity, now = held
    assert not demo.news_review_required
    item = submit(activity, unit, now)
    assert item.status == "published" and item.published_at == now


def test_a_decision_on_an_item_that_moved_is_a_conflict(review_on, held, unit):
    activity, now = held
    item = submit(activity, unit, now)
    stale = NewsItem.objects.get(pk=item.pk)
    services.approve(item, actor=user("sjz-reviewer"))
    with pytest.raises(services.NewsConflict):
        services.return_for_revision(stale, actor=user("sjz-admin"), reason="晚了一步")
    with pytest.raises(services.NewsConflict):
        services.approve(stale, actor=user("sjz-admin"))
    withdrawn = services.withdraw(NewsItem.objects.get(pk=item.pk), actor=user("unit-publicity"))
    assert withdrawn.status == "withdrawn"
    with pytest.raises(services.NewsConflict):
        services.withdraw(stale, actor=user("unit-publicity"))  # it moved meanwhile


def test_withdraw_at_any_time_is_audited_and_leaves_the_public_pages(review_on, held, unit, staff_client):
    activity, now = held
    assets, _ = services.intake_images([jpeg()], actor=user("unit-publicity"))
    item = submit(activity, unit, now, images=[(assets[0], "图一")])
    services.approve(item, actor=user("sjz-reviewer"))
    asset = item.images.get().asset
    asset.refresh_from_db()
    assert asset.is_public
    client = staff_client("unit-publicity")
    confirm = client.post(reverse("news:withdraw", args=[item.pk]))
    assert confirm.status_code == 200 and "确定撤下" in confirm.content.decode()  # the "are you sure?" step
    assert client.post(reverse("news:withdraw", args=[item.pk]), {"confirmed": "1"}).status_code == 302
    item.refresh_from_db()
    asset.refresh_from_db()
    assert item.status == "withdrawn" and item.withdrawn_at is not None and not asset.is_public
    assert AuditEvent.objects.filter(action="news.withdrawn", summary=item.title).exists()
    assert not client_sees(staff_client, item)
    assert NewsDue.objects.get(activity=activity).first_news_at is None
    # A waiting item can be withdrawn too.
    waiting = submit(activity, unit, now, title="待审时撤下")
    services.withdraw(waiting, actor=user("unit-publicity"))
    assert NewsItem.objects.get(pk=waiting.pk).status == "withdrawn"
    # The reviewer's side may not withdraw (news.publish is the filer's side).
    other = submit(activity, unit, now, title="审核员不能撤")
    with pytest.raises(PermissionDenied):
        services.withdraw(other, actor=user("sjz-reviewer"))


def test_review_queue_is_oldest_first_and_paged(review_on, held, unit, staff_client):
    activity, now = held
    for n in range(3):
        submit(activity, unit, now + timedelta(minutes=n), title=f"排队{n}")
    page = staff_client("sjz-reviewer").get(reverse("news:review_queue")).content.decode()
    assert page.index("排队0") < page.index("排队1") < page.index("排队2")
    assert "排队0" not in staff_client("unit-publicity").get(reverse("news:review_queue")).content.decode()


def test_a_return_without_a_reason_is_refused_on_the_page(review_on, held, unit, staff_client):
    activity, now = held
    item = submit(activity, unit, now)
    response = staff_client("sjz-reviewer").post(reverse("news:review", args=[item.pk]),
                                                 {"decision": "return", "reason": "   "})
    assert response.status_code == 200 and response.context["return_form"].errors["reason"]
    assert NewsItem.objects.get(pk=item.pk).status == "submitted"


def test_the_review_queue_is_offered_only_to_those_who_receive(client, demo):
    """A unit's publicity officer receives nothing (no organizations below it): no queue in
    the navigation; the province's officer has one."""
    from sciweek.conftest import sign_in

    sign_in(client, "unit-publicity")
    assert "审核动态信息" not in client.get("/console/").content.decode()
    client.logout()
    sign_in(client, "hebei-publicity")
    assert "审核动态信息" in client.get("/console/").content.decode()
