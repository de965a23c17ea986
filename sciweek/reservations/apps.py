from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReservationsConfig(AppConfig):
    name = "sciweek.reservations"
    label = "reservations"
    verbose_name = _("预约与核验入场")
