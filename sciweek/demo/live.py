"""The live demo campaign: a second campaign for the year the demo is loaded in, with every
date set relative to that day (demo_data.LIVE_* says which), so that filing, review,
booking, the waiting list and check-in can all be tried on any day.

Run again on the same day, nothing changes. Run on another day, the live campaign (and any
older one) is deleted and built again for the new day. The 2020 reference year is never
touched, nor a campaign of the current year that is not demo data.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import ProtectedError
from django.utils import timezone

from sciweek.accounts.models import Membership, Role, User
from sciweek.activities import search, workflow
from sciweek.activities.models import Activity, ActivityHost, Session, Transition
from sciweek.campaigns.models import (
    Campaign,
    ContentArea,
    Deadline,
    FlagshipActivity,
    MainVenueEvent,
    RegionalPlan,
)
from sciweek.contests.demo.loader import build_live_contests
from sciweek.organizations.models import Organization
from sciweek.quiz.demo.loader import build_live_quizzes

from . import demo_data as D

A = Transition.Action
S = Activity.Status


def tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def live_year(today: date) -> int | None:
    """The year of the live campaign, or None where it would be the reference year (or before)."""
    return today.year if today.year > D.YEAR else None


def is_built_for(campaign: Campaign, today: date) -> bool:
    """True when `campaign` is the live demo campaign as built on `today` (its dates say so)."""
    return (campaign.is_demo and campaign.starts_on == today + timedelta(days=D.LIVE_WEEK_STARTS)
            and campaign.ends_on == today + timedelta(days=D.LIVE_WEEK_ENDS))


def live_campaign(today: date | None = None) -> Campaign | None:
    """The live demo campaign of `today`'s year, if there is one."""
    year = live_year(today or timezone.localdate())
    return Campaign.objects.filter(year=year, is_demo=True).first() if year else None


# Rows that are never deleted with a demo campaign, whatever protects them.
_KEEP = {"accounts.user", "organizations.organization", "organizations.division"}


def purge_campaign(campaign: Campaign) -> None:
    """Delete a demo campaign with everything in it: its contests (with their entries) and quizzes
    (with their attempts), bookings of its sessions, its news, its filings (with their sessions
    and review trail), its settings.
    Rows of other apps that protect them (PROTECT foreign keys) are deleted first, round by
    round; never a user or an organization."""
    from sciweek.contests.demo.loader import purge_contests
    from sciweek.news.models import NewsItem
    from sciweek.quiz.demo.loader import purge_quizzes
    from sciweek.reservations.models import Reservation

    if not campaign.is_demo or campaign.year == D.YEAR:
        raise ValueError("only a live demo campaign is deleted and built again")
    purge_contests(campaign)  # its contests with their entries, judging and results
    purge_quizzes(campaign)  # its quizzes with their attempts, standings and registrations
    Reservation.objects.filter(session__activity__campaign=campaign).delete()
    NewsItem.objects.filter(campaign=campaign).delete()
    for _round in range(5):
        try:
            Activity.objects.filter(campaign=campaign, revises__isnull=False).delete()
            Activity.objects.filter(campaign=campaign).delete()
            campaign.delete()
            return
        except ProtectedError as error:
            by_model: dict = {}
            for obj in error.protected_objects:
                by_model.setdefault(type(obj), []).append(obj.pk)
            for model, pks in by_model.items():
                if model._meta.label_lower in _KEEP:
                    raise
                model._default_manager.filter(pk__in=pks).delete()
    campaign.delete()  # raises what still protects it


@dataclass
class Stage:
    """Where a filing stands and the trail that took it there."""

    status: str
    review_level: Organization | None
    submitted_at: datetime | None
    waiting_since: datetime | None
    approved_at: datetime | None
    trail: list[tuple[str, str, str, Organization, datetime, str]]  # action, from, to, level, when, comment


