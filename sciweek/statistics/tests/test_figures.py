"""The figures of a level over its subtree: every dimension, open institutions, sessions,
bookings and check-ins, and participations (人次) against distinct people (人)."""
import pytest

from sciweek.statistics import selectors

pytestmark = pytest.mark.django_db


def test_the_province_counts_every_dimension(tree):
    f = selectors.figures(tree["campaign"], tree["p"])
    d = f["dimensions"]
    assert f["total"]["activities"] == 6 and f["total"]["filings"] == 8  # the change copy is not counted
    assert d["kind"]["total"] == {"project": 4, "open_day": 2}
    assert d["format"]["total"] == {"online": 1, "onsite": 4, "hybrid": 1}
    assert d["level"]["total"] == {"provincial": 2, "city": 1, "unit": 3}
    assert d["status"]["total"] == {"draft": 1, "approved": 6, "rejected": 1}
    assert d["org_kind"]["total"] == {"region": 1, "department": 1, "research_institute": 1, "university": 1,
                                      "museum": 2}
    a1, a2 = str(tree["area1"].pk), str(tree["area2"].pk)
    assert d["content_area"]["total"] == {a1: 2, a2: 2, "none": 3}
    dates = d["date"]["total"]
    assert dates["before"] == 1 and dates["none"] == 1 and dates["after"] == 0
    assert [dates[f"{tree['campaign'].year}-08-{n}"] for n in (23, 24, 25, 26, 27, 28, 29)] == [0, 1, 1, 1, 1, 0, 0]
    assert f["open_institutions"]["total"] == {"research_institute": 1, "university": 1}


def test_rows_are_the_children_and_the_level_itself(tree):
    f = selectors.figures(tree["campaign"], tree["p"])
    keys = [r["key"] for r in f["rows"]]
    assert keys == [tree["p"].path, tree["pd"].path, tree["c1"].path, tree["c2"].path]
    m = f["metrics"]
    assert m[tree["c1"].path]["activities"] == 3 and m[tree["c1"].path]["filings"] == 4
    assert m[tree["c2"].path]["activities"] == 1 and m[tree["pd"].path]["activities"] == 1
    assert m[tree["p"].path]["activities"] == 1
    assert f["dimensions"]["kind"]["rows"][tree["c1"].path] == {"project": 2, "open_day": 1}
    # every column's total is the sum of the rows (an activity lies in exactly one child subtree)
    for key, dimension in f["dimensions"].items():
        for column in dimension["columns"]:
            assert dimension["total"][column] == sum(row[column] for row in dimension["rows"].values()), key


def test_sessions_bookings_and_check_ins(tree):
    f = selectors.figures(tree["campaign"], tree["p"])
    t = f["total"]
    assert t["sessions"] == 3  # the cancelled session is not counted
    assert t["bookings"] == 6  # seats: a group of 3 counts 3; the cancelled reservation not at all
    assert t["check_ins"] == 5
    assert f["metrics"][tree["c1"].path]["check_ins"] == 4 and f["metrics"][tree["c2"].path]["check_ins"] == 1
    assert t["online"] == 2  # finished and expired attempts; the one in progress is not


def test_a_person_in_two_cities_is_one_person_and_several_participations(tree):
    f = selectors.figures(tree["campaign"], tree["p"])
    m, t = f["metrics"], f["total"]
    # the walker: checked in at C1 and at C2 and took the province's quiz
    assert t["participations"] == 7 == t["check_ins"] + t["online"]
    assert t["people"] == 2  # the walker and the group's booker, each once
    assert m[tree["c1"].path]["people"] == 2 and m[tree["c2"].path]["people"] == 1 and m[tree["p"].path]["people"] == 2
    assert sum(row["people"] for row in m.values()) == 5 > t["people"]  # never the sum of the rows
    national = selectors.figures(tree["campaign"], tree["root"])
    assert national["total"]["people"] == 3 and national["total"]["check_ins"] == 6
    assert national["total"]["participations"] == 8


def test_the_walker_alone(tree):
    from sciweek.reservations.models import Reservation

    Reservation.objects.exclude(person=tree["walker"]).delete()
    from sciweek.quiz.models import Attempt

    Attempt.objects.exclude(person=tree["walker"]).delete()
    f = selectors.figures(tree["campaign"], tree["p"])
    assert f["total"]["people"] == 1  # 人: once
    assert f["total"]["check_ins"] == 2  # 人次: twice at the door (two activities, two cities)
    assert f["total"]["participations"] == 3  # and once online


def test_a_unit_level_and_a_branch_without_figures(tree):
    f = selectors.figures(tree["campaign"], tree["u1"])
    assert [r["key"] for r in f["rows"]] == [tree["u1"].path]
    assert f["total"]["activities"] == 2 and f["total"]["check_ins"] == 4
    q = selectors.figures(tree["campaign"], tree["d1"])
    assert q["total"]["activities"] == 1 and q["total"]["people"] == 1


def test_online_views_are_not_recorded(tree):
    f = selectors.figures(tree["campaign"], tree["p"])
    assert "online_views" not in f["total"] and f["not_recorded"] == ["online_views"]


def test_the_figures_take_a_bounded_number_of_queries(tree, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        selectors.figures(tree["campaign"], tree["root"])
