import pytest
from django.urls import reverse
from freezegun import freeze_time

from sciweek.activities.models import Activity
from sciweek.news.models import NewsItem

pytestmark = pytest.mark.django_db


def test_demo_has_public_news(client, demo):
    assert NewsItem.objects.filter(campaign=demo).count() >= 10
    page = client.get(reverse("news:feed", args=[2020])).content.decode()
    assert "顺利举行" in page
    item = NewsItem.objects.filter(campaign=demo).first()
    assert item.title in client.get(reverse("news:detail", args=[2020, item.pk])).content.decode()


def test_publicity_officer_reports_news_and_late_is_flagged(staff_client, demo, org):
    client = staff_client("sjz-publicity")
    activity = Activity.objects.filter(organization__name="石家庄市科学技术局", status="approved").first()
    with freeze_time("2020-09-20"):
        response = client.post(reverse("news:console"), {
            "organization": org("石家庄市").pk, "activity": activity.pk, "title": "启动式现场", "body": "现场很热闹。"})
        assert response.status_code == 302
        empty = client.post(reverse("news:console"), {"organization": org("石家庄市").pk, "title": "", "body": ""})
        assert empty.status_code == 200 and NewsItem.objects.filter(title="").count() == 0
    item = NewsItem.objects.get(title="启动式现场")
    assert item.is_late and item.activity == activity


def test_other_city_cannot_withdraw_or_publish_for_another(staff_client, demo, org):
    item = NewsItem.objects.filter(organization__path__startswith=org("保定市").path).first()
    assert item is not None
    client = staff_client("sjz-publicity")
    assert client.post(reverse("news:withdraw", args=[item.pk])).status_code == 404
    assert NewsItem.objects.get(pk=item.pk).status == "published"
    client.post(reverse("news:console"), {"organization": org("保定市").pk, "title": "冒名", "body": "x"})
    assert not NewsItem.objects.filter(title="冒名").exists()
    assert staff_client("sjz-filer").get(reverse("news:console")).status_code == 200  # can read, not publish


def test_activity_page_lists_its_news(client, demo):
    from django.core.cache import cache

    cache.clear()
    item = NewsItem.objects.filter(campaign=demo, activity__isnull=False).first()
    page = client.get(reverse("activities:activity", args=[2020, item.activity_id])).content.decode()
    assert "活动动态" in page and item.title in page


def test_home_shows_latest_news(client, demo, reference_year):  # the 2020 home page
    from django.core.cache import cache

    cache.clear()
    latest = NewsItem.objects.filter(campaign=demo).order_by("-published_at", "-id").first()
    page = client.get("/").content.decode()
    assert "活动动态" in page and latest.title in page


def test_no_news_of_an_activity_before_it_took_place(staff_client, demo, org):
    """Issue 9: news reports what happened. Refused before the first session starts (or the
    first day, without sessions), in the site's zone; the console form says why."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from django.core.exceptions import ValidationError

    from sciweek.accounts.models import User
    from sciweek.news import services

    activity = Activity.objects.filter(organization__name="石家庄市科学技术局", status="approved",
                                       campaign=demo).first()
    first = activity.sessions.order_by("starts_at").first()
    publisher = User.objects.get(username="sjz-publicity")
    shanghai = ZoneInfo("Asia/Shanghai")
    with freeze_time("2020-07-20 10:00:00", tick=True):
        client = staff_client("sjz-publicity")
        response = client.post(reverse("news:console"), {
            "organization": org("石家庄市").pk, "activity": activity.pk, "title": "提前写好的新闻", "body": "x"})
        assert response.status_code == 200
        page = response.content.decode()
        assert "活动开始后才能报送它的动态信息" in page and activity.title in page
        assert response.context["form"].errors["activity"]
        assert not NewsItem.objects.filter(title="提前写好的新闻").exists()
    day = activity.starts_on
    if first is not None:
        began = first.starts_at
    else:
        began = datetime(day.year, day.month, day.day, tzinfo=shanghai)
    with freeze_time(began - timedelta(minutes=1)):
        with pytest.raises(ValidationError) as refused:
            services.submit(actor=publisher, organization=org("石家庄市"), campaign=demo, title="早一分钟",
                             body="x", activity=activity)
        assert began.astimezone(shanghai).strftime("%Y-%m-%d %H:%M") in " ".join(refused.value.messages)
    with freeze_time(began):
        item = services.submit(actor=publisher, organization=org("石家庄市"), campaign=demo, title="开始了",
                                body="现场", activity=activity)
    assert item.activity == activity and not item.is_late
