from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReservationsConfig(AppConfig):
    name = "sciweek.reservations"
    label = "reservations"
    verbose_name = _("预约与核验入场")

    def ready(self):
        from sciweek.accounts.audit import register_labels
        from sciweek.api.registry import register_router
        from sciweek.console.registry import DashboardCard, register_card
        from sciweek.participants.registry import register_personal_data, register_personal_page

        from . import dashboard, services
        from .api import router

        register_labels({"reservation.capacity_changed": _("调整场次名额"),
                         "reservation.session_closed": _("停止或取消场次"),
                         "reservation.checkin_override": _("非场次当天核验入场")})
        register_card(DashboardCard("reservations.upcoming_sessions", "reservations/cards/upcoming_sessions.html",
                                    dashboard.upcoming_sessions, order=30))
        register_personal_data("reservations", export=services.export_for, erase=services.erase_for)
        register_personal_page("reservations:mine", order=10)
        register_router(router)
