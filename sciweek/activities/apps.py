from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "sciweek.activities"
    label = "activities"
    verbose_name = _("活动与备案")

    def ready(self):
        from sciweek.console.registry import NavEntry, register_nav
        from sciweek.core.cache import register_version_source

        from .selectors import data_version_part

        register_version_source("activities", data_version_part)
        register_nav(NavEntry("console:filing_list", _("活动备案"), action="activity.view", order=10),
                     NavEntry("console:review_inbox", _("审核"), action="activity.review", order=20),
                     NavEntry("console:notifications", _("通知"), order=40))
