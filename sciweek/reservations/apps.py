from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReservationsConfig(AppConfig):
    name = "sciweek.reservations"
    label = "reservations"
    verbose_name = _("预约与核验入场")

    def ready(self):
        from sciweek.accounts.audit import register_labels

        register_labels({"reservation.capacity_changed": _("调整场次名额"),
                         "reservation.session_closed": _("停止或取消场次")})
        from sciweek.api.registry import register_router

        from .api import router

        register_router(router)
