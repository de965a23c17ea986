"""The summary flow up the reporting lines: who is expected, submit with the evidence,
return with a reason, fix and resubmit, accept, compile at the city, lateness at the
deadline's boundary, the lock after the grace days and the receiver's extension, and that no
level decides or sees what is not its own."""
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from freezegun import freeze_time

from sciweek.accounts.models import AuditEvent
from sciweek.reports import services
from sciweek.reports.models import ReportEvent, ReportStatus, SummaryReport

from .conftest import BODY, at, jpeg

pytestmark = pytest.mark.django_db


def report_of(tree, key):
    return SummaryReport.objects.get(campaign=tree["campaign"], organization=tree[key])


def test_expected_reporters_are_participants_and_the_levels_above_them(tree):
    names = set(SummaryReport.objects.filter(campaign=tree["campaign"], expected=True)
                .values_list("organization__name", flat=True))
    # u2 filed too; the root receives and does not report.
    assert names == {"甲省", "乙省", "甲一市", "甲二市", "乙一市", "甲一市科技馆", "甲一市大学", "甲二市科技馆", "乙一市科技馆"}
    u1 = report_of(tree, "u1")
    assert u1.receiver == tree["c1"] and u1.due_on == date(2097, 9, 10)  # P's deadline binds its units
    assert report_of(tree, "p").due_on == date(2097, 9, 21) and report_of(tree, "p").receiver == tree["root"]
    assert report_of(tree, "q").due_on == date(2097, 9, 21)


@freeze_time("2097-09-01 10:00:00+08:00")
def test_the_draft_is_written_from_the_data(tree):
    report = services.start(tree["campaign"], tree["u1"], actor=tree["u1_filer"])
    assert "共举办科普活动1项" in report.body
    figures = {f.key: f.computed for f in report.figures.all()}
    assert figures["activities"] == 1 and figures["online_views"] is None


def test_submission_needs_the_evidence_and_says_what_is_missing(tree, ready):
    report = services.start(tree["campaign"], tree["u1"], actor=tree["u1_filer"])
    with pytest.raises(services.ReportError) as refused:
        services.submit(report, actor=tree["u1_filer"], now=at(9, 1))
    text = " ".join(refused.value.messages)
    assert "（请填写）" in text and "至少上传 1 张活动图片" in text
    assert report_of(tree, "u1").status == ReportStatus.DRAFT


def test_return_fix_resubmit_accept(tree, ready):
    report = ready(tree["u1"], tree["u1_filer"])
    report = services.submit(report, actor=tree["u1_filer"], now=at(9, 5))
    assert report.status == ReportStatus.SUBMITTED and report.on_time is True
    with pytest.raises(services.ReportError):
        services.save_text(report, actor=tree["u1_filer"], title="改", body=BODY)  # locked while submitted
    with pytest.raises(services.ReportError):
        services.return_report(report, actor=tree["c1_reviewer"], reason="  ")
    report = services.return_report(report, actor=tree["c1_reviewer"], reason="请补充活动照片说明", now=at(9, 6))
    assert report.status == ReportStatus.RETURNED and report.returns == 1
    report = services.save_text(report, actor=tree["u1_filer"], title="", body=BODY + "<p>已补充。</p>")
    report = services.submit(report, actor=tree["u1_filer"], now=at(9, 12))  # after the deadline: a resubmission
    assert report.on_time is True  # timeliness is the first submission's
    report = services.accept(report, actor=tree["c1_reviewer"], now=at(9, 13))
    assert report.status == ReportStatus.ACCEPTED
    actions = list(report.events.values_list("action", flat=True))
    assert actions == ["submitted", "returned", "submitted", "accepted"]
    assert AuditEvent.objects.filter(action="reports.returned", organization=tree["u1"]).exists()


def test_lateness_at_the_deadline_boundary(tree, ready):
    on_time = services.submit(ready(tree["u1"], tree["u1_filer"]), actor=tree["u1_filer"], now=at(9, 10, 23, 59, 59))
    late = services.submit(ready(tree["u2"], tree["u1_filer"] if False else _filer(tree, "u2")),
                           actor=_filer(tree, "u2"), now=at(9, 11, 0, 0, 0))
    assert on_time.on_time is True and late.on_time is False


