"""Reservations of places in sessions, and check-in at the door (the public person who books
is participants.Profile).

Capacity lives on activities.Session (seats_taken, capacity, CheckConstraint); every change
to it is a conditional UPDATE in the same transaction as the reservation row (services).
"""
from enum import nonmember

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReservationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已预约")
    WAITING = "waiting", _("候补中")
    CANCELLED = "cancelled", _("已取消")

    # Holding a place or a place in the queue (one per person and session).
    ACTIVE = nonmember(("confirmed", "waiting"))


class Reservation(models.Model):
    Status = ReservationStatus

    session = models.ForeignKey("activities.Session", on_delete=models.PROTECT, related_name="reservations")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reservations")
    seats = models.PositiveSmallIntegerField(_("人数"), default=1)
    group_name = models.CharField(_("团体名称"), max_length=64, blank=True, help_text=_("如：某某小学五年级二班"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices)
    code = models.CharField(_("核验码"), max_length=10, unique=True)
    attested_at = models.DateTimeField(_("确认防疫承诺时间"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    waiting_since = models.DateTimeField(null=True, blank=True, help_text="order of the waiting list")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=128, blank=True)
    checked_in_at = models.DateTimeField(_("入场时间"), null=True, blank=True)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    checked_in_by_name = models.CharField(max_length=150, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["created_at", "id"]
        constraints = [
            # One active reservation per person and session, whatever the interleaving.
            models.UniqueConstraint(fields=["session", "person"], condition=models.Q(status__in=list(ReservationStatus.ACTIVE)),
                                    name="one_active_reservation_per_person"),
            models.UniqueConstraint(fields=["person", "idempotency_key"], condition=~models.Q(idempotency_key=""),
                                    name="reservation_idempotency_key"),
            models.CheckConstraint(condition=models.Q(seats__gte=1), name="reservation_seats_positive"),
            models.CheckConstraint(condition=models.Q(checked_in_at__isnull=True) | models.Q(status="confirmed"),
                                   name="checkin_only_when_confirmed"),
        ]
        indexes = [models.Index(fields=["session", "status", "waiting_since"]),
                   models.Index(fields=["person", "status"])]

    def __str__(self):
        return self.code

    @property
    def scope_organization(self):
        return self.session.activity.organization
