"""A small reporting tree of its own: the committee, two provinces (P with cities C1, C2; Q
with city D1), units under the cities, approved filings for the units, the summary deadlines
(national 09-21 for the provinces, P's 09-10 for everyone in P) and staff at each level."""
import io
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sciweek.accounts.models import Membership, Role, User
from sciweek.activities.models import Activity
from sciweek.campaigns.models import Campaign, Deadline
from sciweek.organizations.models import Organization
from sciweek.reports import services

YEAR = 2097


def at(month, day, hour=12, minute=0, second=0):
    return timezone.make_aware(datetime(YEAR, month, day, hour, minute, second), timezone.get_default_timezone())


def jpeg(name="photo.jpg", size=(64, 48), color=(30, 120, 200)):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


BODY = "<div>" + "本单位在科技活动周期间组织开展了形式多样的科普活动，受到公众欢迎。" * 3 + "</div>"


@pytest.fixture
def tree(db):
    campaign = Campaign.objects.create(year=YEAR, name="测试活动周", theme="测试", starts_on=date(YEAR, 8, 23),
                                       ends_on=date(YEAR, 8, 29), summary_min_images=1, summary_grace_days=5)
    root = Organization.objects.add_root({"name": "测试组委会", "kind": "committee"})
    p = Organization.objects.add_child(root, {"name": "甲省", "kind": "region"})
    q = Organization.objects.add_child(root, {"name": "乙省", "kind": "region"})
    c1 = Organization.objects.add_child(p, {"name": "甲一市", "kind": "region"})
    c2 = Organization.objects.add_child(p, {"name": "甲二市", "kind": "region"})
    d1 = Organization.objects.add_child(q, {"name": "乙一市", "kind": "region"})
    u1 = Organization.objects.add_child(c1, {"name": "甲一市科技馆", "kind": "museum"})
    u2 = Organization.objects.add_child(c1, {"name": "甲一市大学", "kind": "university"})
    u3 = Organization.objects.add_child(c2, {"name": "甲二市科技馆", "kind": "museum"})
    v1 = Organization.objects.add_child(d1, {"name": "乙一市科技馆", "kind": "museum"})
    for org in (u1, u2, u3, v1):
        Activity.objects.create(campaign=campaign, organization=org, title=f"{org.name}开放日",
                                status=Activity.Status.APPROVED, starts_on=date(YEAR, 8, 24),
                                ends_on=date(YEAR, 8, 24))
    Deadline.objects.create(campaign=campaign, organization=root, kind=Deadline.Kind.SUMMARY, due_on=date(YEAR, 9, 21))
    Deadline.objects.create(campaign=campaign, organization=p, kind=Deadline.Kind.SUMMARY, due_on=date(YEAR, 9, 10))

    def member(name, org, role):
        user = User.objects.create(username=name)
        Membership.objects.create(user=user, organization=org, role=role)
        return user

    people = {
        "u1_filer": member("r-u1-filer", u1, Role.PUBLICITY),
        "u3_filer": member("r-u3-filer", u3, Role.PUBLICITY),
        "c1_filer": member("r-c1-filer", c1, Role.PUBLICITY),
        "c1_reviewer": member("r-c1-reviewer", c1, Role.REVIEWER),
        "c2_reviewer": member("r-c2-reviewer", c2, Role.REVIEWER),
        "p_reviewer": member("r-p-reviewer", p, Role.REVIEWER),
        "p_filer": member("r-p-filer", p, Role.PUBLICITY),
        "q_reviewer": member("r-q-reviewer", q, Role.REVIEWER),
        "root_reviewer": member("r-root-reviewer", root, Role.REVIEWER),
    }
    services.sync_expected_reports(campaign)
    return {"campaign": campaign, "root": root, "p": p, "q": q, "c1": c1, "c2": c2, "d1": d1, "u1": u1, "u2": u2,
            "u3": u3, "v1": v1, **people}


@pytest.fixture
def ready(tree):
    """Fill a report so that it may be submitted (text and one image)."""

    def fill(org, actor, *, images=1):
        report = services.start(tree["campaign"], org, actor=actor)
        report = services.save_text(report, actor=actor, title="", body=BODY)
        if images:
            added, errors = services.add_images(report, [jpeg(f"p{i}.jpg") for i in range(images)], actor=actor)
            assert added == images, errors
        return report.__class__.objects.get(pk=report.pk)

    return fill
