from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "sciweek.accounts"
    label = "accounts"
    verbose_name = _("账号与权限")

    def ready(self):
        from sciweek.console.registry import NavEntry, register_nav

        from . import signals  # noqa: F401

        register_nav(NavEntry("accounts:audit_log", _("审计日志"), action="audit.view", order=90))
        from sciweek.api.registry import register_router

        from . import api

        register_router(api.router, tags=api.TAGS)
        from sciweek.console.registry import DashboardCard, register_card

        from . import dashboard

        register_card(DashboardCard("accounts.memberships", "accounts/cards/memberships.html", dashboard.memberships, order=5),
                      DashboardCard("accounts.recent_audit", "accounts/cards/recent_audit.html", dashboard.recent_audit,
                                    order=45))
