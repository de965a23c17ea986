"""The kept counts (snapshots.current): counted once and read after; recounted in the request
for a quick level and in the background for a large one, which shows its last count meanwhile;
two recounts finishing out of order keep the newer; the page polls until the new count is kept."""
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from sciweek.activities.models import Activity
from sciweek.statistics import selectors, snapshots
from sciweek.statistics.models import StatisticsSnapshot

from .conftest import YEAR, signed_in

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _file_one_more(tree):
    """An approved filing more in P (moves the campaign's data version)."""
    return Activity.objects.create(campaign=tree["campaign"], organization=tree["u1"], title="新增活动",
                                   status=Activity.Status.APPROVED)


def _large(tree, level):
    """Make `level`'s kept count look like one that took seconds (the nation on real data)."""
    StatisticsSnapshot.objects.filter(campaign=tree["campaign"], organization=level).update(count_ms=4400)


def test_the_first_read_counts_and_keeps_it_and_the_next_reads_it(tree, monkeypatch):
    first = snapshots.current(tree["campaign"], tree["p"])
    assert first.current
    assert first.figures["total"]["activities"] == selectors.figures(tree["campaign"], tree["p"])["total"]["activities"]
    kept = StatisticsSnapshot.objects.get(campaign=tree["campaign"], organization=tree["p"])
    assert kept.figures == first.figures and kept.recount_requested_at is None

    def no_counting(*args, **kwargs):
        raise AssertionError("counted again")

    monkeypatch.setattr(selectors, "figures", no_counting)
    again = snapshots.current(tree["campaign"], tree["p"])
    assert again.current and again.figures == first.figures and again.counted_at == first.counted_at


def test_a_quick_level_is_recounted_in_the_request_after_a_filing(tree):
    before = snapshots.current(tree["campaign"], tree["p"]).figures["total"]["activities"]
    _file_one_more(tree)
    after = snapshots.current(tree["campaign"], tree["p"])
    assert after.current and after.figures["total"]["activities"] == before + 1


@override_settings(TASKS=DUMMY_TASKS)
def test_a_large_level_shows_its_last_count_and_asks_for_one_recount(tree, django_capture_on_commit_callbacks):
    from django_tasks import default_task_backend

    default_task_backend.clear()
    before = snapshots.current(tree["campaign"], tree["root"])
    _large(tree, tree["root"])
    _file_one_more(tree)
    with django_capture_on_commit_callbacks(execute=True):
        stale = [snapshots.current(tree["campaign"], tree["root"]) for _ in range(3)]
    assert all(not s.current for s in stale)
    assert all(s.figures["total"]["activities"] == before.figures["total"]["activities"] for s in stale)
    asked = [r for r in default_task_backend.results if r.task.name == "recount_statistics"]
    assert len(asked) == 1  # three reads, one recount
    assert asked[0].args == [tree["campaign"].pk, tree["root"].pk]

    snapshots.recount_by_id(*asked[0].args)  # what the worker does
    fresh = snapshots.current(tree["campaign"], tree["root"])
    assert fresh.current and fresh.figures["total"]["activities"] == before.figures["total"]["activities"] + 1
    assert StatisticsSnapshot.objects.get(campaign=tree["campaign"], organization=tree["root"]) \
        .recount_requested_at is None


@override_settings(TASKS=DUMMY_TASKS)
def test_a_lost_recount_is_asked_for_again_later(tree, django_capture_on_commit_callbacks):
    from django_tasks import default_task_backend

    default_task_backend.clear()
    snapshots.current(tree["campaign"], tree["root"])
    _large(tree, tree["root"])
    _file_one_more(tree)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        snapshots.current(tree["campaign"], tree["root"], now=now)
        snapshots.current(tree["campaign"], tree["root"],
                          now=now + timedelta(seconds=snapshots.RECOUNT_RETRY_SECONDS - 5))
    assert len(default_task_backend.results) == 1
    with django_capture_on_commit_callbacks(execute=True):
        snapshots.current(tree["campaign"], tree["root"],
                          now=now + timedelta(seconds=snapshots.RECOUNT_RETRY_SECONDS + 5))
    assert len(default_task_backend.results) == 2


def test_check_ins_are_counted_again_after_the_figures_age(tree):
    from sciweek.reservations.models import Reservation

    counted = snapshots.current(tree["campaign"], tree["p"])
    Reservation.objects.filter(session__activity=tree["acts"]["u2_open"]).update(checked_in_at=timezone.now())
    assert snapshots.current(tree["campaign"], tree["p"]).figures == counted.figures  # within FIGURES_SECONDS
    later = timezone.now() + timedelta(seconds=snapshots.FIGURES_SECONDS + 1)
    aged = snapshots.current(tree["campaign"], tree["p"], now=later)
    assert aged.figures["total"]["check_ins"] == counted.figures["total"]["check_ins"] + 1


def test_an_older_count_finishing_late_does_not_replace_a_newer_one(tree, monkeypatch):
    newer = snapshots.recount(tree["campaign"], tree["p"])
    _file_one_more(tree)
    # a recount that began before `newer` and stores after it
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: newer.counted_at - timedelta(seconds=1))
    snapshots.recount(tree["campaign"], tree["p"])
    monkeypatch.setattr(timezone, "now", real_now)
    kept = StatisticsSnapshot.objects.get(campaign=tree["campaign"], organization=tree["p"])
    assert kept.counted_at == newer.counted_at and kept.figures == newer.figures


@override_settings(TASKS=DUMMY_TASKS)
def test_the_page_says_it_shows_the_last_count_and_reloads_when_the_new_one_is_kept(client, tree):
    signed_in(client, tree["root_stat"])
    url = reverse("statistics:console")
    assert client.get(url, {"year": YEAR, "org": tree["root"].pk}).status_code == 200
    _large(tree, tree["root"])
    _file_one_more(tree)
    html = client.get(url, {"year": YEAR, "org": tree["root"].pk}).content.decode()
    assert "正在后台重新统计" in html
    status_url = reverse("statistics:status", args=[tree["root"].pk])
    since = StatisticsSnapshot.objects.get(campaign=tree["campaign"], organization=tree["root"]).counted_at
    polled = client.get(status_url, {"year": YEAR, "since": since.isoformat()}, HTTP_HX_REQUEST="true")
    assert polled.status_code == 200 and "正在后台重新统计" in polled.content.decode()
    snapshots.recount(tree["campaign"], tree["root"])
    polled = client.get(status_url, {"year": YEAR, "since": since.isoformat()}, HTTP_HX_REQUEST="true")
    assert polled.headers.get("HX-Refresh") == "true"
    assert "正在后台重新统计" not in client.get(url, {"year": YEAR, "org": tree["root"].pk}).content.decode()


@pytest.mark.parametrize("who", ["c1_stat", "p_reviewer"])
def test_the_status_of_a_level_outside_ones_scope_is_a_404(client, tree, who):
    signed_in(client, tree[who])
    response = client.get(reverse("statistics:status", args=[tree["root"].pk]),
                          {"year": YEAR, "since": timezone.now().isoformat()}, HTTP_HX_REQUEST="true")
    assert response.status_code == 404
