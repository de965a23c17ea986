from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "sciweek.activities"
    label = "activities"
    verbose_name = _("活动与备案")

    def ready(self):
        from sciweek.core.cache import register_version_source

        from .selectors import data_version_part

        register_version_source("activities", data_version_part)
