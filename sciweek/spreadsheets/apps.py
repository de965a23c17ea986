from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpreadsheetsConfig(AppConfig):
    name = "sciweek.spreadsheets"
    label = "spreadsheets"
    urls_prefix = "console/excel/"
    verbose_name = _("Excel 导入导出")

    def ready(self):
        from sciweek.console.registry import NavEntry, register_nav

        register_nav(NavEntry("spreadsheets:index", _("Excel 导入导出"), action="activity.export", order=30))
