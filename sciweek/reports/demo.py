"""The summary reports of the demo: Hebei's 2020 reporting as it ended, at every stage, and
the live campaign's rows (everyone who takes part is expected; nothing is due yet).

2020: every participating organization has its row (services.sync_expected_reports). The
units of 石家庄市 report through the services with the demo accounts (unit-publicity files,
sjz-reviewer returns one and accepts the others); the other cities' units report as recorded
(rows and trail written with their 2020 times: the cities have no demo accounts of their own).
Of Hebei's 13 reporting cities, ten are accepted by hebei-reviewer (one of them came in late),
one is returned with a reason, one did not report and one was granted an extension; the
province's own departments report to it directly (all but one accepted); Hebei compiles its summary and national-reviewer accepts it. Images and one short video are real
files checked by the media intake once, then shared by the reports that show them.

Deterministic (seeded), idempotent (a campaign whose reports were already loaded is left
alone). No real person appears."""
from __future__ import annotations

import random
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db.models import F

from sciweek.accounts.models import User
from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import within

from . import services
from .models import MediaCoverage, ReportEvent, ReportImage, ReportStatus, SummaryReport

TZ = ZoneInfo("Asia/Shanghai")
SEED = 2020
OUTLETS = ["河北日报", "河北广播电视台", "长城网", "河北新闻网", "燕赵都市报"]


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), TZ)


def _body(org_name: str, rng: random.Random) -> str:
    points = rng.sample(["线上线下相结合，扩大了科普覆盖面", "组织科研人员走进社区和学校", "开放实验室和科普展厅",
                         "开展防疫科普和健康知识宣传", "利用新媒体直播科普讲座", "组织青少年参加科学实验体验"], 3)
    return (f"<h2>一、总体情况</h2><div>2020年科技活动周期间，{org_name}按照省科技活动周组委会的统一部署，"
            f"围绕“科技创新 决胜全面小康”主题，精心组织了一系列群众性科普活动。（演示数据）</div>"
            f"<h2>二、主要做法</h2><ul>" + "".join(f"<li>{p}。</li>" for p in points) + "</ul>"
            "<h2>三、下一步打算</h2><div>总结经验，推动科普工作常态化、长效化。</div>")


def _demo_media(actor):
    """Three pictures and one 20-second video, through the real intake (sciweek.media.demo)."""
    from sciweek.media import demo as media_demo

    return (media_demo.pictures(actor, "reports.summary_image")[:3],
            media_demo.video(actor, "reports.summary_video"))


def _fill(report: SummaryReport, *, images, video, rng, actor) -> None:
    """Text, pictures, video and a media report, as a filer would have entered them."""
    services.refresh_figures(report)
    SummaryReport.objects.filter(pk=report.pk).update(body=_body(report.organization.display_name, rng),
                                                      video=video if video else None, version=F("version") + 1)
    ReportImage.objects.bulk_create([ReportImage(report=report, asset=a, position=n, caption=f"活动现场{n + 1}")
                                     for n, a in enumerate(images)], ignore_conflicts=True)
    MediaCoverage.objects.get_or_create(report=report, outlet=rng.choice(OUTLETS),
                                        title=f"{report.organization.display_name}科技活动周活动精彩纷呈",
                                        published_on=date(2020, 8, rng.randint(24, 30)))
    services._recompute_complete(report.pk)


def _recorded(report: SummaryReport, *, submitted: date, decided: date | None, status: str, reason: str = "") -> None:
    """A report's outcome as recorded (for levels without demo accounts): rows and trail."""
    due = report.effective_due_on
    SummaryReport.objects.filter(pk=report.pk).update(
        status=status, first_submitted_at=_at(submitted), submitted_at=_at(submitted),
        on_time=due is None or submitted <= due, decided_at=_at(decided) if decided else None,
        return_reason=reason, returns=1 if status == ReportStatus.RETURNED else 0)
    ReportEvent.objects.create(report=report, action=ReportEvent.Action.SUBMITTED, at=_at(submitted))
    if decided:
        action = ReportEvent.Action.RETURNED if status == ReportStatus.RETURNED else ReportEvent.Action.ACCEPTED
        ReportEvent.objects.create(report=report, action=action, reason=reason, at=_at(decided, 15))