def _filer(tree, key):
    from sciweek.accounts.models import Membership, Role, User

    user, _ = User.objects.get_or_create(username=f"r-{key}-filer")
    Membership.objects.get_or_create(user=user, organization=tree[key], role=Role.PUBLICITY)
    return user


def test_locked_after_the_grace_days_until_the_receiver_extends(tree, ready):
    report = ready(tree["u3"], tree["u3_filer"])
    # due 09-10, grace 5 days: 09-15 is the last day, late; 09-16 is locked.
    with pytest.raises(services.ReportError) as refused:
        services.submit(report, actor=tree["u3_filer"], now=at(9, 16, 9))
    assert "联系甲二市批准延期" in " ".join(refused.value.messages)
    with pytest.raises(PermissionDenied):  # the unit cannot extend its own deadline
        services.grant_extension(report, actor=tree["u3_filer"], until=date(2097, 9, 20), reason="自己延")
    with pytest.raises(Http404):  # nor can another branch's city (it does not even see it)
        services.grant_extension(report, actor=tree["q_reviewer"], until=date(2097, 9, 20), reason="x")
    with pytest.raises(services.ReportError):
        services.grant_extension(report, actor=tree["c2_reviewer"], until=date(2097, 9, 20), reason="")
    services.grant_extension(report, actor=tree["c2_reviewer"], until=date(2097, 9, 20), reason="设备故障，延期补报",
                             now=at(9, 16, 10))
    report = services.submit(report, actor=tree["u3_filer"], now=at(9, 18))
    assert report.on_time is True and report.extended_until == date(2097, 9, 20)
    assert AuditEvent.objects.filter(action="reports.extended", organization=tree["u3"]).exists()
    assert report.events.filter(action=ReportEvent.Action.EXTENDED, reason="设备故障，延期补报").exists()


def test_only_the_receiving_level_decides(tree, ready):
    report = services.submit(ready(tree["u1"], tree["u1_filer"]), actor=tree["u1_filer"], now=at(9, 1))
    with pytest.raises(PermissionDenied):  # the province sees it but is not the receiver
        services.accept(report, actor=tree["p_reviewer"])
    with pytest.raises(PermissionDenied):  # the unit's own people cannot accept it
        services.accept(report, actor=tree["u1_filer"])
    with pytest.raises(Http404):  # a sibling branch does not see it at all
        services.accept(report, actor=tree["q_reviewer"])
    with pytest.raises(Http404):
        services.accept(report, actor=tree["c2_reviewer"])
    assert services.accept(report, actor=tree["c1_reviewer"]).status == ReportStatus.ACCEPTED


def test_the_city_compiles_after_deciding_its_units(tree, ready):
    unit = services.submit(ready(tree["u1"], tree["u1_filer"]), actor=tree["u1_filer"], now=at(9, 1))
    city = ready(tree["c1"], tree["c1_filer"])
    with pytest.raises(services.ReportError) as refused:
        services.submit(city, actor=tree["c1_filer"], now=at(9, 2))
    assert "等待您接收或退回" in " ".join(refused.value.messages)
    services.accept(unit, actor=tree["c1_reviewer"])
    assert list(services.included_reports(city)) == [SummaryReport.objects.get(pk=unit.pk)]
    city = services.submit(city, actor=tree["c1_filer"], now=at(9, 3))
    assert city.receiver == tree["p"] and city.status == ReportStatus.SUBMITTED
    # Once the compilation is sent up, its units' reports can no longer be pulled back.
    with pytest.raises(services.ReportError):
        services.return_report(SummaryReport.objects.get(pk=unit.pk), actor=tree["c1_reviewer"], reason="再改")
    assert services.accept(city, actor=tree["p_reviewer"]).status == ReportStatus.ACCEPTED


def test_an_edit_made_meanwhile_is_not_overwritten(tree):
    report = services.start(tree["campaign"], tree["u1"], actor=tree["u1_filer"])
    read_at = report.version
    services.save_text(report, actor=tree["u1_filer"], title="甲", body=BODY, version=read_at)
    with pytest.raises(services.ReportMoved):
        services.save_text(report, actor=tree["u1_filer"], title="乙", body=BODY, version=read_at)
    assert report_of(tree, "u1").title == "甲"


