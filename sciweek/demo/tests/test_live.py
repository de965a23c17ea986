"""The live demo campaign (sciweek.demo.live): a campaign of this year whose dates follow the
day the demo is loaded, so every journey works on any day; 2020 stays the finished
reference year."""
import re
from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from sciweek.accounts.models import User
from sciweek.activities import selectors
from sciweek.activities.models import Activity, Session, Transition
from sciweek.activities.selectors import BookingState, booking_state
from sciweek.campaigns.models import Campaign, Deadline
from sciweek.campaigns.selectors import current_campaign
from sciweek.conftest import sign_in
from sciweek.demo import demo_data as D
from sciweek.demo.live import is_built_for, live_campaign, purge_campaign
from sciweek.demo.loader import load_demo
from sciweek.news.models import NewsItem
from sciweek.reservations.integrity import violations
from sciweek.reservations.models import Reservation

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(demo):
    campaign = live_campaign()
    assert campaign is not None, "load_demo builds the live campaign of this year"
    return campaign


def by_title(campaign, key):
    title = next(row[1] for row in D.LIVE_FILINGS if row[0] == key).format(year=campaign.year)
    return Activity.objects.get(campaign=campaign, title=title)


def snapshot():
    """Everything the demo holds, row by row (what a second load must not change)."""
    return (
        list(Campaign.objects.order_by("year").values_list("pk", "year", "starts_on", "ends_on", "is_published")),
        list(Activity.objects.order_by("pk").values_list("pk", "campaign_id", "status", "starts_on", "review_level_id",
                                                         "waiting_since", "updated_at")),
        list(Session.objects.order_by("pk").values_list("pk", "starts_at", "capacity", "seats_taken")),
        list(Reservation.objects.order_by("pk").values_list("pk", "code", "status", "checked_in_at")),
        Transition.objects.count(), NewsItem.objects.count(), User.objects.count(),
    )


def test_live_campaign_is_this_years_and_current(live, demo):
    today = timezone.localdate()
    day = lambda n: today + timedelta(days=n)  # noqa: E731
    assert (live.year, live.is_demo, live.is_published) == (today.year, True, True)
    assert (live.starts_on, live.ends_on, live.activity_window) == (day(3), day(9), (day(-1), day(9)))
    assert is_built_for(live, today)
    filing = Deadline.objects.get(campaign=live, kind=Deadline.Kind.FILING)
    assert filing.due_on == day(2) and today < filing.due_on < live.starts_on  # filing time now, the week soon
    assert live.content_areas.filter(plan=None).count() == 4 and live.flagships.count() == 5
    assert live.regional_plans.get(organization__name="河北省").focus_areas.count() == 3
    assert current_campaign() == live  # the portal, the console and the API show the live year
    # 2020 is the finished reference year, exactly as the plan counts it.
    counts = selectors.plan_counts(demo, demo.regional_plans.get().organization)
    assert (counts.total, counts.by_departments, counts.by_cities, counts.open_sessions) == (629, 110, 474, 45)
    with freeze_time("2020-08-25 10:00:00+08:00"):
        assert current_campaign() == demo  # in 2020, 2020 was the current one


def test_every_filing_date_lies_in_the_campaign_window(live):
    first, last = live.activity_window
    for activity in Activity.objects.filter(campaign=live).prefetch_related("sessions"):
        assert first <= activity.starts_on <= activity.ends_on <= last, activity.title
        for session in activity.sessions.all():
            assert activity.starts_on <= timezone.localtime(session.starts_at).date() <= activity.ends_on


def test_hebei_filings_stand_at_each_review_stage(live, org):
    sjz, hebei = org("石家庄市"), org("河北省")
    now = timezone.now()
    draft = by_title(live, "draft")
    assert draft.status == "draft" and not draft.transitions.exists()
    at_city = by_title(live, "at_city")
    assert (at_city.status, at_city.review_level) == ("submitted", sjz)
    assert (now - at_city.waiting_since).days == 2  # a real wait: days since submitted
    assert (by_title(live, "at_city_today").review_level, (now - by_title(live, "at_city_today").waiting_since).days) \
        == (sjz, 0)
    at_province = by_title(live, "at_province")
    assert (at_province.status, at_province.review_level, at_province.final_level) == ("submitted", hebei, hebei)
    assert list(at_province.transitions.values_list("action", "level__name")) == [("submit", "石家庄市"),
                                                                                    ("forward", "石家庄市")]
    returned = by_title(live, "returned")
    assert returned.status == "returned" and returned.transitions.last().comment == D.LIVE_COMMENTS["returned"]
    rejected = by_title(live, "rejected")
    assert rejected.status == "rejected" and rejected.transitions.last().comment == D.LIVE_COMMENTS["rejected"]
    approved = by_title(live, "open_day")
    assert approved.status == "approved" and approved.approved_at <= now
    assert [t.actor.username for t in approved.transitions.all()] == ["unit-filer", "sjz-reviewer"]
    # Each trail runs forward in time and ends before the load.
    for activity in Activity.objects.filter(campaign=live, submitted_at__isnull=False):
        times = list(activity.transitions.values_list("created_at", flat=True))
        assert times == sorted(times) and times[-1] <= now and times[0] == activity.submitted_at