class LiveCampaignBuilder:
    """Builds the live campaign for `today` on the organizer network of `loader` (DemoLoader)."""

    def __init__(self, loader, root: Organization, hebei: Organization, today: date, now: datetime):
        self.loader, self.root, self.hebei = loader, root, hebei
        self.today, self.now = today, now
        self.year = today.year

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def at(self, offset: int, clock: str) -> datetime:
        hours, minutes = (int(x) for x in clock.split(":"))
        return datetime.combine(self.day(offset), time(hours, minutes), tz())

    def organization(self, name: str) -> Organization:
        found = self.loader.by_short.get(name)
        return found if found is not None else Organization.objects.get(name=name, path__startswith=self.hebei.path)

    # --- the campaign and its settings ---------------------------------------------------
    def build(self) -> Campaign:
        fields = {k: v.format(year=self.year) if isinstance(v, str) else v for k, v in D.LIVE_CAMPAIGN.items()}
        campaign = Campaign.objects.create(
            year=self.year, starts_on=self.day(D.LIVE_WEEK_STARTS), ends_on=self.day(D.LIVE_WEEK_ENDS),
            activities_from=self.day(D.LIVE_ACTIVITIES_FROM), notice_date=self.day(D.LIVE_NOTICE),
            is_demo=True, is_published=True, **fields)
        self.national_areas = ContentArea.objects.bulk_create(
            [ContentArea(campaign=campaign, name=name, position=i) for i, name in enumerate(D.LIVE_CONTENT_AREAS)])
        self.flagships = {f.number: f for f in FlagshipActivity.objects.bulk_create(
            [FlagshipActivity(campaign=campaign, number=n, name=name) for n, name in enumerate(D.LIVE_FLAGSHIPS, 1)])}
        MainVenueEvent.objects.bulk_create([
            MainVenueEvent(campaign=campaign, name=name, starts_on=self.day(offset), place=place, hosts=hosts,
                           position=i) for i, (name, offset, place, hosts) in enumerate(D.LIVE_MAIN_VENUE_EVENTS)])
        plan = RegionalPlan.objects.create(
            campaign=campaign, organization=self.hebei, title=D.LIVE_HEBEI_PLAN["title"].format(year=self.year),
            theme=D.LIVE_HEBEI_PLAN["theme"])
        self.focus_areas = ContentArea.objects.bulk_create(
            [ContentArea(campaign=campaign, plan=plan, name=name, position=i)
             for i, name in enumerate(D.LIVE_HEBEI_FOCUS_AREAS)])
        week_end = campaign.ends_on
        Deadline.objects.bulk_create([
            Deadline(campaign=campaign, organization=self.root, kind=Deadline.Kind.FILING,
                     due_on=self.day(D.LIVE_FILING_DEADLINE), receiver_office="科技部引进国外智力管理司"),
            Deadline(campaign=campaign, organization=self.root, kind=Deadline.Kind.SUMMARY,
                     due_on=week_end + timedelta(days=D.LIVE_SUMMARY_AFTER_WEEK["national"]),
                     receiver_office="科技部引进国外智力管理司"),
            Deadline(campaign=campaign, organization=self.hebei, kind=Deadline.Kind.SUMMARY,
                     due_on=week_end + timedelta(days=D.LIVE_SUMMARY_AFTER_WEEK["hebei"]),
                     receiver_office="省科技厅政策法规处"),
        ])
        self.campaign = campaign
        activities = self.build_filings()
        self.build_sessions(activities)
        search.reindex([a.pk for a in activities.values() if a.status in S.PUBLIC])
        self.news(activities["open_day"])
        self.quizzes = build_live_quizzes(campaign, self.hebei, today=self.today, now=self.now)
        self.contests = build_live_contests(campaign, self.hebei, today=self.today, now=self.now)
        from sciweek.news.services import rebuild_news_dues
        from sciweek.reports.demo import load_live_reports

        rebuild_news_dues(campaign)  # the news clocks of its approved activities (filed without the services)
        load_live_reports(campaign)
        return campaign

    # --- filings at each review stage ----------------------------------------------------
    def reviewer_at(self, level: Organization) -> User | None:
        membership = (Membership.objects.filter(organization=level, role=Role.REVIEWER, user__is_demo=True)
                      .select_related("user").order_by("id").first())
        return membership.user if membership else None

    def when(self, days_ago: float) -> datetime:
        """`days_ago` days before the load (two hours earlier still, so waits read as whole days)."""
        return self.now - timedelta(days=days_ago, hours=2)

    def stage(self, stage: str, chain: list[Organization], days: int | None) -> Stage:
        if stage == "draft":
            return Stage(S.DRAFT, None, None, None, None, [])
        submitted = self.when(days)
        trail = [(A.SUBMIT, S.DRAFT, S.SUBMITTED, chain[0], submitted, "")]
        step = 0

        def later():
            nonlocal step
            step += 1  # one day per review step, never later than the load itself
            return min(submitted + timedelta(days=step), self.now - timedelta(minutes=30 - step))

        if stage == "submitted":
            return Stage(S.SUBMITTED, chain[0], submitted, submitted, None, trail)
        if stage == "forwarded":
            forwarded = later()
            trail.append((A.FORWARD, S.SUBMITTED, S.SUBMITTED, chain[0], forwarded, ""))
            return Stage(S.SUBMITTED, chain[1], submitted, forwarded, None, trail)
        if stage in ("returned", "rejected"):
            action, status = (A.RETURN, S.RETURNED) if stage == "returned" else (A.REJECT, S.REJECTED)
            trail.append((action, S.SUBMITTED, status, chain[0], later(), D.LIVE_COMMENTS[stage]))
            return Stage(status, None, submitted, None, None, trail)
        for level in chain[:-1]:
            trail.append((A.FORWARD, S.SUBMITTED, S.SUBMITTED, level, later(), ""))
        approved = later()
        trail.append((A.APPROVE, S.SUBMITTED, S.APPROVED, chain[-1], approved, ""))
        return Stage(S.APPROVED, None, submitted, None, approved, trail)

    def build_filings(self) -> dict[str, Activity]:
        filer_user = User.objects.filter(username="unit-filer").first()
        activities, hosts, history = {}, {}, []
        for number, row in enumerate(D.LIVE_FILINGS):
            key, title, filer_name, level, kind, fmt, first, last, stage_name, days, flagship = row
            filer = self.organization(filer_name)
            chain = workflow.review_chain(filer, level)
            stage = self.stage(stage_name, chain, days)
            onsite = fmt != Activity.Format.ONLINE
            activity = Activity(
                campaign=self.campaign, kind=kind, title=title.format(year=self.year), organization=filer,
                level=level, format=fmt, flagship=self.flagships.get(flagship), division_id=filer.division_id,
                starts_on=self.day(first), ends_on=self.day(last), audience="社会公众、中小学生",
                expected_participants=[150, 300, 500, 1000][number % 4], venue_capacity=300 if onsite else None,
                description=f"{title.format(year=self.year)}：讲解、展示和互动体验。本条为演示数据。",
                lead_name="演示负责人", contact_name="演示联系人", contact_phone="13800000000",
                address=f"{filer.name}（演示地址）" if onsite else "",
                live_stream_url="https://live.example.cn/demo" if fmt != Activity.Format.ONSITE else "",
                safety_max_attendance=120 if onsite else None,
                safety_measures="分时段入场、专人引导、设置应急通道（演示数据）" if onsite else "",
                safety_responsible="演示安全负责人" if onsite else "",
                status=stage.status, review_level=stage.review_level,
                final_level=chain[-1] if stage.submitted_at else None, submitted_at=stage.submitted_at,
                waiting_since=stage.waiting_since, approved_at=stage.approved_at,
                created_by=filer_user if filer_user and filer_name == D.DEMO_ACCOUNT_LEVELS[3][1] else None,
                is_demo=True,
            )
            if key == "launch":
                activity.is_key, activity.key_position = True, 1
                hosts[key] = [self.organization(short) for _, short, _, _ in D.HEBEI_CO_HOSTS]
            if kind == Activity.Kind.OPEN_DAY:
                activity.facilities = "实验室、科研仪器和科普展厅（演示数据）"
                activity.open_hours = "按场次开放"
                activity.booking_method = "在本平台按场次预约"
            activities[key] = activity
            hosts.setdefault(key, [filer])
            activity.stage = stage
        Activity.objects.bulk_create(activities.values())
        ActivityHost.objects.bulk_create([ActivityHost(activity=activities[key], organization=org, position=i)
                                          for key, orgs in hosts.items() for i, org in enumerate(orgs)])
        through = Activity.content_areas.through
        through.objects.bulk_create([
            through(activity_id=a.pk, contentarea_id=area.pk) for n, a in enumerate(activities.values())
            for area in (self.national_areas[n % len(self.national_areas)], self.focus_areas[n % len(self.focus_areas)])
        ])
        for activity in activities.values():
            for action, before, after, level, when, comment in activity.stage.trail:
                actor = self.reviewer_at(level) if action != A.SUBMIT else activity.created_by
                history.append((Transition(
                    activity=activity, action=action, from_status=before, to_status=after, level=level, actor=actor,
                    actor_name=actor.display_name if actor else ("演示填报员" if action == A.SUBMIT else "演示审核员"),
                    comment=comment), when))
        Transition.objects.bulk_create([t for t, _ in history])
        for transition, when in history:  # created_at is set on insert: give each step its own time
            Transition.objects.filter(pk=transition.pk).update(created_at=when)
        return activities

    # --- sessions and bookings -------------------------------------------------------
    def visitors(self) -> list[User]:
        return self.loader.visitors(D.LIVE_VISITORS, "demo-visitor-{n:02d}", "演示观众{n:02d}", D.LIVE_VISITOR_PHONE,
                                    self.now)

    def build_sessions(self, activities: dict[str, Activity]) -> None:
        from sciweek.reservations.models import Reservation
        from sciweek.reservations.services import _new_code

        people = self.visitors()
        door = User.objects.filter(username="unit-liaison").first()
        midnight = datetime.combine(self.today, time(0), tz())
        planned = []
        for key, offset, clock, minutes, capacity, booked, checked, waiting, group in D.LIVE_SESSIONS:
            if clock == "now":  # under way: began on the hour before last, ends today
                start = max(midnight, timezone.localtime(self.now, tz()).replace(minute=0, second=0, microsecond=0)
                            - timedelta(hours=1))
                end = min(start + timedelta(minutes=minutes), midnight + timedelta(hours=23, minutes=59))
            else:
                start = self.at(offset, clock)
                end = start + timedelta(minutes=minutes)
            session = Session(activity=activities[key], starts_at=start, ends_at=end, capacity=capacity,
                              seats_taken=booked, max_group_size=group)
            planned.append((session, booked, checked, waiting))
        Session.objects.bulk_create([s for s, *_ in planned])
        reservations = []
        attendance: dict[int, int] = {}
        for session, booked, checked, waiting in planned:
            for i in range(booked + waiting):
                person = people[i % len(people)]
                confirmed = i < booked
                booked_at = min(session.starts_at, self.now) - timedelta(days=2, minutes=10 * (booked + waiting - i))
                let_in = confirmed and i < checked
                reservations.append(Reservation(
                    session=session, person=person, seats=1, code=_new_code(),
                    status=Reservation.Status.CONFIRMED if confirmed else Reservation.Status.WAITING,
                    confirmed_at=booked_at if confirmed else None, waiting_since=None if confirmed else booked_at,
                    checked_in_at=min(session.starts_at + timedelta(minutes=5 + i), self.now) if let_in else None,
                    checked_in_by=door if let_in else None,
                    checked_in_by_name=door.display_name if let_in and door else ""))
            if checked:
                attendance[session.activity_id] = attendance.get(session.activity_id, 0) + checked
        Reservation.objects.bulk_create(reservations)
        for activity_id, n in attendance.items():  # what activities' receiver counts at each check-in
            Activity.objects.filter(pk=activity_id).update(actual_participants=n)

    def news(self, activity: Activity) -> None:
        from sciweek.news.models import NewsItem

        publisher = User.objects.filter(username="unit-publicity").first()
        NewsItem.objects.create(
            campaign=self.campaign, organization=activity.organization, activity=activity, is_demo=True,
            created_by=publisher, title=f"{activity.title}预热场顺利举行", submitted_at=self.now,
            body=f"{activity.title}预热场昨日举行，科研人员带领观众参观实验室和科普展厅。（演示数据）")


def load_live_campaign(loader, root: Organization, hebei: Organization, today: date | None = None
                       ) -> Campaign | None:
    """Build (or keep, when built today) the live demo campaign; None when there is none to
    build (the reference year, or a real campaign of this year)."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    year = live_year(today)
    if year is None:
        return None
    existing = Campaign.objects.filter(year=year).first()
    if existing is not None and not existing.is_demo:
        return None  # real data of this year: never touched
    for stale in Campaign.objects.filter(is_demo=True).exclude(year__in=[D.YEAR, year]):
        purge_campaign(stale)  # a live campaign built in an earlier year
    if existing is not None:
        if is_built_for(existing, today):
            return existing  # built today: nothing changes
        purge_campaign(existing)
    return LiveCampaignBuilder(loader, root, hebei, today, now).build()
