from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "sciweek.accounts"
    label = "accounts"
    urls_prefix = "accounts/"
    verbose_name = _("账号与权限")

    def ready(self):
        from sciweek.console.registry import NavEntry, register_nav

        from . import signals  # noqa: F401

        register_nav(NavEntry("console:audit_log", _("审计日志"), action="audit.view", order=90))