def test_the_draft_can_be_submitted_by_its_filer(live):
    """The draft is complete: the unit's filer can send it on today (the journey is alive)."""
    from sciweek.activities import services

    draft = by_title(live, "draft")
    services.submit(draft, actor=User.objects.get(username="unit-filer"))
    draft.refresh_from_db()
    assert draft.status == "submitted" and draft.review_level.name == "石家庄市" and not draft.is_late


def test_sessions_ended_today_coming_full(live):
    open_day = by_title(live, "open_day")
    today = timezone.localdate()
    sessions = list(open_day.sessions.order_by("starts_at"))
    states = [booking_state(s, activity=open_day) for s in sessions]
    assert states == [BookingState.ENDED, BookingState.STARTED, BookingState.OPEN, BookingState.WAITLIST,
                      BookingState.OPEN]
    yesterday, now_on, tomorrow, full, _later = sessions
    assert timezone.localtime(yesterday.starts_at).date() == today - timedelta(days=1)
    assert timezone.localtime(now_on.starts_at).date() == today == timezone.localtime(now_on.ends_at).date()
    assert now_on.starts_at <= timezone.now() < now_on.ends_at or timezone.localtime(now_on.ends_at).time() == time(23, 59)
    checked = Reservation.objects.filter(session=now_on, checked_in_at__isnull=False).count()
    assert (now_on.seats_taken, checked) == (8, 3)  # five still to let in at the door
    assert Reservation.objects.filter(session=yesterday, checked_in_at__isnull=False).count() == 4
    assert (full.seats_taken, full.capacity) == (8, 8)
    assert Reservation.objects.filter(session=full, status="waiting").count() == 2
    assert tomorrow.capacity - tomorrow.seats_taken == 27
    open_day.refresh_from_db()
    assert open_day.actual_participants == 7  # what the check-ins counted
    assert violations() == []


def test_loading_again_the_same_day_changes_nothing(live):
    before = snapshot()
    load_demo()
    assert snapshot() == before


def test_loading_on_another_day_rebuilds_the_live_campaign(live, demo):
    """Three days later the live campaign is built again for that day (what was done in it
    goes with it); 2020 is untouched."""
    reference = (list(Activity.objects.filter(campaign=demo).order_by("pk").values_list("pk", "status", "updated_at")),
                 Session.objects.filter(activity__campaign=demo).count())
    stranger = Reservation.objects.filter(session__activity__campaign=live).first()
    counts = (Activity.objects.filter(campaign=live).count(), Session.objects.filter(activity__campaign=live).count(),
              Reservation.objects.filter(session__activity__campaign=live).count())
    later = timezone.localtime() + timedelta(days=3)
    with freeze_time(later):
        load_demo()
        rebuilt = live_campaign()
        assert rebuilt.pk != live.pk and not Campaign.objects.filter(pk=live.pk).exists()
        assert (rebuilt.starts_on, rebuilt.ends_on) == (later.date() + timedelta(days=3), later.date() + timedelta(days=9))
        assert (Activity.objects.filter(campaign=rebuilt).count(), Session.objects.filter(activity__campaign=rebuilt)
                .count(), Reservation.objects.filter(session__activity__campaign=rebuilt).count()) == counts
        assert not Reservation.objects.filter(pk=stranger.pk).exists()
        states = [booking_state(s) for s in by_title(rebuilt, "open_day").sessions.order_by("starts_at")]
        assert states[:3] == [BookingState.ENDED, BookingState.STARTED, BookingState.OPEN]
        assert current_campaign() == rebuilt
        before = snapshot()
        load_demo()  # and again that day: nothing changes
        assert snapshot() == before
    assert (list(Activity.objects.filter(campaign=demo).order_by("pk").values_list("pk", "status", "updated_at")),
            Session.objects.filter(activity__campaign=demo).count()) == reference
    assert violations() == []


def test_a_new_year_replaces_last_years_live_campaign(live, demo):
    with freeze_time(date(live.year + 1, 1, 5)):
        load_demo()
        assert not Campaign.objects.filter(pk=live.pk).exists()
        assert live_campaign().year == live.year + 1
    assert set(Campaign.objects.values_list("year", flat=True)) == {2020, live.year + 1}


