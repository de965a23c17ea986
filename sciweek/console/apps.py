from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "sciweek.console"
    label = "console"
    urls_prefix = "console/"
    verbose_name = _("工作台")

    def ready(self):
        from .registry import NavEntry, register_nav

        register_nav(NavEntry("console:home", _("工作台"), order=0))
