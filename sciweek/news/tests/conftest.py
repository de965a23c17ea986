"""Fixtures of the news tests: approved filings made through the activities services (so the
news clock is started by the filing_changed receiver, as in production), pictures made with
Pillow, videos with PyAV."""
import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time
from PIL import Image

from sciweek.accounts.models import User
from sciweek.activities import services as activity_services
from sciweek.activities.models import Session
from sciweek.activities.tests.factories import complete_filing

TZ = ZoneInfo("Asia/Shanghai")


def user(name):
    return User.objects.get(username=name)


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), TZ)


def jpeg(name="photo.jpg", size=(320, 200), color=(30, 120, 200)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def approved(reference_year, django_capture_on_commit_callbacks):
    """approved(title, sessions=[(start, end)], **fields) -> an activity of 石家庄市科技信息研究所
    filed by unit-filer, submitted during the filing period and approved by sjz-reviewer, with
    the on-commit receivers run (the news clock row exists afterwards)."""
    def make(title="新闻测试活动", sessions=None, **fields):
        if sessions:
            fields.setdefault("starts_on", min(s for s, _e in sessions).astimezone(TZ).date())
            fields.setdefault("ends_on", max(e for _s, e in sessions).astimezone(TZ).date())
        with freeze_time("2020-07-20 10:00:00"):
            activity = complete_filing(reference_year, title=title, **fields)
            if sessions is not None:
                Session.objects.filter(activity=activity).delete()
                for start, end in sessions:
                    Session.objects.create(activity=activity, starts_at=start, ends_at=end, capacity=30)
            with django_capture_on_commit_callbacks(execute=True):
                activity_services.submit(activity, actor=user("unit-filer"))
                activity.refresh_from_db()
                activity_services.approve(activity, actor=user("sjz-reviewer"))
        activity.refresh_from_db()
        return activity

    return make


@pytest.fixture
def unit(org):
    return org("石家庄市科技信息研究所")
