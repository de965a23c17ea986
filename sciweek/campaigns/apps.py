from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "sciweek.campaigns"
    label = "campaigns"
    verbose_name = _("科技活动周")

    def ready(self):
        from sciweek.accounts.audit import register_labels
        from sciweek.console.registry import NavEntry, register_nav

        register_labels({"campaign.updated": _("修改活动周设置")})
        register_nav(NavEntry("campaigns:campaign", _("活动周设置"), action="campaign.view", order=80))
        from sciweek.api.registry import register_router

        from . import api

        register_router(api.router, tags=api.TAGS)
        from sciweek.console.registry import DashboardCard, register_card

        from . import dashboard

        register_card(DashboardCard("campaigns.deadlines", "campaigns/cards/deadlines.html", dashboard.deadlines, order=20))
