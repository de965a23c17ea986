from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from sciweek.accounts.models import User
from sciweek.core.sms import LocmemSmsBackend
from sciweek.participants import registry, services
from sciweek.participants.models import OneTimeCode, Profile

pytestmark = pytest.mark.django_db


def last_code():
    return LocmemSmsBackend.outbox[-1][1].split("验证码是 ")[1][:6]


def test_sign_in_by_phone_code_creates_a_minimal_profile(db):
    LocmemSmsBackend.outbox.clear()
    assert services.request_code("138 0013 8000", ip="10.0.0.1") == "13800138000"
    assert LocmemSmsBackend.outbox[-1][0] == "13800138000"
    with pytest.raises(services.ParticipantError):
        services.verify_code("13800138000", last_code(), consent=False)  # first time needs consent
    OneTimeCode.objects.update(created_at=OneTimeCode.objects.first().created_at - timedelta(minutes=2))
    services.request_code("13800138000")
    user = services.verify_code("13800138000", last_code(), consent=True, name="小明家长")
    profile = Profile.objects.get(user=user)
    assert profile.phone == "13800138000" and profile.masked_phone == "138****8000"
    assert not user.has_usable_password() and not user.memberships.exists()
    assert services.public_person(user) == user and services.profile_of(user) == profile


def test_code_rules_rate_limit_attempts_and_expiry(db):
    LocmemSmsBackend.outbox.clear()
    services.request_code("13800138001")
    with pytest.raises(services.RateLimited) as limited:
        services.request_code("13800138001")
    assert limited.value.status == 429 and limited.value.code == "rate_limited"
    code = last_code()
    for _ in range(5):
        with pytest.raises(services.ParticipantError):
            services.verify_code("13800138001", "000000" if code != "000000" else "111111", consent=True)
    with pytest.raises(services.ParticipantError):  # locked after 5 wrong tries, even with the right code
        services.verify_code("13800138001", code, consent=True)
    with freeze_time(OneTimeCode.objects.latest("id").created_at + timedelta(minutes=6)):
        services.request_code("13800138001")
        fresh = last_code()
    with freeze_time(OneTimeCode.objects.latest("id").created_at + timedelta(minutes=6)):
        with pytest.raises(services.ParticipantError):
            services.verify_code("13800138001", fresh, consent=True)
    with pytest.raises(services.ParticipantError) as invalid:
        services.request_code("12345")
    assert invalid.value.status == 422 and "11 位" in str(invalid.value)


def test_staff_accounts_are_not_public_people(demo):
    assert services.public_person(User.objects.get(username="unit-filer")) is None


def test_after_deletion_the_phone_starts_afresh(db):
    LocmemSmsBackend.outbox.clear()
    services.request_code("13800138002")
    user = services.verify_code("13800138002", last_code(), consent=True)
    services.delete_personal_data(user)
    # The profile is gone, so the same phone signs up afresh (a new, empty account).
    OneTimeCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    services.request_code("13800138002")
    again = services.verify_code("13800138002", last_code(), consent=True)
    assert again.pk != user.pk and again.is_active


def test_export_and_delete_go_through_the_registered_providers(db, monkeypatch):
    """participants knows no app: what others keep about a person comes through the registry."""
    monkeypatch.setattr(registry, "_providers", {})
    erased = []
    registry.register_personal_data("quiz", export=lambda user: [{"score": 9}], erase=erased.append)
    user = User.objects.create(username="p_registry")
    Profile.objects.create(user=user, phone="13800138003", name="小红", consent_at=timezone.now())
    data = services.export_personal_data(user)
    assert data["phone"] == "13800138003" and data["name"] == "小红" and data["quiz"] == [{"score": 9}]
    services.delete_personal_data(user)
    user.refresh_from_db()
    assert erased == [user] and not user.is_active and user.full_name == "" and user.username.startswith("deleted_")
    assert not Profile.objects.filter(user=user).exists()


def test_participants_does_not_import_the_apps_built_on_it():
    import re
    from pathlib import Path

    for module in Path(services.__file__).parent.glob("*.py"):
        assert not re.search(r"(from|import)\s+sciweek\.reservations", module.read_text()), module.name
