"""The computed indicators on the small tree (figures worked out by hand in conftest)."""
from decimal import Decimal as D

from sciweek.evaluation import selectors
from sciweek.evaluation.indicators import Context, compute_raw


def raw_by_name(evaluation):
    sch = selectors.scheme(evaluation)
    raw = selectors.raw_values(evaluation, sch)
    codes = {i.id: i.code for i in sch.indicators}
    return {(s.organization.name, codes[i]): v for (sid, i), v in raw.items() for s in sch.subjects if s.id == sid}


def test_subjects_follow_the_peer_group_rules(evaluation, small):
    subjects = {s.organization.name: s.peer_group.key for s in evaluation.subjects.select_related(
        "organization", "peer_group")}
    assert subjects == {"甲一市": "cities", "甲二市": "cities", "甲三市": "cities", "甲省科技厅": "departments"}


def test_raw_values_of_every_source(evaluation):
    raw = raw_by_name(evaluation)
    assert raw[("甲一市", "held_rate")] == D("75.0") and raw[("甲二市", "held_rate")] == D("50.0")
    assert raw[("甲三市", "held_rate")] is None  # nothing filed: no rate
    assert [raw[(c, "held")] for c in ("甲一市", "甲二市", "甲三市")] == [3, 1, 0]
    assert [raw[(c, "check_ins")] for c in ("甲一市", "甲二市", "甲三市")] == [5, 1, 0]
    assert [raw[(c, "news")] for c in ("甲一市", "甲二市")] == [D("100.0"), D("0.0")]
    assert [raw[(c, "media")] for c in ("甲一市", "甲二市", "甲三市")] == [2, 1, 0]  # December's not counted
    assert [raw[(c, "summary_on_time")] for c in ("甲一市", "甲二市")] == [D("66.7"), D("50.0")]
    assert [raw[(c, "summary_returns")] for c in ("甲一市", "甲二市", "甲三市")] == [2, 0, 0]
    assert raw[("甲省科技厅", "summary_on_time")] == D("100.0")


def test_one_query_per_source_whatever_the_subjects(evaluation, small, django_assert_max_num_queries):
    sch = selectors.scheme(evaluation)
    ctx = Context(small["campaign"].pk, small["p"].path, [s.org_path for s in sch.subjects], evaluation.evaluated_on)
    sources = {i.id: i.source for i in sch.indicators if i.source != "scored"}
    with django_assert_max_num_queries(5):  # activities, check-ins, news, summaries, media
        compute_raw(ctx, sources)


def test_live_scorecard_worked_by_hand(evaluation, small):
    from sciweek.evaluation import services

    reviewer = small["p_reviewer"]
    subjects = {s.organization.name: s for s in evaluation.subjects.select_related("organization")}
    leadership = evaluation.codes["leadership"]
    services.score(reviewer, evaluation, subjects["甲一市"], leadership, "60", "部署及时。")
    services.score(reviewer, evaluation, subjects["甲二市"], leadership, "90", "领导亲自参加。")
    standings = {s.organization_name: s for s in selectors.standings(evaluation)}
    assert standings["甲一市"].total == D("82.00") and standings["甲一市"].rank == 1
    assert standings["甲二市"].total == D("38.33") and standings["甲二市"].rank == 2
    assert standings["甲三市"].total == D("10.00") and standings["甲三市"].rank == 3
    assert standings["甲省科技厅"].total == D("20.00") and standings["甲省科技厅"].rank == 1
    assert standings["甲一市"].band == "high" and standings["甲二市"].band == "low"
    assert [s.peer_group for s in selectors.standings(evaluation)] == ["cities"] * 3 + ["departments"]
    assert [s.organization_name for s in selectors.standings(evaluation, "departments")] == ["甲省科技厅"]
    assert selectors.peer_groups(evaluation) == [("cities", "市"), ("departments", "部门")]


def _check_ins_of(evaluation):
    return {name: value for (name, code), value in raw_by_name(evaluation).items() if code == "check_ins"}


def _check_in(small, seats, username):
    from sciweek.accounts.models import User
    from sciweek.activities.models import Session
    from sciweek.reservations.models import Reservation

    from .conftest import at

    session = Session.objects.filter(activity__organization=small["u1"]).first()
    Reservation.objects.create(session=session, person=User.objects.create(username=username), seats=seats,
                               status="confirmed", code=username[-6:].upper(), checked_in_at=at(8, 24, 10))


def test_check_ins_before_a_future_evaluation_date_are_counted_at_once(evaluation, small):
    assert _check_ins_of(evaluation)["甲一市"] == 5
    _check_in(small, 2, "e-late-1")
    assert _check_ins_of(evaluation)["甲一市"] == 7


def test_check_ins_before_a_past_evaluation_date_are_counted_once_per_filing_change(
        evaluation, small, django_assert_max_num_queries):
    """Once the evaluation date is past, its check-ins are settled: the scan is kept under the
    filings' data version (a filing change counts again)."""
    from freezegun import freeze_time

    from sciweek.activities.models import Activity
    from sciweek.evaluation.indicators import Context, compute_raw

    sch = selectors.scheme(evaluation)
    ctx_args = (small["campaign"].pk, small["p"].path, [s.org_path for s in sch.subjects], evaluation.evaluated_on)
    check_ins = {i.id: i.source for i in sch.indicators if i.source == "check_ins"}
    with freeze_time("2097-01-10 12:00:00"):
        assert _check_ins_of(evaluation)["甲一市"] == 5
        with django_assert_max_num_queries(1):  # the data version's seek, no scan
            compute_raw(Context(*ctx_args), check_ins)
        _check_in(small, 2, "e-late-2")  # written straight into the past, as no service does
        assert _check_ins_of(evaluation)["甲一市"] == 5
        Activity.objects.filter(organization=small["u1"]).first().save()  # any filing change
        assert _check_ins_of(evaluation)["甲一市"] == 7
