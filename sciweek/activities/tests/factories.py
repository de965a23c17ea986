"""A complete filing, ready to submit, for workflow tests."""
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sciweek.accounts.models import User
from sciweek.activities import services
from sciweek.activities.models import Activity, ActivityHost, Session
from sciweek.campaigns.models import ContentArea
from sciweek.organizations.models import Organization

TZ = ZoneInfo("Asia/Shanghai")


def complete_filing(campaign, organization_name="石家庄市科技信息研究所", *, filer="unit-filer",
                    level=Activity.Level.UNIT, fmt=Activity.Format.ONSITE, capacity=30, **overrides) -> Activity:
    organization = Organization.objects.get(name=organization_name)
    actor = User.objects.get(username=filer)
    fields = dict(
        title="人工智能与健康生活科普讲座", level=level, format=fmt, starts_on=date(2020, 8, 24),
        ends_on=date(2020, 8, 24), audience="中小学生及家长", expected_participants=60, description="讲座与互动体验。",
        lead_name="张工", contact_name="李老师", contact_phone="13912345678", division_id="130102",
        address="石家庄市长安区示例路 1 号", venue_capacity=200, safety_max_attendance=80,
        safety_measures="测温、扫码登记、间隔就座。", safety_responsible="王主任",
        live_stream_url="https://live.example.cn/ai" if fmt != Activity.Format.ONSITE else "",
    )
    fields.update(overrides)
    activity = services.create_filing(actor=actor, organization=organization, campaign=campaign, **fields)
    ActivityHost.objects.create(activity=activity, organization=organization)
    activity.content_areas.set(ContentArea.objects.filter(campaign=campaign)[:1])
    Session.objects.create(activity=activity, starts_at=datetime.combine(fields["starts_on"], time(9), TZ),
                           ends_at=datetime.combine(fields["starts_on"], time(11), TZ), capacity=capacity)
    return activity
