from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpreadsheetsConfig(AppConfig):
    name = "sciweek.spreadsheets"
    label = "spreadsheets"
    urls_prefix = "console/excel/"
    verbose_name = _("Excel 导入导出")

    def ready(self):
        from sciweek.console.registry import NavEntry, register_nav

        from .exporters import Exporter, register_exporter

        register_nav(NavEntry("spreadsheets:index", _("Excel 导入导出"), action="activity.export", order=30))
        # The activities exports: their views live here (they need the official column order).
        register_exporter(
            Exporter("filings", _("导出 Excel"), "spreadsheets:export_filings", "activity.export",
                     description=_("备案（按官方表格列顺序）"), filters=True, order=10),
            Exporter("plan_lists", _("重点活动清单和开放单位（上报用）"), "spreadsheets:export_plan_lists",
                     "activity.export", kinds=("region", "committee"), order=20),
        )
