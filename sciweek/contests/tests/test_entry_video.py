"""An entry's video: taken in through the media intake (real streams checked against the
micro-video rule), attached from the unit's console page, public once the entry wins."""
import pytest
from django.urls import reverse

from sciweek.contests import services
from sciweek.contests.models import Entry
from sciweek.media import services as media
from sciweek.media.models import MediaAsset
from sciweek.media.requirements import VIDEO_2_TO_5_MIN
from sciweek.media.tests.conftest import make_video

from .conftest import enter, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_minutes(tmp_path):
    # 2:00.0 at 640×360, 1 frame a second: the shortest a micro-video may be, quick to encode.
    return make_video(tmp_path / "entry.mp4", 120, fps=1, width=640, height=360)


def test_the_unit_uploads_and_attaches_a_video_that_meets_the_rule(kit, staff_client, two_minutes):
    entry = enter(kit, "微视频", unit("石家庄市科技信息研究所"))
    client = staff_client("hebei-admin")
    page = client.get(reverse("contests:entry_video", args=[entry.pk]))
    assert page.status_code == 200 and 'data-purpose="contests.entry_video"' in page.content.decode()
    asset = media.intake(two_minutes, original_name="我的作品.mp4", requirements=VIDEO_2_TO_5_MIN, actor=kit.admin,
                         purpose="contests.entry_video")
    response = client.post(reverse("contests:entry_video", args=[entry.pk]), {"video": str(asset.pk)})
    assert response.status_code == 302
    assert Entry.objects.get(pk=entry.pk).video_id == asset.pk
    assert not MediaAsset.objects.get(pk=asset.pk).is_public  # judges get signed addresses until it wins


def test_someone_elses_or_a_wrong_purpose_asset_is_refused(kit, staff_client, two_minutes):
    from sciweek.accounts.models import User

    entry = enter(kit, "微视频", unit("石家庄市科技信息研究所"))
    other = User.objects.get(username="unit-filer")
    theirs = media.intake(two_minutes, original_name="x.mp4", requirements=VIDEO_2_TO_5_MIN, actor=other,
                          purpose="contests.entry_video")
    client = staff_client("hebei-admin")
    for value in (str(theirs.pk), "", "abc", "99999999"):
        response = client.post(reverse("contests:entry_video", args=[entry.pk]), {"video": value})
        assert response.status_code == 200, value
        assert Entry.objects.get(pk=entry.pk).video_id is None
    with pytest.raises(services.ContestError, match="请先上传"):
        services.attach_video(entry, theirs, actor=kit.admin)


def test_a_too_short_video_never_becomes_an_asset(kit, tmp_path):
    short = make_video(tmp_path / "short.mp4", 119.5, fps=2, width=640, height=360)
    with pytest.raises(Exception) as refused:
        media.intake(short, original_name="短.mp4", requirements=VIDEO_2_TO_5_MIN, actor=kit.admin,
                     purpose="contests.entry_video")
    assert "时长" in " ".join(getattr(refused.value, "messages", [str(refused.value)]))
    assert not MediaAsset.objects.filter(purpose="contests.entry_video").exists()


def test_a_winners_video_becomes_public_when_the_results_are_final(kit, two_minutes):
    from datetime import timedelta

    from django.utils import timezone

    from .test_services import finish_scoring

    winner = enter(kit, "获奖作品", unit("保定市"))
    other = enter(kit, "未获奖作品", unit("保定市"))
    asset = media.intake(two_minutes, original_name="获奖.mp4", requirements=VIDEO_2_TO_5_MIN, actor=kit.admin,
                         purpose="contests.entry_video")
    services.attach_video(winner, asset, actor=kit.admin)
    # Only one prize: the other entry wins nothing.
    kit.contest.prize_tiers.exclude(position=0).delete()
    services.assign(kit.final, actor=kit.admin)
    services.open_round(kit.final, actor=kit.admin)
    kit.final.refresh_from_db()
    finish_scoring(kit, {winner: [10, 10, 10], other: [5, 5, 5]})
    services.close_round(kit.final, actor=kit.admin)
    now = timezone.now()
    services.publish_results(kit.contest, actor=kit.admin, now=now)
    assert not MediaAsset.objects.get(pk=asset.pk).is_public  # not during the notice
    services.finalize(kit.contest, actor=kit.admin, now=now + timedelta(days=8))
    assert MediaAsset.objects.get(pk=asset.pk).is_public


def test_an_identical_video_is_flagged_in_the_organizers_entry_list(kit, staff_client, two_minutes, tmp_path):
    import shutil

    first, second = enter(kit, "原作", unit("保定市")), enter(kit, "同一文件", unit("保定市"))
    copy = tmp_path / "copy.mp4"
    shutil.copy(two_minutes, copy)
    for entry, path in ((first, two_minutes), (second, copy)):
        asset = media.intake(path, original_name=f"{entry.title}.mp4", requirements=VIDEO_2_TO_5_MIN,
                             actor=kit.admin, purpose="contests.entry_video")
        services.attach_video(entry, asset, actor=kit.admin)
    page = staff_client("hebei-admin").get(reverse("contests:entry_list", args=[kit.contest.pk])).content.decode()
    assert page.count("视频与另一件作品的文件相同") == 1


def test_the_units_list_shows_the_prize_once_final(staff_client, demo):
    from sciweek.contests.models import Award

    page = staff_client("unit-filer").get(reverse("contests:unit_entries")).content.decode()
    awarded = Award.objects.filter(entry__organization__name="石家庄市科技信息研究所").select_related("tier").first()
    if awarded is not None:  # the demo's 2020 contests: the unit's prize is on its list
        assert awarded.tier.name in page
    assert "本单位报送的作品" in page
