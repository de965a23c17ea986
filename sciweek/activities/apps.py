from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "sciweek.activities"
    label = "activities"
    verbose_name = _("活动与备案")

    def ready(self):
        from sciweek.api.registry import register_router
        from sciweek.console.registry import DashboardCard, NavEntry, register_card, register_nav
        from sciweek.core.cache import register_version_source
        from sciweek.core.signals import person_checked_in, went_online_only

        from . import api, dashboard
        from .receivers import count_attendance, tell_paused_organizers
        from .selectors import data_version_part

        register_version_source("activities", data_version_part)
        person_checked_in.connect(count_attendance, dispatch_uid="activities.count_attendance")
        went_online_only.connect(tell_paused_organizers, dispatch_uid="activities.tell_paused_organizers")
        register_nav(NavEntry("activities:filing_list", _("活动备案"), action="activity.view", order=10),
                     NavEntry("activities:review_inbox", _("审核"), action="activity.review", order=20),
                     NavEntry("activities:notifications", _("通知"), order=40))
        register_card(
            DashboardCard("activities.review_waiting", "activities/cards/review_waiting.html", dashboard.review_waiting,
                          order=10),
            DashboardCard("activities.notifications", "activities/cards/notifications.html", dashboard.notifications,
                          order=15),
            DashboardCard("activities.filing_counts", "activities/cards/filing_counts.html", dashboard.filing_counts,
                          order=25),
            DashboardCard("activities.recent_filings", "activities/cards/recent_filings.html", dashboard.recent_filings,
                          order=40))
        register_router(api.router, tags=api.TAGS)
