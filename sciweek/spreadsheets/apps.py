from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpreadsheetsConfig(AppConfig):
    name = "sciweek.spreadsheets"
    label = "spreadsheets"
    verbose_name = _("Excel 导入导出")