def test_a_real_campaign_of_this_year_is_never_touched(live, demo):
    year = live.year
    purge_campaign(live)
    today = timezone.localdate()
    real = Campaign.objects.create(year=year, name=f"{year}年全国科技活动周", theme="真实主题",
                                   starts_on=today + timedelta(days=30), ends_on=today + timedelta(days=36))
    load_demo()
    real.refresh_from_db()
    assert (real.theme, real.is_demo, real.activities.count()) == ("真实主题", False, 0)
    assert Campaign.objects.filter(is_demo=True).get() == demo
    assert current_campaign() == real


def test_the_reference_year_is_never_rebuilt(demo):
    with freeze_time("2020-08-25 10:00:00+08:00"):
        load_demo()  # "today" in 2020: there is no live campaign to build
    assert Campaign.objects.get(year=2020).pk == demo.pk
    with pytest.raises(ValueError):
        purge_campaign(demo)


# --- the journeys, on the live demo ----------------------------------------------------

def test_past_sessions_say_ended_everywhere(client, live, org):
    """Yesterday's session: 已结束 and no button on the activity page, not bookable in the API
    or the catalog's filter, and the booking page says so before asking anyone to sign in."""
    open_day = by_title(live, "open_day")
    yesterday = open_day.sessions.order_by("starts_at").first()
    page = client.get(reverse("activities:activity", args=[live.year, open_day.pk])).content.decode()
    assert "已结束" in page and reverse("reservations:book", args=[yesterday.pk]) not in page
    sessions = client.get(f"/api/v1/activities/{open_day.pk}/sessions").json()["items"]
    assert sessions[0]["booking"] == "ended" and not sessions[0]["bookable"]
    assert sessions[2]["booking"] == "open" and sessions[2]["bookable"]
    booking = client.get(reverse("reservations:book", args=[yesterday.pk]))
    assert booking.status_code == 200 and "该场次已结束。" in booking.content.decode()
    assert "确认预约" not in booking.content.decode()
    catalog = client.get(reverse("activities:catalog", args=[live.year]) + "?bookable=1").content.decode()
    assert open_day.title in catalog and by_title(live, "cloud_class").title not in catalog  # online: nothing to book
    hebei_2020 = client.get(reverse("portal:region", args=[2020, org("河北省").pk])).content.decode()
    assert "共开展 629 项活动" in hebei_2020  # the reference year's pages still work at /2020/…


def test_door_check_in_today_and_review_waits_are_real(client, live, org):
    open_day = by_title(live, "open_day")
    now_on = open_day.sessions.order_by("starts_at")[1]
    waiting = Reservation.objects.filter(session=now_on, checked_in_at__isnull=True).first()
    sign_in(client, "unit-liaison")
    card = client.get(reverse("console:home")).content.decode()
    assert reverse("reservations:check_in", args=[now_on.pk]) in card  # the card leads to today's door
    page = client.post(reverse("reservations:check_in", args=[now_on.pk]), {"code": waiting.code},
                       HTTP_HX_REQUEST="true").content.decode()
    assert "核验通过" in page and "已入场 4 / 已预约 8" in page  # on the day: no override needed
    sign_in(client, "sjz-reviewer")
    inbox = client.get(reverse("activities:review_inbox")).content.decode()
    assert by_title(live, "at_city").title in inbox and "2 天" in inbox and "活动周已结束" not in inbox
    sign_in(client, "hebei-reviewer")
    assert by_title(live, "at_province").title in client.get(reverse("activities:review_inbox")).content.decode()


def test_a_finished_year_shows_no_running_wait(client, demo):
    """2020's filings still waiting: no "已等待 2325 天" once the week is over, in the inbox or
    on the dashboard card; while the week was on, the wait was real."""
    with freeze_time("2021-03-01 10:00:00+08:00"):
        sign_in(client, "sjz-reviewer")
        inbox = client.get(reverse("activities:review_inbox")).content.decode()
        assert "活动周已结束" in inbox and not re.search(r"<td>\d+ 天</td>", inbox)
        home = client.get(reverse("console:home")).content.decode()
        assert "活动周已结束" in home and "最早的一份已等待" not in home
    with freeze_time("2020-08-25 10:00:00+08:00"):
        sign_in(client, "sjz-reviewer")
        inbox = client.get(reverse("activities:review_inbox")).content.decode()
        assert "活动周已结束" not in inbox and "<td>36 天</td>" in inbox
        assert "最早的一份已等待" in client.get(reverse("console:home")).content.decode()

