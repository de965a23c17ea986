"""The activity page's one cached fragment (details, news, share box, title and description,
what booking needs of the filing): the same page as when built, never stale after a write to
the filing, news at most a minute late, and the sessions, seats and online-only switches read
fresh on every visit."""
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from sciweek.activities import selectors
from sciweek.activities.models import Activity, Session
from sciweek.campaigns.models import Campaign, RegionalPlan
from sciweek.news.models import NewsItem

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def page(client, activity, **params) -> str:
    response = client.get(reverse("activities:activity", args=[2020, activity.pk]), params)
    assert response.status_code == 200
    return CSRF.sub("csrf", response.content.decode())  # the one part that differs per visit


@pytest.fixture
def activity(demo):
    """An approved on-site filing in 石家庄市 with two sessions next week and a news item."""
    from sciweek.activities.tests.factories import complete_filing

    activity = complete_filing(demo, title="缓存测试科普开放日")
    Activity.objects.filter(pk=activity.pk).update(status=Activity.Status.APPROVED, updated_at=timezone.now())
    Session.objects.filter(activity_id=activity.pk).delete()  # the factory's 2020 session
    start = timezone.now() + timedelta(days=7)
    for i in range(2):
        Session.objects.create(activity_id=activity.pk, starts_at=start + timedelta(days=i),
                               ends_at=start + timedelta(days=i, hours=2), capacity=30)
    NewsItem.objects.create(campaign=demo, organization_id=activity.organization_id, activity_id=activity.pk,
                            title="开放日圆满举行", body="……")
    cache.clear()
    return Activity.objects.get(pk=activity.pk)


def test_a_cached_page_is_the_built_one(client, activity):
    built = page(client, activity)
    assert "开放日圆满举行" in built and "余 30 个名额" in built and built.count("<svg") == 1
    assert f"<title>{activity.title} · SciWeek</title>" in built
    assert page(client, activity) == built  # from the fragment
    cache.clear()
    assert page(client, activity) == built  # built again


def test_a_visit_to_a_cached_page_reads_only_what_changes(client, activity, django_assert_num_queries):
    page(client, activity)
    # The campaign, the data version, the sessions, the online-only plans above the filer
    # (on-site sessions ahead) and the base template's current campaign: never the filing.
    with django_assert_num_queries(5):
        page(client, activity)


def test_a_saved_filing_shows_at_once_title_and_description_too(client, activity):
    page(client, activity)
    activity.title = "改过名字的实验室开放日"
    activity.description = "全新的活动介绍"
    activity.save()
    text = page(client, activity)
    assert "<title>改过名字的实验室开放日 · SciWeek</title>" in text
    assert 'content="改过名字的实验室开放日"' in text and "全新的活动介绍" in text


def test_seats_are_read_on_every_visit(client, activity):
    page(client, activity)
    Session.objects.filter(activity=activity).update(seats_taken=30)  # a booking leaves the filing untouched
    text = page(client, activity)
    assert "余 30 个名额" not in text and "已约满" in text


def test_the_online_only_switches_are_read_on_every_visit(client, activity, demo, org):
    book = reverse("reservations:book", args=[activity.sessions.first().pk])
    assert book in page(client, activity)
    RegionalPlan.objects.update_or_create(campaign=demo, organization=org("河北省"), defaults={"online_only": True})
    text = page(client, activity)
    assert "线下活动暂停（仅线上）" in text and book not in text
    RegionalPlan.objects.filter(campaign=demo, organization=org("河北省")).update(online_only=False)
    assert book in page(client, activity)
    Campaign.objects.filter(pk=demo.pk).update(online_only=True)  # the campaign row: not in the data version
    text = page(client, activity)
    assert "线下活动暂停（仅线上）" in text and book not in text


def test_news_shows_within_a_minute(client, activity, demo):
    page(client, activity)
    item = NewsItem.objects.create(campaign=demo, organization_id=activity.organization_id,
                                   activity_id=activity.pk, title="第二条动态", body="……")
    with freeze_time(timezone.now() + timedelta(seconds=61), tick=True):
        assert "第二条动态" in page(client, activity)
        NewsItem.objects.filter(pk=item.pk).update(status=NewsItem.Status.WITHDRAWN)
    with freeze_time(timezone.now() + timedelta(seconds=123), tick=True):
        assert "第二条动态" not in page(client, activity)


def test_the_fragment_holds_nothing_of_the_visitor(client, activity, staff_client):
    signed_in = page(staff_client("sjz-filer"), activity)  # builds the fragment during a signed-in visit
    assert "退出" in signed_in
    client.logout()
    anonymous = page(client, activity)  # from that fragment
    assert "退出" not in anonymous and "开放日圆满举行" in anonymous
    cache.clear()
    assert page(client, activity) == anonymous  # as if an anonymous visitor had built it


def test_a_query_string_is_served_but_not_cached(client, activity):
    text = page(client, activity, **{"from": "wechat"})
    assert "from=wechat" in text and "开放日圆满举行" in text
    assert "from=wechat" not in page(client, activity)


def test_fresh_sessions_are_the_orm_sessions(activity):
    ids = [activity.pk, *Session.objects.values_list("activity_id", flat=True).distinct()[:20]]
    for activity_id in ids:
        orm = list(selectors.activity_sessions(activity_id))
        fresh = selectors.activity_sessions_fresh(activity_id)
        assert [s.pk for s in fresh] == [s.pk for s in orm]
        for a, b in zip(fresh, orm, strict=True):
            assert {f.attname: getattr(a, f.attname) for f in Session._meta.concrete_fields} == \
                   {f.attname: getattr(b, f.attname) for f in Session._meta.concrete_fields}
            assert timezone.is_aware(a.starts_at) and timezone.is_aware(a.ends_at)
    assert selectors.activity_sessions_fresh(10**9) == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_session_times_are_written_as_the_filters_write_them(activity, language):
    from django.template import engines
    from django.utils import translation

    from sciweek.activities.public_views import session_when

    filters = engines["django"].from_string(
        '{% load sciweek %}{{ s.starts_at|day_week }} {{ s.starts_at|time:"H:i" }}–{{ s.ends_at|time:"H:i" }}')
    sessions = [*activity.sessions.all(), *Session.objects.filter(starts_at__year=2020)[:5]]  # this year and 2020
    with translation.override(language):
        for s in sessions:
            when = session_when(s.starts_at, s.ends_at, translation.get_language(),
                                timezone.get_current_timezone_name(), timezone.localdate().year)
            assert when == filters.render({"s": s})