def test_a_correction_needs_a_reason(tree):
    report = services.start(tree["campaign"], tree["u1"], actor=tree["u1_filer"])
    with pytest.raises(services.ReportError):
        services.save_text(report, actor=tree["u1_filer"], title="", body=BODY, corrections={"participants": (300, "")})
    report = services.save_text(report, actor=tree["u1_filer"], title="", body=BODY,
                                corrections={"participants": (300, "含线上直播观看人数")})
    figure = report.figures.get(key="participants")
    assert figure.value == 300 and figure.reason == "含线上直播观看人数"


def test_text_is_sanitized(tree):
    report = services.start(tree["campaign"], tree["u1"], actor=tree["u1_filer"])
    report = services.save_text(report, actor=tree["u1_filer"], title="",
                                body='<p onclick="x()">好</p><script>alert(1)</script><a href="javascript:1">链</a>')
    assert "script" not in report.body and "onclick" not in report.body and "javascript" not in report.body
    assert "<p>好</p>" in report.body


def test_not_an_image_is_refused_and_the_others_kept(tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    report = services.start(tree["campaign"], tree["u1"], actor=tree["u1_filer"])
    fake = SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg")
    added, errors = services.add_images(report, [jpeg("good.jpg"), fake], actor=tree["u1_filer"])
    assert added == 1 and len(errors) == 1 and errors[0].startswith("photo.jpg")
    assert report.images.count() == 1


def test_completeness_needs_a_checked_video(tree, ready, tmp_path):
    from sciweek.media import services as media
    from sciweek.media.requirements import SUMMARY_VIDEO
    from sciweek.media.tests.conftest import make_video

    report = ready(tree["u1"], tree["u1_filer"])
    assert report.complete is False
    path = make_video(tmp_path / "summary.mp4", 4)
    asset = media.intake(path, original_name="summary.mp4", requirements=SUMMARY_VIDEO, actor=tree["u1_filer"],
                         purpose="reports.summary_video")
    services.attach_video(report, asset, actor=tree["u1_filer"])
    assert report_of(tree, "u1").complete is True
    # Someone else's upload cannot be attached.
    with pytest.raises(services.ReportError):
        services.attach_video(report_of(tree, "u3"), asset, actor=tree["u3_filer"])


def test_a_video_over_the_campaigns_limit_is_refused(tree, ready, tmp_path):
    from sciweek.media import services as media
    from sciweek.media.requirements import SUMMARY_VIDEO
    from sciweek.media.tests.conftest import make_video

    tree["campaign"].summary_video_max_seconds = 3
    tree["campaign"].save()
    report = ready(tree["u1"], tree["u1_filer"])
    asset = media.intake(make_video(tmp_path / "long.mp4", 4), original_name="long.mp4", requirements=SUMMARY_VIDEO,
                         actor=tree["u1_filer"], purpose="reports.summary_video")
    with pytest.raises(services.ReportError) as refused:
        services.attach_video(report, asset, actor=tree["u1_filer"])
    assert "超过上限" in " ".join(refused.value.messages)


def test_remind_reaches_the_missing_once_a_day(tree, ready, django_capture_on_commit_callbacks):
    from sciweek.activities.models import Notification

    services.submit(ready(tree["u1"], tree["u1_filer"]), actor=tree["u1_filer"], now=at(9, 1))
    with django_capture_on_commit_callbacks(execute=True):
        n = services.remind_missing(tree["campaign"], tree["p"], actor=tree["p_reviewer"], now=at(9, 8))
    assert n == 4  # c1, c2, u2, u3: u1 is in; p itself is not its own reminder's target
    assert services.remind_missing(tree["campaign"], tree["p"], actor=tree["p_reviewer"], now=at(9, 8, 15)) == 0
    assert Notification.objects.filter(user=tree["u3_filer"]).count() == 1
    with pytest.raises(Http404):
        services.remind_missing(tree["campaign"], tree["p"], actor=tree["q_reviewer"])
