"""A visitor on a phone opens a contest's prize list, goes to a winning entry and plays its video
(a small real H.264 video taken in through the media module's intake, served by the platform
with range requests); the 公示 list with its objection form (errors, then sent); the live board
redrawing itself from its feed after the last judge's mark. axe-core (WCAG 2.0/2.1 A and AA)
finds nothing on these pages at 360×740 and 1280×800; none scrolls sideways at 320 or 180 CSS
px. The results page on a phone is kept as /tmp/h/shots/contest-results.png (or
SCIWEEK_CONTEST_SHOTS)."""
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from sciweek.a11y import Findings
from sciweek.contests import services
from sciweek.contests.models import Assignment, Award, Entry, Objection, Round

from .test_public_pages import final, judging, marks, publicity, url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}
ZOOM_200 = {"width": 180, "height": 370}
SHOTS = Path(os.environ.get("SCIWEEK_CONTEST_SHOTS", "/tmp/h/shots"))


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def public_video(tmp_path):
    """A 3-second 320×180 H.264 MP4 through media.services.intake, made public (what the
    contest does for a winning entry once results are out)."""
    from sciweek.media import services as media
    from sciweek.media.requirements import MediaRequirements
    from sciweek.media.tests.conftest import make_video

    source = make_video(tmp_path / "winner.mp4", 3, fps=10, width=320, height=180)
    asset = media.intake(source, original_name="winner.mp4", requirements=MediaRequirements(),
                         purpose="contests.entry_video")
    asset.is_public = True
    asset.save(update_fields=["is_public"])
    return asset


def wait_until(page, script: str, timeout: float = 15.0):
    """Poll `script` with page.evaluate (wait_for_function evaluates a string, which the CSP forbids)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(script):
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"not within {timeout} s: {script}")


def check_sizes(page, base, paths, found):
    for viewport, label in ((DESKTOP, "1280×800"), (NARROW, "320 px"), (ZOOM_200, "180 px")):
        page.set_viewport_size(viewport)
        for name, path in paths:
            page.goto(base + path)
            if viewport is DESKTOP:
                found.axe(page, f"{label}: {name}")
            else:
                found.overflow(page, f"{label}: {name}")
    page.set_viewport_size(PHONE)


def test_a_visitor_plays_a_winning_entrys_video_from_the_prize_list(kit, live_server, page_factory, tmp_path):
    final(kit)
    winner = Award.objects.filter(contest=kit.contest).select_related("entry", "tier").order_by("rank").first()
    asset = public_video(tmp_path)
    Entry.objects.filter(pk=winner.entry_id).update(video=asset)
    services._bump(kit.contest.pk)  # what attach_video does: the pages show it at once
    base, found = live_server.url, Findings()
    page = page_factory(PHONE)

    page.goto(base + url(kit))
    found.axe(page, "contest page, final")
    page.get_by_role("link", name="查看获奖名单").click()
    page.wait_for_url("**/results/")
    found.axe(page, "prize list")
    main = page.inner_text("main")
    assert "获奖名单" in main and "一等奖" in main and winner.entry.title in main
    shot(page, "contest-results")

    page.get_by_role("link", name=f"观看视频 {winner.entry.title}").click()
    page.wait_for_url(f"**/entries/{winner.entry.number}/")
    found.axe(page, "winning entry")
    video = page.locator("video")
    assert video.get_attribute("controls") is not None and video.get_attribute("preload") == "metadata"
    assert video.get_attribute("src") == f"/media/{asset.pk}/file"
    assert video.get_attribute("poster") == f"/media/{asset.pk}/poster"
    # Debian's chromium plays H.264; the platform serves the file with range requests.
    assert page.evaluate("document.querySelector('video').canPlayType('video/mp4; codecs=\"avc1.42E01E\"')")
    page.evaluate("document.querySelector('video').muted = true; document.querySelector('video').play()")
    wait_until(page, "document.querySelector('video').currentTime > 0.5")
    assert page.evaluate("document.querySelector('video').duration") == pytest.approx(3, abs=0.2)
    shot(page, "contest-entry-video")

    check_sizes(page, base, [("prize list", url(kit, "results")),
                             ("winning entry", url(kit, "entry", winner.entry.number))], found)
    assert not found, found.report()


def test_the_live_board_redraws_itself_after_the_last_judges_mark(kit, live_server, page_factory):
    base, found = live_server.url, Findings()
    page = page_factory(PHONE)

    # The live board of a final: redrawn from its feed when the last judge's mark comes in.
    Round.objects.filter(pk=kit.final.pk).update(is_live=True)
    a, b = judging(kit, "星空讲解", "水的旅行")
    page.goto(base + url(kit, "live"))
    found.axe(page, "live board")
    assert "已评 0/3" in page.inner_text("#live-board")
    for entry, content in ((a, 9), (b, 7)):
        for assignment in Assignment.objects.filter(round=kit.final, entry=entry).select_related("judge"):
            services.save_score(assignment, judge=assignment.judge, points=marks(kit.final, content), submit=True)
    wait_until(page, "document.querySelector('#live-board').innerText.includes('85.0')", timeout=10)
    board = page.inner_text("#live-board")
    assert "85.0" in board and "75.0" in board and "已评" not in board
    found.axe(page, "live board, redrawn")
    shot(page, "contest-live")
    check_sizes(page, base, [("live board", url(kit, "live"))], found)
    assert not found, found.report()


def test_the_public_notice_and_an_objection_on_a_phone(kit, live_server, page_factory):
    base, found = live_server.url, Findings()
    page = page_factory(PHONE)
    publicity(kit, now=timezone.now() - timedelta(days=1))
    page.goto(base + url(kit, "results"))
    found.axe(page, "public notice")
    assert "评审结果公示" in page.inner_text("main")
    shot(page, "contest-publicity")
    page.get_by_role("button", name="提交异议").click()
    page.wait_for_load_state()
    found.axe(page, "objection, errors")
    found.error_links(page, "objection, errors")
    page.get_by_label("对哪件作品提出异议").select_option(index=2)
    page.get_by_label("姓名").fill("王某")
    page.get_by_label("联系电话").fill("13800001111")
    page.get_by_label("异议内容").fill("引用资料未注明出处。")
    page.get_by_role("button", name="提交异议").click()
    page.wait_for_load_state()
    assert "您的异议已提交" in page.inner_text("main")
    assert Objection.objects.filter(contest=kit.contest, name="王某").exists()
    check_sizes(page, base, [("public notice", url(kit, "results"))], found)
    assert not found, found.report()
