"""Loads the demo: the organizer network, the 2020 campaign (the complete, finished reference
year), Hebei's plan in full, demo accounts for every role, and the live campaign of the year
the demo is loaded in (sciweek.demo.live: dates relative to that day). Idempotent: a second
run on the same day changes nothing; on a later day only the live campaign is built again.

Everything created here is flagged is_demo so it can be told apart from real data.
"""
import base64
import hashlib
import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from sciweek.accounts.models import Membership, User
from sciweek.activities import search
from sciweek.activities.models import Activity, ActivityHost, Session, Transition
from sciweek.campaigns.models import (
    Campaign,
    ContentArea,
    Deadline,
    FlagshipActivity,
    MainVenueEvent,
    RegionalPlan,
)
from sciweek.organizations.models import Division, Organization
from sciweek.organizations.services import load_divisions

from . import demo_data as D

TZ = ZoneInfo("Asia/Shanghai")


class DemoLoader:
    def __init__(self):
        self.by_short: dict[str, Organization] = {}
        self.rng = random.Random(2020)

    # --- organizations ---------------------------------------------------------------
    def org(self, parent, name, kind, short_name="", division=None, committee_role=""):
        """Get or create the child `name` of `parent` (None = a root)."""
        if parent is None:
            existing = Organization.objects.get_root_nodes().filter(name=name).first()
        else:
            existing = Organization.objects.filter(
                path__startswith=parent.path, depth=parent.depth + 1, name=name
            ).first()
        if existing is None:
            fields = dict(name=name, kind=kind, short_name=short_name, committee_role=committee_role,
                          division_id=division, is_demo=True)
            if parent is None:
                existing = Organization.objects.add_root(fields)
            else:
                existing = Organization.objects.add_child(parent, fields)
        self.by_short[short_name or name] = existing
        self.by_short.setdefault(name, existing)
        return existing

    def build_network(self):
        root = self.org(None, D.NATIONAL_COMMITTEE, Organization.Kind.COMMITTEE)
        for name, short, kind, role in D.NATIONAL_CO_HOSTS:
            self.org(root, name, kind, short, "110000", role)
        hebei = None
        for division in Division.objects.filter(level=1).order_by("code"):
            region = self.org(root, division.name, Organization.Kind.REGION, division=division.code)
            if division.name == D.HEBEI:
                hebei = region
        for name, code in D.SEPARATELY_PLANNED_CITIES:
            self.org(root, name, Organization.Kind.REGION, division=code)
        self.org(root, D.CORPS[0], Organization.Kind.REGION, "兵团", D.CORPS[1])
        for name, kind in D.CENTRAL_DEPARTMENTS:
            self.org(root, name, kind, division="110000")
        self.build_hebei(hebei)
        return root, hebei

    def build_hebei(self, hebei):
        for name, short, kind, role in D.HEBEI_CO_HOSTS:
            self.org(hebei, name, kind, short, "130100", role)
        for name, short, kind, parent_short in D.HEBEI_UNITS:
            parent = self.by_short[parent_short] if parent_short else hebei
            self.org(parent, name, kind, short, "130100")
        self.institutes = [
            self.org(self.by_short[parent], name, Organization.Kind.RESEARCH_INSTITUTE, division="130100")
            for name, parent in D.HEBEI_RESEARCH_INSTITUTES
        ]
        self.universities = [
            self.org(self.by_short["省教育厅"], name, Organization.Kind.UNIVERSITY, division=code)
            for name, code in D.HEBEI_UNIVERSITIES
        ]
        counties_by_city: dict[str, list[Division]] = {}
        for county in Division.objects.filter(code__startswith="13", level=3).order_by("code"):
            counties_by_city.setdefault(county.parent_id, []).append(county)
        self.city_units: dict[str, list[Organization]] = {}
        for city_name, code in D.HEBEI_CITIES:
            city = self.org(hebei, city_name, Organization.Kind.REGION, division=code)
            departments = []
            for suffix, short, role in D.CITY_DEPARTMENTS:
                full = f"{city_name}{suffix}" if suffix != "委宣传部" else f"中共{city_name}委宣传部"
                kind = Organization.Kind.SOCIETY if short == "科协" else Organization.Kind.DEPARTMENT
                departments.append(self.org(city, full, kind, f"{city_name}{short}", code, role))
            units = list(departments)
            if city_name == "石家庄市":
                units.append(self.org(city, "石家庄市科技信息研究所", Organization.Kind.RESEARCH_INSTITUTE,
                                      "石家庄市科技信息研究所", code))
            for template, kind in D.CITY_UNIT_TEMPLATES:
                units.append(self.org(city, template.format(city=city_name), kind, division=code))
            if code.endswith("00"):  # prefecture city: its districts and counties report to it
                for county in counties_by_city.get(code, []):
                    if county.name in ("定州市", "辛集市", "市辖区"):
                        continue
                    units.append(self.org(city, county.name, Organization.Kind.REGION, division=county.code))
            self.city_units[city_name] = units

    # --- campaign --------------------------------------------------------------------
    def build_campaign(self, root, hebei):
        campaign, _ = Campaign.objects.update_or_create(
            year=D.YEAR, defaults={**D.CAMPAIGN, "is_demo": True, "is_published": True}
        )
        for position, name in enumerate(D.NATIONAL_CONTENT_AREAS):
            ContentArea.objects.get_or_create(campaign=campaign, plan=None, name=name, defaults={"position": position})
        for position, (name, day, place, hosts) in enumerate(D.MAIN_VENUE_EVENTS):
            MainVenueEvent.objects.update_or_create(
                campaign=campaign, name=name, defaults={"starts_on": day, "place": place, "hosts": hosts, "position": position}
            )
        for number, name in enumerate(D.FLAGSHIPS, start=1):
            FlagshipActivity.objects.update_or_create(campaign=campaign, number=number, defaults={"name": name})
        plan, _ = RegionalPlan.objects.update_or_create(
            campaign=campaign, organization=hebei,
            defaults={"title": "2020年河北省科技活动周工作方案", "theme": D.HEBEI_THEME,
                      "planned_total": D.HEBEI_COUNTS["total"]},
        )
        for position, name in enumerate(D.HEBEI_FOCUS_AREAS):
            ContentArea.objects.get_or_create(campaign=campaign, plan=plan, name=name, defaults={"position": position})
        deadlines = [
            (root, Deadline.Kind.FILING, datetime(2020, 7, 31).date(), "科技部引进国外智力管理司"),
            (root, Deadline.Kind.SUMMARY, datetime(2020, 9, 21).date(), "科技部引进国外智力管理司"),
            (hebei, Deadline.Kind.SUMMARY, datetime(2020, 9, 10).date(), "省科技厅政策法规处"),
        ]
        for org, kind, due, office in deadlines:
            Deadline.objects.update_or_create(
                campaign=campaign, organization=org, kind=kind, defaults={"due_on": due, "receiver_office": office}
            )
        return campaign, plan

    # --- activities ------------------------------------------------------------------
    def build_activities(self, campaign, plan, hebei):
        if Activity.objects.filter(campaign=campaign, is_demo=True).exists():
            return  # already loaded; never duplicate or overwrite what users changed
        national_areas = list(ContentArea.objects.filter(campaign=campaign, plan=None).order_by("position"))
        focus_areas = list(plan.focus_areas.order_by("position"))
        self.activities: list[tuple[Activity, list[Organization], list]] = []
        most = self.by_short["科技部"]
        for flagship in campaign.flagships.order_by("number"):
            self.add(campaign, flagship.name, most, [most], level=Activity.Level.NATIONAL, flagship=flagship,
                     day=campaign.starts_on, division="110000", fmt="hybrid", areas=[national_areas[1]])
        for position, (title, hosts, day, division, fmt) in enumerate(D.HEBEI_PROVINCIAL_MAJOR, start=1):
            host_orgs = [self.by_short[h] for h in hosts]
            self.add(campaign, title, host_orgs[0], host_orgs, level=Activity.Level.PROVINCIAL, key=position,
                     day=day, division=division, fmt=fmt, areas=[focus_areas[(position - 1) % 4]])
        for position, (title, city_name, hosts) in enumerate(D.HEBEI_CITY_KEY, start=1):
            shorts = [short for _, short, _ in D.CITY_DEPARTMENTS] if hosts == "all4" else hosts
            host_orgs = [self.by_short[f"{city_name}{s}"] for s in shorts]
            self.add(campaign, title, host_orgs[0], host_orgs, level=Activity.Level.CITY, key=position,
                     day=campaign.starts_on, division=host_orgs[0].division_id, fmt="hybrid",
                     areas=[focus_areas[position % 4]])
        # Generated filings so that Hebei's counts are what the plan says.
        provincial_filers = [o for o in Organization.objects.filter(path__startswith=hebei.path, depth__gt=hebei.depth)
                             if not any(o.path.startswith(c.path) for c in self.cities(hebei))]
        provincial_filers = [o for o in provincial_filers if o.kind != Organization.Kind.UNIVERSITY]
        for i in range(D.HEBEI_COUNTS["by_departments"] - len(D.HEBEI_PROVINCIAL_MAJOR)):
            self.generated(campaign, self.rng.choice(provincial_filers), Activity.Level.PROVINCIAL, i,
                           national_areas, focus_areas)
        city_filers = [u for units in self.city_units.values() for u in units]
        for i in range(D.HEBEI_COUNTS["by_cities"] - len(D.HEBEI_CITY_KEY)):
            filer = city_filers[i % len(city_filers)]
            self.generated(campaign, filer, Activity.Level.CITY if filer.kind == "department" else Activity.Level.UNIT,
                           i, national_areas, focus_areas)
        # 45 open days (one session each) by 29 institutions: the first 16 open twice.
        open_sessions: list[tuple[Activity, int]] = []
        for i, institution in enumerate(self.institutes + self.universities):
            titles = [f"{institution.name}实验室开放日", f"{institution.name}科普展厅开放日"][: 2 if i < 16 else 1]
            for n, title in enumerate(titles):
                activity = self.add(
                    campaign, title, institution, [institution], kind=Activity.Kind.OPEN_DAY,
                    flagship=campaign.flagships.get(number=2), day=campaign.starts_on + timedelta(days=(i + 3 * n) % 7),
                    division=institution.division_id, fmt="onsite", areas=[national_areas[1], focus_areas[1]],
                )
                open_sessions.append((activity, 1))
        self.flush(campaign, open_sessions)
        # A few filings still in the pipeline, so consoles and the review inbox have work in them.
        pipeline = [Activity.Status.SUBMITTED] * 6 + [Activity.Status.RETURNED] * 2 + [Activity.Status.DRAFT] * 2
        for i, status in enumerate(pipeline):
            filer = self.city_units["石家庄市"][i % len(self.city_units["石家庄市"])]
            self.generated(campaign, filer, Activity.Level.UNIT, 900 + i, national_areas, focus_areas, status=status)
        pending = [a for a, _, _ in self.activities]
        self.flush(campaign, [])
        self.pipeline_history(pending)
        search.reindex_all()
        self.news(campaign)

    def news(self, campaign):
        """News items reported by Hebei's organizers about their key activities (demo text), each
        with two pictures, filed the day after the activity (two of them late: the third and the
        fourth day after a 3-day clock); then the news clocks of every approved activity."""
        from sciweek.media import demo as media_demo
        from sciweek.media.models import MediaAsset
        from sciweek.news.models import NewsImage, NewsItem
        from sciweek.news.services import rebuild_news_dues

        publisher = User.objects.filter(username="hebei-publicity").first()
        key = list(Activity.objects.filter(campaign=campaign, is_key=True).select_related("organization")[:12])
        first, second = media_demo.pictures(publisher, "news.image")[:2]
        pictures = [(first, second)] + [tuple(media_demo.copies(a, 1)[0] for a in (first, second))
                                        for _ in key[1:]]
        items = []
        for n, activity in enumerate(key):
            after = 5 if n in (3, 7) else 1  # days after the activity's day
            filed = datetime.combine(activity.ends_on or activity.starts_on, time(10, 0), TZ) + timedelta(days=after)
            items.append(NewsItem(
                campaign=campaign, organization=activity.organization, activity=activity, is_demo=True,
                title=f"{activity.title}顺利举行", created_by=publisher, submitted_at=filed, published_at=filed,
                body=f"{activity.starts_on:%-m月%-d日}，{activity.title}举行，线上线下同步开展。（演示数据）",
            ))
        NewsItem.objects.bulk_create(items)
        NewsImage.objects.bulk_create([NewsImage(item=item, asset=asset, position=p, caption=f"{item.title}现场")
                                       for item, assets in zip(items, pictures, strict=False) for p, asset in enumerate(assets)])
        MediaAsset.objects.filter(pk__in=[a.pk for pair in pictures for a in pair]).update(is_public=True)  # published
        rebuild_news_dues(campaign)

    def pipeline_history(self, activities):
        """Submitted demo filings wait at 石家庄市; returned ones carry the city's comment."""
        city = self.by_short["石家庄市"]
        reviewer = User.objects.filter(username="sjz-reviewer").first()
        filer = User.objects.filter(username="sjz-filer").first()
        submitted_at = datetime(2020, 7, 20, 10, 0, tzinfo=TZ)
        history = []
        for n, activity in enumerate(activities):
            if activity.status == Activity.Status.DRAFT:
                continue
            Activity.objects.filter(pk=activity.pk).update(
                review_level=city if activity.status == Activity.Status.SUBMITTED else None, final_level=city,
                submitted_at=submitted_at + timedelta(days=n), waiting_since=submitted_at + timedelta(days=n))
            history.append(Transition(activity=activity, action="submit", from_status="draft", to_status="submitted",
                                      level=city, actor=filer, actor_name="演示填报员"))
            if activity.status == Activity.Status.RETURNED:
                history.append(Transition(activity=activity, action="return", from_status="submitted",
                                          to_status="returned", level=city, actor=reviewer, actor_name="演示审核员",
                                          comment="请补充安全和疫情防控方案，并写明每场人数上限。"))
        Transition.objects.bulk_create(history)

    def cities(self, hebei):
        if not hasattr(self, "_cities"):
            self._cities = list(Organization.objects.filter(path__startswith=hebei.path, depth=hebei.depth + 1,
                                                            kind=Organization.Kind.REGION))
        return self._cities

    def generated(self, campaign, filer, level, i, national_areas, focus_areas, status=Activity.Status.APPROVED):
        topic, focus, national = D.GENERATED_TOPICS[(i + len(filer.name)) % len(D.GENERATED_TOPICS)]
        title = f"{filer.display_name}{topic}"
        day = campaign.starts_on + timedelta(days=self.rng.randrange(7))
        fmt = self.rng.choice(["online", "online", "online", "hybrid", "onsite"])
        self.add(campaign, title, filer, [filer], level=level, day=day, division=filer.division_id, fmt=fmt,
                 areas=[national_areas[national], focus_areas[focus]], status=status)

    def add(self, campaign, title, filer, hosts, *, level=Activity.Level.UNIT, kind=Activity.Kind.PROJECT, key=None,
            flagship=None, day=None, division=None, fmt="online", areas=(), status=Activity.Status.APPROVED):
        activity = Activity(
            campaign=campaign, kind=kind, title=title, organization=filer, level=level, is_key=key is not None,
            key_position=key, flagship=flagship, format=fmt, division_id=division, starts_on=day, ends_on=day,
            audience="社会公众", expected_participants=self.rng.choice([200, 500, 1000, 3000, 10000]),
            description=f"{title}。本条为演示数据。", status=status, is_demo=True,
            lead_name="演示负责人", contact_name="演示联系人", contact_phone="13800000000",
            address=f"{filer.name}（演示地址）" if fmt != "online" else "",
            live_stream_url="https://live.example.cn/demo" if fmt != "onsite" else "",
        )
        if kind == Activity.Kind.OPEN_DAY:
            activity.facilities = "实验室、科研仪器和科普展厅（演示数据）"
            activity.open_hours = "9:30-11:30"
            activity.booking_method = "在本平台按场次预约"
            activity.audience = "中小学生及社会公众"
        self.activities.append((activity, hosts, list(areas)))
        return activity

    def flush(self, campaign, open_sessions):
        Activity.objects.bulk_create([a for a, _, _ in self.activities], batch_size=500)
        ActivityHost.objects.bulk_create(
            [ActivityHost(activity=a, organization=h, position=i) for a, hosts, _ in self.activities
             for i, h in enumerate(hosts)], batch_size=1000,
        )
        through = Activity.content_areas.through
        through.objects.bulk_create(
            [through(activity_id=a.pk, contentarea_id=area.pk) for a, _, areas in self.activities for area in areas],
            batch_size=1000,
        )
        sessions = []
        for activity, count in open_sessions:
            for n in range(count):
                day = activity.starts_on + timedelta(days=n)
                sessions.append(Session(activity=activity, starts_at=datetime.combine(day, time(9, 30), TZ),
                                        ends_at=datetime.combine(day, time(11, 30), TZ), capacity=30))
        Session.objects.bulk_create(sessions, batch_size=500)
        self.activities = []

    # --- public people and the 2020 visits ----------------------------------------------
    @staticmethod
    def visitors(count: int, username: str, name: str, phone: str, consent_at) -> list[User]:
        """`count` public demo people with a profile (they book; no password to sign in with);
        `username`, `name` and `phone` are formats of `n`, 1 … count. Kept when they exist."""
        from sciweek.participants.models import Profile

        password = make_password(None)
        people = []
        for n in range(1, count + 1):
            user, _ = User.objects.get_or_create(username=username.format(n=n), defaults={
                "full_name": name.format(n=n), "is_demo": True, "password": password})
            Profile.objects.get_or_create(user=user, defaults={
                "phone": phone.format(n=n), "name": name.format(n=n), "consent_at": consent_at})
            people.append(user)
        return people

    def build_visits(self, campaign):
        """The 2020 open days as they went: booked on this platform by the demo's 2020 visitors
        (some came to several open days, so 人次 exceeds 人), most of them let in at the door,
        the rest no-shows. Each session's seat counter and each activity's participants are
        what the booking and check-in services would have left (check_integrity holds)."""
        from sciweek.reservations.models import Reservation
        from sciweek.reservations.services import _new_code

        sessions = list(Session.objects.filter(activity__campaign=campaign, activity__is_demo=True)
                        .select_related("activity__organization").order_by("starts_at", "id"))
        if not sessions or Reservation.objects.filter(session__in=sessions).exists():
            return
        rng = random.Random(2020)  # the same visits on every load
        people = self.visitors(D.VISITORS_2020, "demo-2020-visitor-{n:03d}", "2020年演示观众{n:03d}",
                               D.VISITOR_2020_PHONE, sessions[0].starts_at - timedelta(days=10))
        reservations, attendance = [], {}
        for session in sessions:
            capacity = session.capacity or 30
            booked = rng.randint(capacity * 2 // 3, capacity)  # places taken, in seats
            visitors = rng.sample(people, booked)
            seats_taken = checked = 0
            for i, person in enumerate(visitors):
                seats = 2 if i % 7 == 3 and seats_taken + 2 <= booked else 1
                if seats_taken + seats > booked:
                    break
                seats_taken += seats
                booked_at = session.starts_at - timedelta(days=rng.randint(1, 6), minutes=rng.randint(0, 600))
                let_in = rng.random() < 0.86
                org = session.activity.organization
                reservations.append(Reservation(
                    session=session, person=person, seats=seats, code=_new_code(),
                    status=Reservation.Status.CONFIRMED, confirmed_at=booked_at,
                    checked_in_at=session.starts_at + timedelta(minutes=rng.randint(-20, 40)) if let_in else None,
                    checked_in_by_name=f"{org.short_name or org.name}工作人员" if let_in else ""))
                if let_in:
                    checked += seats
            session.seats_taken = seats_taken
            attendance[session.activity_id] = attendance.get(session.activity_id, 0) + checked
        Reservation.objects.bulk_create(reservations, batch_size=500)
        Session.objects.bulk_update(sessions, ["seats_taken"], batch_size=500)
        for activity_id, n in attendance.items():  # what the check-in receiver counts
            Activity.objects.filter(pk=activity_id).update(actual_participants=n)

    # --- accounts --------------------------------------------------------------------
    def build_accounts(self, root, hebei):
        accounts = []
        password_hash = make_password(D.DEMO_PASSWORD)  # hash once: the same password for every demo account
        for prefix, org_name, level_label in D.DEMO_ACCOUNT_LEVELS:
            org = {D.NATIONAL_COMMITTEE: root, D.HEBEI: hebei}.get(org_name) or self.by_short[org_name]
            for role in D.ROLES:
                username = f"{prefix}-{role}"
                user = User.objects.filter(username=username).first()
                if user is None:
                    user = User(username=username, full_name=f"演示{level_label}{dict(ROLE_LABELS)[role]}",
                                email=f"{username}@demo.sciweek.invalid", is_demo=True)
                    user.password = password_hash
                    user.save()
                Membership.objects.get_or_create(user=user, organization=org, role=role)
                secret = ""
                if role == "admin":
                    secret = ensure_demo_totp(user)
                accounts.append((username, org.name, role, secret))
        return accounts


ROLE_LABELS = [("admin", "管理员"), ("reviewer", "审核员"), ("filer", "填报员"), ("liaison", "联络员"),
               ("publicity", "宣传员"), ("statistician", "统计员"), ("judge", "评委")]


def demo_totp_key(username: str) -> bytes:
    """A fixed TOTP key per demo admin, so the printed secret survives reloads (demo only)."""
    return hashlib.sha256(f"sciweek-demo-totp:{username}".encode()).digest()[:20]


def ensure_demo_totp(user) -> str:
    key = demo_totp_key(user.username)
    TOTPDevice.objects.update_or_create(user=user, name="SciWeek demo", defaults={"key": key.hex(), "confirmed": True})
    return base64.b32encode(key).decode().rstrip("=")


@transaction.atomic
def load_demo(today=None):
    """Load the demo; returns the 2020 campaign and the demo accounts. `today` (default: the
    local date) is the day the live campaign is built for (see sciweek.demo.live)."""
    from sciweek.commendations.demo import load_commendations_demo
    from sciweek.contests.demo.loader import load_contest_demo
    from sciweek.evaluation.demo import load_evaluation_demo, load_live_evaluation
    from sciweek.quiz.demo.loader import load_quiz_demo
    from sciweek.reports.demo import load_reports_demo

    from .live import load_live_campaign

    if not Division.objects.exists():
        load_divisions()
    loader = DemoLoader()
    root, hebei = loader.build_network()
    campaign, plan = loader.build_campaign(root, hebei)
    accounts = loader.build_accounts(root, hebei)
    loader.build_activities(campaign, plan, hebei)
    loader.build_visits(campaign)
    load_quiz_demo(campaign, hebei)
    load_contest_demo(campaign, hebei)
    load_reports_demo(campaign, hebei)
    load_evaluation_demo(campaign, hebei)
    load_commendations_demo(campaign, hebei)
    live = load_live_campaign(loader, root, hebei, today)
    if live is not None:
        load_live_evaluation(live, hebei)
    return campaign, accounts
