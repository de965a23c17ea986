"""The 2020 open days were booked and attended (DemoLoader.build_visits): the finished year's
statistics and its evaluation's check-in indicator have something to count."""
from django.db.models import Count, Sum

from sciweek.activities.models import Activity, Session
from sciweek.reservations.models import Reservation


def test_the_2020_open_days_were_booked_and_most_visitors_let_in(demo):
    visits = Reservation.objects.filter(session__activity__campaign=demo)
    booked = visits.aggregate(seats=Sum("seats"), people=Count("person", distinct=True))
    let_in = visits.filter(checked_in_at__isnull=False).aggregate(seats=Sum("seats"), n=Count("id"))
    assert booked["seats"] > 500 and 0.75 < let_in["seats"] / booked["seats"] < 0.95
    assert booked["people"] < visits.count()  # some came to more than one open day: 人次 > 人
    assert not visits.exclude(status=Reservation.Status.CONFIRMED).exists()
    for session in Session.objects.filter(activity__campaign=demo).annotate(booked=Sum("reservations__seats")):
        assert session.seats_taken == (session.booked or 0) <= session.capacity
        assert session.starts_at.year == 2020
    for activity in Activity.objects.filter(campaign=demo, sessions__isnull=False).distinct():
        attended = visits.filter(session__activity=activity, checked_in_at__isnull=False).aggregate(
            n=Sum("seats"))["n"] or 0
        assert activity.actual_participants == attended


def test_the_visits_are_the_same_on_every_load(demo):
    from sciweek.demo.loader import DemoLoader

    before = Reservation.objects.filter(session__activity__campaign=demo).count()
    DemoLoader().build_visits(demo)  # loaded already: nothing is added
    assert Reservation.objects.filter(session__activity__campaign=demo).count() == before