def load_reports_demo(campaign, hebei: Organization) -> None:
    if SummaryReport.objects.filter(campaign=campaign, status__in=ReportStatus.IN).exists():
        return
    services.sync_expected_reports(campaign)
    rng = random.Random(SEED)
    admin = User.objects.get(username="hebei-admin")
    images, video = _demo_media(admin)
    cities = list(Organization.objects.filter(within(hebei.path), depth=hebei.depth + 1,
                                              kind=Organization.Kind.REGION).order_by("path"))
    sjz = next(c for c in cities if c.name == "石家庄市")
    unit_publicity, sjz_reviewer = User.objects.get(username="unit-publicity"), User.objects.get(username="sjz-reviewer")
    hebei_reviewer = User.objects.get(username="hebei-reviewer")

    # The units: 石家庄's through the services, the others as recorded.
    for city in cities:
        units = list(SummaryReport.objects.filter(campaign=campaign, receiver=city, expected=True)
                     .select_related("organization", "campaign", "receiver").order_by("org_path"))
        for report in units:
            roll = rng.random()
            if roll < 0.15:
                continue  # did not report
            _fill(report, images=images, video=video if roll > 0.4 else None, rng=rng,
                  actor=admin)
            late = roll < 0.25
            day = date(2020, 9, 12) if late else date(2020, 9, rng.randint(1, 9))
            if city == sjz and report.organization.name == "石家庄市科技信息研究所":
                report = services.submit(report, actor=unit_publicity, now=_at(date(2020, 9, 2)))
                report = services.return_report(report, actor=sjz_reviewer, now=_at(date(2020, 9, 3)),
                                                 reason="请补充开放日参观人数和活动照片说明。")
                report = services.submit(report, actor=unit_publicity, now=_at(date(2020, 9, 4)))
                services.accept(report, actor=sjz_reviewer, now=_at(date(2020, 9, 5)))
            elif city == sjz:
                report = services.submit(report, actor=admin, now=_at(day))
                services.accept(report, actor=sjz_reviewer, now=_at(max(day, date(2020, 9, 8))))
            else:
                _recorded(report, submitted=day, decided=max(day, date(2020, 9, 9)), status=ReportStatus.ACCEPTED)

    # The cities, received by hebei-reviewer: ten accepted (one late), one returned, one
    # missing, one with an extension it has not used yet.
    plan = {cities[-1].pk: "missing", cities[-2].pk: "extended", cities[-3].pk: "returned", cities[2].pk: "late"}
    for city in cities:
        report = SummaryReport.objects.select_related("organization", "campaign", "receiver").get(
            campaign=campaign, organization=city)
        outcome = plan.get(city.pk, "accepted")
        if outcome == "missing":
            continue
        if outcome == "extended":
            SummaryReport.objects.filter(pk=report.pk).update(extended_until=date(2020, 9, 25))
            ReportEvent.objects.create(report=report, action=ReportEvent.Action.EXTENDED, at=_at(date(2020, 9, 9)),
                                       reason="受汛期影响，材料整理延后。", actor=hebei_reviewer)
            continue
        _fill(report, images=images, video=video, rng=rng, actor=admin)
        day = date(2020, 9, 13) if outcome == "late" else date(2020, 9, 8)
        report = services.submit(report, actor=admin, now=_at(day))
        if outcome == "returned":
            services.return_report(report, actor=hebei_reviewer, now=_at(date(2020, 9, 10)),
                                   reason="总结视频超过3分钟的要求已改正，请补充媒体报道链接。")
        else:
            services.accept(report, actor=hebei_reviewer, now=_at(max(day, date(2020, 9, 9))))

    # Hebei's own departments and institutes (they report to the province directly): most in
    # and accepted, one still missing.
    departments = list(SummaryReport.objects.filter(campaign=campaign, receiver=hebei, expected=True)
                       .exclude(organization__in=cities).select_related("organization", "campaign", "receiver")
                       .order_by("org_path"))
    for n, report in enumerate(departments):
        if n == len(departments) - 1:
            continue
        _fill(report, images=images, video=video if n % 3 else None, rng=rng, actor=admin)
        day = date(2020, 9, 2 + n % 7)
        report = services.submit(report, actor=admin, now=_at(day))
        services.accept(report, actor=hebei_reviewer, now=_at(date(2020, 9, 9)))

    # Hebei compiles and the national committee accepts.
    own = SummaryReport.objects.select_related("organization", "campaign", "receiver").get(
        campaign=campaign, organization=hebei)
    _fill(own, images=images, video=video, rng=rng, actor=admin)
    own = services.submit(own, actor=admin, now=_at(date(2020, 9, 18)))
    services.accept(own, actor=User.objects.get(username="national-reviewer"), now=_at(date(2020, 9, 22)))


def load_live_reports(campaign) -> None:
    """The live campaign: who takes part is expected to report; the week has not ended."""
    services.sync_expected_reports(campaign)
