from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "sciweek.campaigns"
    label = "campaigns"
    verbose_name = _("科技活动周")

    def ready(self):
        from sciweek.accounts.audit import register_labels
        from sciweek.api.registry import register_router
        from sciweek.console.registry import DashboardCard, NavEntry, register_card, register_nav

        from . import api, dashboard

        register_labels({"campaign.updated": _("修改活动周设置")})
        register_nav(NavEntry("campaigns:campaign", _("活动周设置"), action="campaign.view", order=80))
        register_card(DashboardCard("campaigns.deadlines", "campaigns/cards/deadlines.html", dashboard.deadlines,
                                    order=20))
        register_router(api.router, tags=api.TAGS)
