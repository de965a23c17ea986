from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "sciweek.accounts"
    label = "accounts"
    verbose_name = _("账号与权限")

    def ready(self):
        from sciweek.api.registry import register_router
        from sciweek.console.registry import DashboardCard, NavEntry, register_card, register_nav

        from . import api, dashboard, signals  # noqa: F401 (signals: connects the sign-in audit receivers)

        register_nav(NavEntry("accounts:audit_log", _("审计日志"), action="audit.view", order=90))
        register_card(DashboardCard("accounts.memberships", "accounts/cards/memberships.html", dashboard.memberships,
                                    order=5),
                      DashboardCard("accounts.recent_audit", "accounts/cards/recent_audit.html",
                                    dashboard.recent_audit, order=45))
        register_router(api.router, tags=api.TAGS)
