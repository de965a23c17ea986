from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatisticsConfig(AppConfig):
    name = "sciweek.statistics"
    label = "statistics"
    verbose_name = _("统计")

    def ready(self):
        pass
